// expect: check-then-relookup
use std::collections::HashMap;
pub fn lines_for<'a>(index: &'a mut HashMap<String, Vec<String>>, file: &str) -> Option<&'a mut Vec<String>> {
    if index.get(file).is_some() {
        return index.get_mut(file);
    }
    if file.is_empty() {
        return None;
    }
    index.insert(file.to_string(), Vec::new());
    index.get_mut(file)
}
