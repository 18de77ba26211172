//! Everything the daemon reports: logging setup, the Prometheus registry,
//! and one struct per observable event whose `emit` writes the log line and
//! bumps the metric together, so the two never disagree.
//!
//! Metric names follow `lede_<name>_<unit>_total`; labels are small fixed sets.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

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

/// The daemon's metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    registry: Registry,
    polls: Family<OutcomeLabels, Counter>,
    feed_errors: Family<ClassLabels, Counter>,
    articles_published: Family<KindLabels, Counter>,
    commit_errors: Counter,
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
            "lede_commit_errors",
            "Batches Kafka did not accept (retried next poll)",
            metrics.commit_errors.clone(),
        );
        metrics
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
}

impl PollSucceeded<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        tracing::debug!(
            feed = self.feed,
            entries = self.entries,
            changed = self.changed,
            not_modified = self.not_modified,
            "feed polled"
        );
        let outcome = if self.not_modified { "not_modified" } else { "ok" };
        metrics.polls.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}

/// A feed poll failed.
#[derive(Debug)]
pub struct PollFailed<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// The error.
    pub error: &'a lede_feeds::FeedError,
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
    }
}

/// Articles reached Kafka.
#[derive(Debug)]
pub struct ArticlesPublished<'a> {
    /// Feed id.
    pub feed: &'a str,
    /// Count of `article.new` events.
    pub new: usize,
    /// Count of `article.changed` events.
    pub changed: usize,
}

impl ArticlesPublished<'_> {
    /// Log and count.
    pub fn emit(&self, metrics: &Metrics) {
        if self.new + self.changed > 0 {
            tracing::info!(
                feed = self.feed,
                new = self.new,
                changed = self.changed,
                "articles published"
            );
        }
        metrics
            .articles_published
            .get_or_create(&KindLabels { kind: "article.new" })
            .inc_by(self.new as u64);
        metrics
            .articles_published
            .get_or_create(&KindLabels { kind: "article.changed" })
            .inc_by(self.changed as u64);
    }
}

/// Kafka did not accept a batch; its items are offered again next poll.
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
        tracing::error!(feed = self.feed, "commit to Kafka failed, will retry: {}", self.error);
        metrics.commit_errors.inc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_follow_the_convention() {
        let metrics = Metrics::new();
        ArticlesPublished { feed: "f", new: 2, changed: 1 }.emit(&metrics);
        PollSucceeded { feed: "f", entries: 3, changed: 3, not_modified: false }.emit(&metrics);
        let text = metrics.encode();
        assert!(text.contains("lede_articles_published_total{kind=\"article.new\"} 2"), "{text}");
        assert!(text.contains("lede_feed_polls_total{outcome=\"ok\"} 1"), "{text}");
        for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
            assert!(
                line.starts_with("lede_")
                    && line.split(['{', ' ']).next().is_some_and(|n| n.ends_with("_total")),
                "{line}"
            );
        }
    }
}
