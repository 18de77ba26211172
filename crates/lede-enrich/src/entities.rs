//! People, organisations and places in a text.
//!
//! 1. Tokens ([`crate::tokens`]) and list matches ([`crate::gazetteer`]):
//!    GeoNames places, organisations, nationality words.
//! 2. A greedy left-to-right averaged-perceptron tagger
//!    ([`crate::perceptron`]) gives each token a BIO tag from its words,
//!    shapes, list matches and the tags before it. It finds names no list
//!    knows ("Yassine al-Yasseri").
//! 3. Listed places and organisations the tagger passed over are added; a
//!    span that is only a nationality word is a [`Demonym`], not a place.
//! 4. Within the text, short forms resolve to the full mention: a person's
//!    last name to the full name, an acronym after "Full Name (ABBR)" or a
//!    listed alias ("AP") to the full organisation name.
//! 5. Places resolve to GeoNames: among the places a name can mean, the
//!    one scoring highest on population and kind (countries first), raised
//!    when its country (or its region) is named elsewhere in the text:
//!    "Paris" is in France unless the text is about Texas.

use std::collections::{HashMap, HashSet};

use lede_core::entity::CALENDAR_WORDS;
use lede_core::{Demonym, EntityType, Mention, Tags};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::gazetteer::{Found, Gazetteer, ListHits, PlaceRecord, TITLES};
use crate::perceptron::{Model, ModelError, N_TAGS, TAGS, Trainer};
use crate::tokens::{NAME_SUFFIXES, Token, shape, tokenize};

/// The model Lede ships (trained by `eval/enrich/train.sh`).
const SHIPPED_MODEL: &[u8] = include_bytes!("../../../data/enrich/ner.model");

/// At most this many bytes of a document are tagged: the tagger's cost
/// grows faster than the text (spans are checked against spans), and a
/// news article's title and text are far shorter (10-30 KB); a feed item
/// of megabytes would hold a feed task for minutes.
pub const MAX_TAGGED_BYTES: usize = 64 * 1024;

/// `parts` cut to [`MAX_TAGGED_BYTES`] in all, in order: the part that
/// crosses the limit ends at the last whitespace before it (or at the
/// limit, in a word that long), and the parts after it are empty.
fn within_tagged_bytes<'a>(parts: &[&'a str]) -> Vec<&'a str> {
    let mut left = MAX_TAGGED_BYTES;
    parts
        .iter()
        .map(|part| {
            if part.len() <= left {
                left -= part.len();
                return *part;
            }
            let limit = part.floor_char_boundary(left);
            let end = part[..limit].rfind(char::is_whitespace).unwrap_or(limit);
            left = 0;
            &part[..end]
        })
        .collect()
}

/// Listed cities smaller than this are added only when the tagger marked them.
const MIN_LISTED_CITY: u64 = 100_000;

/// What one text names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tagged {
    /// People, organisations and places, in text order.
    pub mentions: Vec<Mention>,
    /// Nationality words, in text order.
    pub demonyms: Vec<Demonym>,
}

/// A labelled text for training: byte spans with their type.
#[derive(Debug, Clone)]
pub struct Example {
    /// The text.
    pub text: String,
    /// (start, end, type), byte offsets.
    pub spans: Vec<(usize, usize, EntityType)>,
}

/// The tagger: lists and model, loaded once (about 0.1 s) and shared.
#[derive(Debug)]
pub struct Tagger {
    gazetteer: Gazetteer,
    model: Model,
}

/// A text prepared for tagging.
struct Context<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    lower: Vec<String>,
    shapes: Vec<&'static str>,
    hits: Vec<ListHits>,
    found: Found,
    sentence_start: Vec<bool>,
    /// The token is a listed given name.
    given: Vec<bool>,
}

impl Context<'_> {
    /// Is token `i` in a listed place's or organisation's name?
    fn listed(&self, i: usize) -> bool {
        self.hits[i].place.is_some() || self.hits[i].organisation.is_some()
    }

    /// Does token `i` start with a capital, as a name's word does ("Xx",
    /// "Xx-x", "X", "X.")?
    fn starts_with_capital(&self, i: usize) -> bool {
        matches!(self.shapes[i], "Xx" | "Xx-x" | "X" | "X.")
    }

    /// Where the words after an organisation's "of" or "for" end, from the
    /// capitalised word `last`: capitalised words, joined by ",", "and" or
    /// "&" to words no list holds ("Ministry of Trade, Industry and
    /// Fisheries", but not "Bank of England and Barclays").
    fn name_list_end(&self, mut last: usize) -> usize {
        let n = self.tokens.len();
        let name_word = |k: usize| {
            self.starts_with_capital(k) && !self.sentence_start[k] && self.may_be_in_name(k)
        };
        loop {
            if last + 1 < n && name_word(last + 1) {
                last += 1;
            } else if last + 2 < n
                && matches!(self.tokens[last + 1].of(self.text), "," | "and" | "&")
                && name_word(last + 2)
                && !self.listed(last + 2)
            {
                last += 2;
            } else {
                return last;
            }
        }
    }

    /// Is token `i` a possessive "'s"?
    fn is_possessive(&self, i: usize) -> bool {
        matches!(self.lower[i].as_str(), "'s" | "\u{2019}s")
    }

    /// Is token `i` a possessive that ends the name before it: after a
    /// listed name or an acronym ("NASA's Jet Propulsion Laboratory", "Iraq's
    /// army")? After another word it may belong to the name ("Christie's",
    /// "International Longshoremen's Association").
    fn possessive_ends_name(&self, i: usize) -> bool {
        i > 0
            && self.is_possessive(i)
            && (self.listed(i - 1) || matches!(self.shapes[i - 1], "X" | "X."))
    }

    /// Can token `i`, whatever its case, be a word of an organisation's
    /// name before its last word? Not a title, a date, a function word or
    /// an article.
    fn may_be_in_name(&self, i: usize) -> bool {
        let lower = self.lower[i].as_str();
        !TITLES.contains(&self.tokens[i].of(self.text))
            && !CALENDAR_WORDS.contains(&lower)
            && !FUNCTION_WORDS.contains(&lower)
            && !matches!(lower, "the" | "a" | "an")
    }
}

impl Tagger {
    /// The shipped lists and model.
    pub fn new() -> Result<Self, ModelError> {
        Ok(Self::with_model(Model::from_bytes(SHIPPED_MODEL)?))
    }

    /// The shipped lists with another model (for training and tests).
    pub fn with_model(model: Model) -> Self {
        Self { gazetteer: Gazetteer::load(), model }
    }

    /// The tags of an article or story version: its title and paragraphs.
    /// `language` (ISO 639-1, as [`crate::language`] gives it) decides what
    /// is kept, as in [`Tagger::tag_in`].
    pub fn tags(&self, title: &str, paragraphs: &[String], language: Option<&str>) -> Tags {
        let parts: Vec<&str> =
            std::iter::once(title).chain(paragraphs.iter().map(String::as_str)).collect();
        let mut mentions = Vec::new();
        let mut demonyms = Vec::new();
        for tagged in self.tag_parts(&parts) {
            mentions.extend(self.keep_for(tagged.mentions, language));
            demonyms.extend(tagged.demonyms);
        }
        Tags::of(&mentions, &demonyms)
    }

    /// The names in `text`, written in `language`: all of them in English
    /// (or when the language is unknown); in other languages only what the
    /// lists know (resolved places, listed organisations), since the
    /// tagger's model learnt English.
    pub fn tag_in(&self, text: &str, language: Option<&str>) -> Tagged {
        let mut tagged = self.tag(text);
        tagged.mentions = self.keep_for(tagged.mentions, language);
        tagged
    }

    /// The mentions kept in a text of `language`: see [`Tagger::tag_in`].
    fn keep_for(&self, mut mentions: Vec<Mention>, language: Option<&str>) -> Vec<Mention> {
        if language.is_some_and(|language| language != "en") {
            let listed = &self.gazetteer.organisation_by_alias;
            mentions.retain(|m| m.place.is_some() || listed.contains_key(&m.text));
        }
        mentions
    }

    /// Every name in `text`, read as English.
    pub fn tag(&self, text: &str) -> Tagged {
        self.tag_parts(&[text]).pop().unwrap_or_default()
    }

    /// Every name in the parts of one document (an article's title and
    /// paragraphs), read as English, each part's spans in its own offsets.
    /// Short forms and places resolve over the whole document: "al-Yasseri"
    /// in the third paragraph is the "Yassine al-Yasseri" of the first, and
    /// "Paris" there is the "Paris, Texas" of the second.
    ///
    /// At most [`MAX_TAGGED_BYTES`] of the document are read (a part past
    /// them is cut at a word's end, or read as empty).
    pub fn tag_parts(&self, parts: &[&str]) -> Vec<Tagged> {
        let parts = &within_tagged_bytes(parts);
        let staged: Vec<(Context<'_>, Vec<Span>, Vec<Demonym>)> =
            parts.iter().map(|text| self.spans_in(text)).collect();
        // A lone surname of a person named in full anywhere in the
        // document: "al-Yasseri" (or "Al-Yasseri") after "Yassine al-Yasseri".
        let surnames: HashSet<String> = staged
            .iter()
            .flat_map(|(context, spans, _)| {
                spans
                    .iter()
                    .filter(|s| s.kind == EntityType::Person && s.last > s.first)
                    .map(|s| context.lower[s.last].clone())
            })
            .collect();
        let mut tagged: Vec<Tagged> = staged
            .into_iter()
            .map(|(context, mut spans, demonyms)| {
                // Tokens inside a span (a span added below covers only
                // its own token, which the loop has passed).
                let mut covered = vec![false; context.tokens.len()];
                for span in &spans {
                    covered[span.first..=span.last].fill(true);
                }
                for (i, inside) in covered.into_iter().enumerate() {
                    if !inside
                        && context.shapes[i] != "x"
                        && surnames.contains(context.lower[i].as_str())
                    {
                        spans.push(Span {
                            first: i,
                            last: i,
                            kind: EntityType::Person,
                            confidence: 0.7,
                        });
                    }
                }
                spans.sort_by_key(|s| s.first);
                let mentions = spans
                    .iter()
                    .map(|span| {
                        let (start, end) =
                            (context.tokens[span.first].start, context.tokens[span.last].end);
                        let text = &context.text[start..end];
                        Mention {
                            text: text.to_owned(),
                            kind: span.kind,
                            start,
                            end,
                            canonical: text.to_owned(),
                            confidence: span.confidence,
                            place: None,
                        }
                    })
                    .collect();
                Tagged { mentions, demonyms }
            })
            .collect();
        self.resolve_names(parts, &mut tagged);
        // Places: every mention and nationality word of the document counts.
        let demonyms: Vec<Demonym> = tagged.iter().flat_map(|t| t.demonyms.clone()).collect();
        let counts: Vec<usize> = tagged.iter().map(|t| t.mentions.len()).collect();
        let region_named: Vec<bool> = (tagged.iter().zip(parts))
            .flat_map(|(t, text)| {
                (t.mentions.iter())
                    .map(|m| m.kind == EntityType::Location && names_a_region(&text[m.end..]))
            })
            .collect();
        let mut mentions: Vec<Mention> =
            tagged.iter_mut().flat_map(|t| std::mem::take(&mut t.mentions)).collect();
        self.resolve_places(&mut mentions, &demonyms, &region_named);
        let mut mentions = mentions.into_iter();
        for (part, count) in tagged.iter_mut().zip(counts) {
            part.mentions = mentions.by_ref().take(count).collect();
        }
        tagged
    }

    /// A text's spans and nationality words, before short forms and places
    /// are resolved.
    fn spans_in<'a>(&self, text: &'a str) -> (Context<'a>, Vec<Span>, Vec<Demonym>) {
        let context = self.context(text);
        let (tags, confidences) = self.decode(&context);
        let mut spans = spans_of(&tags, &confidences);
        let found = &context.found;

        // Nationality words are not names of places.
        let mut demonyms = Vec::new();
        for m in found.demonyms.iter().filter(|m| m.first == m.last) {
            let (word, country) = &self.gazetteer.demonyms[m.index];
            let token = context.tokens[m.first];
            spans.retain(|s| !(s.first == m.first && s.last == m.last));
            if !spans.iter().any(|s| s.first <= m.first && m.first <= s.last) {
                demonyms.push(Demonym {
                    text: word.clone(),
                    start: token.start,
                    end: token.end,
                    country_code: country.clone(),
                });
            }
        }
        // Names do not begin or end with a lower-case word ("Microsoft
        // said"), particles aside ("al-", "bin", "de").
        let lower = |i: usize| context.shapes[i] == "x" && !is_particle(&context.lower[i]);
        // Nor with punctuation ("Northvolt,"), except the full stop of an
        // abbreviation ("Inc.").
        let punctuation = |i: usize| context.shapes[i] == ".";
        let number = |i: usize| matches!(context.shapes[i], "d" | "xd");
        let stray_at_end = |i: usize| {
            context.shapes[i] == "x"
                || number(i)
                || (punctuation(i) && context.tokens[i].of(text) != ".")
        };
        for span in &mut spans {
            while span.first < span.last
                && (lower(span.first) || punctuation(span.first) || number(span.first))
            {
                span.first += 1;
            }
            while span.last > span.first && stray_at_end(span.last) {
                span.last -= 1;
            }
        }
        spans.retain(|s| !(s.first..=s.last).all(|i| matches!(context.shapes[i], "x" | ".")));
        // Nor with a capitalised function word ("From January"), and a
        // month or weekday alone is not a name.
        for span in &mut spans {
            while span.first < span.last
                && FUNCTION_WORDS.contains(&context.lower[span.first].as_str())
            {
                span.first += 1;
            }
        }
        // A possessive ends a name: "NASA's Jet Propulsion Laboratory" is
        // two.
        let possessive = |i: usize| context.possessive_ends_name(i);
        let mut split = Vec::with_capacity(spans.len());
        for span in spans.drain(..) {
            let mut rest = span;
            while let Some(at) = (rest.first + 1..rest.last).find(|&i| possessive(i)) {
                split.push(Span { last: at - 1, ..rest });
                rest.first = at + 1;
            }
            split.push(rest);
        }
        spans = split;
        // Named storms are events, not people ("Hurricane Helene").
        spans.retain(|s| !STORM_WORDS.contains(&context.tokens[s.first].of(text)));
        let calendar = |i: usize| CALENDAR_WORDS.contains(&context.lower[i].as_str());
        let function = |i: usize| FUNCTION_WORDS.contains(&context.lower[i].as_str());
        spans.retain(|s| {
            let dates_only = (s.first..=s.last).all(calendar);
            let function_word_only = s.first == s.last && function(s.first);
            !dates_only && !function_word_only
        });
        self.repair_spans(&context, &mut spans);

        // Listed names: they replace the tagger's spans they cover (so
        // "U.S. Central Command" is one organisation), set the type of a
        // span they equal, and are added where the tagger saw nothing.
        // Places count when they are countries, continents, regions or
        // capitals (cities only where the tagger saw nothing, and only
        // large ones), since city names are often also people's names.
        // Each with whether a person's full name the tagger read stands
        // against it: cities are named after people ("Benito Juárez",
        // "Lázaro Cárdenas"); countries, regions and organisations of
        // exactly a "name's" words are not ("Burkina Faso", "Wells Fargo").
        let mut listed: Vec<(Span, bool)> = Vec::new();
        for m in &found.places {
            let records = || {
                self.gazetteer.place_names[m.index]
                    .1
                    .iter()
                    .map(|&i| &self.gazetteer.places[i as usize])
            };
            let area = records().any(|r| r.feature_class != "P" || r.feature_code == "PPLC");
            let large_city = records().any(|r| r.population >= MIN_LISTED_CITY);
            let overlapped = spans.iter().any(|s| s.first <= m.last && m.first <= s.last);
            // A "name" holding a country or region and no given name is
            // an organisation ("Parks Canada").
            if area && !records().all(|r| r.feature_class == "P") {
                for span in spans.iter_mut().filter(|s| {
                    s.kind == EntityType::Person
                        && s.first <= m.first
                        && m.last <= s.last
                        && s.last > s.first
                        && !(s.first..=s.last).any(|i| context.given[i])
                }) {
                    span.kind = EntityType::Organisation;
                }
            }
            if area || (large_city && !overlapped) {
                let city = records().all(|r| r.feature_class == "P");
                let span = Span {
                    first: m.first,
                    last: m.last,
                    kind: EntityType::Location,
                    confidence: 0.8,
                };
                listed.push((span, city));
            }
        }
        // Organisations last: one listed under a place's name ("Holy See",
        // "Emirates") is the organisation.
        listed.extend(found.organisations.iter().map(|m| {
            let span = Span {
                first: m.first,
                last: m.last,
                kind: EntityType::Organisation,
                confidence: 0.8,
            };
            (span, false)
        }));
        for (list, yields_to_people) in listed {
            let overlapping: Vec<usize> = (0..spans.len())
                .filter(|&k| spans[k].first <= list.last && list.first <= spans[k].last)
                .collect();
            let covers = overlapping
                .iter()
                .all(|&k| list.first <= spans[k].first && spans[k].last <= list.last);
            let full_name = overlapping
                .iter()
                .any(|&k| spans[k].kind == EntityType::Person && spans[k].last > spans[k].first);
            if covers && !(yields_to_people && full_name) {
                for &k in overlapping.iter().rev() {
                    spans.remove(k);
                }
                spans.push(list);
            }
        }
        self.add_named_bodies(&context, &mut spans);
        (context, spans, demonyms)
    }

    /// Rules that mend what a tagger trained on little text gets wrong,
    /// each general to English news: titles are not part of names; a name
    /// runs on over the capitalised words after it; adjacent pieces are one
    /// name; a nationality word opening an organisation's name belongs to
    /// it ("Brazilian Navy"); the last word often says the type ("... Bank",
    /// "... County").
    fn repair_spans(&self, context: &Context<'_>, spans: &mut Vec<Span>) {
        let word = |i: usize| context.tokens[i].of(context.text);
        let capitalised = |i: usize| context.starts_with_capital(i) || context.shapes[i] == "x-Xx";
        // A title inside a span ends a description and starts a person's
        // name: "Transportation Secretary Pete Buttigieg" is "Pete
        // Buttigieg" (but "Major League Baseball" stays whole).
        let name_word = |i: usize| {
            capitalised(i) && !ORG_WORDS.contains(&word(i)) && !LOC_WORDS.contains(&word(i))
        };
        for span in spans.iter_mut() {
            let Some(title) = (span.first..span.last).rev().find(|&i| TITLES.contains(&word(i)))
            else {
                continue;
            };
            let full_name = span.last > title + 1 || context.given[title + 1];
            if full_name && (title + 1..=span.last).all(name_word) {
                span.first = title + 1;
                span.kind = EntityType::Person;
            }
        }
        // Titles first: "Coach Carlo Ancelotti" is "Carlo Ancelotti" (and
        // again at the end, for spans typed as people since).
        let strip_titles = |spans: &mut Vec<Span>| {
            for span in spans.iter_mut().filter(|s| s.kind == EntityType::Person) {
                while span.first < span.last && TITLES.contains(&word(span.first)) {
                    span.first += 1;
                }
            }
        };
        strip_titles(spans);
        spans.retain(|s| !(s.first == s.last && TITLES.contains(&word(s.first))));
        spans.sort_by_key(|s| s.first);
        // Run on over capitalised words, and join touching spans; a
        // person's name goes on over the particles of a surname ("Erik ten
        // Hag", "Ruud van Nistelrooy").
        let mut mended: Vec<Span> = Vec::with_capacity(spans.len());
        for span in spans.drain(..) {
            match mended.last_mut() {
                Some(previous) if previous.last + 1 == span.first => {
                    previous.last = span.last;
                    if span.kind == EntityType::Organisation || ORG_WORDS.contains(&word(span.last))
                    {
                        previous.kind = EntityType::Organisation;
                    }
                }
                Some(previous)
                    if previous.kind == EntityType::Person
                        && span.first > previous.last + 1
                        && span.first - previous.last <= 3
                        && (previous.last + 1..span.first).all(|i| {
                            context.shapes[i] == "x" && is_particle(&context.lower[i])
                        })
                        && capitalised(span.first) =>
                {
                    previous.last = span.last;
                }
                _ => mended.push(span),
            }
        }
        // A given name before a capitalised word starts a person's name
        // ("Jerome Powell"), whatever the tagger said of it.
        let mut i = 0;
        while i + 1 < context.tokens.len() {
            // So do initials ("C.C. Wei"), unless listed ("U.S. Navy").
            let initials = context.shapes[i] == "X." && !context.listed(i);
            // Not a place ("Kenya", "Georgia") and not a month ("May", "June").
            let starts_name = (context.given[i] || initials)
                && context.hits[i].place.is_none()
                && !CALENDAR_WORDS.contains(&context.lower[i].as_str())
                && capitalised(i)
                && matches!(context.shapes[i + 1], "Xx" | "Xx-x" | "x-Xx")
                && !TITLES.contains(&word(i + 1));
            let inside = mended.iter().position(|s| s.first <= i + 1 && i <= s.last);
            if starts_name {
                match inside {
                    Some(k) if mended[k].first >= i || mended[k].first == i + 1 => {
                        mended[k].first = i;
                        mended[k].kind = EntityType::Person;
                    }
                    Some(_) => {}
                    None => mended.push(Span {
                        first: i,
                        last: i + 1,
                        kind: EntityType::Person,
                        confidence: 0.6,
                    }),
                }
            }
            i += 1;
        }
        mended.sort_by_key(|s| s.first);
        // A word that may open an organisation's name ("Serbian Progressive
        // Party", "CMOC Group"): capitalised, not a title, date or function word.
        let opens_body =
            |i: usize| capitalised(i) && context.may_be_in_name(i) && !context.hits[i].demonym;
        let n = context.tokens.len();
        // The last of the capitalised words from token `first` on.
        let run_end =
            |first: usize| (first..n).take_while(|&i| capitalised(i)).last().unwrap_or(first);
        // An organisation's word and "of" or "for" before token `first`.
        let of_body = |first: usize, floor: usize| {
            first >= floor + 2
                && matches!(context.lower[first - 1].as_str(), "of" | "for")
                && capitalised(first - 2)
                && ORG_WORDS.contains(&word(first - 2))
        };
        for k in 0..mended.len() {
            let floor = if k > 0 { mended[k - 1].last + 1 } else { 0 };
            let span = &mut mended[k];
            loop {
                if span.last + 1 < n
                    && capitalised(span.last + 1)
                    && !context.sentence_start[span.last + 1]
                    && !TITLES.contains(&word(span.last + 1))
                {
                    span.last += 1;
                } else if span.last + 2 < n
                    && word(span.last + 1) == "&"
                    && capitalised(span.last + 2)
                {
                    // "Stunt & Co", "Marks & Spencer": a firm's name.
                    span.last += 2;
                    span.kind = EntityType::Organisation;
                } else if span.kind != EntityType::Person
                    && span.last + 2 < n
                    && context.is_possessive(span.last + 1)
                    && !context.possessive_ends_name(span.last + 1)
                    && capitalised(span.last + 2)
                    && ORG_WORDS.contains(&word(run_end(span.last + 2)))
                {
                    // "International Longshoremen's Association".
                    span.last += 2;
                    span.kind = EntityType::Organisation;
                } else {
                    break;
                }
            }
            // The tagger kept only what follows "of" or "for" in an
            // organisation's name ("Institute of Marine Research").
            if of_body(span.first, floor) {
                span.first -= 2;
                span.kind = EntityType::Organisation;
            }
            // The last word says the type ("Midwifery Federation" is no person).
            if ORG_WORDS.contains(&word(span.last)) {
                span.kind = EntityType::Organisation;
            }
            // The tagger kept only the last words of an organisation's name,
            // also across "and" ("Australian Nursing and Midwifery
            // Federation", but not "Egypt and Qatar Airways"), or left out
            // what follows "of" ("Serum Institute of India").
            if span.kind == EntityType::Organisation
                && (span.first..=span.last).any(|i| ORG_WORDS.contains(&word(i)))
            {
                loop {
                    if span.first > floor && opens_body(span.first - 1) {
                        span.first -= 1;
                    } else if of_body(span.first, floor)
                        || (span.first >= floor + 2
                            && matches!(word(span.first - 1), "and" | "&")
                            && opens_body(span.first - 2)
                            && !context.listed(span.first - 2))
                    {
                        span.first -= 2;
                    } else {
                        break;
                    }
                }
                if span.last + 2 < n
                    && context.lower[span.last + 1] == "of"
                    && capitalised(span.last + 2)
                {
                    span.last = context.name_list_end(span.last + 2);
                } else if (span.first..span.last)
                    .any(|i| matches!(context.lower[i].as_str(), "of" | "for"))
                {
                    span.last = context.name_list_end(span.last);
                }
            }
            // "American Civil Liberties Union": the nationality word opens the name.
            if span.first > 0
                && context.hits[span.first - 1].demonym
                && span.kind != EntityType::Person
            {
                span.first -= 1;
                span.kind = EntityType::Organisation;
            }
            let last = word(span.last);
            // "Royal College of Nursing": an organisation's word before "of".
            let body_of = (span.first..span.last)
                .any(|i| ORG_WORDS.contains(&word(i)) && context.lower[i + 1] == "of");
            if ORG_WORDS.contains(&last) || body_of {
                span.kind = EntityType::Organisation;
            } else if LOC_WORDS.contains(&last) || LOC_WORDS.contains(&word(span.first)) {
                span.kind = EntityType::Location;
            }
        }
        mended.dedup_by(|b, a| a.last >= b.first);
        strip_titles(&mut mended);
        // A person's name holds no lower-case word but a particle:
        // "Heather Humphreys of Fine Gael" is a person and an organisation.
        let mut split = Vec::with_capacity(mended.len());
        for span in mended {
            let cut = (span.kind == EntityType::Person)
                .then(|| {
                    (span.first + 1..span.last)
                        .find(|&i| context.shapes[i] == "x" && !is_particle(&context.lower[i]))
                })
                .flatten();
            match cut {
                Some(at) => {
                    split.push(Span { last: at - 1, ..span });
                    // What follows "of" is where the person works or
                    // comes from; what follows "and" another person.
                    let kind = if context.lower[at] != "of" {
                        span.kind
                    } else if context.hits[at + 1].place.is_some() {
                        EntityType::Location
                    } else {
                        EntityType::Organisation
                    };
                    split.push(Span { first: at + 1, kind, ..span });
                }
                None => split.push(span),
            }
        }
        *spans = split;
    }

    /// Capitalised words the tagger and the lists passed over that end
    /// with an organisation's word, or go on from one with "of":
    /// "Norwegian Polar Institute", "Canadian Chamber of Commerce",
    /// "Ministry of Economy, Trade and Industry". Two words at least
    /// ("Police said" is no name); competitions ("League", "Games") are
    /// events, not organisations.
    fn add_named_bodies(&self, context: &Context<'_>, spans: &mut Vec<Span>) {
        let word = |i: usize| context.tokens[i].of(context.text);
        let capitalised = |i: usize| context.starts_with_capital(i);
        let free = |spans: &[Span], i: usize| !spans.iter().any(|s| s.first <= i && i <= s.last);
        let n = context.tokens.len();
        let mut i = 0;
        while i < n {
            let body = ORG_WORDS.contains(&word(i)) && !matches!(word(i), "League" | "Games");
            if !(body && free(spans, i)) {
                i += 1;
                continue;
            }
            let (mut first, mut last) = (i, i);
            let name_word = |k: usize| capitalised(k) && context.may_be_in_name(k);
            // Capitalised words before it, also across "&" ("Stunt & Co").
            loop {
                if first > 0 && free(spans, first - 1) && name_word(first - 1) {
                    first -= 1;
                } else if first > 1
                    && word(first - 1) == "&"
                    && free(spans, first - 2)
                    && name_word(first - 2)
                {
                    first -= 2;
                } else {
                    break;
                }
            }
            if last + 2 < n && context.lower[last + 1] == "of" && name_word(last + 2) {
                last = context.name_list_end(last + 2);
            }
            if last > first && (first..=last).all(|k| free(spans, k)) {
                spans.push(Span { first, last, kind: EntityType::Organisation, confidence: 0.6 });
            }
            i = last + 1;
        }
    }

    fn context<'a>(&self, text: &'a str) -> Context<'a> {
        let tokens = tokenize(text);
        let words: Vec<&str> = tokens.iter().map(|t| t.of(text)).collect();
        let found = self.gazetteer.find(text, &tokens);
        let hits = found.hits(tokens.len());
        let sentence_start = (0..words.len())
            .map(|i| {
                i == 0
                    || matches!(words[i - 1], "." | "!" | "?" | ":" | "\"" | "\u{201c}")
                    || (NAME_SUFFIXES.contains(&words[i - 1])
                        && words[i].starts_with(char::is_uppercase))
            })
            .collect();
        Context {
            text,
            given: words.iter().map(|w| self.gazetteer.given_names.contains(w)).collect(),
            lower: words.iter().map(|w| w.to_lowercase()).collect(),
            shapes: words.iter().map(|w| shape(w)).collect(),
            tokens,
            hits,
            found,
            sentence_start,
        }
    }

    /// Greedy left to right; an `I-` tag only continues its own type.
    fn decode(&self, context: &Context<'_>) -> (Vec<usize>, Vec<f32>) {
        let mut tags = Vec::with_capacity(context.tokens.len());
        let mut confidences = Vec::with_capacity(context.tokens.len());
        let mut features = Vec::with_capacity(32);
        for i in 0..context.tokens.len() {
            let (prev, prev2) = previous_tags(&tags, i);
            features.clear();
            token_features(context, i, prev, prev2, &mut features);
            let scores = self.model.scores(&features);
            let (best, margin) = best_allowed(&scores, prev);
            tags.push(best);
            confidences.push(1.0 / (1.0 + (-margin).exp()));
        }
        (tags, confidences)
    }

    /// Train a model on `examples` for `epochs` passes (in a fixed order
    /// reshuffled each pass by `seed`); weights below `min_weight` dropped.
    pub fn train(&self, examples: &[Example], epochs: usize, seed: u64, min_weight: f32) -> Model {
        let prepared: Vec<(Context<'_>, Vec<usize>)> = examples
            .iter()
            .map(|example| {
                let context = self.context(&example.text);
                let gold = gold_tags(&context.tokens, &example.spans);
                (context, gold)
            })
            .collect();
        let mut trainer = Trainer::default();
        let mut order: Vec<usize> = (0..prepared.len()).collect();
        let mut state = seed | 1;
        let mut features = Vec::with_capacity(32);
        for _ in 0..epochs {
            // Fisher-Yates with xorshift: the same seed, the same model.
            for i in (1..order.len()).rev() {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                order.swap(i, (state % (i as u64 + 1)) as usize);
            }
            for &index in &order {
                let (context, gold) = &prepared[index];
                let mut guessed = Vec::with_capacity(gold.len());
                for (i, &truth) in gold.iter().enumerate() {
                    let (prev, prev2) = previous_tags(&guessed, i);
                    features.clear();
                    token_features(context, i, prev, prev2, &mut features);
                    let (guess, _) = best_allowed(&trainer.scores(&features), prev);
                    trainer.update(&features, truth, guess);
                    guessed.push(guess);
                }
            }
        }
        trainer.average(min_weight)
    }

    /// Short forms to full names, over a document's parts (`tagged[i]` is
    /// what `parts[i]` names).
    fn resolve_names(&self, parts: &[&str], tagged: &mut [Tagged]) {
        // Listed organisation aliases: "AP" -> "Associated Press".
        let aliases = &self.gazetteer.organisation_by_alias;
        // "Popular Mobilization Forces (PMF)": the acronym names the full mention.
        let mut acronyms: HashMap<String, String> = HashMap::new();
        for (text, part) in parts.iter().zip(tagged.iter()) {
            for mention in &part.mentions {
                let after = text[mention.end..].trim_start();
                if let Some(inner) = after.strip_prefix('(').and_then(|rest| rest.split_once(')')) {
                    let acronym = inner.0.trim();
                    if acronym.len() >= 2 && acronym.chars().all(|c| c.is_uppercase() || c == '.') {
                        acronyms.insert(acronym.to_owned(), mention.text.clone());
                    }
                }
            }
        }
        // People named in full: (name, lower-cased).
        let people: Vec<(String, String)> = tagged
            .iter()
            .flat_map(|part| &part.mentions)
            .filter(|m| m.kind == EntityType::Person && m.text.contains(' '))
            .map(|m| (m.text.clone(), m.text.to_lowercase()))
            .collect();
        for mention in tagged.iter_mut().flat_map(|part| &mut part.mentions) {
            if let Some(full) = acronyms.get(&mention.text) {
                mention.canonical = full.clone();
                continue;
            }
            if mention.kind == EntityType::Organisation
                && let Some(canonical) = aliases.get(mention.text.as_str())
            {
                mention.canonical = canonical.clone();
                continue;
            }
            // "al-Yasseri", "Al-Yasseri" or "Yasseri" after "Yassine
            // al-Yasseri"; a lone surname is a person even where the tagger
            // said otherwise.
            if mention.text.contains(' ') {
                continue;
            }
            let short = mention.text.to_lowercase();
            let after_space = format!(" {short}");
            let surname_of = |(full, full_lower): &&(String, String)| {
                full.len() > mention.text.len()
                    && (full_lower.ends_with(&after_space)
                        || full_lower
                            .rsplit(' ')
                            .next()
                            .is_some_and(|last| last.rsplit('-').next() == Some(short.as_str())))
            };
            if let Some((full, _)) = people.iter().find(surname_of) {
                mention.kind = EntityType::Person;
                mention.canonical = full.clone();
            }
        }
    }

    /// GeoNames places for locations: each candidate scored by
    /// ln(population), its kind (country or continent, capital, city,
    /// region), and support from the rest of the text: other mentions and
    /// nationality words in its country, a named region around it.
    fn resolve_places(
        &self,
        mentions: &mut [Mention],
        demonyms: &[Demonym],
        region_named: &[bool],
    ) {
        let gazetteer = &self.gazetteer;
        let candidates: Vec<&[u32]> = mentions
            .iter()
            .map(|m| match (m.kind, gazetteer.place_by_name.get(m.text.as_str())) {
                (EntityType::Location, Some(&i)) => gazetteer.place_names[i].1.as_slice(),
                _ => &[],
            })
            .collect();
        let record = |i: u32| &self.gazetteer.places[i as usize];
        // What each mention says about the text's countries and regions:
        // a country name its country; a name with one meaning its country
        // and, for a region, the region.
        let mut countries: Vec<(Option<&str>, &str)> =
            demonyms.iter().map(|d| (None, d.country_code.as_str())).collect();
        let mut regions: Vec<(&str, &str, &str)> = Vec::new();
        for (mention, ids) in mentions.iter().zip(&candidates) {
            for &id in ids.iter() {
                let r = record(id);
                if r.feature_code == "PCLI" || ids.len() == 1 {
                    countries.push((Some(mention.text.as_str()), r.country_code));
                }
                if r.feature_code == "ADM1" && ids.len() == 1 {
                    regions.push((mention.text.as_str(), r.country_code, r.admin1));
                }
            }
        }
        // Every city each mention may mean: (mention, country, region).
        let cities: Vec<(&str, &str, &str)> = mentions
            .iter()
            .zip(&candidates)
            .flat_map(|(mention, ids)| {
                ids.iter()
                    .map(|&id| record(id))
                    .filter(|r| r.feature_class == "P")
                    .map(|r| (mention.text.as_str(), r.country_code, r.admin1))
            })
            .collect();
        let score = |text: &str, region: bool, r: &PlaceRecord| {
            let kind = match r.feature_code {
                "PCLI" | "CONT" => 6.0,
                "PPLC" => 5.0,
                // "Kayes region", "Kassala and Gedaref states".
                "ADM1" if region => 12.0,
                "ADM1" => 1.0,
                _ => 2.5,
            };
            let cc = r.country_code;
            let support =
                countries.iter().filter(|(from, c)| *c == cc && *from != Some(text)).count();
            let in_region = r.feature_code != "ADM1"
                && regions.iter().any(|(from, c, a)| *from != text && *c == cc && *a == r.admin1);
            // A country or region that may hold a city named elsewhere in
            // the text: "Savannah, Georgia" is in the state, not the country
            // (but "Hualien, Taiwan" is the country, which holds it too).
            let holds_city = cities.iter().any(|(from, c, a)| {
                *from != text
                    && *c == cc
                    && match r.feature_code {
                        "ADM1" => *a == r.admin1,
                        code => code == "PCLI",
                    }
            });
            (r.population as f64 + 1.0).ln()
                + kind
                + 4.0 * support.min(2) as f64
                + if in_region || holds_city { 6.0 } else { 0.0 }
        };
        let resolved: Vec<Option<lede_core::Place>> = mentions
            .iter()
            .zip(&candidates)
            .zip(region_named)
            .map(|((mention, ids), &region)| {
                ids.iter()
                    .map(|&i| record(i))
                    .max_by(|a, b| {
                        score(&mention.text, region, a)
                            .total_cmp(&score(&mention.text, region, b))
                            .then(b.geonames_id.cmp(&a.geonames_id))
                    })
                    .map(|r| r.place())
            })
            .collect();
        for (mention, place) in mentions.iter_mut().zip(resolved) {
            if let Some(place) = &place {
                mention.canonical = place.name.clone();
            }
            mention.place = place;
        }
    }
}

/// Lower-case words after a place's name that make it a region.
const REGION_WORDS: &[&str] = &[
    "region",
    "regions",
    "state",
    "states",
    "province",
    "provinces",
    "governorate",
    "prefecture",
    "county",
    "department",
    "district",
    "oblast",
];

/// Does the text after a place's name say it is a region: "... region",
/// also after other names joined to it ("Kassala and Gedaref states")?
fn names_a_region(after: &str) -> bool {
    after
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|word| !word.is_empty())
        .take(6)
        .find(|word| !matches!(*word, "and" | "or") && !word.starts_with(char::is_uppercase))
        .is_some_and(|word| REGION_WORDS.contains(&word.trim_end_matches(['.', ';', ':'])))
}

/// Words that open sentences, not names.
const FUNCTION_WORDS: &[&str] = &[
    "from", "in", "on", "at", "for", "after", "before", "but", "and", "with", "by", "since",
    "until", "during", "as", "if", "when", "while", "this", "that", "these", "those", "there",
    "here", "it", "its", "we", "they", "he", "she", "you", "our", "their", "his", "her",
];

/// Words that name a storm (an event, not a person) by the name after them.
const STORM_WORDS: &[&str] = &["Hurricane", "Typhoon", "Cyclone", "Storm", "Tropical"];

/// Last words of organisations' names.
const ORG_WORDS: &[&str] = &[
    "Agency",
    "Analytics",
    "Army",
    "Association",
    "Authority",
    "Bank",
    "Board",
    "Academy",
    "Bureau",
    "Chamber",
    "Clinic",
    "Club",
    "College",
    "Hospital",
    "Museum",
    "Power",
    "School",
    "Energy",
    "Industries",
    "Insurance",
    "Investments",
    "Logistics",
    "Media",
    "Mining",
    "Partners",
    "Petroleum",
    "Pharmaceuticals",
    "Railway",
    "Railways",
    "Resources",
    "Securities",
    "Shipping",
    "Therapeutics",
    "Command",
    "Commission",
    "Committee",
    "Company",
    "Congress",
    "Co.",
    "Corp",
    "Corp.",
    "Corporation",
    "Council",
    "Court",
    "Department",
    "Forces",
    "Foundation",
    "Fund",
    "Games",
    "Group",
    "Guard",
    "Inc",
    "Inc.",
    "Institute",
    "Laboratory",
    "League",
    "Ltd",
    "Ltd.",
    "Ministry",
    "Movement",
    "Navy",
    "Office",
    "Organisation",
    "Organization",
    "Parliament",
    "Party",
    "Police",
    "Service",
    "Services",
    "Society",
    "Union",
    "University",
    "Assembly",
    "Federation",
    "Alliance",
    "Air",
    "Center",
    "Centre",
    "Management",
    "Orchestra",
    "Partnership",
    "Philharmonic",
    "Unit",
    "Capital",
    "Co",
    "Minerals",
    "Centers",
    "Centres",
    "Coalition",
    "Programme",
    "Trust",
    "Ventures",
    "Watch",
    "Brigades",
    "Front",
    "Airlines",
    "Airways",
    "Holdings",
    "Motors",
    "Systems",
    "Technologies",
    "Labs",
];

/// First or last words of places' names.
const LOC_WORDS: &[&str] = &[
    "Arena",
    "Hall",
    "Delta",
    "Bridge",
    "Stadium",
    "County",
    "Province",
    "Square",
    "Basin",
    "River",
    "Sea",
    "Ocean",
    "Mountains",
    "Valley",
    "Island",
    "Islands",
    "Bay",
    "Gulf",
    "Strait",
    "Coast",
    "Desert",
    "Lake",
    "Cape",
    "Peninsula",
    "District",
    "Region",
    "Highway",
    "Canal",
    "Plateau",
    "Mount",
];

/// Lower-case words that belong inside names.
fn is_particle(word: &str) -> bool {
    matches!(
        word,
        "al" | "bin"
            | "bint"
            | "ibn"
            | "de"
            | "da"
            | "do"
            | "dos"
            | "das"
            | "des"
            | "di"
            | "du"
            | "van"
            | "von"
            | "der"
            | "den"
            | "ten"
            | "ter"
            | "del"
            | "la"
            | "le"
    ) || word.starts_with("al-")
        || word.starts_with("el-")
}

/// A tagged run of tokens.
#[derive(Debug, Clone, Copy)]
struct Span {
    first: usize,
    last: usize,
    kind: EntityType,
    confidence: f32,
}

fn kind_of(tag: usize) -> Option<EntityType> {
    match tag {
        1 | 2 => Some(EntityType::Person),
        3 | 4 => Some(EntityType::Organisation),
        5 | 6 => Some(EntityType::Location),
        _ => None,
    }
}

fn is_inside(tag: usize) -> bool {
    matches!(tag, 2 | 4 | 6)
}

/// BIO tags to spans; confidence is the mean over the span's tokens.
fn spans_of(tags: &[usize], confidences: &[f32]) -> Vec<Span> {
    let mut spans: Vec<Span> = Vec::new();
    for (i, &tag) in tags.iter().enumerate() {
        let Some(kind) = kind_of(tag) else { continue };
        match spans.last_mut() {
            Some(span) if is_inside(tag) && span.last + 1 == i && span.kind == kind => {
                span.last = i;
                span.confidence += confidences[i];
            }
            _ => spans.push(Span { first: i, last: i, kind, confidence: confidences[i] }),
        }
    }
    for span in &mut spans {
        span.confidence /= (span.last - span.first + 1) as f32;
    }
    spans
}

/// The gold BIO tag of every token: a token inside a span is tagged with it.
fn gold_tags(tokens: &[Token], spans: &[(usize, usize, EntityType)]) -> Vec<usize> {
    let mut tags = vec![0; tokens.len()];
    for &(start, end, kind) in spans {
        let base = match kind {
            EntityType::Person => 1,
            EntityType::Organisation => 3,
            EntityType::Location => 5,
        };
        let mut first = true;
        for (i, token) in tokens.iter().enumerate() {
            if token.start >= start && token.end <= end {
                tags[i] = if first { base } else { base + 1 };
                first = false;
            }
        }
    }
    tags
}

/// The tags of the two tokens before `i` (`N_TAGS` stands for "none").
fn previous_tags(tags: &[usize], i: usize) -> (usize, usize) {
    let prev = if i >= 1 { tags[i - 1] } else { N_TAGS };
    let prev2 = if i >= 2 { tags[i - 2] } else { N_TAGS };
    (prev, prev2)
}

/// The best tag that may follow `prev`, and its margin over the runner-up.
fn best_allowed(scores: &[f32; N_TAGS], prev: usize) -> (usize, f32) {
    let allowed = |tag: usize| !is_inside(tag) || (prev < N_TAGS && kind_of(prev) == kind_of(tag));
    let mut best = (0, f32::MIN);
    let mut second = f32::MIN;
    for (tag, &score) in scores.iter().enumerate().filter(|(tag, _)| allowed(*tag)) {
        if score > best.1 {
            second = best.1;
            best = (tag, score);
        } else if score > second {
            second = score;
        }
    }
    (best.0, if second == f32::MIN { 10.0 } else { best.1 - second })
}

fn feature(id: u64, value: &[u8]) -> u64 {
    xxh3_64_with_seed(value, id)
}

/// A feature of two values, hashed without joining them.
fn pair(id: u64, first: &[u8], second: &[u8]) -> u64 {
    xxh3_64_with_seed(second, feature(id, first))
}

/// The features of token `i`; `prev` and `prev2` are the tags before it.
fn token_features(context: &Context<'_>, i: usize, prev: usize, prev2: usize, out: &mut Vec<u64>) {
    let n = context.tokens.len();
    let word = |offset: isize| -> &str {
        let j = i as isize + offset;
        if j < 0 || j as usize >= n { "<none>" } else { &context.lower[j as usize] }
    };
    let shape_at = |offset: isize| -> &str {
        let j = i as isize + offset;
        if j < 0 || j as usize >= n { "<none>" } else { context.shapes[j as usize] }
    };
    let raw = context.tokens[i].of(context.text);
    let lower = word(0);
    let hits = |offset: isize| -> u8 {
        let j = i as isize + offset;
        if j < 0 || j as usize >= n {
            return 0;
        }
        let h = context.hits[j as usize];
        let place = match h.place {
            Some(true) => 1,
            Some(false) => 2,
            None => 0,
        };
        let organisation = match h.organisation {
            Some(true) => 4,
            Some(false) => 8,
            None => 0,
        };
        place | organisation | if h.demonym { 16 } else { 0 }
    };
    let previous_word = if i > 0 { context.tokens[i - 1].of(context.text) } else { "<none>" };
    let (p, p2) = (prev as u8, prev2 as u8);
    let shape0 = shape_at(0).as_bytes();
    let suffix = &lower[lower.char_indices().rev().nth(2).map_or(0, |(at, _)| at)..];
    let prefix = &lower[..lower.char_indices().nth(3).map_or(lower.len(), |(at, _)| at)];
    let sentence_start = u8::from(context.sentence_start[i]);
    out.extend([
        feature(1, b""),
        feature(2, lower.as_bytes()),
        feature(3, word(-1).as_bytes()),
        feature(4, word(1).as_bytes()),
        feature(5, word(-2).as_bytes()),
        feature(6, word(2).as_bytes()),
        feature(7, shape0),
        pair(8, shape_at(-1).as_bytes(), shape0),
        pair(9, shape0, shape_at(1).as_bytes()),
        feature(10, suffix.as_bytes()),
        feature(11, prefix.as_bytes()),
        feature(12, &[p]),
        feature(13, &[p2, p]),
        pair(14, &[p], shape0),
        pair(15, &[sentence_start], shape0),
        feature(16, &[hits(0)]),
        feature(17, &[hits(-1), hits(0), hits(1)]),
        feature(18, &[u8::from(TITLES.contains(&previous_word))]),
        feature(19, raw.as_bytes()),
        pair(20, &[p], lower.as_bytes()),
        pair(21, lower.as_bytes(), word(1).as_bytes()),
        pair(22, word(-1).as_bytes(), lower.as_bytes()),
        feature(
            23,
            &[
                hits(0),
                shape0.first().copied().unwrap_or(b'.'),
                u8::from(context.sentence_start[i]),
            ],
        ),
    ]);
    debug_assert_eq!(TAGS.len(), N_TAGS);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trained_on_a_few_sentences() -> Tagger {
        let tagger = Tagger::with_model(Model::default());
        let mut examples = Vec::new();
        for (name, org, place) in [
            ("Yassine al-Yasseri", "Kataeb Hezbollah", "Baghdad"),
            ("Maria Santos", "Acme Corp", "Lisbon"),
            ("John Okafor", "Delta Group", "Lagos"),
        ] {
            let text = format!("{name} of {org} spoke in {place} on Monday.");
            let at = |part: &str| text.find(part).unwrap_or_default();
            let spans = vec![
                (at(name), at(name) + name.len(), EntityType::Person),
                (at(org), at(org) + org.len(), EntityType::Organisation),
                (at(place), at(place) + place.len(), EntityType::Location),
            ];
            examples.push(Example { text, spans });
        }
        let model = tagger.train(&examples, 10, 7, 0.0);
        Tagger::with_model(model)
    }

    #[test]
    fn other_languages_keep_only_listed_names() {
        let tagger = trained_on_a_few_sentences();
        let text = "Maria Santos of Acme Corp spoke in Lisbon with NATO on Monday.";
        let names = |language| -> Vec<String> {
            tagger.tag_in(text, language).mentions.into_iter().map(|m| m.canonical).collect()
        };
        assert!(names(Some("en")).contains(&"Maria Santos".to_owned()));
        assert_eq!(names(Some("pt")), ["Lisbon", "NATO"], "places and listed organisations only");
        assert_eq!(names(None), names(Some("en")), "unknown language: read as English");
    }

    /// Issue 5: what the shipped tagger's rules name in a sentence. One
    /// row per case: (text, the mentions as "TYPE text", in text order).
    const NAMED_IN_CONTEXT: &[(&str, &[&str])] = &[
        // A person's name runs on over the particles of a surname.
        ("The club sacked manager Erik ten Hag on Monday.", &["PER Erik ten Hag"]),
        ("Assistant coach Ruud van Nistelrooy will take charge.", &["PER Ruud van Nistelrooy"]),
        ("The minister, Ursula von der Leyen, said so.", &["PER Ursula von der Leyen"]),
        // The last word types the span before the span grows back.
        (
            "The Australian Nursing and Midwifery Federation said wards were short of staff.",
            &["ORG Australian Nursing and Midwifery Federation"],
        ),
        (
            "The American Civil Liberties Union said the law violated the constitution.",
            &["ORG American Civil Liberties Union"],
        ),
        // No punctuation at a name's edge.
        ("Northvolt, the Swedish battery maker, filed for bankruptcy.", &["ORG Northvolt"]),
        // A title's or rank's dot is the title's, not a sentence's end: the
        // name after it is a person's, the title stays out (session 9:
        // "Mrs. Edith Brannigan" named an organisation and three dots).
        ("Mrs. Edith Brannigan won her appeal.", &["PER Edith Brannigan"]),
        ("Lt. Col. Anna Kowalczyk led the troops.", &["PER Anna Kowalczyk"]),
        ("The study, said Prof Liam Walsh, was small.", &["PER Liam Walsh"]),
        // "St." and "Mt." open place names; "Corp." closes a company's and
        // may close its sentence.
        ("A church in St. Louis burned.", &["LOC St. Louis"]),
        ("Shares in Vantor Corp. rose. Analysts were surprised.", &["ORG Vantor Corp."]),
        // What follows "of" or "for" an organisation's word, lists included.
        (
            "Scientists at the Institute of Marine Research said stocks fell.",
            &["ORG Institute of Marine Research"],
        ),
        (
            "The Norwegian Ministry of Trade, Industry and Fisheries said quotas would fall.",
            &["ORG Norwegian Ministry of Trade, Industry and Fisheries"],
        ),
        (
            "The Africa Centres for Disease Control and Prevention declared an emergency.",
            &["ORG Africa Centres for Disease Control and Prevention"],
        ),
        (
            "The Coalition for Epidemic Preparedness Innovations will pay for the plant.",
            &["ORG Coalition for Epidemic Preparedness Innovations"],
        ),
        // A listed name ends the list after "of".
        (
            "The Bank of England and Barclays declined to comment.",
            &["ORG Bank of England", "ORG Barclays"],
        ),
        // A country inside a "name" with no given name: an organisation.
        ("Officials from Parks Canada said the fire spread.", &["ORG Parks Canada"]),
        // Two names joined by "&" are a firm.
        (
            "Barclays opened an account for Stunt & Co without checks.",
            &["ORG Barclays", "ORG Stunt & Co"],
        ),
        // Initials start a person's name and stay in it.
        ("C.C. Wei, the chief executive, said demand recovered.", &["PER C.C. Wei"]),
        ("Robert F. Kennedy Jr., the health secretary, spoke.", &["PER Robert F. Kennedy Jr."]),
        // A possessive ends a name.
        (
            "NASA's Jet Propulsion Laboratory lost contact with the probe.",
            &["ORG NASA", "ORG Jet Propulsion Laboratory"],
        ),
        // "of" or "for" after a span grown back across "and".
        (
            "The Association of Mineworkers and Construction Union said talks would resume.",
            &["ORG Association of Mineworkers and Construction Union"],
        ),
        // Titles leave a name however it was typed; a person's name holds
        // no lower-case word but a particle, and no number.
        (
            "King Charles and Queen Camilla arrived in Italy.",
            &["PER Charles", "PER Camilla", "LOC Italy"],
        ),
        ("She beat Heather Humphreys of Fine Gael.", &["PER Heather Humphreys", "ORG Fine Gael"]),
        ("She beat Amanda Anisimova 6-3 in the final.", &["PER Amanda Anisimova"]),
        // A possessive after a listed name or an acronym ends a name; after
        // another word it is part of it.
        (
            "The International Longshoremen's Association called a strike.",
            &["ORG International Longshoremen's Association"],
        ),
        // Storms are events.
        ("Hurricane Helene made landfall in Florida.", &["LOC Florida"]),
    ];

    #[test]
    fn a_document_longer_than_the_tagger_reads_is_tagged_from_its_beginning() {
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        let filler = "and the talks went on. ".repeat(MAX_TAGGED_BYTES / 23 + 1);
        let paragraphs = [
            "Anna Lindqvist spoke in Paris on Monday.".to_owned(),
            format!("{filler}Maria Santos spoke in Lisbon."),
            "Peter Haddad spoke in Berlin.".to_owned(),
        ];
        let tags = tagger.tags("Talks", &paragraphs, Some("en"));
        let names: Vec<&str> = tags.entities.iter().map(|e| e.name.as_str()).collect();
        assert!(names.contains(&"Anna Lindqvist") && names.contains(&"Paris"), "{names:?}");
        for past in ["Maria Santos", "Lisbon", "Peter Haddad", "Berlin"] {
            assert!(!names.contains(&past), "{past} is past the limit: {names:?}");
        }
    }

    #[test]
    fn parts_are_cut_at_a_word_end_within_the_limit() {
        let long = "é ".repeat(MAX_TAGGED_BYTES); // 3 bytes per "é "
        let cut = within_tagged_bytes(&["title", &long, "after"]);
        assert_eq!(cut[0], "title");
        assert!(cut[1].len() <= MAX_TAGGED_BYTES - "title".len());
        assert!(cut[1].ends_with('é'), "{:?}", &cut[1][cut[1].len() - 4..]);
        assert_eq!(cut[2], "");
        // Within the limit, parts are read whole.
        assert_eq!(within_tagged_bytes(&["a b", "c"]), ["a b", "c"]);
    }

    /// A place's name followed by "region", "state" or the like is the
    /// region, also across names joined to it.
    #[test]
    fn issue_5_region_words_pick_the_region() {
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            ("Miners died in Kayes region, Mali.", "Kayes", "ADM1"),
            ("Miners died in Kayes, Mali.", "Kayes", "PPL"),
            ("Cases rose in Kassala and Gedaref states of Sudan.", "Kassala", "ADM1"),
        ];
        for (text, name, code) in cases {
            let tagged = tagger.tag(text);
            let place =
                tagged.mentions.iter().find(|m| m.text == name).and_then(|m| m.place.as_ref());
            assert_eq!(place.map(|p| p.feature_code.as_str()), Some(code), "{text}");
        }
    }

    #[test]
    fn issue_5_names_in_context() {
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        for (text, expected) in NAMED_IN_CONTEXT {
            let named: Vec<String> = tagger
                .tag(text)
                .mentions
                .into_iter()
                .map(|m| format!("{} {}", m.kind.as_str(), m.text))
                .collect();
            assert_eq!(named, *expected, "{text:?}");
        }
    }

    /// An article's short forms and places resolve across its paragraphs,
    /// not only within one: the daemon tags title and paragraphs together.
    #[test]
    fn an_articles_paragraphs_resolve_together() {
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        let paragraphs = [
            "Yassine al-Yasseri, a commander of Kataeb Hezbollah, spoke in Baghdad on Monday."
                .to_owned(),
            "Police in Paris, Texas, said the town was calm.".to_owned(),
            "Al-Yasseri told reporters that Paris had not been affected.".to_owned(),
        ];
        let tags = tagger.tags("A commander speaks", &paragraphs, Some("en"));
        let people: Vec<&str> = tags
            .entities
            .iter()
            .filter(|e| e.kind == EntityType::Person)
            .map(|e| e.name.as_str())
            .collect();
        assert_eq!(people, ["Yassine al-Yasseri"], "{tags:?}");
        // Each mention of Paris is the one in Texas.
        let parts: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        let paris: Vec<Option<u32>> = tagger
            .tag_parts(&parts)
            .iter()
            .flat_map(|tagged| &tagged.mentions)
            .filter(|m| m.text == "Paris")
            .map(|m| m.place.as_ref().map(|p| p.geonames_id))
            .collect();
        assert_eq!(paris, [Some(4717560), Some(4717560)]);
    }

    #[test]
    fn tags_resolves_and_separates_demonyms() {
        let tagger = trained_on_a_few_sentences();
        let text = "Yassine al-Yasseri of Kataeb Hezbollah spoke in Baghdad on Monday. \
                    Iraqi officials said al-Yasseri told the AP that Paris, Texas, was calm.";
        let tagged = tagger.tag(text);
        let found: Vec<(&str, &str, &str)> = tagged
            .mentions
            .iter()
            .map(|m| (&text[m.start..m.end], m.kind.as_str(), m.canonical.as_str()))
            .collect();
        assert!(found.contains(&("Yassine al-Yasseri", "PER", "Yassine al-Yasseri")), "{found:?}");
        assert!(found.contains(&("al-Yasseri", "PER", "Yassine al-Yasseri")), "{found:?}");
        assert!(found.contains(&("AP", "ORG", "Associated Press")), "{found:?}");
        assert!(found.contains(&("Baghdad", "LOC", "Baghdad")), "{found:?}");
        let paris =
            tagged.mentions.iter().find(|m| m.text == "Paris").and_then(|m| m.place.clone());
        assert_eq!(
            paris.map(|p| (p.country_code, p.geonames_id)),
            Some(("US".to_owned(), 4717560))
        );
        assert_eq!(
            tagged.demonyms.iter().map(|d| d.country_code.as_str()).collect::<Vec<_>>(),
            ["IQ"]
        );
        assert!(tagged.mentions.iter().all(|m| m.text != "Iraqi"));
        for mention in &tagged.mentions {
            assert_eq!(&text[mention.start..mention.end], mention.text);
        }
    }
}
