//! One feed's life cycle, in the shape of a Quickwit source:
//! [`FeedPoller::new`] initializes from restored state, [`FeedPoller::poll`]
//! fetches and returns what to publish plus when to poll next, and
//! [`FeedPoller::acknowledge`] adopts the new state once the caller made
//! the output durable. Retry and backoff live here and nowhere else.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lede_core::{Article, EventKind, FeedSpec};

use crate::fetch::{Document, FetchError, Fetched, Fetcher};
use crate::parse::{ParseError, parse_feed};
use crate::schedule::{ScheduleInput, next_interval, record_arrival};
use crate::state::{FeedState, Gone, Moved, newest_entries};
use crate::websub::HubLink;

/// Longest wait after repeated failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);
/// Longest `Retry-After` honoured.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Bytes of a rejected document kept for the dead-letter record.
pub const EXCERPT_BYTES: usize = 512;

/// The first [`EXCERPT_BYTES`] of `body` as (lossy) text.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(&body[..body.len().min(EXCERPT_BYTES)]).into_owned()
}

/// Why a poll produced nothing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedError {
    /// Fetching failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// The document is not a feed.
    #[error("{error}")]
    Parse {
        /// Why.
        error: ParseError,
        /// The document's first bytes (lossy UTF-8), for the dead-letter record.
        excerpt: String,
    },
}

impl FeedError {
    /// Short, fixed name of the error's kind: a metric label.
    pub fn class(&self) -> &'static str {
        match self {
            FeedError::Fetch(e) => e.class(),
            FeedError::Parse { error, .. } => error.class(),
        }
    }

    /// The start of the rejected document, when there was one.
    pub fn excerpt(&self) -> Option<&str> {
        match self {
            FeedError::Parse { excerpt, .. } => Some(excerpt),
            FeedError::Fetch(_) => None,
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            FeedError::Fetch(e) => e.is_transient(),
            FeedError::Parse { .. } => true,
        }
    }
}

/// The result of a successful poll.
#[derive(Debug)]
pub struct PollOutput {
    /// New or changed articles, in document order.
    pub articles: Vec<(Article, EventKind)>,
    /// The state to adopt (and make durable) once the articles are durable.
    /// `None` when nothing changed.
    pub next_state: Option<FeedState>,
    /// Entries in the document, for metrics.
    pub entries_in_document: usize,
    /// The server answered `304 Not Modified`, or sent the same bytes again.
    pub not_modified: bool,
    /// The server answered `410 Gone`: stop polling this feed.
    pub gone: bool,
    /// The server's freshness hint (RSS `<ttl>`, `Cache-Control`, `Expires`).
    pub hint: Option<Duration>,
    /// The WebSub hub that pushes this feed (`Link` header, else the document).
    pub hub_link: Option<HubLink>,
    /// Dates in the document that could not be read.
    pub unparsed_dates: usize,
    /// Entries past the [`crate::state::MAX_SEEN_ITEMS`] newest, not read.
    pub unread_entries: usize,
}

/// What [`FeedPoller::fetch`] brought, for [`FeedPoller::read`].
#[derive(Debug)]
pub struct PollFetched(Fetch);

impl PollFetched {
    /// The document's size (0 without one): what reading it costs grows
    /// with it.
    pub fn document_bytes(&self) -> usize {
        match &self.0 {
            Fetch::Document(document) => document.body.len(),
            _ => 0,
        }
    }
}

#[derive(Debug)]
enum Fetch {
    /// The feed answered `410 Gone` before: not fetched again.
    KnownGone,
    /// `304 Not Modified`.
    NotModified,
    /// `410 Gone` now, at this URL.
    NowGone(String),
    Document(Box<Document>),
}

/// Polls one feed.
#[derive(Debug)]
pub struct FeedPoller {
    spec: FeedSpec,
    state: FeedState,
    fetcher: Arc<Fetcher>,
    consecutive_failures: u32,
    retry_after: Option<Duration>,
    hint: Option<Duration>,
    polls: u64,
    /// Until when a hub has promised to push this feed.
    push_until: Option<DateTime<Utc>>,
    /// Spreads this feed's schedule apart from others' (from its id).
    jitter_base: u64,
}

impl FeedPoller {
    /// Initialize with the state restored from the changelog, if any.
    pub fn new(spec: FeedSpec, restored: Option<FeedState>, fetcher: Arc<Fetcher>) -> Self {
        let jitter_base = lede_core::hash::hex128(spec.id.as_str().as_bytes())
            .bytes()
            .fold(0u64, |acc, b| acc.rotate_left(5) ^ u64::from(b));
        Self {
            spec,
            state: restored.unwrap_or_default(),
            fetcher,
            consecutive_failures: 0,
            retry_after: None,
            hint: None,
            polls: 0,
            push_until: None,
            jitter_base,
        }
    }

    /// The feed polled.
    pub fn spec(&self) -> &FeedSpec {
        &self.spec
    }

    /// Fetch and parse the feed; return what changed since the last
    /// acknowledged state. `now` stamps the articles and the seen items.
    /// The same as [`FeedPoller::fetch`] then [`FeedPoller::read`].
    pub async fn poll(&mut self, now: DateTime<Utc>) -> Result<PollOutput, FeedError> {
        let fetched = self.fetch().await;
        self.read(fetched, now)
    }

    /// Fetch the feed, IO only: [`FeedPoller::read`] parses what it brought.
    pub async fn fetch(&self) -> Result<PollFetched, FeedError> {
        let url = self.url().to_owned();
        if self.state.gone.as_ref().is_some_and(|gone| gone.url == url) {
            return Ok(PollFetched(Fetch::KnownGone));
        }
        match self.fetcher.fetch(&url, &self.state.validators).await {
            Ok(Fetched::NotModified) => Ok(PollFetched(Fetch::NotModified)),
            Ok(Fetched::Document(document)) => Ok(PollFetched(Fetch::Document(document))),
            Err(FetchError::Status { status: 410, .. }) => Ok(PollFetched(Fetch::NowGone(url))),
            Err(error) => Err(error.into()),
        }
    }

    /// Read what [`FeedPoller::fetch`] brought: parse the document and diff
    /// it against the acknowledged state, and count the poll (its outcome
    /// sets the backoff). Parsing a large document is CPU work: callers on
    /// an async runtime run this apart from the runtime's workers.
    pub fn read(
        &mut self,
        fetched: Result<PollFetched, FeedError>,
        now: DateTime<Utc>,
    ) -> Result<PollOutput, FeedError> {
        let result = fetched.and_then(|PollFetched(fetched)| self.diff_fetched(fetched, now));
        self.polls += 1;
        match &result {
            Ok(output) => {
                self.consecutive_failures = 0;
                self.retry_after = None;
                self.hint = output.hint;
            }
            Err(error) => {
                self.consecutive_failures = self.consecutive_failures.saturating_add(1);
                self.retry_after = match error {
                    FeedError::Fetch(fetch) => fetch.retry_after(),
                    FeedError::Parse { .. } => None,
                };
            }
        }
        result
    }

    /// The URL polled: the configured one, or where it moved permanently.
    pub fn url(&self) -> &str {
        match &self.state.moved {
            Some(moved) if moved.from == self.spec.url => &moved.to,
            _ => &self.spec.url,
        }
    }

    fn diff_fetched(&self, fetched: Fetch, now: DateTime<Utc>) -> Result<PollOutput, FeedError> {
        let unchanged =
            |gone: bool, next_state: Option<FeedState>, hint: Option<Duration>| PollOutput {
                articles: Vec::new(),
                next_state,
                entries_in_document: 0,
                not_modified: !gone,
                gone,
                hint,
                hub_link: None,
                unparsed_dates: 0,
                unread_entries: 0,
            };
        let document = match fetched {
            Fetch::KnownGone => return Ok(unchanged(true, None, None)),
            Fetch::NotModified => return Ok(unchanged(false, None, self.hint)),
            Fetch::NowGone(url) => {
                let next = FeedState { gone: Some(Gone { url, at: now }), ..self.state.clone() };
                return Ok(unchanged(true, Some(next), None));
            }
            Fetch::Document(document) => *document,
        };
        let moved = document
            .moved_to
            .clone()
            .map(|to| Moved { from: self.spec.url.clone(), to })
            .or(self.state.moved.clone());
        self.diff_document(document, moved, now)
    }

    /// Take a document a WebSub hub pushed: parsed and diffed like a polled
    /// one (relative links resolve against the feed's URL). Does not count
    /// as a poll: the schedule and the backoff are untouched.
    pub fn ingest_pushed(
        &self,
        body: Vec<u8>,
        charset: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<PollOutput, FeedError> {
        let document = Document {
            body,
            final_url: self.url().to_owned(),
            validators: self.state.validators.clone(),
            moved_to: None,
            fresh_for: None,
            charset,
            hub_link: None,
        };
        let mut output = self.diff_document(document, self.state.moved.clone(), now)?;
        // A push says nothing about how fresh the polled document is.
        output.hint = self.hint;
        Ok(output)
    }

    /// A hub verified a subscription to this feed until `until`: meanwhile
    /// the feed is polled at its ceiling only, as a safety net. `None` when
    /// the hub denied it.
    pub fn set_push_until(&mut self, until: Option<DateTime<Utc>>) {
        self.push_until = until;
    }

    /// What changed in `document` since the acknowledged state.
    fn diff_document(
        &self,
        document: Document,
        moved: Option<Moved>,
        now: DateTime<Utc>,
    ) -> Result<PollOutput, FeedError> {
        let Document { body, final_url, validators, fresh_for, charset, hub_link, .. } = document;
        let body_hash = Some(lede_core::hash::hex128(&body));
        if body_hash == self.state.body_hash {
            // The server ignored the validators but sent the same bytes.
            let changed = validators != self.state.validators || moved != self.state.moved;
            let next = FeedState { validators, moved, ..self.state.clone() };
            return Ok(PollOutput {
                articles: Vec::new(),
                next_state: changed.then_some(next),
                entries_in_document: 0,
                not_modified: true,
                gone: false,
                hint: fresh_for.or(self.hint),
                hub_link,
                unparsed_dates: 0,
                unread_entries: 0,
            });
        }
        let parsed = parse_feed(&self.spec.id, &body, &final_url, charset.as_deref(), now)
            .map_err(|error| FeedError::Parse { error, excerpt: excerpt(&body) })?;
        let entries_in_document = parsed.articles.len();
        let (articles, unread_entries) = newest_entries(parsed.articles);
        let (articles, mut next_state) = self.state.diff(articles, now);
        next_state.validators = validators;
        next_state.body_hash = body_hash;
        next_state.moved = moved;
        if !articles.is_empty() {
            record_arrival(&mut next_state.arrivals, now);
        }
        let hint = match (parsed.ttl, fresh_for) {
            (Some(ttl), Some(fresh)) => Some(ttl.max(fresh)),
            (ttl, fresh) => ttl.or(fresh),
        };
        Ok(PollOutput {
            articles,
            next_state: Some(next_state),
            entries_in_document,
            not_modified: false,
            gone: false,
            hint,
            hub_link: hub_link.or(parsed.hub_link),
            unparsed_dates: parsed.unparsed_dates,
            unread_entries,
        })
    }

    /// Adopt `state` after the caller made the poll's output durable.
    pub fn acknowledge(&mut self, state: FeedState) {
        self.state = state;
    }

    /// Record that the poll's output could not be made durable: the same
    /// articles are offered again at the next poll.
    pub fn commit_failed(&mut self) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
    }

    /// How long to wait before the next poll: after a success, the adaptive
    /// schedule (see [`crate::schedule`]); after failures, the feed's interval
    /// doubled per failure up to [`MAX_BACKOFF`], or the server's
    /// `Retry-After` (up to a day) if longer.
    pub fn next_poll_in(&self, now: DateTime<Utc>) -> Duration {
        if self.consecutive_failures == 0 {
            let pushed = self.push_until.is_some_and(|until| until > now);
            return next_interval(&ScheduleInput {
                floor: if pushed { self.spec.max_interval } else { self.spec.interval },
                ceiling: self.spec.max_interval,
                arrivals: &self.state.arrivals,
                hint: self.hint,
                now,
                jitter_seed: self.jitter_base ^ self.polls,
            });
        }
        let factor = 1u32 << self.consecutive_failures.min(10);
        let backoff =
            self.spec.interval.saturating_mul(factor).min(MAX_BACKOFF.max(self.spec.interval));
        backoff.max(self.retry_after.unwrap_or_default().min(MAX_RETRY_AFTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::FetchConfig;
    use lede_core::FeedId;

    fn poller(url: &str, interval: Duration) -> FeedPoller {
        let spec =
            FeedSpec { id: FeedId::new("f"), url: url.into(), interval, max_interval: interval };
        let config = FetchConfig {
            allow_private_addresses: true,
            host_spacing: Duration::ZERO,
            ..FetchConfig::default()
        };
        let fetcher = Arc::new(Fetcher::new(&config).unwrap_or_else(|e| panic!("{e}")));
        FeedPoller::new(spec, None, fetcher)
    }

    #[tokio::test]
    async fn failures_back_off_exponentially_and_recover() {
        // Nothing listens on port 9 of 127.0.0.1 here: connect is refused at once.
        let mut poller = poller("http://127.0.0.1:9/feed", Duration::from_secs(60));
        assert_eq!(poller.next_poll_in(Utc::now()), Duration::from_secs(60));
        let error = poller.poll(Utc::now()).await.err();
        assert_eq!(error.as_ref().map(FeedError::class), Some("connect"));
        assert_eq!(poller.next_poll_in(Utc::now()), Duration::from_secs(120));
        let _ = poller.poll(Utc::now()).await;
        assert_eq!(poller.next_poll_in(Utc::now()), Duration::from_secs(240));
        for _ in 0..20 {
            poller.commit_failed();
        }
        assert_eq!(poller.next_poll_in(Utc::now()), MAX_BACKOFF);
    }

    #[tokio::test]
    async fn polls_a_local_server_and_skips_unchanged_items() {
        let app = axum::Router::new().route(
            "/feed",
            axum::routing::get(|| async {
                r#"<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>One</title></item></channel></rss>"#
            }),
        );
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut poller = poller(&format!("http://{address}/feed"), Duration::from_secs(1));
        let first = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.articles.len(), 1);
        // Not acknowledged (the commit failed): offered again.
        let again = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.articles.len(), 1);
        poller.acknowledge(again.next_state.unwrap_or_default());
        let third = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(third.articles.is_empty());
        assert!(third.next_state.is_none());
    }

    async fn serve(app: axum::Router) -> String {
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}")
    }

    const FEED: &str = r#"<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>One</title></item></channel></rss>"#;

    #[tokio::test]
    async fn a_permanent_move_is_remembered_and_survives_a_restart() {
        use axum::http::{StatusCode, header::LOCATION};
        let base = serve(
            axum::Router::new()
                .route(
                    "/old",
                    axum::routing::get(|| async {
                        (StatusCode::MOVED_PERMANENTLY, [(LOCATION, "/new")])
                    }),
                )
                .route("/new", axum::routing::get(|| async { FEED })),
        )
        .await;
        let mut poller = poller(&format!("{base}/old"), Duration::from_secs(1));
        let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        let state = output.next_state.unwrap_or_default();
        poller.acknowledge(state.clone());
        assert_eq!(poller.url(), format!("{base}/new"));
        // Restored from the changelog: still polls the new URL.
        let restored = FeedState::from_bytes(&state.to_bytes()).unwrap_or_default();
        let spec = poller.spec().clone();
        let again = FeedPoller::new(spec, Some(restored), poller.fetcher.clone());
        assert_eq!(again.url(), format!("{base}/new"));
    }

    #[tokio::test]
    async fn a_pushed_document_is_diffed_like_a_polled_one_and_push_slows_polling() {
        let spec = FeedSpec {
            id: FeedId::new("f"),
            url: "http://127.0.0.1:9/feed".into(),
            interval: Duration::from_secs(60),
            max_interval: Duration::from_secs(3600),
        };
        let fetcher = poller("http://127.0.0.1:9/", Duration::from_secs(1)).fetcher;
        let mut poller = FeedPoller::new(spec, None, fetcher);
        let now = Utc::now();
        let pushed = poller.ingest_pushed(FEED.into(), None, now).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(pushed.articles.len(), 1);
        poller.acknowledge(pushed.next_state.unwrap_or_default());
        let again = poller.ingest_pushed(FEED.into(), None, now).unwrap_or_else(|e| panic!("{e}"));
        assert!(again.articles.is_empty() && again.not_modified);
        let broken = poller.ingest_pushed(b"<html>".to_vec(), None, now).err();
        assert_eq!(broken.as_ref().map(FeedError::class), Some("not_a_feed"));
        assert!(poller.next_poll_in(now) < Duration::from_secs(3000));
        poller.set_push_until(Some(now + chrono::Duration::hours(2)));
        assert!(poller.next_poll_in(now) >= Duration::from_secs(3000), "polled at the ceiling");
        assert!(
            poller.next_poll_in(now + chrono::Duration::hours(3)) < Duration::from_secs(3000),
            "the lease ended: polled as before"
        );
    }

    #[tokio::test]
    async fn gone_stops_the_feed_for_good() {
        use axum::http::StatusCode;
        let base = serve(
            axum::Router::new().route("/gone", axum::routing::get(|| async { StatusCode::GONE })),
        )
        .await;
        let mut poller = poller(&format!("{base}/gone"), Duration::from_secs(1));
        let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(output.gone);
        poller.acknowledge(output.next_state.unwrap_or_default());
        let again = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(again.gone && again.next_state.is_none(), "no request, nothing new to store");
    }

    #[tokio::test]
    async fn a_server_ignoring_conditional_get_costs_no_parsing() {
        let base =
            serve(axum::Router::new().route("/same", axum::routing::get(|| async { FEED }))).await;
        let mut poller = poller(&format!("{base}/same"), Duration::from_secs(1));
        let first = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.entries_in_document, 1);
        poller.acknowledge(first.next_state.unwrap_or_default());
        let second = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(second.not_modified, "same bytes count as not modified");
        assert_eq!(second.entries_in_document, 0, "and were not parsed");
    }

    #[tokio::test]
    async fn the_feed_ttl_and_cache_control_stretch_the_schedule() {
        const TTL_FEED: &str = r#"<rss version="2.0"><channel><title>T</title><ttl>30</ttl>
            <item><guid>1</guid><title>One</title></item></channel></rss>"#;
        let base = serve(
            axum::Router::new().route("/ttl", axum::routing::get(|| async { TTL_FEED })).route(
                "/cached",
                axum::routing::get(|| async {
                    ([(axum::http::header::CACHE_CONTROL, "public, max-age=1200")], FEED)
                }),
            ),
        )
        .await;
        for (path, expected_minutes) in [("/ttl", 30.0), ("/cached", 20.0)] {
            let spec = FeedSpec {
                id: FeedId::new("f"),
                url: format!("{base}{path}"),
                interval: Duration::from_secs(60),
                max_interval: Duration::from_secs(3600),
            };
            let config = FetchConfig {
                allow_private_addresses: true,
                host_spacing: Duration::ZERO,
                ..FetchConfig::default()
            };
            let mut poller = FeedPoller::new(
                spec,
                None,
                Arc::new(Fetcher::new(&config).unwrap_or_else(|e| panic!("{e}"))),
            );
            let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
            poller.acknowledge(output.next_state.unwrap_or_default());
            let minutes = poller.next_poll_in(Utc::now()).as_secs_f64() / 60.0;
            assert!(
                (expected_minutes * 0.9..=expected_minutes * 1.1).contains(&minutes),
                "{path}: {minutes} min, expected about {expected_minutes}"
            );
        }
    }
}
