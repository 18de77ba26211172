//! Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed, via feed-rs) to
//! normalized [`Article`]s.

use chrono::{DateTime, Utc};
use feed_rs::model::{Entry, Text};
use lede_core::hash::{Hash128, hex128_parts};
use lede_core::{Article, Author, FeedId};
use url::Url;

use crate::charset::to_utf8;
use crate::dates::parse_date;
use crate::normalize::{canonical_url, html_to_paragraphs, html_to_text};
use crate::repair;
use crate::sitemap::{is_sitemap, parse_sitemap};
use crate::websub::HubLink;

/// A parsed feed document.
#[derive(Debug, Clone)]
pub struct ParsedFeed {
    /// The feed's own title, as plain text.
    pub title: Option<String>,
    /// One Article per entry, in document order.
    pub articles: Vec<Article>,
    /// The feed's own refresh hint: RSS `<ttl>`, else the syndication
    /// module's `sy:updatePeriod` / `sy:updateFrequency`.
    pub ttl: Option<std::time::Duration>,
    /// The WebSub hub the document names (`<link rel="hub">`), with its
    /// `self` URL as the topic.
    pub hub_link: Option<HubLink>,
    /// Dates in the document no format Lede knows could read (the entries
    /// keep no date; the feed is not failed for it).
    pub unparsed_dates: usize,
}

/// Why a document is not a feed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Not RSS, Atom or JSON Feed, or broken beyond repair.
    #[error("not a readable feed: {0}")]
    NotAFeed(String),
}

impl ParseError {
    /// Short, fixed name of the error's kind: a metric label.
    pub fn class(&self) -> &'static str {
        match self {
            ParseError::NotAFeed(_) => "not_a_feed",
        }
    }
}

/// Parse `body`, fetched from `location` at `fetched_at`, into Articles of feed `feed_id`.
///
/// `location` is the document's URL (the base for relative links) or, for a
/// local file, its path; `http_charset` is the `Content-Type` charset, if
/// any (see [`crate::charset`] for how the encoding is chosen).
pub fn parse_feed(
    feed_id: &FeedId,
    body: &[u8],
    location: &str,
    http_charset: Option<&str>,
    fetched_at: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let (body, _) = to_utf8(body, http_charset);
    let base = Url::parse(location).ok().filter(|url| matches!(url.scheme(), "http" | "https"));
    if is_sitemap(&body) {
        return sitemap_feed(feed_id, &body, base.as_ref(), fetched_at);
    }
    // Dates feed-rs hands to the liberal parser and it could not read.
    let unparsed = std::rc::Rc::new(std::cell::Cell::new(0));
    let parser = feed_rs::parser::Builder::new()
        .base_uri(base.as_ref().map(Url::as_str))
        // Lede makes its own ids for entries without one (see `entry_key`).
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .timestamp_parser({
            let unparsed = unparsed.clone();
            move |text| {
                let parsed = parse_date(text);
                if parsed.is_none() {
                    unparsed.set(unparsed.get() + 1);
                }
                parsed
            }
        })
        .build();
    // Documents feed-rs refuses or misreads (no entries where the document
    // has some) are repaired and read again.
    let parsed = if repair::needed(&body) { None } else { parser.parse(&*body).ok() };
    let parsed = parsed.filter(|feed| !feed.entries.is_empty() || !repair::has_entries(&body));
    let feed = match parsed {
        Some(feed) => feed,
        None => match repair::repair(&body).inspect(|_| unparsed.set(0)) {
            Some(repaired) => parser.parse(repaired.as_slice()),
            None => parser.parse(&*body),
        }
        .map_err(|e| ParseError::NotAFeed(e.to_string()))?,
    };
    let title = feed.title.as_ref().map(text_of).filter(|t| !t.is_empty());
    let source = title
        .clone()
        .or_else(|| base.as_ref().and_then(Url::host_str).map(str::to_owned))
        .unwrap_or_else(|| feed_id.to_string());
    let feed_type = feed.feed_type.clone();
    let mut entries = feed.entries;
    if feed_type == feed_rs::model::FeedType::RSS1 {
        // An RSS 1.0 item's identity is its rdf:about, which feed-rs does not
        // keep; an item without a <link> (kept by the repair, which gave it
        // its rdf:about as one) has no page of its own.
        let items = rdf_items(&body);
        if items.len() == entries.len() {
            for (entry, (about, has_link)) in entries.iter_mut().zip(items) {
                if entry.id.trim().is_empty() {
                    entry.id = about.unwrap_or_default();
                }
                if !has_link {
                    entry.links.clear();
                }
            }
        }
    }
    // A feed that marks its guids isPermaLink="false" does not link by
    // them; nor does RSS 1.0 by rdf:about.
    let guid_is_link = memchr::memmem::find(&body, b"isPermaLink=\"false\"").is_none()
        && feed_type != feed_rs::model::FeedType::RSS1;
    let articles = entries
        .iter()
        .map(|entry| article_of(entry, feed_id, base.as_ref(), &source, fetched_at, guid_is_link))
        .collect();
    let ttl = feed
        .ttl
        .map(|minutes| std::time::Duration::from_secs(u64::from(minutes) * 60))
        .or_else(|| syndication_period(&body));
    let link_to = |rel: &str| {
        feed.links
            .iter()
            .find(|link| link.rel.as_deref() == Some(rel))
            .map(|link| link.href.clone())
    };
    let hub_link = HubLink::new(link_to("hub"), link_to("self"), location);
    Ok(ParsedFeed { title, articles, ttl, hub_link, unparsed_dates: unparsed.get() })
}

/// Every RSS 1.0 `item`, in document order: its `rdf:about`, and whether
/// it has a `<link>`.
fn rdf_items(body: &[u8]) -> Vec<(Option<String>, bool)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buffer = Vec::new();
    let mut items: Vec<(Option<String>, bool)> = Vec::new();
    let mut in_item = false;
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(start)) if start.local_name().as_ref() == b"item" => {
                let about = start
                    .attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == b"about")
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned());
                items.push((about, false));
                in_item = true;
            }
            Ok(Event::Start(start) | Event::Empty(start))
                if in_item && start.local_name().as_ref() == b"link" =>
            {
                if let Some(item) = items.last_mut() {
                    item.1 = true;
                }
            }
            Ok(Event::End(end)) if end.local_name().as_ref() == b"item" => in_item = false,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buffer.clear();
    }
    items
}

/// The RSS syndication module's hint, `<sy:updatePeriod>` (hourly, daily,
/// weekly, monthly, yearly) divided by `<sy:updateFrequency>` (default 1).
/// feed-rs does not read the module, so the few bytes are found directly.
fn syndication_period(body: &[u8]) -> Option<std::time::Duration> {
    let text = std::str::from_utf8(body).ok()?;
    let element = |name: &str| -> Option<&str> {
        let open = format!("<sy:{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find('<')? + start;
        Some(text[start..end].trim())
    };
    let period: u64 = match element("updatePeriod")? {
        "hourly" => 3600,
        "daily" => 86_400,
        "weekly" => 7 * 86_400,
        "monthly" => 30 * 86_400,
        "yearly" => 365 * 86_400,
        _ => return None,
    };
    let frequency: u64 =
        element("updateFrequency").and_then(|f| f.parse().ok()).filter(|f| *f > 0).unwrap_or(1);
    Some(std::time::Duration::from_secs(period / frequency))
}

/// A sitemap's entries as Articles: headline (Google News sitemaps), link,
/// dates; no text.
fn sitemap_feed(
    feed_id: &FeedId,
    body: &[u8],
    base: Option<&Url>,
    fetched_at: DateTime<Utc>,
) -> Result<ParsedFeed, ParseError> {
    let entries = parse_sitemap(body).map_err(ParseError::NotAFeed)?;
    let articles = entries
        .into_iter()
        .filter_map(|entry| {
            let url = canonical_url(&entry.loc, base)?;
            let source = entry
                .publication
                .or_else(|| url.host_str().map(str::to_owned))
                .unwrap_or_else(|| feed_id.to_string());
            let url = String::from(url);
            let title = entry.title.unwrap_or_default();
            let content_hash = Article::compute_content_hash(&title, None, &[]);
            let key = entry_key(None, Some(&url), &title, &content_hash);
            Some(Article {
                id: hex128_parts(&[feed_id.as_str(), &key]),
                feed_id: feed_id.to_string(),
                guid: None,
                url: Some(url),
                title,
                summary: None,
                paragraphs: Vec::new(),
                authors: Vec::new(),
                published_at: entry.published.or(entry.lastmod),
                updated_at: entry.lastmod,
                fetched_at,
                content_hash,
                source,
            })
        })
        .collect();
    Ok(ParsedFeed { title: None, articles, ttl: None, hub_link: None, unparsed_dates: 0 })
}

/// A person with a name. feed-rs names people it knows only by email
/// "author" (RSS `<author>`, which holds "email (Name)") or "unknown" (Atom
/// without `<name>`); name and email are then taken apart from the email
/// field. "Name (email)", "email (Name)" and "Name <email>" all give both.
fn author_of(person: &feed_rs::model::Person) -> Option<Author> {
    let placeholder = matches!(person.name.as_str(), "author" | "unknown");
    let raw = if placeholder { person.email.as_deref()? } else { person.name.as_str() };
    let raw = raw.trim();
    let is_email = |s: &str| s.contains('@') && !s.contains(' ');
    let (name, email) = if let Some((outside, inside)) = raw.split_once('(') {
        let (outside, inside) = (outside.trim(), inside.trim_end_matches(')').trim());
        if is_email(outside) {
            (inside, Some(outside))
        } else {
            (outside, Some(inside).filter(|s| is_email(s)))
        }
    } else if let Some((before, after)) = raw.split_once('<') {
        (before.trim(), Some(after.trim_end_matches('>').trim()).filter(|s| is_email(s)))
    } else if is_email(raw) {
        ("", Some(raw))
    } else {
        (raw, None)
    };
    let name = name.trim_matches('"').trim();
    let email = email.map(str::to_owned).or_else(|| {
        person
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !placeholder && is_email(e))
            .map(str::to_owned)
    });
    // A person known only by email is not listed (an author has a name).
    Some(Author { name: Some(name).filter(|n| !n.is_empty())?.to_owned(), email })
}

fn article_of(
    entry: &Entry,
    feed_id: &FeedId,
    base: Option<&Url>,
    source: &str,
    fetched_at: DateTime<Utc>,
    guid_is_link: bool,
) -> Article {
    let guid = Some(entry.id.trim().to_owned()).filter(|id| !id.is_empty());
    // Without a base (a file parsed on its own), a relative link is kept as written.
    let url = entry_link(entry, guid_is_link).and_then(|href| match canonical_url(href, base) {
        Some(url) => Some(String::from(url)),
        None if base.is_none() && !href.trim().is_empty() && !href.contains("://") => {
            Some(href.trim().to_owned())
        }
        None => None,
    });
    // Media RSS titles stand in for a missing title.
    let title = entry
        .title
        .as_ref()
        .or_else(|| entry.media.iter().find_map(|media| media.title.as_ref()))
        .map(text_of)
        .unwrap_or_default();
    let summary_paragraphs = entry.summary.as_ref().map(paragraphs_of).unwrap_or_default();
    let content_paragraphs = entry
        .content
        .as_ref()
        .and_then(|content| content.body.as_deref())
        .map(html_to_paragraphs)
        .unwrap_or_default();
    let (paragraphs, summary) = if content_paragraphs.is_empty() {
        (summary_paragraphs, None)
    } else {
        let summary = Some(summary_paragraphs.join(" ")).filter(|s| !s.is_empty());
        (content_paragraphs, summary)
    };
    let authors = entry.authors.iter().filter_map(author_of).collect();
    let content_hash = Article::compute_content_hash(&title, summary.as_deref(), &paragraphs);
    let key = entry_key(guid.as_deref(), url.as_deref(), &title, &content_hash);
    Article {
        id: hex128_parts(&[feed_id.as_str(), &key]),
        feed_id: feed_id.to_string(),
        guid,
        url,
        title,
        summary,
        paragraphs,
        authors,
        published_at: entry.published,
        updated_at: entry.updated,
        fetched_at,
        content_hash,
        source: source.to_owned(),
    }
}

/// The entry's identity within its feed: GUID, else canonical link, else
/// title, else its content. Stable across polls for the same entry.
fn entry_key(guid: Option<&str>, url: Option<&str>, title: &str, content_hash: &Hash128) -> String {
    match (guid, url) {
        (Some(guid), _) => format!("guid:{guid}"),
        (None, Some(url)) => format!("url:{url}"),
        (None, None) if !title.trim().is_empty() => format!("title:{}", title.trim()),
        (None, None) => format!("content:{content_hash}"),
    }
}

/// The entry's main link: `rel="alternate"` (or no rel) first.
/// The entry's page: its alternate link (a link without `rel`, or
/// `rel="alternate"`; enclosures, `related`, `self` and the like are not
/// the article), else its id when that is an http(s) URL (an RSS `guid` is
/// a permalink by default; Atom ids are often the page's URL) and the
/// document does not say its guids are not permalinks.
fn entry_link(entry: &Entry, guid_is_link: bool) -> Option<&str> {
    entry
        .links
        .iter()
        .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
        .map(|link| link.href.as_str())
        .or_else(|| {
            if !guid_is_link {
                return None;
            }
            let id = entry.id.trim();
            let scheme = id.get(..8).unwrap_or(id).to_ascii_lowercase();
            (scheme.starts_with("http://") || scheme.starts_with("https://")).then_some(id)
        })
}

fn is_plain(text: &Text) -> bool {
    text.content_type.essence().to_string() == "text/plain"
}

fn text_of(text: &Text) -> String {
    if is_plain(text) {
        text.content.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        html_to_text(&text.content)
    }
}

fn paragraphs_of(text: &Text) -> Vec<String> {
    html_to_paragraphs(&text.content)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: &str) -> ParsedFeed {
        let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        parse_feed(&FeedId::new("f"), body.as_bytes(), "https://news.example/feed", None, at)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn rss_item_becomes_article() {
        let feed = parse(
            r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
            <item><guid>g1</guid><title>Hello &amp; welcome</title>
            <link>/a/1?utm_source=rss</link><pubDate>Tue, 31 Dec 2019 10:00:00 +0300</pubDate>
            <description>&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two.&lt;/p&gt;</description></item>
            </channel></rss>"#,
        );
        assert_eq!(feed.title.as_deref(), Some("Wire"));
        let article = &feed.articles[0];
        assert_eq!(article.title, "Hello & welcome");
        assert_eq!(article.guid.as_deref(), Some("g1"));
        assert_eq!(article.url.as_deref(), Some("https://news.example/a/1"));
        assert_eq!(article.paragraphs, vec!["One.", "Two."]);
        assert_eq!(
            article.published_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2019-12-31T07:00:00+00:00")
        );
        assert_eq!(article.source, "Wire");
    }

    /// The first entry as read: title, url, guid, published (RFC 3339).
    type FirstEntry =
        (&'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>);

    /// Issue 6: documents feed-rs alone refuses or misreads. Rows: (what,
    /// document, expected first entry).
    const READ_AS_READERS_DO: &[(&str, &str, FirstEntry)] = &[
        (
            "Atom 0.3",
            r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title mode="escaped" type="text/html">A &amp;amp; B</title>
            <link rel="alternate" type="text/html" href="http://x.test/a"/><id>tag:x,1</id><issued>2004-01-01T10:00:00+01:00</issued></entry></feed>"#,
            ("A & B", Some("http://x.test/a"), Some("tag:x,1"), Some("2004-01-01T09:00:00+00:00")),
        ),
        (
            "RSS without a version or a channel",
            "<rss><item><title>T</title><link>http://x.test/b</link><pubDate>Thu, 01 Jan 2004 19:48 EST</pubDate></item></rss>",
            ("T", Some("http://x.test/b"), None, Some("2004-01-02T00:48:00+00:00")),
        ),
        (
            "RSS 0.93",
            r#"<rss version="0.93"><channel><item><title>T</title><guid>http://x.test/g</guid></item></channel></rss>"#,
            ("T", Some("http://x.test/g"), Some("http://x.test/g"), None),
        ),
        (
            "guids that are not permalinks",
            r#"<rss version="2.0"><channel><item><title>T</title><guid isPermaLink="false">http://x.test/g</guid></item></channel></rss>"#,
            ("T", None, Some("http://x.test/g"), None),
        ),
        (
            "a prefixed RSS root",
            r#"<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"><r:channel><r:item><r:title>T</r:title></r:item></r:channel></r:rss>"#,
            ("T", None, None, None),
        ),
        (
            "RSS 1.0 item without a link",
            r#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
            <channel rdf:about="http://x.test/"><title>C</title></channel><item rdf:about="http://x.test/1"><title>T</title></item></rdf:RDF>"#,
            ("T", None, Some("http://x.test/1"), None),
        ),
        (
            "CDF",
            r#"<CHANNEL HREF="http://x.test/"><ITEM HREF="http://x.test/c" LASTMOD="2004-01-01T12:00"><TITLE>T</TITLE><ABSTRACT>A</ABSTRACT></ITEM></CHANNEL>"#,
            ("T", Some("http://x.test/c"), None, Some("2004-01-01T12:00:00+00:00")),
        ),
        (
            "Dublin Core terms dates",
            r#"<rss version="2.0" xmlns:dcterms="http://purl.org/dc/terms/"><channel><item><title>T</title>
            <dcterms:issued>2003-12-31T10:14:55Z</dcterms:issued></item></channel></rss>"#,
            ("T", None, None, Some("2003-12-31T10:14:55+00:00")),
        ),
        (
            "an Atom title in base64",
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="application/octet-stream">RXhhbXBsZSA8Yj5BdG9tPC9iPg==</title></entry></feed>"#,
            ("Example Atom", None, None, None),
        ),
    ];

    #[test]
    fn issue_6_documents_are_read_as_readers_read_them() {
        for (what, document, (title, url, guid, published)) in READ_AS_READERS_DO {
            let feed = parse(document);
            let first = feed.articles.first().unwrap_or_else(|| panic!("{what}: no entry"));
            assert_eq!(first.title, *title, "{what}");
            assert_eq!(first.url.as_deref(), *url, "{what}");
            assert_eq!(first.guid.as_deref(), *guid, "{what}");
            let date = first.published_at.or(first.updated_at).map(|d| d.to_rfc3339());
            assert_eq!(date.as_deref(), *published, "{what}");
        }
    }

    #[test]
    fn authors_have_names_and_emails() {
        let feed = parse(
            r#"<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><item><title>T</title>
            <author>me@x.test (Ann Lee)</author><dc:creator>Bo Chan &lt;bo@x.test&gt;</dc:creator>
            <dc:creator>Cy Diaz</dc:creator></item></channel></rss>"#,
        );
        let authors: Vec<(&str, Option<&str>)> = feed.articles[0]
            .authors
            .iter()
            .map(|a| (a.name.as_str(), a.email.as_deref()))
            .collect();
        assert_eq!(
            authors,
            [("Ann Lee", Some("me@x.test")), ("Bo Chan", Some("bo@x.test")), ("Cy Diaz", None)]
        );
    }

    #[test]
    fn websub_hub_and_topic_are_found_in_rss_and_atom() {
        let rss = parse(
            r#"<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title>
            <atom:link rel="hub" href="https://hub.example/"/>
            <atom:link rel="self" href="https://news.example/rss.xml"/></channel></rss>"#,
        );
        let expected = HubLink {
            hub: "https://hub.example/".into(),
            topic: "https://news.example/rss.xml".into(),
        };
        assert_eq!(rss.hub_link, Some(expected));
        let atom = parse(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
            <link rel="hub" href="https://hub.example/"/></feed>"#,
        );
        let topic = atom.hub_link.map(|link| link.topic);
        assert_eq!(topic.as_deref(), Some("https://news.example/feed"), "no self: the fetched URL");
        assert_eq!(
            parse(r#"<rss version="2.0"><channel><title>T</title></channel></rss>"#).hub_link,
            None
        );
    }

    #[test]
    fn entry_without_guid_or_link_gets_stable_id() {
        let body = r#"<rss version="2.0"><channel><title>T</title>
            <item><title>Only a title</title><description>x</description></item></channel></rss>"#;
        let first = parse(body);
        let second = parse(body);
        assert_eq!(first.articles[0].id, second.articles[0].id);
        assert_eq!(first.articles[0].guid, None);
    }

    #[test]
    fn atom_and_json_feed_parse() {
        let atom = parse(
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id>
            <entry><id>urn:e1</id><title type="html">&lt;b&gt;Bold&lt;/b&gt; news</title>
            <link href="https://news.example/e1"/><updated>2019-12-31T10:00:00Z</updated>
            <content type="html">&lt;p&gt;Body&lt;/p&gt;</content><summary>Short</summary></entry></feed>"#,
        );
        assert_eq!(atom.articles[0].title, "Bold news");
        assert_eq!(atom.articles[0].paragraphs, vec!["Body"]);
        assert_eq!(atom.articles[0].summary.as_deref(), Some("Short"));
        let json = parse(
            r#"{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[
            {"id":"j1","url":"https://news.example/j1","title":"Jay","content_text":"Text body"}]}"#,
        );
        assert_eq!(json.articles[0].guid.as_deref(), Some("j1"));
        assert_eq!(json.articles[0].paragraphs, vec!["Text body"]);
    }

    #[test]
    fn google_news_sitemap_entries_become_articles() {
        let feed = parse(
            r#"<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
            <url><loc>/world/embassy?utm_source=sitemap</loc>
            <news:news><news:publication><news:name>Example News</news:name></news:publication>
            <news:publication_date>2019-12-31T12:00:00Z</news:publication_date>
            <news:title>Embassy stormed</news:title></news:news></url></urlset>"#,
        );
        let article = &feed.articles[0];
        assert_eq!(article.url.as_deref(), Some("https://news.example/world/embassy"));
        assert_eq!(article.title, "Embassy stormed");
        assert_eq!(article.source, "Example News");
        assert_eq!(
            article.published_at.map(|d| d.to_rfc3339()).as_deref(),
            Some("2019-12-31T12:00:00+00:00")
        );
        assert!(article.paragraphs.is_empty());
    }

    #[test]
    fn refresh_hints_from_ttl_and_the_syndication_module() {
        let rss = |channel: &str| {
            format!(
                r#"<rss version="2.0" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"><channel><title>T</title>{channel}</channel></rss>"#
            )
        };
        let minutes = |body: &str| parse(body).ttl.map(|d| d.as_secs() / 60);
        assert_eq!(minutes(&rss("<ttl>15</ttl>")), Some(15));
        assert_eq!(
            minutes(&rss(
                "<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>4</sy:updateFrequency>"
            )),
            Some(15)
        );
        assert_eq!(minutes(&rss("<sy:updatePeriod> daily </sy:updatePeriod>")), Some(24 * 60));
        assert_eq!(minutes(&rss("<sy:updatePeriod>sometimes</sy:updatePeriod>")), None);
        assert_eq!(minutes(&rss("")), None);
    }

    #[test]
    fn html_page_is_not_a_feed() {
        let at = DateTime::from_timestamp(0, 0).unwrap_or_default();
        let result = parse_feed(&FeedId::new("f"), b"<html><body>hi</body></html>", "x", None, at);
        assert!(matches!(result, Err(ParseError::NotAFeed(_))));
    }
}
