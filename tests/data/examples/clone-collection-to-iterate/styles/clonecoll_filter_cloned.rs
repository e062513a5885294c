// expect: clone-collection-to-iterate
pub struct Sched { ready: Vec<u32>, ran: Vec<u32> }

impl Sched {
    fn run(&mut self, t: u32) { self.ran.push(t); }
    pub fn tick(&mut self) {
        let due: Vec<u32> = self.ready.iter().filter(|t| **t % 2 == 0).cloned().collect();
        for t in due {
            self.run(t);
        }
    }
}
