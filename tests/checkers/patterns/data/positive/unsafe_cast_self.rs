// expect: unsafe-lifetime-extension
pub struct Arena { items: Vec<String>, fallback: String }
impl Arena {
    pub fn pick(&mut self, i: usize) -> &mut String {
        let me = unsafe { &mut *(self as *mut Arena) };
        if let Some(s) = me.items.get_mut(i) {
            return s;
        }
        &mut self.fallback
    }
}
