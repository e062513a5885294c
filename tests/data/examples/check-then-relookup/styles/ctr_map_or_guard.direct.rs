use std::collections::HashMap;
pub struct Index { postings: HashMap<String, Vec<u32>> }

impl Index {
    pub fn postings(&mut self, term: &str) -> &mut Vec<u32> {
        if let Some(p) = self.postings.get_mut(term) {
            if !p.is_empty() {
                return p;
            }
        }
        self.postings.insert(term.to_owned(), Vec::new());
        self.postings.get_mut(term).unwrap()
    }
}
