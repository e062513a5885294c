// expect: option-take-put-back
pub struct Doc { lines: Vec<String>, log: Vec<String> }
impl Doc {
    fn record(&mut self, s: &str) { self.log.push(s.to_owned()); }
    pub fn upper(&mut self) {
        let mut lines = std::mem::take(&mut self.lines);
        for l in lines.iter_mut() {
            *l = l.to_uppercase();
            self.record("upper");
        }
        self.lines = lines;
    }
}
