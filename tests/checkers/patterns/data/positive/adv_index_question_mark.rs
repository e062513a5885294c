// expect: index-instead-of-reference
#[derive(Debug)]
pub struct Layer { pub name: String, pub depth: u32 }
pub fn layer_named<'a>(layers: &'a mut Vec<Layer>, name: &str) -> Result<&'a mut Layer, String> {
    match layers.iter().position(|l| l.name == name) {
        Some(i) => Ok(&mut layers[i]),
        None => {
            layers.push(Layer { name: name.to_owned(), depth: 0 });
            layers.last_mut().ok_or_else(|| "empty".to_string())
        }
    }
}
