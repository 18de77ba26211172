//! The story engine: one decision per article, in arrival order.
//!
//! 1. Exact keys: the same article id or canonical URL is the same item
//!    (`update` if it changed materially, else `duplicate`); the same
//!    content hash is the same text (`source` from a new source, else
//!    `duplicate`).
//! 2. Near duplicates: LSH over MinHash signatures of word shingles finds
//!    candidate stories; each is verified on exact shingle sets by Jaccard
//!    and by containment either way (a later version contains the earlier
//!    one; a short copy is contained in the full one). The best candidate
//!    above the thresholds wins; ties go to the older story.
//! 3. Otherwise the article starts a `new` story.
//!
//! Only stories updated within the window can match, so decisions do not
//! depend on when expired stories are evicted. Every change to a story is
//! returned as a snapshot for the changelog; [`StoryEngine::restore`]
//! rebuilds the same engine from the snapshots.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use lede_core::hash::hex128_parts;
use lede_core::{Article, Decision, DecisionKind, StoryEvent};
use serde::{Deserialize, Serialize};

use crate::diff::{Diff, diff};
use crate::minhash::{BANDS, Signature};
use crate::text::{
    COMPARE_SHINGLE_WORDS, SIGNATURE_SHINGLE_WORDS, intersection, shingles, word_hashes,
};

/// Tuning of the engine. The defaults are the measured ones (see `eval/`).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// Stories not updated for this long no longer match and are evicted.
    pub window: Duration,
    /// Match when the shingle Jaccard similarity reaches this.
    pub min_jaccard: f64,
    /// Match when this share of one text's shingles is in the other.
    pub min_containment: f64,
    /// Containment only counts for texts with at least this many shingles.
    pub min_contained_shingles: usize,
    /// At most this many article ids, URLs and hashes remembered per story.
    pub max_keys_per_story: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            window: Duration::hours(72),
            min_jaccard: 0.3,
            min_containment: 0.5,
            min_contained_shingles: 12,
            max_keys_per_story: 64,
        }
    }
}

/// A story as the engine keeps it: its latest version and its keys. This
/// is also the changelog value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Story {
    /// Stable id.
    pub id: String,
    /// Creation order, for deterministic tie-breaks.
    pub seq: u64,
    /// Content version.
    pub version: u32,
    /// Latest headline.
    pub title: String,
    /// Latest text.
    pub paragraphs: Vec<String>,
    /// Latest link.
    pub url: Option<String>,
    /// Sources, first first.
    pub sources: Vec<String>,
    /// Articles merged, oldest first.
    pub article_ids: Vec<String>,
    /// Canonical URLs seen.
    pub urls: Vec<String>,
    /// Content hashes seen.
    pub content_hashes: Vec<String>,
    /// First article's publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// When the first article was seen.
    pub first_seen_at: DateTime<Utc>,
    /// When the story last changed (any decision but `duplicate`).
    pub updated_at: DateTime<Utc>,
    /// The latest version says breaking/developing.
    pub breaking: bool,
}

/// What one article produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The event for `lede.stories` (`None` for `duplicate`).
    pub event: Option<StoryEvent>,
    /// Changelog writes: story id -> snapshot (`None`: evicted).
    pub changelog: Vec<(String, Option<Story>)>,
}

/// Why restoring failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestoreError {
    /// A changelog value is not a story snapshot.
    #[error("unreadable story snapshot {key}: {message}")]
    Snapshot {
        /// Changelog key.
        key: String,
        /// Parser message.
        message: String,
    },
}

/// A story and what the engine derives from it.
#[derive(Debug, Clone)]
struct Entry {
    story: Story,
    bands: [u64; BANDS],
}

/// The engine. See the module documentation.
#[derive(Debug, Default)]
pub struct StoryEngine {
    config: EngineConfig,
    stories: HashMap<u64, Entry>,
    by_article: HashMap<String, u64>,
    by_url: HashMap<String, u64>,
    by_hash: HashMap<String, u64>,
    by_band: HashMap<u64, Vec<u64>>,
    by_age: BTreeSet<(DateTime<Utc>, u64)>,
    next_seq: u64,
    /// While a batch is open: what undoes it.
    undo: Option<UndoLog>,
}

/// `next_seq` when the batch began, and every story's value before each change.
#[derive(Debug)]
struct UndoLog {
    next_seq: u64,
    previous: Vec<(u64, Option<Story>)>,
}

/// Text features of an article or a story version.
struct Features {
    /// 2-word shingles, for verification.
    shingles: Vec<u64>,
    /// Signature of the 3-word shingles, for candidate search.
    signature: Signature,
}

impl Features {
    fn of(title: &str, paragraphs: &[String]) -> Self {
        let hashes = text_hashes(title, paragraphs);
        let signature = Signature::of(&shingles(&hashes, SIGNATURE_SHINGLE_WORDS));
        Self { shingles: shingles(&hashes, COMPARE_SHINGLE_WORDS), signature }
    }

    /// Only the verification shingles (a story's, when checking a candidate).
    fn compare_shingles(title: &str, paragraphs: &[String]) -> Vec<u64> {
        shingles(&text_hashes(title, paragraphs), COMPARE_SHINGLE_WORDS)
    }
}

fn text_hashes(title: &str, paragraphs: &[String]) -> Vec<u64> {
    let mut hashes = word_hashes(title);
    for paragraph in paragraphs {
        hashes.extend(word_hashes(paragraph));
    }
    hashes
}

/// How an article relates to a story.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// Same article id or URL.
    SameItem,
    /// Same content hash.
    SameText,
    /// Near-duplicate text.
    Similar,
}

impl StoryEngine {
    /// An empty engine.
    pub fn new(config: EngineConfig) -> Self {
        Self { config, ..Self::default() }
    }

    /// Rebuild from changelog values (the latest snapshot of every live story).
    pub fn restore<'a>(
        config: EngineConfig,
        snapshots: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Result<Self, RestoreError> {
        let mut engine = Self::new(config);
        let mut stories = Vec::new();
        for (key, bytes) in snapshots {
            let story: Story = serde_json::from_slice(bytes).map_err(|e| {
                RestoreError::Snapshot { key: key.to_owned(), message: e.to_string() }
            })?;
            stories.push(story);
        }
        stories.sort_by_key(|s| s.seq);
        for story in stories {
            engine.next_seq = engine.next_seq.max(story.seq + 1);
            engine.insert(story);
        }
        Ok(engine)
    }

    /// Stories in memory.
    pub fn len(&self) -> usize {
        self.stories.len()
    }

    /// True when no story is in memory.
    pub fn is_empty(&self) -> bool {
        self.stories.is_empty()
    }

    /// Start recording changes so that [`StoryEngine::rollback`] can undo
    /// them (used when the caller's commit fails).
    pub fn begin(&mut self) {
        self.undo = Some(UndoLog { next_seq: self.next_seq, previous: Vec::new() });
    }

    /// Keep the changes since [`StoryEngine::begin`].
    pub fn commit(&mut self) {
        self.undo = None;
    }

    /// Undo every change since [`StoryEngine::begin`].
    pub fn rollback(&mut self) {
        let Some(UndoLog { next_seq, previous }) = self.undo.take() else {
            return;
        };
        for (seq, previous) in previous.into_iter().rev() {
            self.remove(seq);
            if let Some(story) = previous {
                self.insert(story);
            }
        }
        self.next_seq = next_seq;
    }

    /// Decide for `article`, seen at `now`.
    pub fn decide(&mut self, article: &Article, now: DateTime<Utc>) -> Outcome {
        let mut changelog = self.expire(now);
        let paragraphs = article.paragraphs_or_summary();
        let features = Features::of(&article.title, &paragraphs);
        let matched = self.find(article, &features, now);
        let (decision, event, story) = match matched {
            None => self.start_story(article, paragraphs, now),
            Some((seq, relation)) => self.merge(seq, relation, article, paragraphs, now),
        };
        if let Some(story) = story {
            changelog.push((story.id.clone(), Some(story)));
        }
        Outcome { decision, event, changelog }
    }

    /// The story `article` belongs to, if any, and how.
    fn find(
        &self,
        article: &Article,
        features: &Features,
        now: DateTime<Utc>,
    ) -> Option<(u64, Relation)> {
        let live = |seq: &u64| {
            self.stories.get(seq).is_some_and(|e| now - e.story.updated_at <= self.config.window)
        };
        let exact_item = self
            .by_article
            .get(&article.id)
            .or_else(|| article.url.as_ref().and_then(|url| self.by_url.get(url)))
            .filter(|seq| live(seq));
        if let Some(&seq) = exact_item {
            return Some((seq, Relation::SameItem));
        }
        if let Some(&seq) = self.by_hash.get(&article.content_hash).filter(|seq| live(seq)) {
            return Some((seq, Relation::SameText));
        }
        let mut candidates: Vec<u64> = features
            .signature
            .band_keys()
            .iter()
            .filter_map(|key| self.by_band.get(key))
            .flatten()
            .copied()
            .filter(|seq| live(seq))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(u64, f64)> = None;
        for seq in candidates {
            let Some(entry) = self.stories.get(&seq) else {
                continue;
            };
            let score = self.similarity(features, &entry.story);
            if score > 0.0 && best.is_none_or(|(_, best_score)| score > best_score) {
                best = Some((seq, score));
            }
        }
        best.map(|(seq, _)| (seq, Relation::Similar))
    }

    /// How strongly the texts match, or 0 below every threshold.
    fn similarity(&self, article: &Features, story: &Story) -> f64 {
        let story_shingles = Features::compare_shingles(&story.title, &story.paragraphs);
        let (a, s) = (&article.shingles, &story_shingles);
        if a.is_empty() || s.is_empty() {
            return 0.0;
        }
        let common = intersection(a, s) as f64;
        let jaccard = common / ((a.len() + s.len()) as f64 - common);
        let contained = |part: &[u64]| {
            if part.len() >= self.config.min_contained_shingles {
                common / part.len() as f64
            } else {
                0.0
            }
        };
        let containment = contained(s).max(contained(a));
        let mut score = 0.0;
        if jaccard >= self.config.min_jaccard {
            score = jaccard;
        }
        if containment >= self.config.min_containment {
            score = f64::max(score, containment);
        }
        score
    }

    fn start_story(
        &mut self,
        article: &Article,
        paragraphs: Vec<String>,
        now: DateTime<Utc>,
    ) -> (Decision, Option<StoryEvent>, Option<Story>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let story = Story {
            id: hex128_parts(&["story", &article.id]),
            seq,
            version: 1,
            title: article.title.clone(),
            breaking: is_breaking(&article.title, &paragraphs),
            paragraphs,
            url: article.url.clone(),
            sources: vec![article.source.clone()],
            article_ids: vec![article.id.clone()],
            urls: article.url.iter().cloned().collect(),
            content_hashes: vec![article.content_hash.clone()],
            published_at: article.published_at,
            first_seen_at: now,
            updated_at: now,
        };
        self.record(seq);
        self.insert(story.clone());
        let decision = Decision {
            id: article.id.clone(),
            story_id: story.id.clone(),
            version: 1,
            kind: DecisionKind::New,
        };
        let event = event_of(&story, DecisionKind::New, &article.source, None);
        (decision, Some(event), Some(story))
    }

    fn merge(
        &mut self,
        seq: u64,
        relation: Relation,
        article: &Article,
        paragraphs: Vec<String>,
        now: DateTime<Utc>,
    ) -> (Decision, Option<StoryEvent>, Option<Story>) {
        let Some(entry) = self.stories.get(&seq) else {
            return self.start_story(article, paragraphs, now);
        };
        let mut story = entry.story.clone();
        let change: Diff = diff(&story.title, &story.paragraphs, &article.title, &paragraphs);
        let new_source = !story.sources.contains(&article.source);
        let kind = match relation {
            Relation::SameItem if change.is_material() => DecisionKind::Update,
            Relation::SameItem => DecisionKind::Duplicate,
            Relation::SameText | Relation::Similar if new_source => DecisionKind::Source,
            Relation::Similar if change.adds_material() => DecisionKind::Update,
            Relation::SameText | Relation::Similar => DecisionKind::Duplicate,
        };
        let limit = self.config.max_keys_per_story;
        let mut keys_changed = push_capped(&mut story.article_ids, &article.id, limit);
        if let Some(url) = &article.url {
            keys_changed |= push_capped(&mut story.urls, url, limit);
        }
        keys_changed |= push_capped(&mut story.content_hashes, &article.content_hash, limit);
        let event = match kind {
            DecisionKind::Update => {
                story.version += 1;
                story.title = article.title.clone();
                story.breaking = is_breaking(&article.title, &paragraphs);
                story.paragraphs = paragraphs;
                story.url = article.url.clone().or(story.url);
                push_capped(&mut story.sources, &article.source, limit);
                story.updated_at = now;
                Some(event_of(&story, kind, &article.source, Some(change.changes)))
            }
            DecisionKind::Source => {
                push_capped(&mut story.sources, &article.source, limit);
                story.updated_at = now;
                Some(event_of(&story, kind, &article.source, None))
            }
            DecisionKind::New | DecisionKind::Duplicate => None,
        };
        let decision = Decision {
            id: article.id.clone(),
            story_id: story.id.clone(),
            version: story.version,
            kind,
        };
        if event.is_none() && !keys_changed {
            return (decision, None, None);
        }
        self.record(seq);
        self.remove(seq);
        self.insert(story.clone());
        (decision, event, Some(story))
    }

    /// Evict stories not updated within the window; their tombstones.
    fn expire(&mut self, now: DateTime<Utc>) -> Vec<(String, Option<Story>)> {
        let mut evicted = Vec::new();
        while let Some(&(updated_at, seq)) = self.by_age.first() {
            if now - updated_at <= self.config.window {
                break;
            }
            self.record(seq);
            if let Some(story) = self.remove(seq) {
                evicted.push((story.id, None));
            }
        }
        evicted
    }

    /// Remember `seq`'s current value for a rollback.
    fn record(&mut self, seq: u64) {
        let previous = self.stories.get(&seq).map(|e| e.story.clone());
        if let Some(log) = &mut self.undo {
            log.previous.push((seq, previous));
        }
    }

    fn insert(&mut self, story: Story) {
        let seq = story.seq;
        let bands = Features::of(&story.title, &story.paragraphs).signature.band_keys();
        for id in &story.article_ids {
            self.by_article.insert(id.clone(), seq);
        }
        for url in &story.urls {
            self.by_url.insert(url.clone(), seq);
        }
        for hash in &story.content_hashes {
            self.by_hash.insert(hash.clone(), seq);
        }
        for key in bands {
            self.by_band.entry(key).or_default().push(seq);
        }
        self.by_age.insert((story.updated_at, seq));
        self.stories.insert(seq, Entry { story, bands });
    }

    fn remove(&mut self, seq: u64) -> Option<Story> {
        let Entry { story, bands } = self.stories.remove(&seq)?;
        for id in &story.article_ids {
            remove_if(&mut self.by_article, id, seq);
        }
        for url in &story.urls {
            remove_if(&mut self.by_url, url, seq);
        }
        for hash in &story.content_hashes {
            remove_if(&mut self.by_hash, hash, seq);
        }
        for key in bands {
            if let Some(list) = self.by_band.get_mut(&key) {
                list.retain(|&s| s != seq);
                if list.is_empty() {
                    self.by_band.remove(&key);
                }
            }
        }
        self.by_age.remove(&(story.updated_at, seq));
        Some(story)
    }
}

fn remove_if(map: &mut HashMap<String, u64>, key: &str, seq: u64) {
    if map.get(key) == Some(&seq) {
        map.remove(key);
    }
}

/// Append `value` unless present; drop the oldest beyond `limit`. True if changed.
fn push_capped(list: &mut Vec<String>, value: &str, limit: usize) -> bool {
    if list.iter().any(|v| v == value) {
        return false;
    }
    list.push(value.to_owned());
    if list.len() > limit {
        list.remove(0);
    }
    true
}

/// Phrases that mark an item as breaking, developing or urgent.
const BREAKING_PREFIXES: &[&str] =
    &["breaking", "update:", "updated:", "developing", "urgent", "just in", "flash:"];
const BREAKING_PHRASES: &[&str] = &[
    "this is a developing",
    "this story is developing",
    "this is a breaking news",
    "more to follow",
];

/// The title or first paragraph opens with "Breaking", "Developing", ... or
/// the text says it is developing.
pub fn is_breaking(title: &str, paragraphs: &[String]) -> bool {
    let opens = |text: &str| {
        let lower = text.trim_start().to_lowercase();
        BREAKING_PREFIXES.iter().any(|p| lower.starts_with(p))
    };
    opens(title)
        || paragraphs.first().is_some_and(|p| opens(p))
        || paragraphs.iter().any(|p| {
            let lower = p.to_lowercase();
            BREAKING_PHRASES.iter().any(|phrase| lower.contains(phrase))
        })
}

fn event_of(
    story: &Story,
    kind: DecisionKind,
    source: &str,
    changes: Option<lede_core::Changes>,
) -> StoryEvent {
    StoryEvent {
        story_id: story.id.clone(),
        version: story.version,
        kind,
        title: story.title.clone(),
        url: story.url.clone(),
        source: source.to_owned(),
        sources: story.sources.clone(),
        published_at: story.published_at,
        updated_at: story.updated_at,
        first_seen_at: story.first_seen_at,
        paragraphs: story.paragraphs.clone(),
        changes,
        breaking: story.breaking,
        article_ids: story.article_ids.clone(),
    }
}
