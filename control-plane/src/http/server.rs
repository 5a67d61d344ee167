//! Serves a warp filter over HTTP/1.1 with hyper directly, because warp's
//! own server sets no timer, so hyper's header read timeout never fires:
//! a client sending half a request line held its connection (and a task)
//! for as long as it liked. Here a client that has not sent a request's
//! headers within the timeout is disconnected, an idle kept-alive
//! connection too. A request body the handler left unread (a refused
//! upload) is read and dropped after the response is made, up to a bound,
//! so the client gets the refusal instead of a connection closed while it
//! was still sending (`Leftover`).

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use warp::hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use warp::hyper::service::Service;
use warp::{Filter, Reply};

/// Serves `filter` on `listener` until `shutdown` resolves, then waits for
/// the requests in flight to finish.
pub async fn serve<F, R>(
    listener: TcpListener,
    filter: F,
    header_read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()>,
) where
    F: Filter<Extract = (R,), Error = Infallible> + Clone + Send + Sync + 'static,
    R: Reply,
{
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, say: wait for some to close.
                    tracing::warn!("accepting a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let routes = TowerToHyperService::new(warp::service(filter.clone()));
        let service =
            warp::hyper::service::service_fn(move |req: warp::http::Request<Incoming>| {
                let (parts, incoming) = req.into_parts();
                let (body, leftover) = Leftover::split(incoming);
                let response = routes.call(warp::http::Request::from_parts(parts, body));
                async move {
                    let response = response.await;
                    leftover.drain().await;
                    response
                }
            });
        let connection = warp::hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!("connection ended: {e}");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Beyond this much, a body left unread is not read on: the connection is
/// closed instead (a client sending a large refused upload is cut off).
const DRAIN_AT_MOST: usize = 1 << 20;

/// How long a leftover body may take to arrive before the connection is
/// closed instead.
const DRAIN_WITHIN: Duration = Duration::from_secs(2);

/// A request body shared by the routes, which read what their handler
/// asks for, and the connection, which reads what is left after the
/// response ([`Leftover::drain`]). Hyper closes a connection whose request
/// body was not read to its end; a client still sending it then got a
/// broken pipe instead of the answer (a cross-origin upload refused before
/// its body was read, say).
struct Leftover(Arc<Mutex<Incoming>>);

/// The routes' side of a [`Leftover`].
struct SharedBody(Arc<Mutex<Incoming>>);

impl Leftover {
    /// The body for the routes, and what the connection reads after them.
    fn split(incoming: Incoming) -> (SharedBody, Leftover) {
        let shared = Arc::new(Mutex::new(incoming));
        (SharedBody(Arc::clone(&shared)), Leftover(shared))
    }

    /// Reads what is left of the body, at most [`DRAIN_AT_MOST`] bytes
    /// within [`DRAIN_WITHIN`]; past either, hyper closes the connection.
    async fn drain(self) {
        let reading = async {
            let mut read = 0;
            while read <= DRAIN_AT_MOST {
                let frame = std::future::poll_fn(|cx| poll_frame(&self.0, cx)).await;
                match frame {
                    Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
                    Some(Err(_)) | None => break,
                }
            }
        };
        let _ = tokio::time::timeout(DRAIN_WITHIN, reading).await;
    }
}

fn poll_frame(
    body: &Mutex<Incoming>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Frame<Bytes>, warp::hyper::Error>>> {
    Pin::new(&mut *body.lock().unwrap_or_else(PoisonError::into_inner)).poll_frame(cx)
}

impl Body for SharedBody {
    type Data = Bytes;
    type Error = warp::hyper::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        poll_frame(&self.0, cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .size_hint()
    }
}
