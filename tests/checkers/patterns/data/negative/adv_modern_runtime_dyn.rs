// expect: none
use std::error::Error;
use std::fmt;
pub fn main_like() -> Result<(), Box<dyn Error + Send + Sync>> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async { Ok::<(), std::io::Error>(()) })?;
    Ok(())
}
pub fn call(f: &dyn Fn(u8) -> bool, g: impl Fn(u8) -> u8) -> bool { f(g(1)) }
pub fn boxed() -> Box<dyn fmt::Display> { Box::new(3) }
pub struct Error2;
pub fn parse(s: &str) -> Result<u8, Error2> {
    match s.len() { 0..=9 => Ok(0), _ => Err(Error2) }
}
