// expect: epoch-bare-trait-object, epoch-try-macro, epoch-extern-crate
#[macro_use]
extern crate log;
use std::error::Error;
use std::fs::File;
use std::io::Read;

pub fn read_all(path: &str) -> Result<String, Box<Error + Send + Sync>> {
    let mut f = try!(File::open(path));
    let mut s = String::new();
    try!(f.read_to_string(&mut s));
    Ok(s)
}
