// expect: check-then-relookup
use std::collections::HashMap;
use std::hash::Hash;

pub struct Registry<K, V> {
    entries: HashMap<K, Vec<V>>,
}

impl<K, V> Registry<K, V>
where
    K: Hash + Eq + Clone,
{
    pub fn bucket(&mut self, key: &K) -> &mut Vec<V> {
        if self.entries.contains_key(key) {
            // second lookup: NLL would not let us return the first one
            return self.entries.get_mut(key).expect("checked above");
        }
        self.entries.insert(key.clone(), Vec::new());
        self.entries.get_mut(key).expect("just inserted")
    }
}
