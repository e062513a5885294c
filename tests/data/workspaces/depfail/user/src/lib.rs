//! Clean code whose dependency does not compile under NLL.
use std::collections::HashMap;

pub fn name_of(map: &mut HashMap<u32, String>) -> usize {
    base::get_default(map, 1).len()
}
