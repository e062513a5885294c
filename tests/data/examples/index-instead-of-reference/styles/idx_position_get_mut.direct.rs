pub struct Layer { pub name: String, pub visible: bool }

pub fn layer<'a>(layers: &'a mut Vec<Layer>, name: &str) -> &'a mut Layer {
    if let Some(l) = layers.iter_mut().find(|l| l.name == name) {
        return l;
    }
    layers.push(Layer { name: name.to_string(), visible: true });
    layers.last_mut().unwrap()
}
