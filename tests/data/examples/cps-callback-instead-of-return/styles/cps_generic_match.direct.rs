use std::collections::BTreeMap;

pub fn group<'g>(groups: &'g mut BTreeMap<String, Vec<u32>>, name: &str) -> &'g mut Vec<u32> {
    if let Some(g) = groups.get_mut(name) {
        return g;
    }
    groups.insert(name.to_owned(), Vec::new());
    groups.get_mut(name).unwrap()
}
