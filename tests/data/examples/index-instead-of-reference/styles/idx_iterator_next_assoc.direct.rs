pub struct Node { pub id: u32, pub live: bool }
pub struct Live<'a> { nodes: &'a mut Vec<Node> }

impl<'a> Live<'a> {
    pub fn first_dead(&mut self) -> Option<&mut Node> {
        for n in self.nodes.iter_mut() {
            if !n.live { return Some(n); }
        }
        self.nodes.push(Node { id: 0, live: false });
        self.nodes.last_mut()
    }
}
