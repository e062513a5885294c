pub struct Item { pub name: String, pub qty: u32 }
pub struct Cart { items: Vec<Item>, log: Vec<String> }

impl Cart {
    fn note(&mut self, s: &str) { self.log.push(s.to_owned()); }
    pub fn audit(&mut self) {
        for i in self.items.iter() {
            self.note(&i.name);
        }
    }
}
