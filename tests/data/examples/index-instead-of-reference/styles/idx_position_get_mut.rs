// expect: index-instead-of-reference
pub struct Layer { pub name: String, pub visible: bool }

pub fn layer<'a>(layers: &'a mut Vec<Layer>, name: &str) -> &'a mut Layer {
    let pos = layers.iter().position(|l| l.name == name);
    if let Some(pos) = pos {
        return layers.get_mut(pos).unwrap();
    }
    layers.push(Layer { name: name.to_string(), visible: true });
    layers.last_mut().unwrap()
}
