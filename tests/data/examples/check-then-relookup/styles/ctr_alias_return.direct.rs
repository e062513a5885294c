use std::collections::HashMap;
type Slot<'a> = &'a mut Vec<String>;
pub struct Tags { by_file: HashMap<u32, Vec<String>> }

impl Tags {
    pub fn tags(&mut self, file: u32) -> Slot<'_> {
        if let Some(t) = self.by_file.get_mut(&file) {
            return t;
        }
        self.by_file.insert(file, Vec::new());
        self.by_file.get_mut(&file).unwrap()
    }
}
