// expect: peek-then-advance-cursor
pub struct Link { pub v: i32, pub next: Option<Box<Link>> }
pub fn insert_before_negative(head: &mut Option<Box<Link>>, v: i32) {
    let mut cur = head;
    while cur.as_ref().map_or(false, |n| n.v >= 0) {
        cur = &mut cur.as_mut().expect("checked").next;
    }
    let tail = cur.take();
    *cur = Some(Box::new(Link { v, next: tail }));
}
