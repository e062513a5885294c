// expect: index-instead-of-reference
pub struct Node { pub id: u32, pub live: bool }
pub struct Live<'a> { nodes: &'a mut Vec<Node> }

impl<'a> Live<'a> {
    pub fn first_dead(&mut self) -> Option<&mut Node> {
        let mut found = None;
        for (i, n) in self.nodes.iter().enumerate() {
            if !n.live { found = Some(i); break; }
        }
        if let Some(i) = found {
            return Some(&mut self.nodes[i]);
        }
        self.nodes.push(Node { id: 0, live: false });
        self.nodes.last_mut()
    }
}
