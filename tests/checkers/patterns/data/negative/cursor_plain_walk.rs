// expect: none
pub struct N { pub next: Option<Box<N>> }
pub fn last(mut cur: &mut Option<Box<N>>) -> &mut Option<Box<N>> {
    while let Some(n) = cur {
        cur = &mut n.next;
    }
    cur
}
pub fn walk(mut node: &mut N) {
    loop {
        match node.next { Some(ref mut nx) => node = nx, None => return }
    }
}
