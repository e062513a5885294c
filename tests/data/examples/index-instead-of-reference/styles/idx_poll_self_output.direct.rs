use std::io;
use std::task::Poll;

pub struct Line { pub no: u32, pub text: String }

pub trait PollLine {
    type Output;
    fn poll_line(self, no: u32) -> Poll<Self::Output>;
}

impl<'a> PollLine for &'a mut Vec<Line> {
    type Output = io::Result<&'a mut Line>;
    fn poll_line(self, no: u32) -> Poll<Self::Output> {
        if let Some(l) = self.iter_mut().find(|l| l.no == no) {
            return Poll::Ready(Ok(l));
        }
        self.push(Line { no, text: String::new() });
        Poll::Pending
    }
}
