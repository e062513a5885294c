use std::collections::BTreeMap;

pub fn section<'c>(cfg: &'c mut BTreeMap<String, Vec<(String, String)>>, name: &str)
    -> &'c mut Vec<(String, String)>
{
    if let Some(s) = cfg.get_mut(name) {
        return s;
    }
    cfg.insert(name.to_string(), Vec::new());
    cfg.get_mut(name).unwrap()
}
