// expect: split-borrow-free-function
pub struct Counter { total: u64 }
pub struct Service { routes: Vec<String>, counter: Counter }
impl Service {
    fn count(c: &mut Counter) { c.total += 1; }
    pub fn serve(&mut self) {
        for r in &self.routes {
            if r.starts_with('/') { Self::count(&mut self.counter); }
        }
    }
}
