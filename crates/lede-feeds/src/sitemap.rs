//! Sitemaps as feeds: Google News sitemaps (`<news:news>` with title,
//! publication date and name) and plain sitemaps (`<loc>`, `<lastmod>`),
//! read with quick-xml (no DTD, no entity expansion).

use chrono::{DateTime, NaiveDate, Utc};
use quick_xml::Reader;
use quick_xml::events::Event;

/// One `<url>` of a sitemap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SitemapEntry {
    /// `<loc>`.
    pub loc: String,
    /// `<lastmod>`.
    pub lastmod: Option<DateTime<Utc>>,
    /// `<news:title>`.
    pub title: Option<String>,
    /// `<news:publication><news:name>`.
    pub publication: Option<String>,
    /// `<news:publication_date>`.
    pub published: Option<DateTime<Utc>>,
}

/// True when the document's root element is a sitemap's `<urlset>`.
pub fn is_sitemap(body: &[u8]) -> bool {
    let mut reader = Reader::from_reader(body);
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                return element.local_name().as_ref() == b"urlset";
            }
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => buffer.clear(),
        }
    }
}

/// The `<url>` entries of a sitemap document.
pub fn parse_sitemap(body: &[u8]) -> Result<Vec<SitemapEntry>, String> {
    let mut reader = Reader::from_reader(body);
    let mut buffer = Vec::new();
    let mut entries = Vec::new();
    let mut entry: Option<SitemapEntry> = None;
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event_into(&mut buffer).map_err(|e| e.to_string())? {
            Event::Start(element) => {
                let name = element.local_name().as_ref().to_vec();
                if name == b"url" {
                    entry = Some(SitemapEntry::default());
                }
                path.push(name);
                text.clear();
            }
            Event::Text(chunk) => text.push_str(&chunk.decode().map_err(|e| e.to_string())?),
            Event::CData(chunk) => text.push_str(&chunk.decode().map_err(|e| e.to_string())?),
            Event::GeneralRef(reference) => {
                let resolved =
                    reference.resolve_char_ref().ok().flatten().or(match reference.as_ref() {
                        b"amp" => Some('&'),
                        b"lt" => Some('<'),
                        b"gt" => Some('>'),
                        b"quot" => Some('"'),
                        b"apos" => Some('\''),
                        _ => None,
                    });
                text.extend(resolved);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let parent = path.last().map(Vec::as_slice);
                let value = text.trim().to_owned();
                text.clear();
                if name == b"url" {
                    entries.extend(entry.take().filter(|e| !e.loc.is_empty()));
                    continue;
                }
                let Some(current) = entry.as_mut() else { continue };
                match (name.as_slice(), parent) {
                    (b"loc", Some(b"url")) => current.loc = value,
                    (b"lastmod", Some(b"url")) => current.lastmod = parse_w3c_date(&value),
                    (b"title", Some(b"news")) => {
                        current.title = Some(value).filter(|t| !t.is_empty())
                    }
                    (b"publication_date", Some(b"news")) => {
                        current.published = parse_w3c_date(&value)
                    }
                    (b"name", Some(b"publication")) => {
                        current.publication = Some(value).filter(|t| !t.is_empty())
                    }
                    _ => {}
                }
            }
            Event::Eof => return Ok(entries),
            _ => {}
        }
        buffer.clear();
    }
}

/// W3C-DTF as sitemaps use it: a full RFC 3339 time, or a date.
fn parse_w3c_date(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value).map(|d| d.with_timezone(&Utc)).ok().or_else(|| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?.and_hms_opt(0, 0, 0).map(|d| d.and_utc())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEWS_SITEMAP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://news.example/world/embassy?a=1&amp;b=2</loc>
    <lastmod>2019-12-31T12:30:00+03:00</lastmod>
    <news:news>
      <news:publication><news:name>Example News</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2019-12-31T12:00:00+03:00</news:publication_date>
      <news:title>Embassy stormed &amp; guards use stun grenades</news:title>
    </news:news>
  </url>
  <url><loc>https://news.example/markets/oil</loc><lastmod>2019-12-31</lastmod></url>
  <url><lastmod>2019-12-31</lastmod></url>
</urlset>"#;

    #[test]
    fn news_sitemap_entries() {
        assert!(is_sitemap(NEWS_SITEMAP.as_bytes()));
        assert!(!is_sitemap(b"<rss version=\"2.0\"><channel/></rss>"));
        let entries = parse_sitemap(NEWS_SITEMAP.as_bytes()).unwrap_or_default();
        assert_eq!(entries.len(), 2, "an entry without <loc> is skipped");
        assert_eq!(entries[0].loc, "https://news.example/world/embassy?a=1&b=2");
        assert_eq!(entries[0].title.as_deref(), Some("Embassy stormed & guards use stun grenades"));
        assert_eq!(entries[0].publication.as_deref(), Some("Example News"));
        assert_eq!(
            entries[0].published.map(|d| d.to_rfc3339()).as_deref(),
            Some("2019-12-31T09:00:00+00:00")
        );
        assert_eq!(
            entries[1].lastmod.map(|d| d.to_rfc3339()).as_deref(),
            Some("2019-12-31T00:00:00+00:00")
        );
        assert_eq!(entries[1].title, None);
    }
}
