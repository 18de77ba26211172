//! Everything the daemon reports: logging setup, the Prometheus registry,
//! and one struct per observable event whose `emit` writes the log line and
//! bumps the metric together, so the two never disagree.
//!
//! Metric names follow `lede_<name>_<unit>_total`; labels are small fixed sets.

use std::collections::BTreeMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use lede_core::{DecisionKind, EventKind};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use serde::Serialize;

/// Log to stderr; `LEDE_LOG` (e.g. `debug`, `lede=trace`) sets the filter.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LEDE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClassLabels {
    class: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DecisionLabels {
    decision: &'static str,
}

/// The daemon's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    registry: Registry,
    polls: Family<OutcomeLabels, Counter>,
    feed_errors: Family<ClassLabels, Counter>,
    articles_published: Family<KindLabels, Counter>,
    story_decisions: Family<DecisionLabels, Counter>,
    commit_errors: Counter,
    story_store_errors: Counter,
    unparsed_dates: Counter,
    unread_entries: Counter,
    partly_tagged_articles: Counter,
    websub_subscribe_requests: Family<OutcomeLabels, Counter>,
    websub_verifications: Family<OutcomeLabels, Counter>,
    websub_deliveries: Family<OutcomeLabels, Counter>,
    live_stories: Gauge,
    story_store_bytes: Gauge,
    story_store_live_bytes: Gauge,
    story_store_compactions: Counter,
    /// Per-feed status for `/status` (per-feed detail stays out of metric labels).
    feeds: Mutex<BTreeMap<String, FeedStatus>>,
}

/// What `/status` shows for one feed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeedStatus {
    /// Feed URL.
    pub url: String,
    /// When the last poll ended.
    pub last_poll_at: Option<DateTime<Utc>>,
    /// `ok`, `not_modified` or `error`.
    pub last_outcome: Option<&'static str>,
    /// The last error, even after later successes.
    pub last_error: Option<ErrorStatus>,
    /// Failed polls in a row.
    pub consecutive_failures: u32,
    /// When the next poll is due.
    pub next_poll_at: Option<DateTime<Utc>>,
    /// Articles published since start.
    pub articles_published: u64,
    /// The WebSub hub pushing this feed, once one verified the subscription.
    pub push_hub: Option<String>,
    /// When the hub's lease ends (it is renewed before).
    pub push_until: Option<DateTime<Utc>>,
}

/// A feed's last error.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorStatus {
    /// Error class (metric label).
    pub class: &'static str,
    /// The error.
    pub message: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl Metrics {
    /// A registry with every metric registered.
    pub fn new() -> Self {
        let mut metrics = Metrics::default();
        let registry = &mut metrics.registry;
        registry.register(
            "lede_feed_polls",
            "Feed polls by outcome (ok, not_modified, error)",
            metrics.polls.clone(),
        );
        registry.register(
            "lede_feed_errors",
            "Failed feed polls by error class",
            metrics.feed_errors.clone(),
        );
        registry.register(
            "lede_articles_published",
            "Articles made durable in Kafka, by kind (article.new, article.changed)",
            metrics.articles_published.clone(),
        );
        registry.register(
            "lede_story_decisions",
            "Story decisions made durable, by decision (new, update, duplicate, source)",
            metrics.story_decisions.clone(),
        );
        registry.register(
            "lede_commit_errors",
            "Batches Kafka did not accept (retried next poll)",
            metrics.commit_errors.clone(),
        );
        registry.register(
            "lede_story_store_errors",
            "Failures of the story engine's record file (the daemon stops; nothing uncommitted is lost)",
            metrics.story_store_errors.clone(),
        );
        registry.register(
            "lede_feed_unparsed_dates",
            "Dates in polled documents that no known format reads (the entries keep no date)",
            metrics.unparsed_dates.clone(),
        );
        registry.register(
            "lede_feed_unread_entries",
            "Entries of feed documents past the newest 5,000, not read (a feed's state must fit one Kafka record)",
            metrics.unread_entries.clone(),
        );
        registry.register(
            "lede_enrich_partly_tagged_articles",
            "Articles longer than the tagger reads: their tags come from the first 64 KB (the article is kept whole)",
            metrics.partly_tagged_articles.clone(),
        );
        registry.register(
            "lede_websub_subscribe_requests",
            "WebSub subscription requests sent to hubs, by outcome (accepted, failed)",
            metrics.websub_subscribe_requests.clone(),
        );
        registry.register(
            "lede_websub_verifications",
            "Hub verification requests, by outcome (confirmed, refused, denied)",
            metrics.websub_verifications.clone(),
        );
        registry.register(
            "lede_websub_deliveries",
            "Documents pushed by hubs, by outcome (accepted, unsigned, bad_signature, busy, unknown_feed)",
            metrics.websub_deliveries.clone(),
        );
        registry.register(
            "lede_story_live_stories",
            "Stories in the story index (updated within the window), after the last commit",
            metrics.live_stories.clone(),
        );
        registry.register(
            "lede_story_store_bytes",
            "Size of the story record file (in story.store_dir), dead records included",
            metrics.story_store_bytes.clone(),
        );
        registry.register(
            "lede_story_store_live_bytes",
            "Bytes of the live stories' records in the story record file",
            metrics.story_store_live_bytes.clone(),
        );
        registry.register(
            "lede_story_store_compactions",
            "Times the story record file was compacted (live records copied to a fresh file)",
            metrics.story_store_compactions.clone(),
        );
        metrics
    }

    /// Show `feed` (polling `url`) on the status page.
    pub fn register_feed(&self, feed: &str, url: &str) {
        self.update_feed(feed, |status| status.url = url.to_owned());
    }

    fn update_feed(&self, feed: &str, change: impl FnOnce(&mut FeedStatus)) {
        if let Ok(mut feeds) = self.feeds.lock() {
            change(feeds.entry(feed.to_owned()).or_default());
        }
    }

    /// The status page: every feed's status, by feed id.
    pub fn status(&self) -> BTreeMap<String, FeedStatus> {
        self.feeds.lock().map(|feeds| feeds.clone()).unwrap_or_default()
    }

    /// Prometheus text exposition.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// A feed was fetched and parsed.
#[derive(Debug)]
pub struct PollSucceeded<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// Entries in the document (0 when not modified).
    pub entries: usize,
    /// New or changed entries.
    pub changed: usize,
    /// Whether the server answered 304.
    pub not_modified: bool,
    /// When the next poll is due.
    pub next_poll_in: std::time::Duration,
    /// Dates in the document that could not be read.
    pub unparsed_dates: usize,
    /// Entries past the newest a feed remembers, not read.
    pub unread_entries: usize,
}

impl PollSucceeded<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        if self.unparsed_dates > 0 {
            tracing::warn!(
                feed = self.feed,
                count = self.unparsed_dates,
                "feed has dates no known format reads"
            );
            metrics.unparsed_dates.inc_by(self.unparsed_dates as u64);
        }
        if self.unread_entries > 0 {
            tracing::warn!(
                feed = self.feed,
                count = self.unread_entries,
                "feed document has more entries than a feed remembers: the newest {} read",
                lede_feeds::state::MAX_SEEN_ITEMS
            );
            metrics.unread_entries.inc_by(self.unread_entries as u64);
        }
        tracing::debug!(
            feed = self.feed,
            entries = self.entries,
            changed = self.changed,
            not_modified = self.not_modified,
            "feed polled"
        );
        let outcome = if self.not_modified { "not_modified" } else { "ok" };
        metrics.polls.get_or_create(&OutcomeLabels { outcome }).inc();
        let now = Utc::now();
        metrics.update_feed(self.feed, |status| {
            status.last_poll_at = Some(now);
            status.last_outcome = Some(outcome);
            status.consecutive_failures = 0;
            status.next_poll_at = Some(now + self.next_poll_in);
        });
    }
}

/// A feed poll failed.
#[derive(Debug)]
pub struct PollFailed<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The error.
    pub error: &'a lede_feeds::FeedError,
    /// When the next poll is due (after backoff).
    pub next_poll_in: std::time::Duration,
}

impl PollFailed<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(
            feed = self.feed,
            class = self.error.class(),
            transient = self.error.is_transient(),
            "poll failed: {}",
            self.error
        );
        metrics.polls.get_or_create(&OutcomeLabels { outcome: "error" }).inc();
        metrics.feed_errors.get_or_create(&ClassLabels { class: self.error.class() }).inc();
        let now = Utc::now();
        metrics.update_feed(self.feed, |status| {
            status.last_poll_at = Some(now);
            status.last_outcome = Some("error");
            status.last_error = Some(ErrorStatus {
                class: self.error.class(),
                message: self.error.to_string(),
                at: now,
            });
            status.consecutive_failures += 1;
            status.next_poll_at = Some(now + self.next_poll_in);
        });
    }
}

/// A batch of articles, their decisions and story events reached Kafka.
#[derive(Debug, Default)]
pub struct ArticlesPublished<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// Count of `article.new` events.
    pub new: u64,
    /// Count of `article.changed` events.
    pub changed: u64,
    /// Decisions by kind: new, update, duplicate, source.
    pub decisions: [u64; 4],
}

impl ArticlesPublished<'_> {
    const DECISIONS: [DecisionKind; 4] =
        [DecisionKind::New, DecisionKind::Update, DecisionKind::Duplicate, DecisionKind::Source];

    /// Count one article.
    pub fn count(&mut self, kind: EventKind, decision: DecisionKind) {
        match kind {
            EventKind::ArticleChanged => self.changed += 1,
            _ => self.new += 1,
        }
        if let Some(slot) = Self::DECISIONS.iter().position(|d| *d == decision) {
            self.decisions[slot] += 1;
        }
    }

    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        if self.new + self.changed > 0 {
            let [new_stories, updates, duplicates, sources] = self.decisions;
            tracing::info!(
                feed = self.feed,
                new = self.new,
                changed = self.changed,
                new_stories,
                updates,
                duplicates,
                sources,
                "articles published"
            );
        }
        metrics
            .articles_published
            .get_or_create(&KindLabels { kind: "article.new" })
            .inc_by(self.new);
        metrics
            .articles_published
            .get_or_create(&KindLabels { kind: "article.changed" })
            .inc_by(self.changed);
        metrics
            .update_feed(self.feed, |status| status.articles_published += self.new + self.changed);
        for (decision, count) in Self::DECISIONS.iter().zip(self.decisions) {
            metrics
                .story_decisions
                .get_or_create(&DecisionLabels { decision: decision.as_str() })
                .inc_by(count);
        }
    }
}

/// The server said `410 Gone`: the feed is no longer polled.
#[derive(Debug)]
pub struct FeedGone<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The URL that answered 410.
    pub url: &'a str,
}

impl FeedGone<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(
            feed = self.feed,
            url = self.url,
            "feed is gone (HTTP 410); not polled again until its URL changes"
        );
        metrics.polls.get_or_create(&OutcomeLabels { outcome: "gone" }).inc();
        let now = Utc::now();
        metrics.update_feed(self.feed, |status| {
            status.last_poll_at = Some(now);
            status.last_outcome = Some("gone");
            status.next_poll_at = None;
        });
    }
}

/// Lede asked a hub to push a feed.
#[derive(Debug)]
pub struct SubscribeRequested<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The hub and topic.
    pub link: &'a lede_feeds::HubLink,
    /// The hub's answer.
    pub result: &'a Result<(), lede_feeds::FetchError>,
}

impl SubscribeRequested<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        let (hub, topic) = (self.link.hub.as_str(), self.link.topic.as_str());
        let outcome = match self.result {
            Ok(()) => {
                tracing::info!(feed = self.feed, hub, topic, "websub: subscription requested");
                "accepted"
            }
            Err(error) => {
                tracing::warn!(feed = self.feed, hub, topic, "websub: hub refused: {error}");
                "failed"
            }
        };
        metrics.websub_subscribe_requests.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}

/// A hub's verification request was answered, or its verdict reached the feed.
#[derive(Debug)]
pub struct SubscriptionVerified<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// `confirmed`, `refused` (Lede did not ask for it) or `denied` (by the hub).
    pub outcome: &'static str,
    /// Why, for refusals and denials.
    pub detail: &'a str,
}

impl SubscriptionVerified<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        match self.outcome {
            "confirmed" => {
                tracing::info!(feed = self.feed, "websub: hub verified the subscription")
            }
            outcome => tracing::warn!(feed = self.feed, outcome, "websub: {}", self.detail),
        }
        let outcome = self.outcome;
        metrics.websub_verifications.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}

/// A hub's lease on a feed began (or ended: `until` is `None`).
#[derive(Debug)]
pub struct PushLease<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The hub.
    pub hub: Option<&'a str>,
    /// When the lease ends.
    pub until: Option<DateTime<Utc>>,
}

impl PushLease<'_> {
    /// Show on the status page.
    pub fn emit(&self, metrics: &Metrics) {
        metrics.update_feed(self.feed, |status| {
            status.push_hub = self.hub.map(str::to_owned);
            status.push_until = self.until;
        });
    }
}

/// A hub pushed a document.
#[derive(Debug)]
pub struct DocumentPushed<'a> {
    /// Feed id (from the callback URL).
    pub feed: &'a str,
    /// Accepted, or why not.
    pub result: &'a Result<(), lede_feeds::websub::PushRejected>,
}

impl DocumentPushed<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        let outcome = match self.result {
            Ok(()) => {
                tracing::debug!(feed = self.feed, "websub: document pushed");
                "accepted"
            }
            Err(rejected) => {
                tracing::warn!(feed = self.feed, "websub: pushed document rejected: {rejected}");
                rejected.class()
            }
        };
        metrics.websub_deliveries.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}

/// A pushed document was not a readable feed.
#[derive(Debug)]
pub struct PushedDocumentFailed<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The error.
    pub error: &'a lede_feeds::FeedError,
}

impl PushedDocumentFailed<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(
            feed = self.feed,
            class = self.error.class(),
            "pushed document: {}",
            self.error
        );
        metrics.feed_errors.get_or_create(&ClassLabels { class: self.error.class() }).inc();
        let now = Utc::now();
        metrics.update_feed(self.feed, |status| {
            status.last_error = Some(ErrorStatus {
                class: self.error.class(),
                message: format!("pushed document: {}", self.error),
                at: now,
            });
        });
    }
}

/// Kafka did not accept a batch; its items are offered again next poll
/// (unless the error is fatal: then the daemon stops).
#[derive(Debug)]
pub struct CommitFailed<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The error.
    pub error: &'a lede_core::SinkError,
}

impl CommitFailed<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        let then = if self.error.is_fatal() { "stopping" } else { "will retry" };
        tracing::error!(feed = self.feed, "commit to Kafka failed, {then}: {}", self.error);
        metrics.commit_errors.inc();
    }
}

/// An item was too large to publish: its dead letter goes to `lede.dlq`
/// with the poll's batch, and the feed's other items are published.
#[derive(Debug)]
pub struct ItemTooLarge<'a> {
    /// The `lede.dlq` record.
    pub letter: &'a lede_core::DeadLetter,
}

impl ItemTooLarge<'_> {
    /// The error class (metric label and dead letter class).
    pub const CLASS: &'static str = "item_too_large";

    /// Log and count (as a feed error of its class).
    pub fn emit(&self, metrics: &Metrics) {
        let (letter, class) = (self.letter, Self::CLASS);
        tracing::warn!(feed = letter.feed_id, class, "{}", letter.message);
        metrics.feed_errors.get_or_create(&ClassLabels { class }).inc();
        metrics.update_feed(&letter.feed_id, |status| {
            status.last_error =
                Some(ErrorStatus { class, message: letter.message.clone(), at: letter.at });
        });
    }
}

/// An article's title and text are longer than the tagger reads
/// ([`lede_enrich::MAX_TAGGED_BYTES`]): its tags come from their
/// beginning; the article is published whole.
#[derive(Debug)]
pub struct ArticlePartlyTagged<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// Article id.
    pub article: &'a str,
    /// The title's and text's bytes.
    pub bytes: usize,
}

impl ArticlePartlyTagged<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::warn!(
            feed = self.feed,
            article = self.article,
            bytes = self.bytes,
            "article text longer than the tagger reads: tags come from its first {} bytes",
            lede_enrich::MAX_TAGGED_BYTES
        );
        metrics.partly_tagged_articles.inc();
    }
}

/// The story index and its record file, after a commit (and at start).
#[derive(Debug)]
pub struct StoriesMeasured {
    /// Stories in the index.
    pub live_stories: usize,
    /// The record file's size and compactions.
    pub store: lede_story::StoreStats,
}

impl StoriesMeasured {
    /// What `engine` holds now.
    pub fn of(engine: &lede_story::StoryEngine) -> Self {
        Self { live_stories: engine.len(), store: engine.store_stats() }
    }

    /// Set the gauges; log and count compactions since the last measure.
    pub fn emit(&self, metrics: &Metrics) {
        let gauge = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        metrics.live_stories.set(gauge(self.live_stories as u64));
        metrics.story_store_bytes.set(gauge(self.store.log_bytes));
        metrics.story_store_live_bytes.set(gauge(self.store.live_bytes));
        let counted = metrics.story_store_compactions.get();
        if self.store.compactions > counted {
            tracing::info!(
                live_stories = self.live_stories,
                file_bytes = self.store.log_bytes,
                "story record file compacted"
            );
            metrics.story_store_compactions.inc_by(self.store.compactions - counted);
        }
    }
}

/// The story engine's record file failed (a full disk): the batches being
/// decided are not committed (their feeds poll them again after a
/// restart), and the daemon stops.
#[derive(Debug)]
pub struct StoryStoreFailed<'a> {
    /// The error.
    pub error: &'a lede_story::StoreError,
}

impl StoryStoreFailed<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::error!("story store failed, stopping: {}", self.error);
        metrics.story_store_errors.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_follow_the_convention() {
        let metrics = Metrics::new();
        let mut published = ArticlesPublished { feed: "f", ..ArticlesPublished::default() };
        published.count(EventKind::ArticleNew, DecisionKind::New);
        published.count(EventKind::ArticleNew, DecisionKind::Source);
        published.count(EventKind::ArticleChanged, DecisionKind::Update);
        published.emit(&metrics);
        PollSucceeded {
            feed: "f",
            entries: 3,
            changed: 3,
            not_modified: false,
            next_poll_in: std::time::Duration::from_secs(60),
            unparsed_dates: 1,
            unread_entries: 2,
        }
        .emit(&metrics);
        ArticlePartlyTagged { feed: "f", article: "a", bytes: 100_000 }.emit(&metrics);
        let store = lede_story::StoreStats { log_bytes: 300, live_bytes: 200, compactions: 2 };
        StoriesMeasured { live_stories: 7, store }.emit(&metrics);
        StoriesMeasured { live_stories: 6, store }.emit(&metrics);
        let letter = lede_core::DeadLetter {
            feed_id: "g".into(),
            url: "http://g".into(),
            class: ItemTooLarge::CLASS.into(),
            message: "item x holds 300000 bytes".into(),
            transient: false,
            excerpt: None,
            at: Utc::now(),
        };
        ItemTooLarge { letter: &letter }.emit(&metrics);
        let last_error = metrics.status()["g"].last_error.clone();
        assert_eq!(last_error.map(|e| e.class), Some("item_too_large"));
        assert_eq!(metrics.status()["f"].last_outcome, Some("ok"));
        assert_eq!(metrics.status()["f"].articles_published, 3);
        let text = metrics.encode();
        assert!(text.contains("lede_articles_published_total{kind=\"article.new\"} 2"), "{text}");
        assert!(text.contains("lede_feed_polls_total{outcome=\"ok\"} 1"), "{text}");
        assert!(text.contains("lede_story_decisions_total{decision=\"source\"} 1"), "{text}");
        assert!(text.contains("lede_feed_unparsed_dates_total 1"), "{text}");
        assert!(text.contains("lede_feed_unread_entries_total 2"), "{text}");
        assert!(text.contains("lede_enrich_partly_tagged_articles_total 1"), "{text}");
        assert!(text.contains("lede_feed_errors_total{class=\"item_too_large\"} 1"), "{text}");
        assert!(text.contains("lede_story_live_stories 6"), "{text}");
        assert!(text.contains("lede_story_store_bytes 300"), "{text}");
        assert!(text.contains("lede_story_store_live_bytes 200"), "{text}");
        assert!(text.contains("lede_story_store_compactions_total 2"), "{text}");
        // Counters end in `_total`; gauges (a value now) name their unit.
        let gauges =
            ["lede_story_live_stories", "lede_story_store_bytes", "lede_story_store_live_bytes"];
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            let name = line.split(['{', ' ']).next().unwrap_or_default();
            assert!(
                name.starts_with("lede_") && (name.ends_with("_total") || gauges.contains(&name)),
                "{line}"
            );
        }
    }
}
