// expect: none
use std::cell::RefCell;
use std::sync::Mutex;
pub fn push_both(m: &Mutex<Vec<u32>>, c: &RefCell<Vec<u32>>, v: u32) -> usize {
    {
        let mut guard = m.lock().unwrap();
        guard.push(v);
    }
    {
        let mut r = c.borrow_mut();
        r.push(v);
    }
    let n = m.lock().unwrap().len();
    n + c.borrow().len()
}
