// expect: index-instead-of-reference
pub struct Tok { pub text: String, pub used: bool }
pub struct Lexer { toks: Vec<Tok>, cursor: usize }

impl Lexer {
    fn refill(&mut self) { self.toks.push(Tok { text: String::new(), used: false }); }

    pub fn next_unused(&mut self) -> &mut Tok {
        loop {
            let found = self.toks[self.cursor..].iter().position(|t| !t.used);
            match found {
                Some(off) => return &mut self.toks[self.cursor + off],
                None => {
                    self.cursor = self.toks.len();
                    self.refill();
                }
            }
        }
    }
}
