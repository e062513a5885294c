//! Shared types.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub String);

impl Key {
    pub fn new(name: &str) -> Self {
        Key(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Key;

    #[test]
    fn keys_compare() {
        assert_eq!(Key::new("a"), Key::new("a"));
    }
}
