// expect: cps-callback-instead-of-return
use std::collections::BTreeMap;

pub fn visit_group<F, T>(groups: &mut BTreeMap<String, Vec<u32>>, name: &str, visit: F) -> T
where
    F: FnOnce(&mut Vec<u32>) -> T,
{
    match groups.get_mut(name) {
        Some(g) => visit(g),
        None => {
            groups.insert(name.to_owned(), Vec::new());
            visit(groups.get_mut(name).unwrap())
        }
    }
}
