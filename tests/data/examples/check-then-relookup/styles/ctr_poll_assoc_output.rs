// expect: check-then-relookup
use std::collections::HashMap;
use std::io;
use std::task::Poll;

pub trait PollSlot {
    type Output<'a> where Self: 'a;
    fn poll_slot(&mut self, k: u32) -> Poll<Self::Output<'_>>;
}

pub struct Slots { map: HashMap<u32, Vec<u8>> }

impl PollSlot for Slots {
    type Output<'a> = io::Result<&'a mut Vec<u8>>;
    fn poll_slot(&mut self, k: u32) -> Poll<Self::Output<'_>> {
        if self.map.contains_key(&k) {
            return Poll::Ready(Ok(self.map.get_mut(&k).unwrap()));
        }
        self.map.insert(k, Vec::new());
        Poll::Pending
    }
}
