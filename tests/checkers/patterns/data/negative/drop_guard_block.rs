// expect: none
pub struct Section<'a> { out: &'a mut Vec<String> }
impl Drop for Section<'_> { fn drop(&mut self) { self.out.push("end".into()); } }
pub fn write(out: &mut Vec<String>) {
    {
        let s = Section { out: &mut *out };
        s.out.push("x".into());
    }
    out.push("after".into());
}
