//! Serves a warp filter over HTTP/1.1 with hyper directly, because warp's
//! own server sets no timer, so hyper's header read timeout never fires:
//! a client sending half a request line held its connection (and a task)
//! for as long as it liked. Here a client that has not sent a request's
//! headers within the timeout is disconnected, an idle kept-alive
//! connection too.

use std::convert::Infallible;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
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
        let service = TowerToHyperService::new(warp::service(filter.clone()));
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
