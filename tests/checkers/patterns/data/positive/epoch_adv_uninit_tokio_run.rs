// expect: epoch-mem-uninitialized, epoch-tokio-0x-runtime
use std::mem;
pub fn buf() -> [u8; 64] {
    let b: [u8; 64] = unsafe { mem::uninitialized() };
    b
}
pub fn serve() {
    let server = futures::future::lazy(|| Ok(()));
    tokio::run(server);
}
