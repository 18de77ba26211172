//! A feed as the rest of Lede sees it once the config has been validated.

use std::fmt;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The operator's name for a feed: the Kafka key of its state and DLQ records.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FeedId(String);

impl FeedId {
    /// Wrap an already validated id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One feed to poll, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSpec {
    /// Unique id.
    pub id: FeedId,
    /// Absolute http(s) URL of the feed document.
    pub url: String,
    /// Shortest time between two polls: the adaptive schedule polls a busy
    /// feed this often, and never more often.
    pub interval: Duration,
    /// Longest time between two polls of a quiet feed.
    pub max_interval: Duration,
}

/// Why a feed (or an item of it) was rejected: the value of `lede.dlq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DeadLetter {
    /// The feed.
    pub feed_id: String,
    /// The URL polled.
    pub url: String,
    /// Error class, as in the `lede_feed_errors_total{class}` metric.
    pub class: String,
    /// The error, one line.
    pub message: String,
    /// Whether Lede will retry (it always polls again; `false` means the
    /// feed needs an operator).
    pub transient: bool,
    /// The start of the rejected document, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// When the poll failed.
    pub at: chrono::DateTime<chrono::Utc>,
}

impl DeadLetter {
    /// Schema name and version carried in the `lede-schema` header.
    pub const SCHEMA: &'static str = "lede.dead_letter/1";
}
