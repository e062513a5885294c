// expect: none
// crossbeam's fibonacci example and regex's dfa: plain integer rebinds, not a &mut cursor.
pub fn fib(n: u32) -> u64 {
    let (mut x, mut y) = (0u64, 1u64);
    for _ in 0..n {
        let tmp = x;
        x = y;
        y += tmp;
    }
    x
}
pub fn scan(text: &[u8], mut at: usize) -> usize {
    while at < text.len() {
        let cur = at;
        at = cur + 1;
    }
    at
}
