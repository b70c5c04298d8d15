//! Accepting and serving connections: axum's own `serve` without its defaults' one gap,
//! that a client could hold a connection open forever.
//!
//! Guarantees:
//! - A client has [`HEADER_TIMEOUT`] to send a request's headers, counted from when the
//!   connection is ready for one (so an idle keep-alive connection is closed after it
//!   too); a request's body gets [`super::body::BODY_TIMEOUT`]. A device on the Wi-Fi
//!   that opens connections and sends nothing, or a byte at a time, ties up nothing
//!   for longer than that.
//! - Every request carries the peer's address as axum's `ConnectInfo<SocketAddr>`.
//! - When `shutdown` resolves, no new connection is accepted; requests in flight run
//!   to the end and are answered (a grade being stored is committed and confirmed),
//!   idle connections are closed, and `serve` returns once all are done, or after
//!   [`SHUTDOWN_GRACE`] at the latest.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tower::ServiceExt;

/// How long a client may take to send a request's headers (a tablet sends them in one
/// packet; seconds are generous even on a poor Wi-Fi).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// The longest the server waits at shutdown for requests in flight: a write waiting for
/// the workspace (the busy timeout is 30 s) still ends within it.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(40);

/// Serves `app` on `listener` until `shutdown` resolves, then as described above.
pub async fn serve(listener: tokio::net::TcpListener, app: Router, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(request.map(Body::new))
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that went away or timed out is not the server's error.
            let _ = connection.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        crate::output::note(format!(
            "警告：有请求在 {} 秒内没有处理完，已停止等待；未收到确认的评分请在平板上重发",
            SHUTDOWN_GRACE.as_secs()
        ));
    }
}

/// After a failed accept: one that concerns only that connection is passed over; any
/// other (too many open files) is waited out for a second, as hyper's server did,
/// rather than spinning.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind::*;
    if !matches!(e.kind(), ConnectionRefused | ConnectionAborted | ConnectionReset) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
