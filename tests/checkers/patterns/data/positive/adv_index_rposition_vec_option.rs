// expect: index-instead-of-reference
pub struct Slab<T> { slots: Vec<Option<T>> }
impl<T> Slab<T> {
    pub fn vacant_or_push(&mut self) -> &mut Option<T> {
        if let Some(idx) = self.slots.iter().rposition(|s| s.is_none()) {
            return &mut self.slots[idx];
        }
        self.slots.push(None);
        self.slots.last_mut().unwrap()
    }
}
