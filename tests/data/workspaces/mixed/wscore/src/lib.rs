//! The core member: modules that only make sense inside their crate.
pub mod cache;
pub mod store;
pub mod types;

pub fn seed() -> u32 {
    wsmacros::answer!() + wsbuild::generated()
}
