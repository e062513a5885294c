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
        if let Some(v) = self.map.get_mut(&k) {
            return Poll::Ready(Ok(v));
        }
        self.map.insert(k, Vec::new());
        Poll::Pending
    }
}
