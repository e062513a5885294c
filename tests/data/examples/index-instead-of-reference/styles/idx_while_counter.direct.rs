pub struct Entry { pub id: u64, pub body: String }

pub fn entry_for(log: &mut Vec<Entry>, id: u64) -> &mut Entry {
    for e in log.iter_mut() {
        if e.id == id {
            return e;
        }
    }
    log.push(Entry { id, body: String::new() });
    log.last_mut().unwrap()
}
