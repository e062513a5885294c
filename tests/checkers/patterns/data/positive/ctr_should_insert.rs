// expect: check-then-relookup
use std::collections::HashMap;
pub fn bucket<'m>(groups: &'m mut HashMap<char, Vec<String>>, word: &str) -> &'m mut Vec<String> {
    let first = word.chars().next().unwrap_or(' ');
    if !groups.contains_key(&first) {
        groups.insert(first, Vec::new());
    }
    groups.get_mut(&first).unwrap()
}
