// expect: none
extern "C" { fn strlen(p: *const u8) -> usize; }
pub fn c_len(s: &[u8]) -> usize { unsafe { strlen(s.as_ptr()) } }
pub fn first(v: &mut Vec<u8>) -> &mut u8 {
    let p = v.as_mut_ptr();
    unsafe { &mut *p }
}
