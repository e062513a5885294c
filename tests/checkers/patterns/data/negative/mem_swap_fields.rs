// expect: none
pub struct P { a: Vec<u8>, b: Vec<u8> }
impl P {
    pub fn flip(&mut self) {
        let n = &self.a;
        let len = n.len();
        std::mem::swap(&mut self.b, &mut Vec::with_capacity(len));
    }
}
