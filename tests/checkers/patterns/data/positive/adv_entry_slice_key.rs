// expect: entry-owned-key
use std::collections::HashMap;
pub mod cache {
    use super::HashMap;
    pub fn lookup<'m>(memo: &'m mut HashMap<Vec<u8>, usize>, key: &[u8]) -> &'m mut usize {
        memo.entry(key.to_vec()).or_default()
    }
}
