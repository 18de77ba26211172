//! `Article`: one feed entry after normalization, the unit every later stage
//! works on and the value of the `lede.articles` topic.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One normalized feed entry.
///
/// `id` is stable for the same entry of the same feed across polls and edits;
/// `content_hash` changes exactly when the entry's title or text changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    /// Stable id: a hash of the feed id and the entry's identity (GUID, else
    /// canonical URL, else title).
    pub id: String,
    /// The configured feed this entry came from.
    pub feed_id: String,
    /// The entry's own GUID / Atom id, if the feed gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Canonical link: tracking parameters and fragment removed, host lower-cased.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Headline as plain text (may be empty if the feed sent none).
    pub title: String,
    /// Plain-text summary, when the feed carries one apart from the content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Body as plain-text paragraphs, repeated paragraphs collapsed.
    #[serde(default)]
    pub paragraphs: Vec<String>,
    /// Author names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// Publication time in UTC, as the feed states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// Last update time in UTC, as the feed states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When Lede fetched the feed document this entry came from.
    pub fetched_at: DateTime<Utc>,
    /// Hash of the normalized title and text (hex), see [`Article::compute_content_hash`].
    pub content_hash: String,
    /// Human name of the source (the feed's title, else its host).
    pub source: String,
}

impl Article {
    /// Schema name and version carried in the `lede-schema` header.
    pub const SCHEMA: &'static str = "lede.article/1";

    /// The body: the paragraphs, or the summary when there are none.
    pub fn paragraphs_or_summary(&self) -> std::borrow::Cow<'_, [String]> {
        match (&self.summary, self.paragraphs.is_empty()) {
            (Some(summary), true) => std::borrow::Cow::Owned(vec![summary.clone()]),
            _ => std::borrow::Cow::Borrowed(&self.paragraphs),
        }
    }

    /// Hash of what a reader sees: the title and the paragraphs. Whitespace
    /// differences do not change it; timestamps and URLs are not part of it.
    pub fn compute_content_hash(
        title: &str,
        summary: Option<&str>,
        paragraphs: &[String],
    ) -> String {
        let mut hasher = xxhash_rust::xxh3::Xxh3::new();
        hash_words(&mut hasher, title);
        hasher.update(b"\x01");
        if let Some(summary) = summary {
            hash_words(&mut hasher, summary);
        }
        for paragraph in paragraphs {
            hasher.update(b"\x02");
            hash_words(&mut hasher, paragraph);
        }
        format!("{:032x}", hasher.digest128())
    }
}

/// Feed the words of `text`, single-space separated, to `hasher`.
fn hash_words(hasher: &mut xxhash_rust::xxh3::Xxh3, text: &str) {
    for (index, word) in text.split_whitespace().enumerate() {
        if index > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_hash_ignores_whitespace_but_not_words() {
        let a = Article::compute_content_hash("Title", None, &["One  two\nthree".into()]);
        let b = Article::compute_content_hash(" Title ", None, &["One two three".into()]);
        let c = Article::compute_content_hash("Title", None, &["One two four".into()]);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn content_hash_keeps_paragraph_boundaries() {
        let joined = Article::compute_content_hash("T", None, &["a b".into()]);
        let split = Article::compute_content_hash("T", None, &["a".into(), "b".into()]);
        assert_ne!(joined, split);
    }

    #[test]
    fn json_round_trip_omits_empty_fields() {
        let article = Article {
            id: "a".into(),
            feed_id: "f".into(),
            guid: None,
            url: None,
            title: "T".into(),
            summary: None,
            paragraphs: vec!["p".into()],
            authors: vec![],
            published_at: None,
            updated_at: None,
            fetched_at: DateTime::from_timestamp(0, 0).unwrap_or_default(),
            content_hash: "h".into(),
            source: "s".into(),
        };
        let json = serde_json::to_string(&article).unwrap_or_default();
        assert!(!json.contains("guid"), "{json}");
        let back: Article = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, article);
    }
}
