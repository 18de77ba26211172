//! The admin HTTP server: `/health` for liveness probes, `/metrics` for
//! Prometheus, `/status` (JSON) for every feed's last poll, last error and
//! next poll. Bound to loopback by default.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

use crate::telemetry::Metrics;

/// Bind `listen` and serve until `cancel`. Returns the bound address.
pub async fn serve(
    listen: SocketAddr,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/status", get(status_json))
        .route("/health", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_text))
        .with_state(metrics);
    tokio::spawn(async move {
        let served =
            axum::serve(listener, app).with_graceful_shutdown(cancel.cancelled_owned()).await;
        if let Err(error) = served {
            tracing::error!("admin server stopped: {error}");
        }
    });
    Ok(address)
}

async fn status_json(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    axum::Json(metrics.status())
}

async fn metrics_text(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        metrics.encode(),
    )
}
