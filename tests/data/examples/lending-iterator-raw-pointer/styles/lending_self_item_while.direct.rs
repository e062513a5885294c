pub trait Lender {
    type Item<'a>
    where
        Self: 'a;
    fn lend(&mut self) -> Option<Self::Item<'_>>;
}

pub struct Rows { rows: Vec<Vec<u8>>, at: usize }

impl Lender for Rows {
    type Item<'a> = &'a mut Vec<u8> where Self: 'a;
    fn lend(&mut self) -> Option<Self::Item<'_>> {
        self.at += 1;
        self.rows.get_mut(self.at - 1)
    }
}

pub struct SkipEmpty { inner: Rows }

impl Lender for SkipEmpty {
    type Item<'a> = &'a mut Vec<u8> where Self: 'a;
    fn lend(&mut self) -> Option<Self::Item<'_>> {
        while let Some(v) = self.inner.lend() {
            if !v.is_empty() {
                return Some(v);
            }
        }
        None
    }
}
