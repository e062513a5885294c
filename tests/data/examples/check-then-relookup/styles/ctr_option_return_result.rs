// expect: check-then-relookup
use std::collections::HashMap;
pub struct Reg { vals: HashMap<String, String> }

impl Reg {
    pub fn resolve(&mut self, name: &str) -> Result<&String, String> {
        if self.vals.get(name).is_some() {
            return Ok(self.vals.get(name).unwrap());
        }
        self.vals.insert(name.to_owned(), name.to_uppercase());
        self.vals.get(name).ok_or_else(|| name.to_owned())
    }
}
