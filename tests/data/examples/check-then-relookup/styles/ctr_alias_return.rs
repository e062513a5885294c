// expect: check-then-relookup
use std::collections::HashMap;
type Slot<'a> = &'a mut Vec<String>;
pub struct Tags { by_file: HashMap<u32, Vec<String>> }

impl Tags {
    pub fn tags(&mut self, file: u32) -> Slot<'_> {
        if self.by_file.contains_key(&file) {
            return self.by_file.get_mut(&file).unwrap();
        }
        self.by_file.insert(file, Vec::new());
        self.by_file.get_mut(&file).unwrap()
    }
}
