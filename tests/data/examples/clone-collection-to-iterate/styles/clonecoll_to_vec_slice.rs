// expect: clone-collection-to-iterate
pub struct Mixer { inputs: Vec<f32>, out: f32 }

impl Mixer {
    fn add(&mut self, x: f32) { self.out += x; }
    pub fn mix(&mut self) {
        let inputs = self.inputs[1..].to_vec();
        inputs.into_iter().for_each(|x| self.add(x));
    }
}
