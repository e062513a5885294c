// expect: none
pub struct S { buf: Option<Vec<u8>> }
impl S {
    pub fn flush(&mut self) -> usize {
        if let Some(b) = self.buf.take() {
            let n = b.len();
            self.buf = Some(Vec::new());
            return n;
        }
        0
    }
}
