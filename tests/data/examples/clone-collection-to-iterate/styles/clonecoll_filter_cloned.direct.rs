pub struct Sched { ready: Vec<u32>, ran: Vec<u32> }

impl Sched {
    fn run(&mut self, t: u32) { self.ran.push(t); }
    pub fn tick(&mut self) {
        for t in self.ready.iter().filter(|t| **t % 2 == 0) {
            self.run(*t);
        }
    }
}
