// expect: epoch-async-std
#[async_std::test]
async fn works() {
    async_std::task::sleep(std::time::Duration::from_millis(1)).await;
}
