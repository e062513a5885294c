use std::{env, fs, path::Path};

fn main() {
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out).join("generated.rs"), "pub const GENERATED: u32 = 7;\n")
        .expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=build.rs");
}
