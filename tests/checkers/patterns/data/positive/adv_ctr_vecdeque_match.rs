// expect: check-then-relookup
use std::collections::VecDeque;
pub struct Ring<T> { items: VecDeque<Option<T>> }
impl<T: Default> Ring<T> {
    /// first live slot, creating one if the ring is empty
    pub fn front_slot(&mut self) -> &mut T {
        match self.items.front() {
            Some(Some(_)) => {
                return self.items.front_mut().unwrap().as_mut().unwrap();
            }
            _ => {}
        }
        self.items.push_front(Some(T::default()));
        self.items.front_mut().unwrap().as_mut().unwrap()
    }
}
