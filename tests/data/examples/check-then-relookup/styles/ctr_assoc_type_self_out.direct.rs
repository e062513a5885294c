use std::collections::HashMap;

pub trait GetOrMake {
    type Out;
    fn get_or_make(self, k: u32) -> Self::Out;
}

impl<'a> GetOrMake for &'a mut HashMap<u32, Vec<u8>> {
    type Out = &'a mut Vec<u8>;
    fn get_or_make(self, k: u32) -> Self::Out {
        if let Some(v) = self.get_mut(&k) {
            return v;
        }
        self.insert(k, Vec::new());
        self.get_mut(&k).unwrap()
    }
}
