// expect: none
// parking_lot's tests: the block ends a lock guard temporary, which is needed with any checker.
use std::sync::Mutex;
pub fn set(m: &Mutex<Vec<i32>>) -> usize {
    {
        let b = &mut *m.lock().unwrap();
        b[0] = 4;
    }
    let again = m.lock().unwrap();
    again.len()
}
