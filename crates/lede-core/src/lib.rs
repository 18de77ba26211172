//! Lede's shared vocabulary: the types every stage speaks and nothing else.
//!
//! This crate is the ground floor of the house (see `ARCHITECTURE.md`): the
//! stage crates (feeds, kafka, and later story and enrich) depend on it and
//! never on each other. It does no IO and reads no clock.

pub mod article;
pub mod entity;
pub mod feed;
pub mod hash;
pub mod schema;
pub mod sink;
pub mod story;

pub use article::{Article, Author};
pub use entity::{Demonym, Entity, EntityType, Mention, Place, Tags};
pub use feed::{DeadLetter, FeedId, FeedSpec};
pub use sink::{
    CONTENT_TYPE, CommitBatch, EventKind, EventRecord, EventSink, MemorySink, SinkError,
    StateRecord, StateTable, Topic,
};
pub use story::{Changes, DecidedArticle, Decision, DecisionKind, Rewrite, StoryEvent};
