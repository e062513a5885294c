// expect: cps-callback-instead-of-return
use std::collections::HashMap;
pub fn with_user<F, T>(users: &mut HashMap<u32, String>, id: u32, visit: F) -> T
where
    F: FnOnce(&String) -> T,
{
    match users.get(&id) {
        Some(u) => visit(u),
        None => {
            users.insert(id, format!("user{id}"));
            visit(&users[&id])
        }
    }
}
