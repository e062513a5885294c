// expect: unsafe-lifetime-extension
pub struct Pool { free: Vec<Option<String>> }
impl Pool {
    pub fn first_free(&mut self) -> &mut Option<String> {
        for slot in self.free.iter_mut() {
            if slot.is_none() {
                let slot: &mut Option<String> = unsafe { std::mem::transmute(slot) };
                return slot;
            }
        }
        self.free.push(None);
        self.free.last_mut().unwrap()
    }
}
