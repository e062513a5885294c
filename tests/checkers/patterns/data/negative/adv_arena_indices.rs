// expect: none
pub struct Graph { nodes: Vec<Node>, edges: Vec<(usize, usize)> }
pub struct Node { pub label: String }
impl Graph {
    pub fn add(&mut self, label: &str) -> usize {
        if let Some(i) = self.nodes.iter().position(|n| n.label == label) {
            return i;
        }
        self.nodes.push(Node { label: label.to_owned() });
        self.nodes.len() - 1
    }
    pub fn connect(&mut self, a: &str, b: &str) {
        let (x, y) = (self.add(a), self.add(b));
        self.edges.push((x, y));
    }
    pub fn node(&self, i: usize) -> &Node { &self.nodes[i] }
}
