// expect: index-instead-of-reference
pub struct Slot { pub tag: u8, pub data: Vec<u8> }
pub struct Pool { slots: Vec<Slot> }

impl Pool {
    pub fn slot(&mut self, tag: u8) -> &mut Slot {
        let hit = self.slots.iter().enumerate().find_map(|(i, s)| if s.tag == tag { Some(i) } else { None });
        if let Some(i) = hit {
            return &mut self.slots[i];
        }
        self.slots.push(Slot { tag, data: Vec::new() });
        self.slots.last_mut().unwrap()
    }
}
