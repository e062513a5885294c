use std::collections::VecDeque;
pub struct Ev { pub at: u64, pub n: u32 }

pub fn event_at(q: &mut VecDeque<Ev>, at: u64) -> &mut Ev {
    if let Some(e) = q.iter_mut().find(|e| e.at == at) {
        return e;
    }
    q.push_back(Ev { at, n: 0 });
    q.back_mut().unwrap()
}
