//! Workaround: test with a short-lived borrow, then look up again to return.
//! Written this way only to please NLL; Polonius accepts the direct form.
use std::collections::HashMap;

pub struct Session {
    pub user: String,
    pub hits: u32,
}

pub struct Registry {
    sessions: HashMap<u64, Session>,
}

impl Registry {
    pub fn session_mut(&mut self, id: u64, user: &str) -> &mut Session {
        if self.sessions.contains_key(&id) {
            let s = self.sessions.get_mut(&id).unwrap();
            s.hits += 1;
            return s;
        }
        self.sessions.insert(id, Session { user: user.to_string(), hits: 1 });
        self.sessions.get_mut(&id).expect("just inserted")
    }
}
