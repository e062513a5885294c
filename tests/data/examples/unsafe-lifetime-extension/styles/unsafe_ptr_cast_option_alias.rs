// expect: unsafe-lifetime-extension
use std::collections::BTreeMap;
pub type Found<'a> = Option<&'a mut String>;
pub struct Names { map: BTreeMap<u32, String> }

impl Names {
    pub fn name(&mut self, id: u32) -> Found<'_> {
        let map = &mut self.map as *mut BTreeMap<u32, String>;
        if let Some(s) = unsafe { (*map).get_mut(&id) } {
            return Some(s);
        }
        self.map.insert(id, format!("#{id}"));
        self.map.get_mut(&id)
    }
}
