// expect: entry-owned-key
use std::collections::BTreeMap;
pub trait Interner {
    fn intern(&mut self, name: &str) -> &mut u32;
}
pub struct Table { ids: BTreeMap<String, u32>, next: u32 }
impl Interner for Table {
    fn intern(&mut self, name: &str) -> &mut u32 {
        let next = self.next;
        self.ids.entry(name.to_owned()).or_insert_with(|| next)
    }
}
