// expect: none
// Real-crate shapes that are not lifetime extension (bytes, serde_json, hyper, tokio):
// repr(transparent) casts, same-layout transmutes, pin projection, pointer arithmetic, FFI.
use std::pin::Pin;
#[repr(transparent)]
pub struct UninitSlice([u8]);
#[repr(transparent)]
pub struct RawValue { json: str }
pub struct Slots<T> { slots: *const T }
pub struct Reader { inner: Vec<u8> }

pub fn chunk_mut<'a>(s: &'a mut &mut [u8]) -> &'a mut UninitSlice {
    unsafe { &mut *(*s as *mut [u8] as *mut _) }
}
pub fn from_borrowed(json: &str) -> &RawValue {
    unsafe { std::mem::transmute::<&str, &RawValue>(json) }
}
impl<T> Slots<T> {
    pub fn get(&self, idx: usize) -> &T {
        unsafe {
            let slot = self.slots.add(idx);
            let value = slot as *const T;
            &*value
        }
    }
}
impl Reader {
    pub fn project(self: Pin<&mut Self>) -> &mut Vec<u8> {
        let this: *mut Self = unsafe { self.get_unchecked_mut() } as *mut _;
        unsafe { &mut (*this).inner }
    }
}
pub fn from_ffi<'a>(p: *const u8, len: usize) -> &'a [u8] {
    let start = p as *const u8;
    unsafe { std::slice::from_raw_parts(&*start, len) }
}
