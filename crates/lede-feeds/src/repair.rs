//! Documents feed-rs refuses or misreads, rewritten to what they mean, so
//! the one parser reads them. The rewrite streams the document through
//! quick-xml and changes only:
//!
//! - Atom 0.3 (2003, namespace `http://purl.org/atom/ns#`, still served by
//!   old blogging engines) to Atom 1.0: the namespace URI; `issued` ->
//!   `published`, `modified` -> `updated`, `tagline` ->
//!   `subtitle`, `copyright` -> `rights`, `url` -> `uri` in people;
//! - Atom text constructs of either version with a type feed-rs does not
//!   know: an HTML type or `mode="escaped"` -> `type="html"`, XHTML or
//!   `mode="xml"` -> `type="xhtml"`, base64 (`mode="base64"` or a binary
//!   type) decoded, any other type -> `type="text"`;
//! - Dublin Core terms' `issued` and `created` in RSS as `dc:date`;
//! - RSS 0.90 (namespace `http://my.netscape.com/rdf/simple/0.9/`) is read
//!   as RSS 1.0, which it is the first draft of;
//! - an `<rss>` root of any or no version is read as 2.0, without a
//!   default namespace.
//!
//! Everything else passes through byte for byte. [`needed`] says, cheaply,
//! whether a document is Atom 0.3; others are repaired only after feed-rs
//! refused them.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

const ATOM_03: &[u8] = b"http://purl.org/atom/ns#";
const ATOM_10: &str = "http://www.w3.org/2005/Atom";
const RSS_090: &[u8] = b"http://my.netscape.com/rdf/simple/0.9/";
const RSS_10: &str = "http://purl.org/rss/1.0/";

/// Whether `body` must be repaired before feed-rs reads it (Atom 0.3,
/// which feed-rs parses as an empty feed rather than refusing).
pub fn needed(body: &[u8]) -> bool {
    [ATOM_03, b"backend.userland.com/rss", RSS_090, b"<dcterms:issued", b"<dcterms:created"]
        .iter()
        .any(|needle| contains(body, needle))
}

/// Whether the document has `<item>` or `<entry>` elements (so a parse
/// that found none missed them).
pub fn has_entries(body: &[u8]) -> bool {
    contains(body, b"<item")
        || contains(body, b"<entry")
        || contains(body, b":item")
        || contains(body, b":entry")
}

/// What the root element says the document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Atom,
    Rdf,
    Rss,
    /// Microsoft's Channel Definition Format (1997): read as RSS.
    Cdf,
    Other,
}

/// The repaired document; `None` when it is not XML quick-xml can stream
/// (feed-rs then reports the original's error).
pub fn repair(body: &[u8]) -> Option<Vec<u8>> {
    let mut reader = Reader::from_reader(body);
    let mut writer = Writer::new(Vec::with_capacity(body.len() + 64));
    let mut buffer = Vec::new();
    // Element names open above the current event (local names).
    let mut open: Vec<Vec<u8>> = Vec::new();
    let mut base64_content = false;
    let mut root = Root::Other;
    // The prefix of a prefixed RSS root (`<r:rss>`): dropped from its elements.
    let mut rss_prefix: Option<Vec<u8>> = None;
    // RSS without a <channel> (items right under <rss>): one is added.
    let add_channel = !contains(body, b"channel");
    let write = |writer: &mut Writer<Vec<u8>>, event: Event<'_>| writer.write_event(event).ok();
    loop {
        let event = reader.read_event_into(&mut buffer).ok()?;
        match event {
            Event::Eof => break,
            Event::Start(start) | Event::Empty(start) if open.is_empty() && root == Root::Other => {
                let local = start.local_name().as_ref().to_ascii_lowercase();
                root = match local.as_slice() {
                    b"feed" => Root::Atom,
                    b"rdf" => Root::Rdf,
                    b"rss" => Root::Rss,
                    b"channel" => Root::Cdf,
                    _ => Root::Other,
                };
                rss_prefix = start
                    .name()
                    .prefix()
                    .map(|p| p.as_ref().to_vec())
                    .filter(|_| root == Root::Rss);
                let (rewritten, extra) = match root {
                    Root::Rss => (rss_root(&start), add_channel.then_some("channel")),
                    Root::Cdf => (
                        BytesStart::new("rss").with_attributes([("version", "2.0")]),
                        Some("channel"),
                    ),
                    _ => (rewrite_start(&start, &open, false, root), None),
                };
                open.push(start.local_name().as_ref().to_vec());
                write(&mut writer, Event::Start(rewritten))?;
                if let Some(extra) = extra {
                    write(&mut writer, Event::Start(BytesStart::new(extra)))?;
                }
            }
            Event::Start(start) => {
                let start = unprefixed(start, rss_prefix.as_deref());
                let local = start.local_name().as_ref().to_vec();
                let construct = root == Root::Atom && is_text_construct(&start);
                base64_content = construct && is_base64(&start);
                let rewritten = rewrite_start(&start, &open, construct, root);
                let item = local.eq_ignore_ascii_case(b"item");
                // An RSS 1.0 item names its page in rdf:about; a CDF item in
                // HREF, its date in LASTMOD. feed-rs drops RSS 1.0 items
                // without a <link>, so the page is given as one too.
                let link = match root {
                    Root::Rdf if item => Some(attribute(&start, b"about").unwrap_or_default()),
                    Root::Cdf if item => {
                        attribute(&start, b"HREF").or_else(|| attribute(&start, b"href"))
                    }
                    _ => None,
                };
                let date =
                    (root == Root::Cdf && item).then(|| attribute(&start, b"LASTMOD")).flatten();
                open.push(local);
                write(&mut writer, Event::Start(rewritten))?;
                for (name, value) in [("link", link), ("pubDate", date)] {
                    if let Some(value) = value {
                        write(&mut writer, Event::Start(BytesStart::new(name)))?;
                        let value = String::from_utf8_lossy(&value).into_owned();
                        write(&mut writer, Event::Text(BytesText::from_escaped(value)))?;
                        write(&mut writer, Event::End(BytesEnd::new(name)))?;
                    }
                }
            }
            Event::Empty(start) => {
                let start = unprefixed(start, rss_prefix.as_deref());
                let construct = root == Root::Atom && is_text_construct(&start);
                let rewritten = rewrite_start(&start, &open, construct, root);
                write(&mut writer, Event::Empty(rewritten))?;
            }
            Event::End(end) => {
                let local = open.pop().unwrap_or_default();
                base64_content = false;
                if open.is_empty() && (root == Root::Cdf || (root == Root::Rss && add_channel)) {
                    write(&mut writer, Event::End(BytesEnd::new("channel")))?;
                }
                let qualified = match (&rss_prefix, end.name().prefix()) {
                    (Some(prefix), Some(p)) if p.as_ref() == prefix.as_slice() => {
                        end.local_name().as_ref().to_vec()
                    }
                    _ => end.name().as_ref().to_vec(),
                };
                let name = if open.is_empty() && root == Root::Cdf {
                    "rss".to_owned()
                } else if matches!(root, Root::Rss | Root::Rdf) && is_dcterms_date(&qualified) {
                    "date".to_owned()
                } else {
                    renamed(&qualified, &local, &open, root)
                };
                write(&mut writer, Event::End(BytesEnd::new(name)))?;
            }
            Event::Text(text) if base64_content => {
                let decoded = decode_base64(&text.decode().ok()?)?;
                write(&mut writer, Event::Text(BytesText::new(&decoded)))?;
            }
            other => write(&mut writer, other)?,
        }
        buffer.clear();
    }
    Some(writer.into_inner())
}

/// `start` without `prefix` (the prefix of a prefixed RSS root).
fn unprefixed(start: BytesStart<'_>, prefix: Option<&[u8]>) -> BytesStart<'static> {
    match (prefix, start.name().prefix()) {
        (Some(prefix), Some(p)) if p.as_ref() == prefix => {
            let mut bare =
                BytesStart::new(String::from_utf8_lossy(start.local_name().as_ref()).into_owned());
            bare.extend_attributes(start.attributes().flatten());
            bare
        }
        _ => start.into_owned(),
    }
}

/// An `<rss>` root as version 2.0 (RSS 0.9x are subsets of it; feed-rs
/// refuses versions it does not list, and a missing one) and without a
/// default namespace (some servers declare one; feed-rs then sees no RSS).
fn rss_root(start: &BytesStart<'_>) -> BytesStart<'static> {
    let mut root = BytesStart::new(String::from_utf8_lossy(start.name().as_ref()).into_owned());
    let kept = |key: &[u8]| key != b"xmlns" && key != b"version";
    for attribute in start.attributes().flatten().filter(|a| kept(a.key.as_ref())) {
        root.push_attribute((attribute.key.as_ref(), attribute.value.as_ref()));
    }
    root.push_attribute(("version", "2.0"));
    root
}

/// Base64 content: `mode="base64"` (Atom 0.3) or a binary type (Atom 1.0).
fn is_base64(start: &BytesStart<'_>) -> bool {
    attribute(start, b"mode").as_deref() == Some(b"base64".as_slice())
        || attribute(start, b"type").is_some_and(|kind| {
            !kind.is_empty()
                && !kind.starts_with(b"text/")
                && !kind.ends_with(b"xml")
                && !matches!(kind.as_slice(), b"text" | b"html" | b"xhtml")
        })
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(haystack, needle).is_some()
}

/// Dublin Core terms' `issued` and `created` (which feed-rs does not read)
/// as Dublin Core's `date` (which it reads as the item's publication date).
fn is_dcterms_date(qualified: &[u8]) -> bool {
    matches!(qualified, b"dcterms:issued" | b"dcterms:created")
}

const DUBLIN_CORE: &str = "http://purl.org/dc/elements/1.1/";

fn attribute(start: &BytesStart<'_>, name: &[u8]) -> Option<Vec<u8>> {
    start
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// The name an element is read under: Atom 0.3 names as Atom 1.0's, an
/// Atom `item` as an `entry`, CDF's upper-case names as RSS's; the prefix kept.
fn renamed(qualified: &[u8], local: &[u8], parents: &[Vec<u8>], root: Root) -> String {
    let lower = local.to_ascii_lowercase();
    let new_local: &[u8] = match (root, lower.as_slice()) {
        (Root::Cdf, b"abstract") => b"description",
        (Root::Cdf, b"item" | b"title") => &lower,
        (Root::Atom, b"item") if parents.len() == 1 => b"entry",
        _ => local,
    };
    let new_local: &[u8] = match new_local {
        b"issued" => b"published",
        b"modified" => b"updated",
        b"tagline" => b"subtitle",
        b"copyright" => b"rights",
        b"url"
            if parents
                .last()
                .is_some_and(|p| matches!(p.as_slice(), b"author" | b"contributor")) =>
        {
            b"uri"
        }
        other => other,
    };
    let prefix = &qualified[..qualified.len() - local.len()];
    String::from_utf8_lossy(&[prefix, new_local].concat()).into_owned()
}

/// An Atom text construct: an unprefixed `title`, `summary`, `content`, ...
fn is_text_construct(start: &BytesStart<'_>) -> bool {
    start.name().prefix().is_none()
        && matches!(
            start.local_name().as_ref(),
            b"title"
                | b"summary"
                | b"content"
                | b"tagline"
                | b"copyright"
                | b"info"
                | b"subtitle"
                | b"rights"
        )
}

fn rewrite_start<'a>(
    start: &BytesStart<'a>,
    parents: &[Vec<u8>],
    text_construct: bool,
    root: Root,
) -> BytesStart<'static> {
    let local = start.local_name().as_ref().to_vec();
    if matches!(root, Root::Rss | Root::Rdf) && is_dcterms_date(start.name().as_ref()) {
        return BytesStart::new("date").with_attributes([("xmlns", DUBLIN_CORE)]);
    }
    let name = renamed(start.name().as_ref(), &local, parents, root);
    let mode = attribute(start, b"mode");
    let kind = attribute(start, b"type");
    let mut rewritten = BytesStart::new(name);
    for attribute in start.attributes().flatten() {
        let key = attribute.key.as_ref();
        if key == b"mode" || (text_construct && key == b"type") {
            continue;
        }
        let value: Cow<'_, [u8]> = match attribute.value.as_ref() {
            ATOM_03 => Cow::Borrowed(ATOM_10.as_bytes()),
            RSS_090 => Cow::Borrowed(RSS_10.as_bytes()),
            _ => attribute.value.clone(),
        };
        if key == b"version" && local == b"feed" {
            continue;
        }
        rewritten.push_attribute((key, value.as_ref()));
    }
    if text_construct {
        let new_type: &[u8] = match (kind.as_deref(), mode.as_deref()) {
            (Some(b"xhtml" | b"application/xhtml+xml"), _) | (_, Some(b"xml")) => b"xhtml",
            (Some(k), _) if k.ends_with(b"html") => b"html",
            (Some(b"text" | b"text/plain") | None, None) => b"text",
            (_, Some(b"escaped")) => b"html",
            // Base64 is decoded; what it held is read as HTML, as readers do.
            _ if is_base64(start) => b"html",
            _ => b"text",
        };
        rewritten.push_attribute((b"type".as_slice(), new_type));
    }
    rewritten
}

/// Standard base64 (RFC 4648), whitespace ignored.
fn decode_base64(text: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atom_03_becomes_atom_10() {
        let old = br#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><tagline>T</tagline>
            <entry><title type="text/html" mode="escaped">&lt;b&gt;Hi&lt;/b&gt;</title>
            <issued>2003-12-13T08:29:29-04:00</issued><modified>2003-12-13T18:30:02Z</modified>
            <author><name>Mark</name><url>http://example.org/</url></author>
            <content type="text/plain" mode="base64">SGVsbG8=</content></entry></feed>"#;
        let new = String::from_utf8(repair(old).unwrap_or_default()).unwrap_or_default();
        assert!(new.contains(r#"<feed xmlns="http://www.w3.org/2005/Atom">"#), "{new}");
        assert!(new.contains("<subtitle type=\"text\">T</subtitle>"), "{new}");
        assert!(new.contains(r#"<title type="html">&lt;b&gt;Hi&lt;/b&gt;</title>"#), "{new}");
        assert!(new.contains("<published>2003-12-13T08:29:29-04:00</published>"), "{new}");
        assert!(new.contains("<updated>2003-12-13T18:30:02Z</updated>"), "{new}");
        assert!(new.contains("<uri>http://example.org/</uri>"), "{new}");
        assert!(new.contains(r#"<content type="html">Hello</content>"#), "{new}");
        let rss = repair(b"<rss><channel><item><title>A</title></item></channel></rss>");
        let rss = String::from_utf8(rss.unwrap_or_default()).unwrap_or_default();
        assert!(rss.starts_with(r#"<rss version="2.0">"#), "{rss}");
    }
}
