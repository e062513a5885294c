// expect: clone-collection-to-iterate
pub struct Bus { handlers: Vec<u32>, fired: Vec<u32> }
impl Bus {
    fn fire(&mut self, h: u32) { self.fired.push(h); }
    pub fn broadcast(&mut self) {
        let hs: Vec<u32> = self.handlers.iter().copied().collect();
        for h in hs {
            self.fire(h);
        }
    }
}
