// expect: unsafe-lifetime-extension
use std::collections::HashMap;
pub fn get_or_zero<'a>(m: &'a mut HashMap<u8, u64>, k: u8) -> &'a mut u64 {
    let raw = m as *mut HashMap<u8, u64>;
    if let Some(v) = unsafe { (*raw).get_mut(&k) } {
        return v;
    }
    m.insert(k, 0);
    m.get_mut(&k).unwrap()
}
