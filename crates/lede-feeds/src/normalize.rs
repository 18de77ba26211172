//! Normalization of what feeds send into what readers read: HTML to plain
//! paragraphs (with the HTML5 tokenizer, so entities, broken markup and
//! `<script>` bodies are handled as a browser would), repeated paragraphs
//! collapsed, and links made canonical.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use url::Url;

/// Elements whose start or end separates paragraphs.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
];

/// Elements whose content is never reader-visible text.
const SKIPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head", "title",
    "select", "button",
];

/// Paragraphs shorter than this are never treated as repeats of a longer one
/// (short lines such as "Advertisement" are only collapsed when identical).
const MIN_CONTAINED_REPEAT_CHARS: usize = 60;

/// Convert an HTML fragment (or plain text) into plain-text paragraphs.
///
/// Block elements separate paragraphs; in text without any block element,
/// blank lines do. Whitespace is collapsed, scripts and styles are dropped,
/// and a paragraph that repeats an earlier one (a photo caption printed five
/// times, say) is kept once.
pub fn html_to_paragraphs(html: &str) -> Vec<String> {
    let paragraphs = tokenize(html, TextSink::default()).text.into_inner().finish();
    collapse_repeats(paragraphs)
}

/// Run the HTML5 tokenizer over `html`, handing every token to `sink`.
pub(crate) fn tokenize<S: TokenSink>(html: &str, sink: S) -> S {
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink
}

/// Convert an HTML fragment (a title, say) into one line of plain text.
pub fn html_to_text(html: &str) -> String {
    html_to_paragraphs(html).join(" ")
}

/// Drop paragraphs that repeat an earlier one, exactly or as a part of it
/// (the seed's caption appears once with an "Image Source : AP" prefix and
/// later without).
pub fn collapse_repeats(paragraphs: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(paragraphs.len());
    for paragraph in paragraphs {
        let repeat = kept.iter().any(|earlier| {
            earlier == &paragraph
                || (paragraph.len() >= MIN_CONTAINED_REPEAT_CHARS && earlier.contains(&paragraph))
        });
        if !repeat {
            kept.push(paragraph);
        }
    }
    kept
}

#[derive(Default)]
struct TextSink {
    text: RefCell<TextBuilder>,
}

#[derive(Default)]
struct TextBuilder {
    paragraphs: Vec<String>,
    current: String,
    pending_space: bool,
    /// Blank lines seen inside the current text run, as byte offsets.
    blank_line_breaks: Vec<usize>,
    saw_block_tag: bool,
    skipping: Option<String>,
}

impl TextBuilder {
    fn push_text(&mut self, text: &str) {
        let mut newlines = 0;
        for c in text.chars() {
            if c.is_whitespace() {
                if c == '\n' {
                    newlines += 1;
                }
                self.pending_space = true;
                continue;
            }
            if self.pending_space && !self.current.is_empty() {
                if newlines >= 2 {
                    self.blank_line_breaks.push(self.current.len());
                }
                self.current.push(' ');
            }
            self.pending_space = false;
            newlines = 0;
            self.current.push(c);
        }
    }

    fn break_paragraph(&mut self) {
        self.blank_line_breaks.clear();
        self.pending_space = false;
        let paragraph = std::mem::take(&mut self.current);
        if !paragraph.is_empty() {
            self.paragraphs.push(paragraph);
        }
    }

    fn finish(mut self) -> Vec<String> {
        if !self.saw_block_tag && !self.blank_line_breaks.is_empty() {
            let text = std::mem::take(&mut self.current);
            let mut start = 0;
            for &at in &self.blank_line_breaks {
                self.paragraphs.push(text[start..at].to_owned());
                start = at + 1;
            }
            self.paragraphs.push(text[start..].to_owned());
        }
        self.break_paragraph();
        self.paragraphs
    }

    fn tag(&mut self, tag: &Tag) -> TokenSinkResult<()> {
        let name: &str = &tag.name;
        if let Some(skipped) = &self.skipping {
            if tag.kind == TagKind::EndTag && skipped == name {
                self.skipping = None;
            }
            return TokenSinkResult::Continue;
        }
        if BLOCK_TAGS.contains(&name) {
            self.saw_block_tag = true;
            self.break_paragraph();
        } else if tag.kind == TagKind::StartTag && SKIPPED_TAGS.contains(&name) && !tag.self_closing
        {
            self.skipping = Some(name.to_owned());
            return match name {
                "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                "style" | "noscript" | "iframe" | "template" => {
                    TokenSinkResult::RawData(RawKind::Rawtext)
                }
                "title" => TokenSinkResult::RawData(RawKind::Rcdata),
                _ => TokenSinkResult::Continue,
            };
        }
        TokenSinkResult::Continue
    }
}

impl TokenSink for TextSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line_number: u64) -> TokenSinkResult<()> {
        let mut text = self.text.borrow_mut();
        match token {
            Token::TagToken(tag) => text.tag(&tag),
            Token::CharacterTokens(chars) => {
                if text.skipping.is_none() {
                    text.push_text(&chars);
                }
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

/// Query parameters that only track the reader and never select content.
const TRACKING_PARAMETERS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "mc_cid",
    "mc_eid",
    "igshid",
    "_ga",
    "_gl",
    "ocid",
    "cmpid",
    "at_medium",
    "at_campaign",
    "smid",
    "cid",
];

/// The canonical form of a link: resolved against `base`, http(s) only,
/// host lower-cased, default port, fragment and tracking parameters
/// (`utm_*`, `fbclid`, `gclid`, ...) removed. `None` when it is not a link.
pub fn canonical_url(link: &str, base: Option<&Url>) -> Option<Url> {
    let link = link.trim();
    let mut url = match Url::parse(link) {
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => base?.join(link).ok()?,
        Err(_) => return None,
    };
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(name, _)| {
                let name = name.to_ascii_lowercase();
                !name.starts_with("utm_") && !TRACKING_PARAMETERS.contains(&name.as_str())
            })
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixture table: (html, expected paragraphs).
    const PARAGRAPH_CASES: &[(&str, &[&str])] = &[
        ("<p>One</p><p>Two</p>", &["One", "Two"]),
        ("Plain text", &["Plain text"]),
        ("first\n\nsecond\n third", &["first", "second third"]),
        ("<p>a\n\nb</p>", &["a b"]),
        ("line<br>break", &["line", "break"]),
        ("<p>x<script>var s = '<p>no</p>';</script>y</p>", &["xy"]),
        ("<style>p { color: red }</style><p>styled</p>", &["styled"]),
        ("<p>AT&amp;T &quot;q&quot; &#8217; &nbsp;end</p>", &["AT&T \"q\" \u{2019} end"]),
        ("<div><p>nested <b>bold</b> <a href='x'>link</a></p></div>", &["nested bold link"]),
        ("<p>unclosed<p>second", &["unclosed", "second"]),
        ("<img src='https://t.example/pixel.gif' width='1' height='1'><p>text</p>", &["text"]),
        ("<p>Same</p><p>Same</p>", &["Same"]),
        ("", &[]),
        ("   \n  ", &[]),
    ];

    #[test]
    fn html_to_paragraphs_cases() {
        for (html, expected) in PARAGRAPH_CASES {
            assert_eq!(html_to_paragraphs(html), *expected, "input: {html:?}");
        }
    }

    #[test]
    fn seed_caption_collapses_to_one() {
        let caption = "Dozens of Iraqi Shiite militia supporters are seen outside the U.S. embassy compound in Baghdad, Iraq.";
        let html = format!(
            "<p>Image Source : AP {caption}</p><p>Body one.</p><p>Image Source : AP {caption}</p><p>{caption}</p><p>Body two.</p>"
        );
        let paragraphs = html_to_paragraphs(&html);
        assert_eq!(
            paragraphs,
            vec![format!("Image Source : AP {caption}"), "Body one.".into(), "Body two.".into()]
        );
    }

    /// Fixture table: (link, base, canonical form or None).
    const URL_CASES: &[(&str, Option<&str>, Option<&str>)] = &[
        ("https://Example.COM/a?utm_source=x&id=3#frag", None, Some("https://example.com/a?id=3")),
        ("http://example.com:80/a?fbclid=1&gclid=2", None, Some("http://example.com/a")),
        ("/story/1", Some("https://news.example/feed.xml"), Some("https://news.example/story/1")),
        (
            "story/2",
            Some("https://news.example/world/rss"),
            Some("https://news.example/world/story/2"),
        ),
        ("/story/1", None, None),
        ("mailto:desk@example.com", None, None),
        ("javascript:alert(1)", None, None),
        ("  https://example.com/x  ", None, Some("https://example.com/x")),
    ];

    #[test]
    fn canonical_url_cases() {
        for (link, base, expected) in URL_CASES {
            let base = base.and_then(|b| Url::parse(b).ok());
            let got = canonical_url(link, base.as_ref()).map(String::from);
            assert_eq!(got.as_deref(), *expected, "link: {link:?}");
        }
    }
}
