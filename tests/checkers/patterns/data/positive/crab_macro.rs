// expect: polonius-the-crab-call
use polonius_the_crab::prelude::*;
pub fn first_even(v: &mut Vec<i32>) -> &mut i32 {
    let mut v = v;
    polonius!(|v| -> &'polonius mut i32 {
        if let Some(x) = v.iter_mut().find(|x| **x % 2 == 0) {
            polonius_return!(x);
        }
    });
    v.push(0);
    v.last_mut().unwrap()
}
