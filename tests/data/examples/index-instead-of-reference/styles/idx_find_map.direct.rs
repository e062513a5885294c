pub struct Slot { pub tag: u8, pub data: Vec<u8> }
pub struct Pool { slots: Vec<Slot> }

impl Pool {
    pub fn slot(&mut self, tag: u8) -> &mut Slot {
        if let Some(s) = self.slots.iter_mut().find(|s| s.tag == tag) {
            return s;
        }
        self.slots.push(Slot { tag, data: Vec::new() });
        self.slots.last_mut().unwrap()
    }
}
