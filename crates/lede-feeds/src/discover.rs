//! Feed discovery: the feeds an HTML page advertises with
//! `<link rel="alternate" type="application/rss+xml" href="...">` (and Atom
//! and JSON Feed types), read with the HTML5 tokenizer.

use std::cell::RefCell;

use html5ever::tokenizer::{Tag, TagKind, Token, TokenSink, TokenSinkResult};
use serde::Serialize;
use url::Url;

use crate::normalize::tokenize;

/// Media types of feeds.
const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
];

/// A feed a page advertises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscoveredFeed {
    /// Absolute URL.
    pub url: String,
    /// The advertised media type.
    #[serde(rename = "type")]
    pub media_type: String,
    /// The link's title, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The feeds `html` (fetched from `base`) advertises, in page order, without repeats.
pub fn discover_feeds(html: &str, base: &Url) -> Vec<DiscoveredFeed> {
    let links = tokenize(html, LinkSink::default()).links.into_inner();
    let mut feeds: Vec<DiscoveredFeed> = Vec::new();
    for tag in links {
        let attribute = |name: &str| {
            tag.attrs.iter().find(|a| &*a.name.local == name).map(|a| a.value.trim().to_owned())
        };
        let rel = attribute("rel").unwrap_or_default().to_ascii_lowercase();
        let media_type = attribute("type").unwrap_or_default().to_ascii_lowercase();
        let media_type = media_type.split(';').next().unwrap_or_default().trim().to_owned();
        if !rel.split_ascii_whitespace().any(|r| r == "alternate")
            || !FEED_TYPES.contains(&media_type.as_str())
        {
            continue;
        }
        let Some(url) = attribute("href").and_then(|href| base.join(&href).ok()) else { continue };
        if !matches!(url.scheme(), "http" | "https") || feeds.iter().any(|f| f.url == url.as_str())
        {
            continue;
        }
        feeds.push(DiscoveredFeed {
            url: url.into(),
            media_type,
            title: attribute("title").filter(|t| !t.is_empty()),
        });
    }
    feeds
}

#[derive(Default)]
struct LinkSink {
    links: RefCell<Vec<Tag>>,
}

impl TokenSink for LinkSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        if let Token::TagToken(tag) = token
            && tag.kind == TagKind::StartTag
            && &*tag.name == "link"
        {
            self.links.borrow_mut().push(tag);
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_advertised_feeds() {
        let html = r#"<!doctype html><html><head>
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" type="application/rss+xml" title="World" href="/world/rss.xml">
            <LINK REL="Alternate" TYPE="application/atom+xml" HREF="https://news.example/atom">
            <link rel="alternate" type="application/feed+json" href="feed.json">
            <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
            <link rel="alternate" type="application/rss+xml" href="/world/rss.xml">
            <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
            </head><body><a href="/other.rss">not advertised</a></body></html>"#;
        let base = Url::parse("https://news.example/section/").unwrap_or_else(|e| panic!("{e}"));
        let found: Vec<(String, String)> =
            discover_feeds(html, &base).into_iter().map(|f| (f.url, f.media_type)).collect();
        assert_eq!(
            found,
            vec![
                ("https://news.example/world/rss.xml".to_owned(), "application/rss+xml".to_owned()),
                ("https://news.example/atom".to_owned(), "application/atom+xml".to_owned()),
                (
                    "https://news.example/section/feed.json".to_owned(),
                    "application/feed+json".to_owned()
                ),
            ]
        );
    }
}
