// expect: none
pub struct R { items: Vec<u32>, total: u32 }
impl R {
    fn score(&self, x: u32) -> u32 { x * 2 }
    pub fn sum(&mut self) -> u32 {
        let mut t = 0;
        for x in self.items.clone() { t += self.score(x); }
        self.total = t;
        t
    }
}
