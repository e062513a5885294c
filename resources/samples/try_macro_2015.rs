// Edition 2015 idioms: `try!` instead of `?`, and a bare trait object.
use std::fs::File;
use std::io::{self, Read};

pub fn read_config(path: &str) -> io::Result<String> {
    let mut file = try!(File::open(path));
    let mut text = String::new();
    try!(file.read_to_string(&mut text));
    Ok(text)
}

pub fn describe(err: &std::error::Error) -> String {
    format!("error: {}", err)
}
