//! Workaround: a raw pointer launders the borrow so the early return compiles under NLL.
//! Sound, but the `unsafe` exists only because of problem case #3.
use std::collections::HashMap;

pub fn cached<'m>(cache: &'m mut HashMap<String, Vec<u8>>, key: &str) -> &'m mut Vec<u8> {
    let map: *mut HashMap<String, Vec<u8>> = cache;
    if let Some(hit) = unsafe { (*map).get_mut(key) } {
        return hit;
    }
    cache.entry(key.to_owned()).or_default()
}
