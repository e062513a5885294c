// expect: clone-collection-to-iterate
pub struct Item { pub name: String, pub qty: u32 }
pub struct Cart { items: Vec<Item>, log: Vec<String> }

impl Cart {
    fn note(&mut self, s: &str) { self.log.push(s.to_owned()); }
    pub fn audit(&mut self) {
        let names: Vec<String> = self.items.iter().map(|i| i.name.clone()).collect();
        for n in names.iter() {
            self.note(n);
        }
    }
}
