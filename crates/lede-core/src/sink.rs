//! The one door through which stages make anything durable.
//!
//! A stage never writes to Kafka itself: it hands a [`CommitBatch`] (the
//! events it produced and the state changes those events imply) to an
//! [`EventSink`]. Today the Kafka sink writes the events, awaits their
//! delivery, then writes the state; making both one Kafka transaction
//! (exactly-once) changes that implementation and nothing else.

use std::future::Future;

/// Where an event goes. The Kafka crate maps these to topic names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Every normalized article with its decision (`lede.articles`).
    Articles,
    /// Every story event (`lede.stories`).
    Stories,
    /// The latest event of every story (`lede.stories.latest`, compacted).
    StoriesLatest,
    /// Rejected feeds and items (`lede.dlq`).
    Dlq,
}

/// What kind of event a record is: the `lede-event` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// An article seen for the first time.
    ArticleNew,
    /// A known article whose title or text changed.
    ArticleChanged,
    /// A story's first event.
    StoryNew,
    /// A story's new version.
    StoryUpdate,
    /// A story carried by one more source.
    StorySource,
    /// A feed poll failed; the record says why.
    FeedRejected,
}

impl EventKind {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ArticleNew => "article.new",
            EventKind::ArticleChanged => "article.changed",
            EventKind::StoryNew => "story.new",
            EventKind::StoryUpdate => "story.update",
            EventKind::StorySource => "story.source",
            EventKind::FeedRejected => "feed.rejected",
        }
    }
}

/// Value of the `content-type` header of every event.
pub const CONTENT_TYPE: &str = "application/json";

/// One event to publish: JSON `payload`, keyed by `key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    /// Destination.
    pub topic: Topic,
    /// Partitioning key (article id, story id, feed id).
    pub key: String,
    /// Value of the `lede-schema` header, e.g. `lede.article/1`.
    pub schema: &'static str,
    /// Value of the `lede-event` header.
    pub kind: EventKind,
    /// JSON value.
    pub payload: Vec<u8>,
}

/// A state table, each backed by one compacted changelog topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateTable {
    /// Per-feed state: validators, seen items (`lede.state.feeds`).
    Feeds,
    /// The story index: one snapshot per live story (`lede.state.stories`).
    Stories,
}

/// The new value of one key of a state table; `None` deletes the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateRecord {
    /// Table.
    pub table: StateTable,
    /// Key within the table.
    pub key: String,
    /// New value, or `None` for a tombstone.
    pub value: Option<Vec<u8>>,
}

/// Events and the state they imply, made durable together.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitBatch {
    /// Events, published in this order.
    pub events: Vec<EventRecord>,
    /// State changes, durable together with the events or not at all.
    pub state: Vec<StateRecord>,
}

/// Why a commit failed. Nothing of a failed batch counts as accepted: the
/// caller keeps its old state and the same items are offered again later.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// The broker did not acknowledge a record.
    #[error("delivery to topic {topic} failed: {message}")]
    Delivery {
        /// Topic name.
        topic: String,
        /// The client's error text.
        message: String,
    },
    /// A record could not be encoded for the wire.
    #[error("cannot encode record for topic {topic}: {message}")]
    Encode {
        /// Topic name.
        topic: String,
        /// Why.
        message: String,
    },
    /// The sink can write nothing more (another writer took over its topics):
    /// retrying is useless, the daemon must stop.
    #[error("cannot write any more: {message}")]
    Fatal {
        /// The client's error text.
        message: String,
    },
}

impl SinkError {
    /// Every later commit would fail too.
    pub fn is_fatal(&self) -> bool {
        matches!(self, SinkError::Fatal { .. })
    }
}

/// Makes batches durable. Implemented by the Kafka crate; unit tests use
/// [`MemorySink`].
pub trait EventSink: Send + Sync {
    /// Write `batch`: every event, then every state record; a batch with
    /// state atomically (the Kafka sink uses one transaction). Returns once
    /// all of it is durable, or with the first error.
    fn commit(&self, batch: CommitBatch) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// An in-memory [`EventSink`] for unit tests: it keeps every batch.
#[derive(Debug, Default)]
pub struct MemorySink {
    batches: std::sync::Mutex<Vec<CommitBatch>>,
}

impl MemorySink {
    /// Every batch committed so far, in order.
    pub fn batches(&self) -> Vec<CommitBatch> {
        self.batches.lock().map(|b| b.clone()).unwrap_or_default()
    }
}

impl EventSink for MemorySink {
    async fn commit(&self, batch: CommitBatch) -> Result<(), SinkError> {
        if let Ok(mut batches) = self.batches.lock() {
            batches.push(batch);
        }
        Ok(())
    }
}
