// expect: none
// the old try!(x) macro is mentioned here only in a comment
pub fn msg() -> &'static str { "use ? instead of try!(expr)" }
pub fn range(b: u8) -> bool { matches!(b, 0..=9) }
