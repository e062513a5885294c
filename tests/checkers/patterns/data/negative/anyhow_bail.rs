// expect: none
use anyhow::{bail, Result};
pub fn check(n: i32) -> Result<i32> {
    if n < 0 { bail!("negative: {}", n); }
    Ok(n)
}
