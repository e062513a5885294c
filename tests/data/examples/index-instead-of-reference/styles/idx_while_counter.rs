// expect: index-instead-of-reference
pub struct Entry { pub id: u64, pub body: String }

pub fn entry_for(log: &mut Vec<Entry>, id: u64) -> &mut Entry {
    let mut i = 0;
    while i < log.len() {
        if log[i].id == id {
            return &mut log[i];
        }
        i += 1;
    }
    log.push(Entry { id, body: String::new() });
    &mut log[i]
}
