// expect: check-then-relookup
pub struct Lexer { words: Vec<String>, at: usize }
impl Lexer {
    fn peek_word(&self) -> Option<&str> {
        self.words.get(self.at).map(|w| w.as_str())
    }

    pub fn next_keyword(&mut self) -> Option<&str> {
        while self.at < self.words.len() {
            if self.peek_word().is_some_and(|w| w.starts_with('#')) {
                return self.peek_word();
            }
            self.at += 1;
        }
        None
    }
}
