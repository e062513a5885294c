// expect: unsafe-lifetime-extension
pub struct Arena { nodes: Vec<Node> }
pub struct Node { pub key: u64, pub children: Vec<usize> }
impl Arena {
    pub fn node_mut(&mut self, key: u64) -> &mut Node {
        let this = self as *mut Arena;
        if let Some(n) = unsafe { &mut *this }.nodes.iter_mut().find(|n| n.key == key) {
            return n;
        }
        self.nodes.push(Node { key, children: vec![] });
        self.nodes.last_mut().unwrap()
    }
}
