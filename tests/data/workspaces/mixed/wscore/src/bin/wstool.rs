fn main() {
    let mut store = wscore::store::Store::new();
    store.put("a", 1);
    println!("{}", store.total());
}
