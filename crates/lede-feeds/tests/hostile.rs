//! Issue 3: hostile and broken feed servers on 127.0.0.1. Every case costs
//! bounded time and memory and ends in a clear error class (or, for the
//! entity-expansion attack, in no expansion at all).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Response, StatusCode, header};
use axum::routing::get;
use chrono::Utc;
use lede_core::{FeedId, FeedSpec};
use lede_feeds::{FeedError, FeedPoller, FetchConfig, FetchError, Fetcher, Validators};

const LIMIT: u64 = 256 * 1024;

fn response(status: StatusCode, headers: &[(&str, &str)], body: Body) -> Response<Body> {
    let mut builder = Response::builder().status(status);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).unwrap_or_default()
}

fn gzip_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap_or_default();
    }
    encoder.finish().unwrap_or_default() // 64 MiB of zeros in about 64 KiB
}

const BILLION_LAUGHS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs</title><item><guid>1</guid><title>&lol9;</title></item></channel></rss>"#;

async fn hostile_server() -> String {
    let app = Router::new()
        .route(
            "/to-metadata",
            get(|| async {
                response(
                    StatusCode::FOUND,
                    &[("location", "http://169.254.169.254/latest/meta-data/")],
                    Body::empty(),
                )
            }),
        )
        .route(
            "/endless",
            get(|| async {
                let chunk = Bytes::from(vec![b'x'; 16 * 1024]);
                let stream = futures_util::stream::repeat_with(move || Ok::<_, Infallible>(chunk.clone()));
                response(StatusCode::OK, &[("content-type", "application/rss+xml")], Body::from_stream(stream))
            }),
        )
        .route(
            "/gzip-bomb",
            get(|| async {
                response(
                    StatusCode::OK,
                    &[("content-type", "application/rss+xml"), ("content-encoding", "gzip")],
                    Body::from(gzip_bomb()),
                )
            }),
        )
        .route(
            "/drip",
            get(|| async {
                let stream = futures_util::stream::unfold(0u32, |n| async move {
                    tokio::time::sleep(Duration::from_millis(700)).await;
                    (n < 100).then(|| (Ok::<_, Infallible>(Bytes::from_static(b"<")), n + 1))
                });
                response(StatusCode::OK, &[], Body::from_stream(stream))
            }),
        )
        .route("/loop", get(|| async { response(StatusCode::FOUND, &[("location", "/loop2")], Body::empty()) }))
        .route("/loop2", get(|| async { response(StatusCode::FOUND, &[("location", "/loop")], Body::empty()) }))
        .route("/laughs", get(|| async { response(StatusCode::OK, &[], Body::from(BILLION_LAUGHS)) }))
        .route(
            "/html",
            get(|| async {
                response(StatusCode::OK, &[("content-type", "text/html")], Body::from("<html><body><h1>Hi</h1></body></html>"))
            }),
        )
        .route("/empty", get(|| async { response(StatusCode::OK, &[], Body::empty()) }))
        .route("/lying-304", get(|| async { response(StatusCode::NOT_MODIFIED, &[], Body::empty()) }))
        .route("/error", get(|| async { response(StatusCode::INTERNAL_SERVER_ERROR, &[], Body::from("oops")) }))
        .route(
            "/busy",
            get(|| async { response(StatusCode::TOO_MANY_REQUESTS, &[(header::RETRY_AFTER.as_str(), "600")], Body::empty()) }),
        )
        .route(
            "/cp1252-header",
            get(|| async {
                let mut body = b"<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid><title>".to_vec();
                body.extend_from_slice(b"\x93Quoted\x94 \x80 price</title></item></channel></rss>");
                response(
                    StatusCode::OK,
                    &[("content-type", "application/rss+xml; charset=windows-1252")],
                    Body::from(body),
                )
            }),
        )
        .route(
            "/broken-utf8",
            get(|| async {
                let body = b"<rss version=\"2.0\"><channel><title>T</title><item><guid>1</guid><title>bad \xc3 byte</title></item></channel></rss>".to_vec();
                response(StatusCode::OK, &[("content-type", "application/rss+xml; charset=utf-8")], Body::from(body))
            }),
        )
        .route(
            "/latin1",
            get(|| async {
                let mut body = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Caf".to_vec();
                body.push(0xe9); // e-acute in ISO-8859-1
                body.extend_from_slice(b"</title><item><guid>1</guid><title>Cr");
                body.push(0xe8); // e-grave
                body.extend_from_slice(b"me</title></item></channel></rss>");
                response(StatusCode::OK, &[("content-type", "application/rss+xml")], Body::from(body))
            }),
        );
    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

fn config() -> FetchConfig {
    FetchConfig {
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(2),
        max_body_bytes: LIMIT,
        max_redirects: 5,
        allow_private_addresses: true,
        host_spacing: Duration::ZERO,
        ..FetchConfig::default()
    }
}

fn poller(base: &str, path: &str, config: &FetchConfig) -> FeedPoller {
    let spec = FeedSpec {
        id: FeedId::new("hostile"),
        url: format!("{base}{path}"),
        interval: Duration::from_secs(60),
        max_interval: Duration::from_secs(3600),
    };
    FeedPoller::new(spec, None, Arc::new(Fetcher::new(config).unwrap_or_else(|e| panic!("{e}"))))
}

/// Fixture table: (path, expected error class). Each must fail within the
/// request timeout (3 s) plus a margin.
const FAILURES: &[(&str, &str)] = &[
    ("/endless", "too_large"),
    ("/gzip-bomb", "too_large"),
    ("/drip", "timeout"),
    ("/loop", "redirects"),
    ("/html", "not_a_feed"),
    ("/empty", "not_a_feed"),
    ("/lying-304", "unexpected_304"),
    ("/error", "http_status"),
    ("/busy", "http_status"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_fail_fast_with_a_clear_class() {
    let base = hostile_server().await;
    for (path, class) in FAILURES {
        let mut poller = poller(&base, path, &config());
        let started = Instant::now();
        let error = poller.poll(Utc::now()).await.err();
        let elapsed = started.elapsed();
        assert_eq!(error.as_ref().map(FeedError::class), Some(*class), "{path}: {error:?}");
        assert!(elapsed < Duration::from_secs(10), "{path} took {elapsed:?}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let base = hostile_server().await;
    let mut poller = poller(&base, "/busy", &config());
    let error = poller.poll(Utc::now()).await.err();
    assert!(
        matches!(error, Some(FeedError::Fetch(FetchError::Status { status: 429, .. }))),
        "{error:?}"
    );
    assert_eq!(
        poller.next_poll_in(Utc::now()),
        Duration::from_secs(600),
        "Retry-After: 600 beats the 120 s backoff"
    );
}

#[tokio::test]
async fn rejected_documents_keep_an_excerpt_for_the_dead_letter() {
    let base = hostile_server().await;
    let mut poller = poller(&base, "/html", &config());
    let error = poller.poll(Utc::now()).await.err();
    assert_eq!(
        error.as_ref().and_then(FeedError::excerpt),
        Some("<html><body><h1>Hi</h1></body></html>")
    );
}

#[tokio::test]
async fn entity_expansion_is_not_performed() {
    let base = hostile_server().await;
    let mut poller = poller(&base, "/laughs", &config());
    let started = Instant::now();
    match poller.poll(Utc::now()).await {
        Ok(output) => {
            let title_bytes: usize = output.articles.iter().map(|(a, _)| a.title.len()).sum();
            assert!(title_bytes < 1024, "entities were expanded to {title_bytes} bytes");
        }
        Err(error) => assert_eq!(error.class(), "not_a_feed", "{error}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn declared_charset_is_decoded() {
    let base = hostile_server().await;
    let mut poller = poller(&base, "/latin1", &config());
    let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.articles[0].0.title, "Crème");
    assert_eq!(output.articles[0].0.source, "Café");
}

/// Fixture table: (path, expected first title).
const CHARSETS: &[(&str, &str)] = &[
    ("/latin1", "Crème"),
    ("/cp1252-header", "\u{201c}Quoted\u{201d} \u{20ac} price"),
    ("/broken-utf8", "bad \u{fffd} byte"),
];

#[tokio::test]
async fn every_charset_becomes_utf8_and_broken_bytes_are_repaired() {
    let base = hostile_server().await;
    for (path, title) in CHARSETS {
        let mut poller = poller(&base, path, &config());
        let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(output.articles[0].0.title, *title, "{path}");
    }
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let base = hostile_server().await;
    let strict = FetchConfig { allow_private_addresses: false, ..config() };
    let fetcher = Fetcher::new(&strict).unwrap_or_else(|e| panic!("{e}"));
    // An IP literal is refused before any connection...
    let literal = fetcher.fetch(&format!("{base}/html"), &Validators::default()).await.err();
    assert_eq!(literal.as_ref().map(FetchError::class), Some("forbidden_address"), "{literal:?}");
    // ...and a name is refused when it resolves only to private addresses.
    let port = base.rsplit(':').next().unwrap_or_default();
    let named =
        fetcher.fetch(&format!("http://localhost:{port}/html"), &Validators::default()).await.err();
    assert_eq!(named.as_ref().map(FetchError::class), Some("forbidden_address"), "{named:?}");
}

/// A feed at a public-looking name redirects to the cloud metadata address.
/// The hostile server plays an HTTP proxy (a proxy receives the absolute
/// URL and answers for it), so the first hop needs no private address and
/// only the redirect is private: the redirect is refused before it is followed.
#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused() {
    let base = hostile_server().await;
    let strict =
        FetchConfig { allow_private_addresses: false, proxy: Some(base.clone()), ..config() };
    let fetcher = Fetcher::new(&strict).unwrap_or_else(|e| panic!("{e}"));
    let error =
        fetcher.fetch("http://news.example/to-metadata", &Validators::default()).await.err();
    let Some(FetchError::Forbidden { url, reason }) = &error else {
        panic!("expected forbidden_address, got {error:?}");
    };
    assert_eq!(url, "http://news.example/to-metadata");
    assert!(reason.contains("169.254.169.254"), "{reason}");
}
