// expect: epoch-try-macro, epoch-ellipsis-range-pattern, epoch-bare-trait-object, epoch-mem-uninitialized
use std::fmt::Debug;
pub fn parse_all(xs: &[&str]) -> Result<Vec<u8>, std::num::ParseIntError> {
    let mut out = Vec::new();
    for x in xs { out.push(try!(x.parse::<u8>())); }
    Ok(out)
}
pub fn digit(c: char) -> bool { match c { '0'...'9' => true, _ => false } }
pub fn show(x: &Debug) -> String { format!("{:?}", x) }
pub fn buf() -> [u8; 4] { unsafe { ::std::mem::uninitialized() } }
