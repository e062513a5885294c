//! A package with a build script that generates code into OUT_DIR.
include!(concat!(env!("OUT_DIR"), "/generated.rs"));

pub fn generated() -> u32 {
    GENERATED
}
