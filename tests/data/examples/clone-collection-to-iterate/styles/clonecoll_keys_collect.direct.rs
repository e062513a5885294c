use std::collections::HashMap;
pub struct Files { open: HashMap<String, u32>, flushed: Vec<String> }

impl Files {
    fn flush(&mut self, name: &str) { self.flushed.push(name.to_owned()); }
    pub fn flush_all(&mut self) {
        for name in self.open.keys() {
            self.flush(name);
        }
    }
}
