// expect: none
use std::collections::HashMap;
pub struct Tx { rows: HashMap<u32, String> }
impl Tx {
    pub fn with_row<R>(&self, id: u32, f: impl FnOnce(Option<&String>) -> R) -> R {
        f(self.rows.get(&id))
    }
    pub fn for_each_row(&mut self, mut f: impl FnMut(&u32, &mut String)) {
        for (k, v) in self.rows.iter_mut() { f(k, v); }
    }
}
