//! Feed bytes to UTF-8, whatever the server sent: a byte-order mark wins,
//! then the charset of the HTTP `Content-Type`, then the XML declaration's
//! `encoding`; undeclared bytes that are not UTF-8 are read as
//! windows-1252 (the usual mislabel); invalid sequences are replaced, never
//! fatal. The XML declaration is rewritten to say UTF-8 so the parser does
//! not decode twice.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, WINDOWS_1252};

/// How the document was decoded, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharsetSource {
    /// Valid UTF-8 with nothing saying otherwise: used as is.
    Utf8,
    /// A byte-order mark.
    Bom,
    /// The HTTP `Content-Type` charset.
    Http,
    /// The XML declaration.
    XmlDeclaration,
    /// Undeclared and not UTF-8: read as windows-1252.
    Fallback,
}

/// The charset parameter of a `Content-Type` value.
pub fn charset_of_content_type(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"'))
    })
}

/// `body` as UTF-8, and where its encoding came from.
pub fn to_utf8<'a>(body: &'a [u8], http_charset: Option<&str>) -> (Cow<'a, [u8]>, CharsetSource) {
    if let Some((encoding, bom_length)) = Encoding::for_bom(body) {
        let (text, _) = encoding.decode_without_bom_handling(&body[bom_length..]);
        return (Cow::Owned(declare_utf8(text.into_owned()).into_bytes()), CharsetSource::Bom);
    }
    let declared = xml_declared_encoding(body);
    let chosen = http_charset
        .and_then(|label| Encoding::for_label(label.as_bytes()).map(|e| (e, CharsetSource::Http)))
        .or_else(|| {
            declared
                .and_then(|label| Encoding::for_label(label.as_bytes()))
                .map(|e| (e, CharsetSource::XmlDeclaration))
        });
    match chosen {
        Some((encoding, _)) if encoding == UTF_8 && std::str::from_utf8(body).is_ok() => {
            (Cow::Borrowed(body), CharsetSource::Utf8)
        }
        Some((encoding, source)) => {
            let (text, _, _) = encoding.decode(body);
            (Cow::Owned(declare_utf8(text.into_owned()).into_bytes()), source)
        }
        None if std::str::from_utf8(body).is_ok() => (Cow::Borrowed(body), CharsetSource::Utf8),
        None => {
            let (text, _, _) = WINDOWS_1252.decode(body);
            (Cow::Owned(declare_utf8(text.into_owned()).into_bytes()), CharsetSource::Fallback)
        }
    }
}

/// The `encoding` of an XML declaration at the start of `body`.
fn xml_declared_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(200)];
    let head = String::from_utf8_lossy(head);
    let declaration = head.trim_start().strip_prefix("<?xml")?.split("?>").next()?;
    let after = declaration.split("encoding").nth(1)?.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    Some(after[1..].split(quote).next()?.to_owned())
}

/// Make the XML declaration (if any) say UTF-8.
fn declare_utf8(text: String) -> String {
    let trimmed = text.trim_start();
    if !trimmed.starts_with("<?xml") {
        return text;
    }
    let Some(end) = trimmed.find("?>") else { return text };
    let rest = &trimmed[end..];
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"{rest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixture table: (bytes, HTTP charset, expected text, expected source).
    const CASES: &[(&[u8], Option<&str>, &str, CharsetSource)] = &[
        (b"<t>caf\xc3\xa9</t>", None, "<t>café</t>", CharsetSource::Utf8),
        (b"\xef\xbb\xbf<t>caf\xc3\xa9</t>", None, "<t>café</t>", CharsetSource::Bom),
        (b"\xff\xfe<\x00t\x00>\x00", None, "<t>", CharsetSource::Bom),
        (b"<t>caf\xe9</t>", Some("iso-8859-1"), "<t>café</t>", CharsetSource::Http),
        (b"<t>\x93quoted\x94</t>", None, "<t>\u{201c}quoted\u{201d}</t>", CharsetSource::Fallback),
        (
            b"<?xml version=\"1.0\" encoding=\"windows-1252\"?><t>\x80</t>",
            None,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>\u{20ac}</t>",
            CharsetSource::XmlDeclaration,
        ),
        (
            b"<?xml version='1.0' encoding='ISO-8859-1'?><t>caf\xe9</t>",
            Some("windows-1252"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><t>café</t>",
            CharsetSource::Http,
        ),
        (b"<t>bad \xc3 byte</t>", Some("utf-8"), "<t>bad \u{fffd} byte</t>", CharsetSource::Http),
    ];

    #[test]
    fn charset_cases() {
        for (bytes, http, expected, source) in CASES {
            let (utf8, got_source) = to_utf8(bytes, *http);
            assert_eq!(String::from_utf8_lossy(&utf8), *expected, "{bytes:?} with {http:?}");
            assert_eq!(got_source, *source, "{bytes:?} with {http:?}");
        }
    }

    #[test]
    fn content_type_charset() {
        assert_eq!(
            charset_of_content_type("application/rss+xml; charset=\"ISO-8859-1\""),
            Some("ISO-8859-1")
        );
        assert_eq!(charset_of_content_type("text/xml"), None);
    }
}
