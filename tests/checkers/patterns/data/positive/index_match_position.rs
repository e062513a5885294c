// expect: index-instead-of-reference
pub struct Tab { pub title: String, pub dirty: bool }
pub struct Editor { tabs: Vec<Tab> }
impl Editor {
    pub fn open(&mut self, title: &str) -> &mut Tab {
        match self.tabs.iter().position(|t| t.title == title) {
            Some(n) => return &mut self.tabs[n],
            None => {}
        }
        self.tabs.push(Tab { title: title.to_string(), dirty: false });
        self.tabs.last_mut().expect("just pushed")
    }
}
