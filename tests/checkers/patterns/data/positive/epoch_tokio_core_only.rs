// expect: epoch-tokio-0x-runtime
use tokio_core::reactor::Core;
pub fn go() {
    let mut core = Core::new().unwrap();
    core.run(futures::future::ok::<(), ()>(())).unwrap();
}
