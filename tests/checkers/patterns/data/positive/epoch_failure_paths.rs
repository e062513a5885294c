// expect: epoch-failure-crate
pub fn load(p: &str) -> Result<String, failure::Error> {
    std::fs::read_to_string(p).map_err(failure::Error::from)
}
