// expect: none
use std::collections::HashMap;
pub fn histogram(words: Vec<String>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for w in words {
        *counts.entry(w).or_insert(0) += 1;
    }
    counts
}
pub fn tally(counts: &mut HashMap<String, usize>, w: &str) {
    *counts.entry(w.to_owned()).or_insert(0) += 1;
}
