// expect: none
// clap's format.rs / h2's error.rs: `Error` is a struct (the crate's own, or io::Error).
use std::io;
mod error { pub struct Error<F = ()>(pub F); }
pub fn kind(e: &crate::error::Error<u8>) -> u8 { e.0 }
pub fn io_kind(e: &io::Error) -> io::ErrorKind { e.kind() }
pub struct Any;
pub fn any(a: &Any) -> &Any { a }
