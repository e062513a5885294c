use std::collections::HashMap;
#[derive(Default)]
pub struct Sess { pub n: u32 }

pub fn session<'a>(all: &'a mut HashMap<u64, Sess>, id: u64) -> &'a mut Sess {
    if let Some(s) = all.get_mut(&id) {
        return s;
    }
    all.insert(id, Sess::default());
    all.get_mut(&id).unwrap()
}
