//! A real conflict: two live mutable borrows of the same vector.
//! Every borrow checker rejects it, Polonius included.
pub fn swap_first_last(items: &mut Vec<i32>) {
    let first = &mut items[0];
    let last = items.last_mut().unwrap();
    std::mem::swap(first, last);
}
