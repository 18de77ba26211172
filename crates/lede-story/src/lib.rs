//! Lede's story engine: decides for every article whether it starts a
//! story (`new`), changes one materially (`update`, a new version with a
//! paragraph diff), changes nothing (`duplicate`) or carries a known story
//! from another source (`source`).
//!
//! Pure and deterministic: no IO of its own, no clock (time is an
//! argument); the same articles in the same order give the same story ids
//! and versions, wherever the stories are stored.
//!
//! - [`text`]: words, shingles, what counts as a material word.
//! - [`minhash`]: MinHash signatures and LSH bands.
//! - [`diff`]: paragraph diff between versions, materiality.
//! - `series`: recurring reports, whose URLs differ only in a date or
//!   whose headlines differ only in the day.
//! - [`engine`]: the index, the decisions, eviction, snapshots and restore.
//! - [`store`]: where live stories' text and lists are kept: in memory, or
//!   in a record log the caller supplies (the daemon's is a file).

pub mod diff;
pub mod engine;
mod headline;
pub mod minhash;
mod series;
pub mod store;
pub mod text;

pub use engine::{
    ArticleFeatures, ChangelogWrite, EngineConfig, Outcome, RestoreError, Restored, Story,
    StoryEngine, is_breaking,
};
pub use store::{RecordLog, StoreError, StoreStats};
