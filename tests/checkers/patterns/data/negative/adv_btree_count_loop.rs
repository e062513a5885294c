// expect: none
use std::collections::BTreeMap;
pub fn word_lengths<'a>(words: impl Iterator<Item = &'a str>) -> BTreeMap<usize, Vec<String>> {
    let mut by_len: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for w in words {
        by_len.entry(w.len()).or_insert_with(Vec::new).push(w.to_owned());
    }
    by_len
}
pub fn group(map: &mut std::collections::HashMap<String, Vec<u32>>, name: &str, v: u32) {
    map.entry(name.to_string()).or_default().push(v);
}
