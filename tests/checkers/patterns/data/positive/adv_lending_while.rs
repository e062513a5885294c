// expect: lending-iterator-raw-pointer
pub trait Lender {
    type Item<'a> where Self: 'a;
    fn next(&mut self) -> Option<Self::Item<'_>>;
}
pub struct Skip<L> { inner: L, n: usize }
impl<L: Lender> Lender for Skip<L> {
    type Item<'a> = L::Item<'a> where Self: 'a;
    fn next(&mut self) -> Option<Self::Item<'_>> {
        let inner: *mut L = &mut self.inner;
        while self.n > 0 {
            self.n -= 1;
            let _ = unsafe { (*inner).next() }?;
        }
        unsafe { (*inner).next() }
    }
}
