// expect: check-then-relookup
use std::collections::HashMap;

pub trait GetOrMake {
    type Out;
    fn get_or_make(self, k: u32) -> Self::Out;
}

impl<'a> GetOrMake for &'a mut HashMap<u32, Vec<u8>> {
    type Out = &'a mut Vec<u8>;
    fn get_or_make(self, k: u32) -> Self::Out {
        if self.contains_key(&k) {
            return self.get_mut(&k).unwrap();
        }
        self.insert(k, Vec::new());
        self.get_mut(&k).unwrap()
    }
}
