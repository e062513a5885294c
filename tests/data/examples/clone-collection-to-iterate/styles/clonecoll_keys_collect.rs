// expect: clone-collection-to-iterate
use std::collections::HashMap;
pub struct Files { open: HashMap<String, u32>, flushed: Vec<String> }

impl Files {
    fn flush(&mut self, name: &str) { self.flushed.push(name.to_owned()); }
    pub fn flush_all(&mut self) {
        let names = self.open.keys().cloned().collect::<Vec<_>>();
        for name in &names {
            self.flush(name);
        }
    }
}
