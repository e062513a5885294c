// expect: none
// indexmap / itertools shapes: a Copy read of another field is no live borrow, and a field taken
// and replaced by a fresh value is a state change, not a take/put-back.
pub struct Bucket { hash: u64 }
pub struct Core { entries: Vec<Bucket>, indices: Vec<usize>, key: Option<u32>, n: u32 }
fn update_index(indices: &mut [usize], hash: u64, from: usize, to: usize) {
    indices[(hash as usize) % indices.len().max(1)] = if from < to { to } else { from };
}
impl Core {
    fn next(&mut self) -> u32 { self.n += 1; self.n }
    pub fn move_index(&mut self, from: usize, to: usize) {
        let from_hash = self.entries[from].hash;
        update_index(&mut self.indices, from_hash, from, to);
        let last = self.entries.len();
        update_index(&mut self.indices, from_hash, last, to);
    }
    pub fn step(&mut self) -> u32 {
        let old = self.key.take().unwrap_or(0);
        let key = self.next();
        if old != key {
            self.key = Some(key);
        }
        key
    }
}
