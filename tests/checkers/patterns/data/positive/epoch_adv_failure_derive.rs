// expect: epoch-failure-crate
#[derive(Debug, Fail)]
pub enum ConfigError {
    #[fail(display = "missing key {}", _0)]
    Missing(String),
}
