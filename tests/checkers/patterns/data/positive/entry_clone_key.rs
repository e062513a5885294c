// expect: entry-owned-key
use std::collections::BTreeMap;
#[derive(Clone, Ord, PartialOrd, Eq, PartialEq)]
pub struct Key(u64);
pub fn slot<'a>(map: &'a mut BTreeMap<Key, String>, key: &Key) -> &'a mut String {
    return map.entry(key.clone()).or_insert_with(String::new);
}
