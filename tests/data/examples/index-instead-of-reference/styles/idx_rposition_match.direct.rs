pub struct Frame { pub depth: usize, pub locals: Vec<i64> }
pub struct Stack { frames: Vec<Frame> }

impl Stack {
    pub fn frame_at(&mut self, depth: usize) -> &mut Frame {
        if let Some(f) = self.frames.iter_mut().rev().find(|f| f.depth == depth) {
            return f;
        }
        self.frames.push(Frame { depth, locals: Vec::new() });
        self.frames.last_mut().unwrap()
    }
}
