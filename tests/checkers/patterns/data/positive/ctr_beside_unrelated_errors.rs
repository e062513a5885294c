// expect: check-then-relookup
use std::collections::BTreeMap;

pub struct Registry { entries: BTreeMap<String, Vec<u32>>, hits: u64 }

impl Registry {
    pub fn bucket(&mut self, name: &str) -> &mut Vec<u32> {
        if self.entries.contains_key(name) {
            self.hits += 1;
            return self.entries.get_mut(name).unwrap();
        }
        self.entries.insert(name.to_owned(), Vec::new());
        self.entries.get_mut(name).unwrap()
    }
}

// A real conflict (every borrow checker rejects it): E0502.
pub fn grow(v: &mut Vec<u32>) {
    let first = &v[0];
    v.push(*first);
    println!("{}", first);
}

// A type error, unrelated to borrowing: E0308.
pub fn count(items: &[u32]) -> u32 {
    items.len()
}
