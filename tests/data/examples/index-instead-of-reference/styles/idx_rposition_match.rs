// expect: index-instead-of-reference
pub struct Frame { pub depth: usize, pub locals: Vec<i64> }
pub struct Stack { frames: Vec<Frame> }

impl Stack {
    pub fn frame_at(&mut self, depth: usize) -> &mut Frame {
        match self.frames.iter().rposition(|f| f.depth == depth) {
            Some(k) => &mut self.frames[k],
            None => {
                self.frames.push(Frame { depth, locals: Vec::new() });
                self.frames.last_mut().unwrap()
            }
        }
    }
}
