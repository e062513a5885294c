// expect: none
pub fn run_it() -> u32 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let h = std::process::Command::new("true").spawn().unwrap().wait().unwrap();
    let _ = h;
    rt.block_on(async { 7 })
}
