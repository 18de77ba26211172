//! A feed server for the poll-cycle benchmark (`bench/feeds/run.sh`): serves
//! `/feed/N` for N in 0..count as RSS 2.0 with 20 items of realistic size
//! (about 25 KB), generated on the fly. Even feeds honour `If-None-Match`
//! (304), odd feeds ignore it and send the same bytes again. `/advance`
//! makes every odd feed publish 2 new items (its 2 oldest drop off), as
//! between two polls of a live feed. `/requests` returns the number of
//! feed requests served so far.
//!
//!     feed_bench_server PORT

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

const ITEMS: usize = 20;

/// `count` made-up words, the same for the same seed.
fn words(seed: u64, count: usize) -> String {
    const SYLLABLES: [&str; 16] = [
        "ka", "lo", "mi", "ne", "su", "ra", "to", "vi", "de", "pa", "ro", "li", "an", "es", "or",
        "um",
    ];
    let mut state =
        seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
    let mut text = String::new();
    for index in 0..count {
        state =
            state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        if index > 0 {
            text.push(' ');
        }
        for syllable in 0..2 + (state >> 60) % 3 {
            text.push_str(SYLLABLES[((state >> (8 + 4 * syllable)) & 15) as usize]);
        }
    }
    text
}

/// Feed `feed` after `generation` advances (odd feeds gain 2 items each).
fn document(feed: usize, generation: usize) -> String {
    let first = if feed % 2 == 1 { 2 * generation } else { 0 };
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Bench feed {feed}</title>\
         <link>http://bench.invalid/{feed}</link><description>Synthetic feed {feed}</description>"
    );
    for item in (first..first + ITEMS).rev() {
        let paragraph = format!("&lt;p&gt;{}&lt;/p&gt;", words((feed * 31 + item) as u64, 60));
        body.push_str(&format!(
            "<item><guid isPermaLink=\"false\">bench-{feed}-{item}</guid><title>Item {item} of feed {feed}</title>\
             <link>http://bench.invalid/{feed}/{item}?utm_source=rss</link>\
             <pubDate>Mon, 06 Jan 2020 10:{:02}:00 GMT</pubDate><description>{}</description></item>",
            item % 60,
            paragraph.repeat(3)
        ));
    }
    body.push_str("</channel></rss>");
    body
}

/// Requests served, and advances made.
#[derive(Debug, Default)]
struct Counters {
    served: AtomicUsize,
    generation: AtomicUsize,
}

async fn feed(
    Path(feed): Path<usize>,
    State(counters): State<Arc<Counters>>,
    headers: HeaderMap,
) -> Response {
    counters.served.fetch_add(1, Ordering::Relaxed);
    let generation = counters.generation.load(Ordering::Relaxed);
    let etag =
        if feed % 2 == 0 { format!("\"v1-{feed}\"") } else { format!("\"v{generation}-{feed}\"") };
    let conditional =
        headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    if feed % 2 == 0 && conditional {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    (
        [
            (header::CONTENT_TYPE, "application/rss+xml; charset=utf-8"),
            (header::ETAG, etag.as_str()),
        ],
        document(feed, generation),
    )
        .into_response()
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::args().nth(1).and_then(|p| p.parse().ok()).unwrap_or(18080);
    let counters = Arc::new(Counters::default());
    let (requests, advance) = (counters.clone(), counters.clone());
    let app = Router::new()
        .route("/feed/{feed}", get(feed))
        .route(
            "/requests",
            get(move || async move { requests.served.load(Ordering::Relaxed).to_string() }),
        )
        .route(
            "/advance",
            get(move || async move {
                (advance.generation.fetch_add(1, Ordering::Relaxed) + 1).to_string()
            }),
        )
        .with_state(counters);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await
}
