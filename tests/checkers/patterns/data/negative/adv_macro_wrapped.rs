// expect: none
macro_rules! getter {
    ($name:ident, $field:ident, $t:ty) => {
        pub fn $name(&self) -> &$t { &self.$field }
    };
}
pub struct Config { name: String, level: u8 }
impl Config {
    getter!(name, name, String);
    #[inline]
    pub fn level_mut(&mut self) -> &mut u8 { &mut self.level }
    pub fn describe(&self) -> String {
        format!("{} {}", self.name, match self.level { 0..=3 => "low", _ => "high" })
    }
}
