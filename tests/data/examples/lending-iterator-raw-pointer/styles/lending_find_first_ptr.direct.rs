pub trait Lender {
    type Item<'a>
    where
        Self: 'a;
    fn lend(&mut self) -> Option<Self::Item<'_>>;
}

pub struct Nth<L> { inner: L, skip: usize }

impl<L: Lender> Lender for Nth<L> {
    type Item<'a> = L::Item<'a> where Self: 'a;
    fn lend(&mut self) -> Option<Self::Item<'_>> {
        let mut seen = 0;
        loop {
            let item = self.inner.lend()?;
            if seen == self.skip {
                return Some(item);
            }
            seen += 1;
        }
    }
}
