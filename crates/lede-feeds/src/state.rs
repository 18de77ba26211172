//! Per-feed durable state: conditional-GET validators, the last document's
//! hash, a permanent move or a `410 Gone`, and the items already published,
//! so an unchanged item is never published twice, not even after a restart. Stored as JSON in the `lede.state.feeds` changelog, keyed by feed id.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lede_core::hash::Hash128;
use lede_core::{Article, EventKind};
use serde::{Deserialize, Serialize};

use crate::fetch::Validators;

/// Items absent from the feed for longer than this are forgotten.
pub const SEEN_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);
/// At most this many items are remembered per feed (the oldest absent go
/// first), and read per document: a feed's state is one Kafka record
/// (about 115 bytes per item; Kafka refuses records over 1 MB by default).
pub const MAX_SEEN_ITEMS: usize = 5_000;

/// A document's entries up to [`MAX_SEEN_ITEMS`]: the newest by
/// publication time (undated ones after dated ones), kept in document
/// order; and how many were left unread.
pub fn newest_entries(mut articles: Vec<Article>) -> (Vec<Article>, usize) {
    let unread = articles.len().saturating_sub(MAX_SEEN_ITEMS);
    if unread > 0 {
        let mut order: Vec<usize> = (0..articles.len()).collect();
        // Stable: among equal times (or undated), document order.
        order.sort_by_key(|&i| std::cmp::Reverse(articles[i].published_at));
        let mut keep = vec![false; articles.len()];
        order.iter().take(MAX_SEEN_ITEMS).for_each(|&i| keep[i] = true);
        let mut kept = keep.into_iter();
        articles.retain(|_| kept.next().unwrap_or(false));
    }
    (articles, unread)
}

/// What Lede remembers about one feed between polls and across restarts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedState {
    /// Validators for the next conditional GET.
    #[serde(default)]
    pub validators: Validators,
    /// Article id -> what was last published for it (ids and hashes kept
    /// in 16 bytes each: a feed's state holds many).
    #[serde(default)]
    pub seen: SeenItems,
    /// Hash of the last document parsed: a server that ignores conditional
    /// GET but sends the same bytes costs no parsing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_hash: Option<String>,
    /// The feed moved permanently (301/308 on every hop): poll `to` while
    /// the configured URL is still `from`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moved: Option<Moved>,
    /// The server said `410 Gone` for this URL: the feed is not polled again
    /// until its configured URL changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone: Option<Gone>,
    /// When polls found new or changed items (the last few), for the schedule.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub arrivals: Vec<DateTime<Utc>>,
}

/// A permanent move of a feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moved {
    /// The configured URL.
    pub from: String,
    /// Where it lives now.
    pub to: String,
}

/// A feed the server declared gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gone {
    /// The URL that answered 410.
    pub url: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One published item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeenItem {
    /// Content hash of the version last published.
    pub hash: Hash128,
    /// Last time the item was in the feed document.
    pub last_seen: DateTime<Utc>,
}

/// Published items by id, in id order: a sorted list, which takes half the
/// memory of a B-tree (every feed's state is in memory), written as a JSON
/// object like a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeenItems(Vec<(Hash128, SeenItem)>);

impl SeenItems {
    fn position(&self, id: &Hash128) -> Result<usize, usize> {
        self.0.binary_search_by_key(id, |(key, _)| *key)
    }

    /// What was last published for `id`.
    pub fn get(&self, id: &Hash128) -> Option<&SeenItem> {
        self.position(id).ok().and_then(|at| self.0.get(at)).map(|(_, item)| item)
    }

    /// Whether `id` was published.
    pub fn contains_key(&self, id: &Hash128) -> bool {
        self.position(id).is_ok()
    }

    /// Remember `item` for `id`.
    pub fn insert(&mut self, id: Hash128, item: SeenItem) {
        match self.position(&id) {
            Ok(at) => {
                if let Some(known) = self.0.get_mut(at) {
                    known.1 = item;
                }
            }
            Err(at) => self.0.insert(at, (id, item)),
        }
    }

    /// Forget `id`.
    pub fn remove(&mut self, id: &Hash128) {
        if let Ok(at) = self.position(id) {
            self.0.remove(at);
        }
    }

    /// Keep the items `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Hash128, &SeenItem) -> bool) {
        self.0.retain(|(id, item)| keep(id, item));
    }

    /// Items remembered.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when no item is remembered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every item, in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&Hash128, &SeenItem)> {
        self.0.iter().map(|(id, item)| (id, item))
    }
}

impl Serialize for SeenItems {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for SeenItems {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read as a map (sorted, the last of a repeated id wins), kept as a list.
        let items = BTreeMap::<Hash128, SeenItem>::deserialize(deserializer)?;
        Ok(SeenItems(items.into_iter().collect()))
    }
}

impl FeedState {
    /// Split a freshly parsed document into what must be published (new or
    /// changed articles, with their kind) and the state once that is durable.
    /// `self` is not modified: the caller adopts the new state only after the
    /// commit succeeded.
    pub fn diff(
        &self,
        articles: Vec<Article>,
        now: DateTime<Utc>,
    ) -> (Vec<(Article, EventKind)>, FeedState) {
        let mut next = self.clone();
        let mut changed = Vec::new();
        let mut present = std::collections::HashSet::with_capacity(articles.len());
        for article in articles {
            let (id, hash) = (Hash128::of_id(&article.id), article.content_hash);
            present.insert(id);
            let kind = match next.seen.get(&id) {
                None => Some(EventKind::ArticleNew),
                Some(seen) if seen.hash != hash => Some(EventKind::ArticleChanged),
                Some(_) => None,
            };
            next.seen.insert(id, SeenItem { hash, last_seen: now });
            if let Some(kind) = kind {
                changed.push((article, kind));
            }
        }
        next.forget_old(&present, now);
        (changed, next)
    }

    /// Forget items absent from the current document and older than the
    /// retention, then the oldest absent ones beyond the cap. Items present
    /// in the document are never forgotten (forgetting them would re-publish them).
    fn forget_old(&mut self, present: &std::collections::HashSet<Hash128>, now: DateTime<Utc>) {
        let retention = chrono::Duration::from_std(SEEN_RETENTION).unwrap_or(chrono::Duration::MAX);
        self.seen.retain(|id, item| present.contains(id) || now - item.last_seen <= retention);
        if self.seen.len() > MAX_SEEN_ITEMS {
            let mut absent: Vec<(DateTime<Utc>, Hash128)> = self
                .seen
                .iter()
                .filter(|(id, _)| !present.contains(*id))
                .map(|(id, item)| (item.last_seen, *id))
                .collect();
            absent.sort();
            let excess = self.seen.len() - MAX_SEEN_ITEMS;
            for (_, id) in absent.into_iter().take(excess) {
                self.seen.remove(&id);
            }
        }
    }

    /// JSON bytes for the changelog.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Restore from changelog bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap_or_default()
    }

    fn article(id: &str, text: &str) -> Article {
        Article {
            id: id.into(),
            feed_id: "f".into(),
            title: id.into(),
            paragraphs: vec![text.into()],
            fetched_at: at(0),
            content_hash: Article::compute_content_hash(id, None, &[text.into()]),
            source: "s".into(),
            ..Article::default()
        }
    }

    fn ids(changed: &[(Article, EventKind)]) -> Vec<(&str, EventKind)> {
        changed.iter().map(|(a, k)| (a.id.as_str(), *k)).collect()
    }

    #[test]
    fn a_huge_document_is_read_up_to_what_a_feed_remembers() {
        // Dated newest last, as some sitemaps are.
        let articles: Vec<Article> = (0..20_000)
            .map(|i| Article {
                published_at: Some(at(i)),
                ..article(&format!("item-{i}"), "Text.")
            })
            .collect();
        let (kept, unread) = newest_entries(articles);
        assert_eq!((kept.len(), unread), (MAX_SEEN_ITEMS, 20_000 - MAX_SEEN_ITEMS));
        assert_eq!(kept[0].id, "item-15000", "the newest, in document order");
        let (changed, next) = FeedState::default().diff(kept, at(0));
        assert_eq!(changed.len(), MAX_SEEN_ITEMS);
        // Kafka refuses records over 1 MB by default.
        assert!(next.to_bytes().len() < 1_000_000, "{} bytes", next.to_bytes().len());
        // Undated entries keep document order after dated ones.
        let few = vec![article("a", "x"), article("b", "y")];
        assert_eq!(newest_entries(few).1, 0);
    }

    #[test]
    fn new_changed_and_unchanged_items() {
        let state = FeedState::default();
        let (first, state) = state.diff(vec![article("a", "x"), article("b", "y")], at(0));
        assert_eq!(ids(&first), vec![("a", EventKind::ArticleNew), ("b", EventKind::ArticleNew)]);
        let (second, state) =
            state.diff(vec![article("a", "x"), article("b", "y2"), article("c", "z")], at(60));
        assert_eq!(
            ids(&second),
            vec![("b", EventKind::ArticleChanged), ("c", EventKind::ArticleNew)]
        );
        let (third, _) = state.diff(vec![article("a", "x"), article("b", "y2")], at(120));
        assert!(third.is_empty());
    }

    #[test]
    fn the_same_item_twice_in_one_document_is_published_once() {
        let (changed, _) =
            FeedState::default().diff(vec![article("a", "x"), article("a", "x")], at(0));
        assert_eq!(changed.len(), 1);
    }

    #[test]
    fn diff_does_not_modify_the_current_state() {
        let state = FeedState::default();
        let _ = state.diff(vec![article("a", "x")], at(0));
        assert!(state.seen.is_empty());
    }

    #[test]
    fn absent_items_are_forgotten_after_retention_present_ones_never() {
        let (_, state) =
            FeedState::default().diff(vec![article("a", "x"), article("b", "y")], at(0));
        let later = at(SEEN_RETENTION.as_secs() as i64 + 1);
        let (changed, state) = state.diff(vec![article("a", "x")], later);
        assert!(changed.is_empty());
        assert!(state.seen.contains_key(&Hash128::of_id("a")));
        assert!(!state.seen.contains_key(&Hash128::of_id("b")));
    }

    #[test]
    fn survives_a_round_trip_through_bytes() {
        let (_, mut state) = FeedState::default().diff(vec![article("a", "x")], at(0));
        state.validators = Validators { etag: Some("\"e\"".into()), last_modified: None };
        state.moved = Some(Moved { from: "http://a/".into(), to: "http://b/".into() });
        let restored = FeedState::from_bytes(&state.to_bytes()).unwrap_or_default();
        assert_eq!(restored, state);
        let (changed, _) = restored.diff(vec![article("a", "x")], at(10));
        assert!(changed.is_empty(), "a restored state must not re-publish");
    }

    /// Seen items are written as a JSON object keyed by id, in id order,
    /// as when they were a map (states written before read the same).
    #[test]
    fn seen_items_are_a_json_object_in_id_order() {
        let (_, state) =
            FeedState::default().diff(vec![article("b", "y"), article("a", "x")], at(0));
        let json: serde_json::Value = serde_json::from_slice(&state.to_bytes()).unwrap_or_default();
        let ids: Vec<&String> =
            json["seen"].as_object().map(|seen| seen.keys().collect()).unwrap_or_default();
        let mut expected = [Hash128::of_id("a").to_string(), Hash128::of_id("b").to_string()];
        expected.sort();
        assert_eq!(ids, expected.iter().collect::<Vec<_>>());
        let restored = FeedState::from_bytes(&state.to_bytes()).unwrap_or_default();
        assert_eq!(restored.seen.len(), 2);
        assert!(restored.seen.get(&Hash128::of_id("a")).is_some());
    }
}
