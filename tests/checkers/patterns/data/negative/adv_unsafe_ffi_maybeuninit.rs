// expect: none
use std::mem::MaybeUninit;
use std::ptr;
extern "C" { fn fill(buf: *mut u8, len: usize) -> i32; }
pub struct Buf { data: Vec<u8> }
impl Buf {
    pub fn refill(&mut self) -> &[u8] {
        let rc = unsafe { fill(self.data.as_mut_ptr(), self.data.len()) };
        if rc < 0 { return &[]; }
        &self.data[..rc as usize]
    }
    pub fn copy_into(&self, out: &mut [u8]) {
        unsafe { ptr::copy(self.data.as_ptr(), out.as_mut_ptr(), out.len().min(self.data.len())) }
    }
}
pub fn zeroed() -> [u32; 8] {
    let mut arr = MaybeUninit::<[u32; 8]>::uninit();
    unsafe { arr.as_mut_ptr().write([0; 8]); arr.assume_init() }
}
