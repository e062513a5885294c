// expect: cursor-reindex-in-loop
pub struct Menu { pub label: String, pub items: Vec<Menu> }
pub fn open_path(root: &mut Vec<Menu>, path: &[&str]) -> usize {
    let mut here = root;
    for part in path {
        let found = here.iter().position(|m| m.label == *part);
        match found {
            Some(k) => here = &mut here[k].items,
            None => break,
        }
    }
    here.len()
}
