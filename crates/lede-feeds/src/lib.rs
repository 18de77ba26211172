//! Lede's feed stage: everything between a feed URL and a list of new or
//! changed [`Article`](lede_core::Article)s.
//!
//! - [`fetch`]: the HTTP client (the only HTTP client in Lede), with size and
//!   time limits and conditional GET.
//! - [`repair`]: documents the parser refuses (Atom 0.3, odd types) rewritten.
//! - [`charset`]: whatever encoding the server sent, to UTF-8.
//! - [`dates`]: the liberal date parser every feed date goes through.
//! - [`discover`]: the feeds an HTML page advertises.
//! - [`parse`]: feed documents (RSS, Atom, JSON Feed, sitemaps) to Articles.
//! - [`sitemap`]: Google News sitemaps and sitemaps with `lastmod`.
//! - [`normalize`]: HTML to clean paragraphs, canonical URLs.
//! - [`state`]: per-feed durable state: validators and seen items.
//! - [`poller`]: one feed's `initialize -> poll -> acknowledge` cycle.
//! - [`politeness`]: per-host limits on concurrency and request spacing.
//! - [`schedule`]: when to poll next, adapted to how often the feed publishes.
//! - [`websub`]: push: hub discovery, subscription, verification, signatures.

pub mod charset;
pub mod dates;
pub mod discover;
pub mod fetch;
pub mod normalize;
pub mod parse;
pub mod politeness;
pub mod poller;
pub mod repair;
pub mod schedule;
pub mod sitemap;
pub mod state;
pub mod websub;

pub use fetch::{FetchConfig, FetchError, Fetched, Fetcher, Validators};
pub use parse::{ParseError, ParsedFeed, parse_feed};
pub use poller::{FeedError, FeedPoller, PollFetched, PollOutput};
pub use state::{FeedState, SeenItems};
pub use websub::{HubLink, Pushed, Subscriptions};
