//! The accept loop: HTTP/1.1 (optionally over TLS) on each connection, with a per-connection handle
//! that lets the pipeline close or reset the connection instead of answering.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

#[derive(Default)]
struct ControlInner {
    aborted: Notify,
    reset: AtomicBool,
}

/// A handle on one connection, found in each request's extensions.
#[derive(Clone, Default)]
pub(crate) struct ConnectionControl(Arc<ControlInner>);

impl ConnectionControl {
    /// Closes the connection without answering; with `reset`, the peer gets a TCP reset.
    pub(crate) fn abort(&self, reset: bool) {
        self.0.reset.store(reset, Ordering::SeqCst);
        self.0.aborted.notify_one();
    }
}

/// A TCP stream that resets instead of closing when its connection was aborted with `reset`.
struct ControlledStream {
    stream: TcpStream,
    control: Arc<ControlInner>,
}

impl Drop for ControlledStream {
    fn drop(&mut self) {
        if self.control.reset.load(Ordering::SeqCst) {
            // SO_LINGER 0 makes the close send RST; failing to set it only turns the reset into a close.
            let _ = self.stream.set_zero_linger();
        }
    }
}

impl AsyncRead for ControlledStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for ControlledStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Serves `router` on `listener` until `shutdown` turns true.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        // A failed accept (the peer went away, or too many files) concerns one connection only.
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, router.clone(), tls.clone(), shutdown.clone()));
    }
}

async fn connection(
    stream: TcpStream,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let control = ConnectionControl::default();
    let io = ControlledStream {
        stream,
        control: control.0.clone(),
    };
    let handle = control.clone();
    let service = TowerToHyperService::new(router.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(handle.clone());
        request
    }));
    let http = hyper::server::conn::http1::Builder::new();
    let served = async {
        match tls {
            Some(acceptor) => {
                if let Ok(stream) = acceptor.accept(io).await {
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                }
            }
            None => {
                let _ = http.serve_connection(TokioIo::new(io), service).await;
            }
        }
    };
    tokio::select! {
        () = served => {}
        () = control.0.aborted.notified() => {}
        _ = shutdown.changed() => {}
    }
}
