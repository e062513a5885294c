// expect: unsafe-lifetime-extension
// tokio's fill_buf: the borrow hides behind `Poll<Self::Output>` (type Output = io::Result<&'a [u8]>).
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

pub trait BufSource { fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>>; }

pub struct FillBuf<'a, R: ?Sized> { reader: Option<&'a mut R> }

impl<'a, R: BufSource + ?Sized> Future for FillBuf<'a, R> {
    type Output = io::Result<&'a [u8]>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let reader = self.reader.take().expect("polled after completion");
        match reader.poll_fill(cx) {
            Poll::Ready(Ok(slice)) => unsafe {
                let slice = std::mem::transmute::<&[u8], &'a [u8]>(slice);
                Poll::Ready(Ok(slice))
            },
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => {
                self.reader = Some(reader);
                Poll::Pending
            }
        }
    }
}
