// expect: index-instead-of-reference
use std::collections::VecDeque;
pub struct Ev { pub at: u64, pub n: u32 }

pub fn event_at(q: &mut VecDeque<Ev>, at: u64) -> &mut Ev {
    let idx = q.iter().position(|e| e.at == at);
    match idx {
        Some(j) => q.get_mut(j).expect("in range"),
        None => {
            q.push_back(Ev { at, n: 0 });
            q.back_mut().unwrap()
        }
    }
}
