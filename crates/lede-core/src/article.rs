//! `Article`: one feed entry after normalization, the unit every later stage
//! works on and the value of the `lede.articles` topic.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::hash::Hash128;

/// One normalized feed entry.
///
/// `id` is stable for the same entry of the same feed across polls and edits;
/// `content_hash` changes exactly when the entry's title or text changes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Article {
    /// Stable id: a hash of the feed id and the entry's identity (GUID, else
    /// canonical URL, else title).
    pub id: String,
    /// The configured feed this entry came from.
    pub feed_id: String,
    /// The entry's own GUID / Atom id, if the feed gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Canonical link: tracking parameters and fragment removed, host
    /// lower-cased. (Relative, as written, only when the document was read
    /// without a location to resolve it against, as `lede parse FILE` does.)
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
    /// Authors, as the feed names them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Author>,
    /// Publication time in UTC, as the feed states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<DateTime<Utc>>,
    /// Last update time in UTC, as the feed states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// When Lede fetched the feed document this entry came from.
    pub fetched_at: DateTime<Utc>,
    /// Hash of the normalized title and text (32 hex digits), see [`Article::compute_content_hash`].
    pub content_hash: Hash128,
    /// Human name of the source (the feed's title, else its host).
    pub source: String,
}

/// A person credited with an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Author {
    /// Name.
    pub name: String,
    /// Email address, when the feed gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
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
    ) -> Hash128 {
        let size = title.len()
            + summary.map_or(0, str::len)
            + paragraphs.iter().map(|p| p.len() + 1).sum::<usize>();
        let mut text = Vec::with_capacity(size + 2);
        push_words(&mut text, title);
        text.push(1);
        if let Some(summary) = summary {
            push_words(&mut text, summary);
        }
        for paragraph in paragraphs {
            text.push(2);
            push_words(&mut text, paragraph);
        }
        Hash128::of_bytes(&text)
    }
}

/// Append the words of `text` to `out`, separated by single spaces.
/// ASCII is checked byte by byte; only other characters are decoded.
fn push_words(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    if is_plain_spaced(bytes) {
        // Already single-spaced printable ASCII (most normalized text).
        out.extend_from_slice(bytes);
        return;
    }
    let space_at = |at: usize| -> (bool, usize) {
        let byte = bytes[at];
        if byte.is_ascii() {
            (byte.is_ascii_whitespace() || byte == 0x0b, 1)
        } else {
            let c = text[at..].chars().next().unwrap_or('x');
            (c.is_whitespace(), c.len_utf8())
        }
    };
    let (mut at, mut first) = (0, true);
    while at < bytes.len() {
        let (space, width) = space_at(at);
        if space {
            at += width;
            continue;
        }
        let start = at;
        while at < bytes.len() {
            let (space, width) = space_at(at);
            if space {
                break;
            }
            at += width;
        }
        if !first {
            out.push(b' ');
        }
        first = false;
        out.extend_from_slice(&bytes[start..at]);
    }
}

/// `text` is printable ASCII whose words are separated by single spaces,
/// with no space at either end: its words joined by spaces are itself.
fn is_plain_spaced(text: &[u8]) -> bool {
    // One pass, no early exit (it vectorizes): every byte printable, and no
    // space after a space (or at the start, where "before" is a space).
    let mut previous_space = true;
    let mut plain = true;
    for &b in text {
        let space = b == b' ';
        plain &= (b' '..0x7f).contains(&b) && !(space && previous_space);
        previous_space = space;
    }
    plain && (text.is_empty() || !previous_space)
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

    /// Fixture table: texts whose words `push_words` must join by single
    /// spaces, on the plain-ASCII fast path and off it.
    const WORD_JOINS: &[&str] = &[
        "one two three",
        "",
        " leading and trailing ",
        "two  spaces",
        "tab\there",
        "line\r\nbreaks\u{b}and\u{c}feeds",
        "caf\u{e9} cr\u{e8}me",
        "no\u{a0}break\u{2003}em",
        "ctrl\u{1}char",
        "~!@#$%^&*()_+{}|:<>?",
    ];

    #[test]
    fn words_are_joined_by_single_spaces() {
        for text in WORD_JOINS {
            let mut out = Vec::new();
            push_words(&mut out, text);
            let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(String::from_utf8_lossy(&out), expected, "{text:?}");
        }
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
            content_hash: Hash128::of_bytes(b"h"),
            source: "s".into(),
        };
        let json = serde_json::to_string(&article).unwrap_or_default();
        assert!(!json.contains("guid"), "{json}");
        let back: Article = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, article);
    }
}
