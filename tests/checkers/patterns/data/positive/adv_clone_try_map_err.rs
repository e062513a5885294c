// expect: clone-to-end-borrow
pub struct Machine { state: u8, last_error: String }
impl Machine {
    fn validate(&self) -> Result<(), &str> {
        if self.state > 3 { Err(&self.last_error) } else { Ok(()) }
    }
    pub fn step(&mut self) -> Result<u8, String> {
        self.validate().map_err(|e| e.to_string())?;
        self.state += 1;
        Ok(self.state)
    }
}
