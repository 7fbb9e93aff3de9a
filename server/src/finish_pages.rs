//! A console page whose client leaves mid-stream is still rendered to its
//! end, and the rest thrown away.
//!
//! Leptos disposes a page's reactive owner when its response stream is
//! dropped, while a Suspense's resolving effect may at that moment be walking
//! the page's views on another worker thread; that walk then reads signals
//! and contexts that are already gone, and panics. Letting the stream finish
//! disposes the owner only after every Suspense has resolved, exactly as for
//! a client that stays: an abandoned load costs what a finished one costs,
//! and no more, since a render still going after [`FINISH_WITHIN`] is dropped.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

/// How long an abandoned page may go on rendering. Pages render in
/// milliseconds; a stream still open after this is stuck, and is dropped.
const FINISH_WITHIN: Duration = Duration::from_secs(10);

/// Renders the page on its own task, so a client that leaves before the
/// first byte does not cut the render short either, and wraps the body so
/// that dropping it early finishes it instead.
pub async fn finish_abandoned_pages(req: Request, next: Next) -> Response {
    let render = tokio::spawn(async move {
        next.run(req).await.map(|body| {
            Body::new(FinishOnDrop {
                body: Some(body),
                ended: false,
            })
        })
    });
    match render.await {
        Ok(res) => res,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// A body that, dropped before its end, is read to its end on its own task.
struct FinishOnDrop {
    body: Option<Body>,
    ended: bool,
}

impl http_body::Body for FinishOnDrop {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        let polled = Pin::new(body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            this.ended = true;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.ended || self.body.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.body.as_ref().map(http_body::Body::size_hint).unwrap_or_default()
    }
}

impl Drop for FinishOnDrop {
    fn drop(&mut self) {
        let Some(mut body) = self.body.take() else { return };
        if self.ended || http_body::Body::is_end_stream(&body) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let rest = async { while let Some(Ok(_)) = body.frame().await {} };
            if tokio::time::timeout(FINISH_WITHIN, rest).await.is_err() {
                tracing::debug!("an abandoned page was still rendering after {FINISH_WITHIN:?}; dropped");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Three frames, then the end, which it notes.
    struct Counted {
        sent: usize,
        read_to_end: Arc<AtomicBool>,
    }

    impl http_body::Body for Counted {
        type Data = Bytes;
        type Error = axum::Error;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
            if self.sent == 3 {
                self.read_to_end.store(true, Ordering::SeqCst);
                return Poll::Ready(None);
            }
            self.sent += 1;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b"<p>")))))
        }
    }

    fn wrapped(read_to_end: &Arc<AtomicBool>) -> FinishOnDrop {
        FinishOnDrop {
            body: Some(Body::new(Counted {
                sent: 0,
                read_to_end: read_to_end.clone(),
            })),
            ended: false,
        }
    }

    #[tokio::test]
    async fn a_body_dropped_after_its_first_frame_is_read_to_its_end() {
        let read_to_end = Arc::new(AtomicBool::new(false));
        let mut body = wrapped(&read_to_end);
        assert!(body.frame().await.unwrap().is_ok());
        drop(body);
        for _ in 0..100 {
            if read_to_end.load(Ordering::SeqCst) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the rest of the body was never read");
    }

    #[tokio::test]
    async fn a_body_read_to_its_end_leaves_nothing_behind() {
        let read_to_end = Arc::new(AtomicBool::new(false));
        let mut body = wrapped(&read_to_end);
        let mut frames = 0;
        while let Some(frame) = body.frame().await {
            assert!(frame.is_ok());
            frames += 1;
        }
        assert!(http_body::Body::is_end_stream(&body));
        assert_eq!(frames, 3);
        drop(body);
        assert!(read_to_end.load(Ordering::SeqCst));
    }
}
