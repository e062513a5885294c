//! Ordinary code: every borrow checker accepts it.
pub fn longest<'a>(words: &'a [String]) -> Option<&'a str> {
    let mut best: Option<&str> = None;
    for word in words {
        if best.map_or(true, |b| word.len() > b.len()) {
            best = Some(word);
        }
    }
    best
}

pub fn total_len(words: &[String]) -> usize {
    words.iter().map(String::len).sum()
}
