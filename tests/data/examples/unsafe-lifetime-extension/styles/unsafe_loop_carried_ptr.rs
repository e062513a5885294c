// expect: unsafe-lifetime-extension
pub struct Chunk { pub free: usize, pub bytes: Vec<u8> }
pub struct Arena { chunks: Vec<Chunk> }

impl Arena {
    fn grow(&mut self) { self.chunks.push(Chunk { free: 64, bytes: vec![0; 64] }); }

    pub fn chunk_with_room(&mut self, need: usize) -> &mut Chunk {
        loop {
            let chunks = &mut self.chunks as *mut Vec<Chunk>;
            for c in unsafe { &mut *chunks }.iter_mut() {
                if c.free >= need {
                    return c;
                }
            }
            self.grow();
        }
    }
}
