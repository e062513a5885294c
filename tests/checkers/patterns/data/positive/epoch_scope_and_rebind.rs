// expect: epoch-pre-nll-scope-block, epoch-pre-nll-temp-rebind, epoch-pre-nll-match-hoist, epoch-extern-crate
extern crate serde;
use std::collections::BTreeMap;
pub fn grow(names: &mut Vec<String>) {
    {
        let last = &mut names[0];
        last.push('!');
    }
    names.push(String::new());
}
pub struct Node { pub n: i32, pub next: Option<Box<Node>> }
pub fn bump_all(mut cur: &mut Node) {
    loop {
        let tmp = cur;
        tmp.n += 1;
        match tmp.next {
            Some(ref mut nx) => cur = nx,
            None => return,
        }
    }
}
pub fn note(m: &mut BTreeMap<u8, u32>, k: u8) {
    match m.get_mut(&k) {
        Some(c) => { *c += 1; return; }
        None => {}
    }
    m.insert(k, 1);
}
