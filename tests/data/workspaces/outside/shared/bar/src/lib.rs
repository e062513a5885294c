//! A path dependency of a path dependency, also outside the workspace root.
pub const PREFIX: &str = "k";
