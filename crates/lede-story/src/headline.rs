//! What a headline says: who or what it names, what happened to them, and
//! whether it reports an outcome. An outlet's follow-up in its own words
//! (a missing hiker found alive, a trial's verdict, a line reopened) keeps
//! its story's subject in the headline, reports an outcome and shares the
//! story's words, while the same outlet's next event names a new subject,
//! reports an onset, or shares less ("Brayford council website hit by
//! cyberattack" after "Cyberattack forces Brayford hospital to divert
//! ambulances").
//!
//! Names are capitalized words of 3+ characters inside a sentence-case
//! headline (its first word too if the texts name it); in a Title Case
//! headline only words the texts name. Event words are the headline's
//! other content words, stemmed (Snowball English), without outcome words.

use std::sync::LazyLock;

use lede_core::entity::CALENDAR_WORDS;
use rust_stemmers::{Algorithm, Stemmer};

use crate::text::{proper_names, scan_words, word_hash};

/// Words that report an outcome or a later stage of a developing event:
/// the found, the freed, the reopened or repaired, the verdict or the
/// fine, the decision, the cause. A new event is reported by its onset
/// ("breaks out", "hits", "missing", "charged"); a departure ("resigns",
/// "to step down") is left out, for a chief executive leaving after the
/// company's results is another story.
///
/// Matched as written (lower case), not stemmed. Sorted.
const OUTCOME_WORDS: &[&str] = &[
    "accepted",
    "acquitted",
    "agreed",
    "alive",
    "approved",
    "approves",
    "arrested",
    "back",
    "blame",
    "blamed",
    "blames",
    "cancelled",
    "caught",
    "cause",
    "caused",
    "cleared",
    "confirmed",
    "confirms",
    "contained",
    "controlled",
    "convicted",
    "died",
    "dies",
    "dismissed",
    "eased",
    "elected",
    "ended",
    "ends",
    "extinguished",
    "fined",
    "fixed",
    "fixes",
    "found",
    "freed",
    "guilty",
    "inquiry",
    "investigation",
    "jailed",
    "lifted",
    "located",
    "overturned",
    "passed",
    "passes",
    "recaptured",
    "recovered",
    "recovers",
    "refloated",
    "rejected",
    "rejects",
    "released",
    "reopen",
    "reopened",
    "reopens",
    "repaired",
    "rescued",
    "restored",
    "resumed",
    "resumes",
    "return",
    "returned",
    "returns",
    "safe",
    "scrapped",
    "sentenced",
    "settled",
    "survived",
    "survives",
    "traced",
    "upheld",
    "verdict",
    "wins",
    "won",
];

/// Function words and words of time that say nothing of the event (and,
/// through [`is_stop_word`], the months and weekdays). Sorted.
const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "after",
    "afternoon",
    "again",
    "against",
    "all",
    "also",
    "among",
    "an",
    "and",
    "another",
    "any",
    "are",
    "around",
    "as",
    "at",
    "be",
    "been",
    "before",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "day",
    "days",
    "did",
    "do",
    "does",
    "down",
    "during",
    "each",
    "early",
    "eight",
    "evening",
    "every",
    "few",
    "first",
    "five",
    "for",
    "four",
    "from",
    "had",
    "has",
    "have",
    "he",
    "her",
    "here",
    "hers",
    "him",
    "his",
    "how",
    "if",
    "in",
    "into",
    "is",
    "its",
    "just",
    "last",
    "late",
    "may",
    "me",
    "might",
    "million",
    "more",
    "morning",
    "most",
    "must",
    "my",
    "new",
    "next",
    "night",
    "nine",
    "no",
    "nor",
    "not",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "onto",
    "or",
    "other",
    "others",
    "our",
    "out",
    "over",
    "own",
    "per",
    "percent",
    "said",
    "same",
    "say",
    "says",
    "second",
    "seven",
    "shall",
    "she",
    "should",
    "since",
    "six",
    "so",
    "some",
    "such",
    "tell",
    "ten",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "three",
    "through",
    "to",
    "told",
    "too",
    "two",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "we",
    "week",
    "weeks",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "year",
    "years",
    "you",
    "your",
];

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.binary_search(&lower).is_ok() || CALENDAR_WORDS.contains(&lower)
}

fn is_outcome(lower: &str) -> bool {
    OUTCOME_WORDS.binary_search(&lower).is_ok()
}

fn stem(lower: &str) -> String {
    STEMMER.stem(lower).into_owned()
}

/// A follow-up's evidence, names shared and event words shared, adds up
/// to at least this: one name and one word is what an outlet's next event
/// in the same place shares too.
const MIN_EVIDENCE: usize = 3;

/// A headline's words, as [`Headline::read`] finds them.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Headline {
    /// [`word_hash`]es of the names, sorted.
    pub(crate) names: Vec<u64>,
    /// Stems of the event words, sorted.
    pub(crate) event: Vec<String>,
    /// It has an outcome word.
    pub(crate) outcome: bool,
}

/// The words of a headline, with their case.
pub(crate) fn words(title: &str) -> impl Iterator<Item = &str> {
    title.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty())
}

fn capitalized(word: &str) -> bool {
    word.starts_with(char::is_uppercase) && word.chars().count() >= 3
}

/// Most of the headline's longer words are capitalized ("Fire Breaks Out
/// At Olvan Paint Factory"): its capitals do not mark names.
fn title_case(title: &str) -> bool {
    let long: Vec<&str> = words(title).filter(|word| word.chars().count() >= 4).collect();
    long.len() >= 2 && 2 * long.iter().filter(|word| capitalized(word)).count() > long.len()
}

/// Hashes of the capitalized words inside a sentence-case headline (none
/// for Title Case): names, as the headline writes them.
fn names_inside(title: &str) -> Vec<u64> {
    if title_case(title) {
        return Vec::new();
    }
    let mut names: Vec<u64> = (words(title).skip(1))
        .filter(|word| capitalized(word))
        .map(|word| word_hash(word.to_lowercase().as_bytes()))
        .collect();
    names.sort_unstable();
    names
}

/// The names a text gives (its [`proper_names`] and its headline's
/// [`names_inside`]), sorted: what makes a headline's first word, or a
/// Title Case headline's words, names.
pub(crate) fn known_names(title: &str, paragraphs: &[String]) -> Vec<u64> {
    let mut names = names_inside(title);
    for paragraph in paragraphs {
        names.extend(proper_names(paragraph));
    }
    names.sort_unstable();
    names.dedup();
    names
}

/// Whether `title` has an outcome word: what [`follows_up`] needs first,
/// and cheap to tell (no stemming, no names).
pub(crate) fn reports_outcome(title: &str) -> bool {
    words(title).any(|word| is_outcome(&word.to_lowercase()))
}

/// Hashes of every word of `title` that may be a name (capitalized, or
/// any word of a Title Case headline): what a story is indexed by, and
/// what a follow-up looks it up by. A superset of [`Headline::names`].
pub(crate) fn name_candidates(title: &str) -> Vec<u64> {
    let mut names: Vec<u64> = words(title)
        .filter(|word| capitalized(word) && !is_stop_word(&word.to_lowercase()))
        .map(|word| word_hash(word.to_lowercase().as_bytes()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

impl Headline {
    /// Read `title`, with the names the texts give, `known` (sorted).
    pub(crate) fn read(title: &str, known: &[u64]) -> Self {
        let title_case = title_case(title);
        let mut headline = Headline::default();
        for (index, word) in words(title).enumerate() {
            let lower = word.to_lowercase();
            if is_stop_word(&lower) || lower.chars().count() < 3 {
                continue;
            }
            let hash = word_hash(lower.as_bytes());
            let name = capitalized(word)
                && if title_case || index == 0 { known.binary_search(&hash).is_ok() } else { true };
            if name {
                headline.names.push(hash);
                continue;
            }
            if is_outcome(&lower) {
                headline.outcome = true;
            } else {
                headline.event.push(stem(&lower));
            }
        }
        headline.names.sort_unstable();
        headline.names.dedup();
        headline.event.sort_unstable();
        headline.event.dedup();
        headline
    }
}

/// How strongly `article`'s headline follows up a story's, or `None` if
/// it does not: it reports an outcome; it names someone or something the
/// story names (in its headline, or its text: `story_names`), and no one
/// the story does not; it shares an event word with the story's headline
/// or text (`story_text`); and the names and words shared add up to
/// [`MIN_EVIDENCE`]. The strength is (event words shared, names shared).
pub(crate) fn follows_up(
    article: &Headline,
    story: &Headline,
    story_names: &[u64],
    story_text: &[String],
) -> Option<(usize, usize)> {
    if !article.outcome {
        return None;
    }
    let named = |name: &u64| {
        story.names.binary_search(name).is_ok() || story_names.binary_search(name).is_ok()
    };
    let names = article.names.iter().filter(|name| named(name)).count();
    if names == 0 || names < article.names.len() {
        return None;
    }
    let mut shared: Vec<bool> =
        article.event.iter().map(|word| story.event.binary_search(word).is_ok()).collect();
    for paragraph in story_text {
        scan_words(paragraph, |word, _| {
            // A word's stem starts as the word does: stem only the words
            // that may give one of the article's.
            let starts_as = |stem: &String| {
                word.len() >= 3
                    && stem.len() >= 3
                    && word.as_bytes()[..3].eq_ignore_ascii_case(&stem.as_bytes()[..3])
            };
            if !(article.event.iter().zip(&shared)).any(|(stem, &found)| !found && starts_as(stem))
            {
                return;
            }
            let lower = word.to_lowercase();
            if is_stop_word(&lower) {
                return;
            }
            if let Ok(at) = article.event.binary_search(&stem(&lower)) {
                shared[at] = true;
            }
        });
    }
    let event = shared.iter().filter(|&&found| found).count();
    (event > 0 && names + event >= MIN_EVIDENCE).then_some((event, names))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fixture table: (story's headline and text, article's headline and
    /// text, whether the article follows the story up).
    const FOLLOW_UPS: &[(&str, &str, &str, &str, bool)] = &[
        (
            "Search for missing hiker on Scarrow Fell",
            "Rescue teams searched Scarrow Fell for a hiker.",
            "Missing Scarrow Fell hiker found alive after two nights",
            "The hiker was found by a team on Scarrow Fell.",
            true,
        ),
        // A new subject in the same place: no outcome, another name.
        (
            "Search for missing hiker on Scarrow Fell",
            "Rescue teams searched Scarrow Fell for a hiker.",
            "Students rescued from Brack Crag ledge",
            "Two students were rescued from Brack Crag, near Scarrow Fell.",
            false,
        ),
        // The headline's first word is a name when a text names it.
        (
            "Cyberattack forces Brayford hospital to divert ambulances",
            "Ambulances were diverted after hackers shut the record systems of the hospital in Brayford.",
            "Brayford hospital systems back, but records stolen",
            "Systems at the hospital in Brayford are back.",
            true,
        ),
        // The same subject, another event: no event word shared.
        (
            "Cyberattack forces Brayford hospital to divert ambulances",
            "Ambulances were diverted after hackers shut the record systems of the hospital in Brayford.",
            "Brayford council website back after outage",
            "The council in Brayford said its website was back.",
            false,
        ),
        // An outcome naming someone the story does not.
        (
            "Varda recalls 18,000 vans over brake hoses",
            "Owners of Varda vans will be contacted.",
            "Varda recalls cleared by Mora regulator",
            "The regulator in Mora cleared the Varda recalls.",
            false,
        ),
        // One name and one word shared: what the same place's next event
        // shares too.
        (
            "Crowd crush at Dalby stadium concert",
            "Twelve people were hurt in a crush at a concert at the stadium in Dalby.",
            "Dalby stadium cup final approved",
            "The league approved the stadium in Dalby for the cup final.",
            false,
        ),
        // A name only the story's text gives counts as the story's.
        (
            "Extradition hearing opens for businessman Pavel Ronan",
            "Lawyers for Ronan told the High Court that the tax case was political.",
            "Court approves Ronan's extradition",
            "The High Court ruled that Ronan can be extradited.",
            true,
        ),
        // Title Case: only the names the texts give are names.
        (
            "Jury Out In Tarle Fraud Trial",
            "The jury in the fraud trial of the former mayor, Edwin Tarle, retired.",
            "Former Mayor Edwin Tarle Guilty Of Fraud",
            "A jury found Edwin Tarle guilty.",
            true,
        ),
    ];

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for list in [STOP_WORDS, OUTCOME_WORDS] {
            assert!(list.windows(2).all(|pair| pair[0] < pair[1]));
        }
    }

    #[test]
    fn follow_up_headlines() {
        for &(story_title, story_text, title, text, expected) in FOLLOW_UPS {
            let story_text = [story_text.to_owned()];
            let text = [text.to_owned()];
            let mut known = known_names(story_title, &story_text);
            known.extend(known_names(title, &text));
            known.sort_unstable();
            let story = Headline::read(story_title, &known);
            let article = Headline::read(title, &known);
            let story_names = known_names(story_title, &story_text);
            assert_eq!(
                follows_up(&article, &story, &story_names, &story_text).is_some(),
                expected,
                "{story_title:?} -> {title:?}: {article:?} {story:?}"
            );
        }
    }

    #[test]
    fn name_candidates_hold_every_name() {
        for &(story_title, story_text, ..) in FOLLOW_UPS {
            let headline =
                Headline::read(story_title, &known_names(story_title, &[story_text.to_owned()]));
            let candidates = name_candidates(story_title);
            assert!(headline.names.iter().all(|name| candidates.contains(name)), "{story_title:?}");
        }
    }
}
