//! Shared types.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key(pub String);

impl Key {
    pub fn new(name: &str) -> Self {
        Key(name.to_owned())
    }
}
