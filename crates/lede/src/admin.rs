//! The admin HTTP server: `/health` for liveness probes, `/metrics` for
//! Prometheus, `/status` (JSON) for every feed's last poll, last error and
//! next poll, and, with WebSub enabled, `/websub/{feed}`, where hubs verify
//! subscriptions (GET) and push documents (POST). Bound to loopback by default.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lede_feeds::Subscriptions;
use lede_feeds::websub::{PushRejected, VerificationQuery, VerifyRefused};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::telemetry::{DocumentPushed, Metrics, SubscriptionVerified};

/// What the routes share.
#[derive(Clone)]
struct AdminState {
    metrics: Arc<Metrics>,
    subscriptions: Option<Arc<Subscriptions>>,
}

/// Serve on `listener` until `cancel`. Pushed documents are accepted up to
/// `max_body_bytes`, the same cap as fetched ones.
pub fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    subscriptions: Option<Arc<Subscriptions>>,
    max_body_bytes: u64,
    cancel: CancellationToken,
) {
    let mut app = Router::new()
        .route("/status", get(status_json))
        .route("/health", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics_text));
    if subscriptions.is_some() {
        let limit = usize::try_from(max_body_bytes).unwrap_or(usize::MAX);
        app = app.route(
            "/websub/{feed}",
            get(websub_verify).post(websub_deliver).layer(DefaultBodyLimit::max(limit)),
        );
    }
    let app = app.with_state(AdminState { metrics, subscriptions });
    tokio::spawn(async move {
        let served =
            axum::serve(listener, app).with_graceful_shutdown(cancel.cancelled_owned()).await;
        if let Err(error) = served {
            tracing::error!("admin server stopped: {error}");
        }
    });
}

async fn status_json(State(state): State<AdminState>) -> impl IntoResponse {
    axum::Json(state.metrics.status())
}

async fn metrics_text(State(state): State<AdminState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")],
        state.metrics.encode(),
    )
}

/// A hub verifies intent: echo the challenge if Lede asked for this.
async fn websub_verify(
    State(state): State<AdminState>,
    Path(feed): Path<String>,
    Query(query): Query<VerificationQuery>,
) -> Response {
    let Some(subscriptions) = &state.subscriptions else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let answer = subscriptions.verify(&feed, &query);
    let denied = query.mode.as_deref() == Some("denied");
    let (outcome, detail) = match &answer {
        Ok(_) if denied => ("denied", query.reason.clone().unwrap_or_default()),
        Ok(_) => ("confirmed", String::new()),
        Err(refused) => ("refused", refused.to_string()),
    };
    SubscriptionVerified { feed: &feed, outcome, detail: &detail }.emit(&state.metrics);
    match answer {
        Ok(challenge) => (StatusCode::OK, challenge).into_response(),
        Err(VerifyRefused::BadRequest(why)) => (StatusCode::BAD_REQUEST, why).into_response(),
        Err(refused) => (StatusCode::NOT_FOUND, refused.to_string()).into_response(),
    }
}

/// A hub pushes a document: accepted (202) once queued for the feed's task.
/// A bad or missing signature is acknowledged too, as WebSub allows, so a
/// forger learns nothing, but the document is dropped and counted.
async fn websub_deliver(
    State(state): State<AdminState>,
    Path(feed): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(subscriptions) = &state.subscriptions else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let charset =
        header(CONTENT_TYPE.as_str()).and_then(lede_feeds::charset::charset_of_content_type);
    let result = subscriptions.deliver(
        &feed,
        header("x-hub-signature"),
        charset.map(str::to_owned),
        body.to_vec(),
    );
    DocumentPushed { feed: &feed, result: &result }.emit(&state.metrics);
    match result {
        Ok(()) | Err(PushRejected::Unsigned | PushRejected::BadSignature(_)) => {
            StatusCode::ACCEPTED.into_response()
        }
        Err(PushRejected::Busy) => {
            (StatusCode::SERVICE_UNAVAILABLE, [(RETRY_AFTER, "5")]).into_response()
        }
        Err(rejected) => (StatusCode::NOT_FOUND, rejected.to_string()).into_response(),
    }
}
