//! Running page loops ahead of the consumer.
//!
//! A page loop that waits for the consumer before requesting the next page leaves the
//! connection idle while records are decoded, and the CPU idle while the server answers.
//! [`run_ahead`] moves the loop into its own task, which requests page N+1 as soon as page N
//! is parsed and hands pages over through a bounded channel (taking a page yields to the
//! loop's task once, so that it runs even beside a consumer that never has to wait): the request, the server's work
//! and the parse overlap with decoding, and memory stays at a few pages whatever the total.
//! [`ReadAhead`] keeps several such loops running at once (the children of consecutive parent
//! records) and yields their items in order.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::stream::{self, BoxStream, Fuse, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinHandle};

use crate::error::Result;

/// A spawned task that is aborted when dropped, so dropping a stream cancels the requests it
/// started instead of leaving them running.
pub(crate) struct Task<T>(JoinHandle<T>);

impl<T: Send + 'static> Task<T> {
    /// Spawns `future` on the current tokio runtime.
    pub(crate) fn spawn(future: impl Future<Output = T> + Send + 'static) -> Self {
        Task(tokio::spawn(future))
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<T> Future for Task<T> {
    type Output = std::result::Result<T, JoinError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

/// The task's output; a panic in it resumes in the caller (a lost page must never look like
/// the end of the stream).
pub(crate) async fn join<T>(task: Task<T>) -> T {
    match task.await {
        Ok(v) => v,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only `Task`'s own `Drop` aborts, and then nobody is awaiting it.
        Err(e) => panic!("a page task was cancelled while awaited: {e}"),
    }
}

/// Runs `stream` in a task spawned now, at most `ahead` items ahead of the consumer.
/// Dropping the returned stream aborts the task; a panic in it resumes in the consumer.
/// Must be called within a tokio runtime.
pub(crate) fn run_ahead<T: Send + 'static>(
    mut stream: BoxStream<'static, T>,
    ahead: usize,
) -> BoxStream<'static, T> {
    let (tx, rx) = mpsc::channel(ahead.max(1));
    let task = Task::spawn(async move {
        while let Some(item) = stream.next().await {
            if tx.send(item).await.is_err() {
                return; // the consumer is gone
            }
        }
    });
    stream::unfold(Some((rx, task)), |state| async move {
        let (mut rx, task) = state?;
        match rx.recv().await {
            Some(item) => {
                // Let the loop's task run before the consumer takes this item: taking it made
                // room in the channel, and the loop requests the next page now, while the
                // consumer works through this one. Without this, on a current-thread
                // runtime, a consumer that never waits (its items are all Ready) would keep
                // the loop from running until it had finished the page, and the server
                // would prepare the next page only then.
                tokio::task::yield_now().await;
                Some((item, Some((rx, task))))
            }
            None => {
                join(task).await;
                None
            }
        }
    })
    .boxed()
}

/// A stream that is built (and so, for [`run_ahead`], spawned) when first polled: keeps
/// [`crate::Resource`] streams lazy.
pub(crate) fn lazy<T: Send + 'static>(
    build: impl FnOnce() -> BoxStream<'static, T> + Send + 'static,
) -> BoxStream<'static, T> {
    stream::once(async move { build() }).flatten().boxed()
}

/// Flattens a stream of (already running) streams in order while keeping up to `limit` of
/// them alive: the consumer reads the first while the next `limit - 1` make progress.
/// An `Err` from upstream is yielded in its place.
pub(crate) struct ReadAhead<I> {
    upstream: Fuse<BoxStream<'static, Result<BoxStream<'static, Result<I>>>>>,
    queue: VecDeque<BoxStream<'static, Result<I>>>,
    limit: usize,
}

impl<I: Send + 'static> ReadAhead<I> {
    pub(crate) fn new(
        upstream: BoxStream<'static, Result<BoxStream<'static, Result<I>>>>,
        limit: usize,
    ) -> Self {
        ReadAhead {
            upstream: upstream.fuse(),
            queue: VecDeque::new(),
            limit: limit.max(1),
        }
    }
}

impl<I: Send + 'static> Stream for ReadAhead<I> {
    type Item = Result<I>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<I>>> {
        let this = &mut *self;
        loop {
            while this.queue.len() < this.limit && !this.upstream.is_done() {
                match this.upstream.poll_next_unpin(cx) {
                    Poll::Ready(Some(Ok(s))) => this.queue.push_back(s),
                    Poll::Ready(Some(Err(e))) => {
                        this.queue.push_back(stream::iter([Err(e)]).boxed())
                    }
                    Poll::Ready(None) | Poll::Pending => break,
                }
            }
            let Some(front) = this.queue.front_mut() else {
                return if this.upstream.is_done() {
                    Poll::Ready(None)
                } else {
                    Poll::Pending // upstream registered the waker
                };
            };
            match ready!(front.poll_next_unpin(cx)) {
                Some(item) => return Poll::Ready(Some(item)),
                None => {
                    this.queue.pop_front();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn run_ahead_yields_everything_in_order_and_stays_bounded() {
        let produced = Arc::new(AtomicUsize::new(0));
        let p = produced.clone();
        let source = stream::iter(0..100)
            .inspect(move |_| {
                p.fetch_add(1, Ordering::SeqCst);
            })
            .boxed();
        let mut s = run_ahead(source, 1);
        assert_eq!(s.next().await, Some(0));
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        // One being consumed, one in the channel, one in the producer's hands.
        assert!(produced.load(Ordering::SeqCst) <= 3, "{produced:?}");
        let rest: Vec<_> = s.collect().await;
        assert_eq!(rest, (1..100).collect::<Vec<_>>());
    }

    #[tokio::test]
    async fn a_panicking_producer_panics_the_consumer() {
        let source = stream::iter(0..3)
            .map(|i| if i == 2 { panic!("boom at {i}") } else { i })
            .boxed();
        let consumer = tokio::spawn(run_ahead(source, 1).collect::<Vec<_>>());
        let err = consumer.await.unwrap_err();
        assert!(err.is_panic(), "a truncated stream must not end quietly");
    }

    #[tokio::test]
    async fn read_ahead_keeps_order_and_yields_upstream_errors_in_place() {
        let inner = |v: Vec<Result<u32>>| stream::iter(v).boxed();
        let upstream = stream::iter(vec![
            Ok(inner(vec![Ok(1), Ok(2)])),
            Err(crate::error::Error::Config("x".into())),
            Ok(inner(vec![])),
            Ok(inner(vec![Ok(3)])),
        ])
        .boxed();
        let got: Vec<_> = ReadAhead::new(upstream, 2).collect().await;
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().ok(), Some(&1));
        assert_eq!(got[1].as_ref().ok(), Some(&2));
        assert!(got[2].is_err());
        assert_eq!(got[3].as_ref().ok(), Some(&3));
    }
}
