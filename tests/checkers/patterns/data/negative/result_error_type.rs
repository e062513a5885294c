// expect: none
#[derive(Debug)]
pub struct Error { msg: String }
pub fn parse(s: &str) -> Result<u8, Error> { s.parse().map_err(|_| Error { msg: s.into() }) }
pub fn boxed(e: &Error) -> Box<dyn std::fmt::Debug> { Box::new(e.msg.clone()) }
pub fn cb(f: &dyn Fn(u32) -> u32, g: fn(u8) -> u8, h: impl Fn() + Send) -> u32 { h(); g(1); f(2) }
