// expect: entry-owned-key
use std::collections::HashMap;
pub struct Index { words: HashMap<String, Vec<usize>> }
impl Index {
    pub fn postings(&mut self, term: &str) -> &mut Vec<usize> {
        self.words.entry(String::from(term)).or_default()
    }
}
