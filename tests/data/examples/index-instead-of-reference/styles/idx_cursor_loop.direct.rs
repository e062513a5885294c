pub struct Tok { pub text: String, pub used: bool }
pub struct Lexer { toks: Vec<Tok>, cursor: usize }

impl Lexer {
    fn refill(&mut self) { self.toks.push(Tok { text: String::new(), used: false }); }

    pub fn next_unused(&mut self) -> &mut Tok {
        loop {
            if let Some(t) = self.toks[self.cursor..].iter_mut().find(|t| !t.used) {
                return t;
            }
            self.cursor = self.toks.len();
            self.refill();
        }
    }
}
