// expect: none
#![no_std]
extern crate alloc;
use alloc::vec::Vec;
use anyhow::{bail, Result};
pub fn check(v: &Vec<u8>) -> Result<usize> {
    if v.is_empty() {
        bail!("empty input");
    }
    Ok(v.len())
}
