//! What the story stage decides for every article, and the `StoryEvent`
//! subscribers of `lede.stories` receive.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::{Article, Tags};

/// The story stage's verdict on one article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DecisionKind {
    /// The first article of a story.
    New,
    /// A material change to a known story: a new version.
    Update,
    /// Nothing material changed.
    Duplicate,
    /// The same story from another source (syndication).
    Source,
}

impl DecisionKind {
    /// Lower-case name, as in JSON and the `lede-event` header.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::New => "new",
            DecisionKind::Update => "update",
            DecisionKind::Duplicate => "duplicate",
            DecisionKind::Source => "source",
        }
    }
}

/// One article's decision: the story it belongs to and that story's version
/// after the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Decision {
    /// The article.
    pub id: String,
    /// The story it belongs to.
    pub story_id: String,
    /// The story's version after this article (unchanged for `duplicate` and `source`).
    pub version: u32,
    /// The verdict.
    pub kind: DecisionKind,
}

/// A paragraph of the previous version rewritten into one of this version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rewrite {
    /// Index in the previous version's paragraphs.
    pub from: usize,
    /// Index in this version's paragraphs.
    pub to: usize,
}

/// What changed against the previous version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Changes {
    /// The previous title, when the title changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_title: Option<String>,
    /// Indices (in this version) of new paragraphs.
    #[serde(default)]
    pub added: Vec<usize>,
    /// Indices (in the previous version) of paragraphs no longer there.
    #[serde(default)]
    pub removed: Vec<usize>,
    /// Paragraphs rewritten: previous index to this version's index.
    #[serde(default)]
    pub rewritten: Vec<Rewrite>,
}

/// One change to a story, the value of `lede.stories` and `lede.stories.latest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StoryEvent {
    /// Stable story id (the Kafka key).
    pub story_id: String,
    /// Content version: 1 for `new`, +1 per `update`; `source` keeps it.
    pub version: u32,
    /// `new`, `update` or `source`.
    pub kind: DecisionKind,
    /// Headline of this version.
    pub title: String,
    /// Link of the article that made this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Source of the article behind this event.
    pub source: String,
    /// Every source that carried the story, first first.
    pub sources: Vec<String>,
    /// Publication time of the story's first article, as its feed stated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// When this event's article was seen.
    pub updated_at: DateTime<Utc>,
    /// When the story's first article was seen.
    pub first_seen_at: DateTime<Utc>,
    /// This version's text.
    pub paragraphs: Vec<String>,
    /// Against the previous version (`update` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<Changes>,
    /// The article says breaking, developing or urgent.
    pub breaking: bool,
    /// Language of this version (ISO 639-1, else 639-3), when detectable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// People, organisations and places the story names (the union over its
    /// versions; tagged in English text only, places in any language), and
    /// the countries its nationality words name.
    #[serde(flatten)]
    pub tags: Tags,
    /// Every article merged into the story, oldest first.
    pub article_ids: Vec<String>,
}

impl StoryEvent {
    /// Schema name and version carried in the `lede-schema` header.
    pub const SCHEMA: &'static str = "lede.story_event/1";
}

/// An article with the story stage's decision: the value of `lede.articles`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DecidedArticle {
    /// The normalized article.
    #[serde(flatten)]
    pub article: Article,
    /// Its decision.
    pub decision: Decision,
}
