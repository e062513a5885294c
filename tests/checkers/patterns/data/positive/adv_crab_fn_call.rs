// expect: polonius-the-crab-call
use ::polonius_the_crab::prelude::*;
use std::collections::HashMap;
pub fn get_or_default<'a>(map: &'a mut HashMap<u32, String>, k: u32) -> &'a mut String {
    let mut map = map;
    polonius!(|map| -> &'polonius mut String {
        if let Some(v) = map.get_mut(&k) {
            polonius_return!(v);
        }
    });
    map.insert(k, String::new());
    map.get_mut(&k).unwrap()
}
