// expect: check-then-relookup
pub struct Tokens { items: Vec<String>, pos: usize }
impl Tokens {
    fn peek_token(&mut self) -> Option<&String> { self.items.get(self.pos) }
    pub fn next_word(&mut self) -> Option<&String> {
        while self.pos < self.items.len() {
            if self.peek_token().map_or(false, |t| t.chars().all(char::is_alphabetic)) {
                return self.peek_token();
            }
            self.pos += 1;
        }
        None
    }
}
