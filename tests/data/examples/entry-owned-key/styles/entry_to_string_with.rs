// expect: entry-owned-key
use std::collections::BTreeMap;

pub fn section<'c>(cfg: &'c mut BTreeMap<String, Vec<(String, String)>>, name: &str)
    -> &'c mut Vec<(String, String)>
{
    let slot = cfg.entry(name.to_string()).or_insert_with(Vec::new);
    slot
}
