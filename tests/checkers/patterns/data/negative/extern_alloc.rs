// expect: none
#![no_std]
extern crate alloc;
extern crate std;
use alloc::vec::Vec;
pub fn v() -> Vec<u8> { Vec::new() }
