// expect: check-then-relookup
use std::collections::HashMap;
pub struct Index { postings: HashMap<String, Vec<u32>> }

impl Index {
    pub fn postings(&mut self, term: &str) -> &mut Vec<u32> {
        if self.postings.get(term).map_or(false, |p| !p.is_empty()) {
            return self.postings.get_mut(term).unwrap();
        }
        self.postings.insert(term.to_owned(), Vec::new());
        self.postings.get_mut(term).unwrap()
    }
}
