//! Issue 5: the entity tagger against the hand-labelled evaluation sets
//! (guidelines in `eval/enrich/GUIDELINES.md`): `articles.txt`, which the
//! tagger's rules were developed against; `held_out.txt` (parts 1 and 2),
//! written after them, scored on first sight, then studied in session 5;
//! `held_out_2.txt` (part 3), written after session 5's list and scored
//! once, then studied; `held_out_3.txt` (part 4), written after the rules
//! read from part 3, scored once, then studied; `held_out_4.txt` (part 5),
//! written after the rules read from part 4, scored once, then used to
//! choose how the model is trained; `held_out_5.txt` (part 6), written
//! after that, scored once, then studied; `held_out_6.txt` (part 7),
//! written after the second list round; `held_out_7.txt` (part 8),
//! written before the rules read from parts 4-7, scored once after them,
//! then studied; `held_out_8.txt` (part 9), written after that; and
//! `held_out_9.txt` .. `held_out_14.txt` (parts 10-15) and
//! `held_out_15.txt` .. `held_out_20.txt` (parts 16-21) and
//! `held_out_21.txt` .. `held_out_23.txt` (parts 22-24), each batch written
//! with the tagger frozen, scored once, then studied; and `held_out_24.txt`
//! .. `held_out_32.txt` (parts 25-33), written with the shipped tagger
//! frozen and scored once: not studied; and `held_out_33.txt` (part 34,
//! session 9: people under titles and ranks), scored once before the
//! tokenizer kept an abbreviation's dot, its errors read, and scored again
//! after: studied.
//! Prints strict and lenient precision / recall / F1 per type and the
//! place-resolution accuracy:
//!
//!     cargo test --release -p lede-enrich --test eval -- --nocapture

use std::collections::BTreeMap;

use lede_core::{EntityType, Mention};
use lede_enrich::Tagger;

/// A gold entity: byte span, type, GeoNames id for listed places.
#[derive(Debug, Clone, PartialEq)]
struct Gold {
    start: usize,
    end: usize,
    kind: EntityType,
    geonames_id: Option<u32>,
}

const TUNING_SET: &str = include_str!("../../../eval/enrich/articles.txt");

/// A labelled set and the floors it must stay at (its measured strict F1
/// and place accuracy, rounded down; see eval/enrich/RESULTS.md): a change
/// that makes tagging or resolution worse fails here.
struct LabelledSet {
    name: &'static str,
    text: &'static str,
    min_strict_f1: f64,
    min_place_accuracy: f64,
    /// Errors on it were read to change the tagger. The sets never studied
    /// measure the shipped tagger on text it was not tuned on: together
    /// they must meet issue 5's targets.
    studied: bool,
}

/// Issue 5's targets, over the sets never studied.
const TARGET_STRICT_F1: f64 = 0.88;
const TARGET_PLACE_ACCURACY: f64 = 0.90;

/// Every labelled set, in the order they were written. Held-out parts are
/// scored once on first sight, then studied (RESULTS.md has each part's
/// first-sight figure); the floors are the studied figures.
const LABELLED_SETS: [LabelledSet; 34] = [
    LabelledSet {
        name: "tuning set (articles.txt)",
        text: TUNING_SET,
        min_strict_f1: 0.94,
        min_place_accuracy: 0.96,
        studied: true,
    },
    // Parts 1 and 2, studied in session 5.
    LabelledSet {
        name: "held-out set (held_out.txt)",
        text: include_str!("../../../eval/enrich/held_out.txt"),
        min_strict_f1: 0.95,
        min_place_accuracy: 0.95,
        studied: true,
    },
    // Written after the organisation list and rules of session 5 (first
    // sight 0.874).
    LabelledSet {
        name: "held-out part 3 (held_out_2.txt)",
        text: include_str!("../../../eval/enrich/held_out_2.txt"),
        min_strict_f1: 0.94,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Written after the rules read from part 3's errors (first sight 0.845).
    LabelledSet {
        name: "held-out part 4 (held_out_3.txt)",
        text: include_str!("../../../eval/enrich/held_out_3.txt"),
        min_strict_f1: 0.94,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Written after the rules read from part 4's errors (first sight 0.766).
    LabelledSet {
        name: "held-out part 5 (held_out_4.txt)",
        text: include_str!("../../../eval/enrich/held_out_4.txt"),
        min_strict_f1: 0.90,
        min_place_accuracy: 0.95,
        studied: true,
    },
    // Written after the model was retrained with made-up names (first
    // sight 0.789).
    LabelledSet {
        name: "held-out part 6 (held_out_5.txt)",
        text: include_str!("../../../eval/enrich/held_out_5.txt"),
        min_strict_f1: 0.96,
        min_place_accuracy: 0.95,
        studied: true,
    },
    // Written after the second list round (first sight 0.843).
    LabelledSet {
        name: "held-out part 7 (held_out_6.txt)",
        text: include_str!("../../../eval/enrich/held_out_6.txt"),
        min_strict_f1: 0.87,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Written before the rules read from parts 4-7 in session 6, scored
    // once after them (first sight 0.849; 0.822 with the rules before).
    LabelledSet {
        name: "held-out part 8 (held_out_7.txt)",
        text: include_str!("../../../eval/enrich/held_out_7.txt"),
        min_strict_f1: 0.92,
        min_place_accuracy: 0.89,
        studied: true,
    },
    // Written after part 8's rules, before those read from part 8's
    // errors; scored once after them (first sight 0.932).
    LabelledSet {
        name: "held-out part 9 (held_out_8.txt)",
        text: include_str!("../../../eval/enrich/held_out_8.txt"),
        min_strict_f1: 0.90,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Parts 10-15: written with the tagger of part 9 frozen, scored once
    // (first sight 0.872, 0.860, 0.941, 0.855, 0.797, 0.869; with part 9,
    // 0.875 over 399 entities), then studied.
    LabelledSet {
        name: "held-out part 10 (held_out_9.txt)",
        text: include_str!("../../../eval/enrich/held_out_9.txt"),
        min_strict_f1: 0.92,
        min_place_accuracy: 0.94,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 11 (held_out_10.txt)",
        text: include_str!("../../../eval/enrich/held_out_10.txt"),
        min_strict_f1: 0.87,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 12 (held_out_11.txt)",
        text: include_str!("../../../eval/enrich/held_out_11.txt"),
        min_strict_f1: 0.91,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 13 (held_out_12.txt)",
        text: include_str!("../../../eval/enrich/held_out_12.txt"),
        min_strict_f1: 0.87,
        min_place_accuracy: 0.94,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 14 (held_out_13.txt)",
        text: include_str!("../../../eval/enrich/held_out_13.txt"),
        min_strict_f1: 0.85,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 15 (held_out_14.txt)",
        text: include_str!("../../../eval/enrich/held_out_14.txt"),
        min_strict_f1: 0.89,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Parts 16-21: written with the tagger of d1499a8 frozen, scored once
    // (first sight 0.860, 0.882, 0.839, 0.899, 0.800, 0.829; pooled 0.852
    // over 346 entities), then studied.
    LabelledSet {
        name: "held-out part 16 (held_out_15.txt)",
        text: include_str!("../../../eval/enrich/held_out_15.txt"),
        min_strict_f1: 0.83,
        min_place_accuracy: 0.95,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 17 (held_out_16.txt)",
        text: include_str!("../../../eval/enrich/held_out_16.txt"),
        min_strict_f1: 0.92,
        min_place_accuracy: 0.94,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 18 (held_out_17.txt)",
        text: include_str!("../../../eval/enrich/held_out_17.txt"),
        min_strict_f1: 0.85,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 19 (held_out_18.txt)",
        text: include_str!("../../../eval/enrich/held_out_18.txt"),
        min_strict_f1: 0.88,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 20 (held_out_19.txt)",
        text: include_str!("../../../eval/enrich/held_out_19.txt"),
        min_strict_f1: 0.84,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 21 (held_out_20.txt)",
        text: include_str!("../../../eval/enrich/held_out_20.txt"),
        min_strict_f1: 0.85,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Parts 22-24: written with the tagger of 01782b7 frozen, scored once
    // (first sight 0.927, 0.897, 0.846; 0.891 over 158 entities; with the
    // companies list, built from outside data after they were written,
    // 0.927, 0.907, 0.846), then studied.
    LabelledSet {
        name: "held-out part 22 (held_out_21.txt)",
        text: include_str!("../../../eval/enrich/held_out_21.txt"),
        min_strict_f1: 0.93,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 23 (held_out_22.txt)",
        text: include_str!("../../../eval/enrich/held_out_22.txt"),
        min_strict_f1: 0.89,
        min_place_accuracy: 1.0,
        studied: true,
    },
    LabelledSet {
        name: "held-out part 24 (held_out_23.txt)",
        text: include_str!("../../../eval/enrich/held_out_23.txt"),
        min_strict_f1: 0.83,
        min_place_accuracy: 1.0,
        studied: true,
    },
    // Parts 25-33: written with the tagger of 724bdd8 frozen (the tagger
    // shipped now), scored once: 0.900 over their 481 entities. Not studied.
    LabelledSet {
        name: "held-out part 25 (held_out_24.txt)",
        text: include_str!("../../../eval/enrich/held_out_24.txt"),
        min_strict_f1: 0.98,
        min_place_accuracy: 1.0,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 26 (held_out_25.txt)",
        text: include_str!("../../../eval/enrich/held_out_25.txt"),
        min_strict_f1: 0.83,
        min_place_accuracy: 0.94,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 27 (held_out_26.txt)",
        text: include_str!("../../../eval/enrich/held_out_26.txt"),
        min_strict_f1: 0.94,
        min_place_accuracy: 1.0,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 28 (held_out_27.txt)",
        text: include_str!("../../../eval/enrich/held_out_27.txt"),
        min_strict_f1: 0.83,
        min_place_accuracy: 1.0,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 29 (held_out_28.txt)",
        text: include_str!("../../../eval/enrich/held_out_28.txt"),
        min_strict_f1: 0.88,
        min_place_accuracy: 0.89,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 30 (held_out_29.txt)",
        text: include_str!("../../../eval/enrich/held_out_29.txt"),
        min_strict_f1: 0.90,
        min_place_accuracy: 1.0,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 31 (held_out_30.txt)",
        text: include_str!("../../../eval/enrich/held_out_30.txt"),
        min_strict_f1: 0.90,
        min_place_accuracy: 0.94,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 32 (held_out_31.txt)",
        text: include_str!("../../../eval/enrich/held_out_31.txt"),
        min_strict_f1: 0.80,
        min_place_accuracy: 0.85,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 33 (held_out_32.txt)",
        text: include_str!("../../../eval/enrich/held_out_32.txt"),
        min_strict_f1: 0.90,
        min_place_accuracy: 0.93,
        studied: false,
    },
    LabelledSet {
        name: "held-out part 34 (held_out_33.txt)",
        text: include_str!("../../../eval/enrich/held_out_33.txt"),
        min_strict_f1: 0.85,
        min_place_accuracy: 0.93,
        studied: true,
    },
];

/// (document id, text, gold entities) from the markup.
fn documents(source: &str) -> Vec<(String, String, Vec<Gold>)> {
    let mut documents = Vec::new();
    for block in source.split("## ").filter(|b| !b.trim().is_empty()) {
        let (id, body) = block.split_once('\n').unwrap_or((block, ""));
        let (text, gold) = strip_markup(body.trim());
        documents.push((id.trim().to_owned(), text, gold));
    }
    documents
}

/// `[TYPE words]` / `[LOC words@id]` to plain text and spans.
fn strip_markup(marked: &str) -> (String, Vec<Gold>) {
    let mut text = String::with_capacity(marked.len());
    let mut gold = Vec::new();
    let mut rest = marked;
    while let Some(open) = rest.find('[') {
        text.push_str(&rest[..open]);
        let close = rest[open..]
            .find(']')
            .map(|i| open + i)
            .unwrap_or_else(|| panic!("unclosed [ in {rest}"));
        let inner = &rest[open + 1..close];
        let (kind, words) = inner.split_once(' ').unwrap_or_else(|| panic!("bad entity [{inner}]"));
        let kind = match kind {
            "PER" => EntityType::Person,
            "ORG" => EntityType::Organisation,
            "LOC" => EntityType::Location,
            other => panic!("unknown type {other} in [{inner}]"),
        };
        let (words, geonames_id) = match words.split_once('@') {
            Some((words, id)) => {
                (words, Some(id.parse().unwrap_or_else(|e| panic!("[{inner}]: {e}"))))
            }
            None => (words, None),
        };
        let start = text.len();
        text.push_str(words);
        gold.push(Gold { start, end: text.len(), kind, geonames_id });
        rest = &rest[close + 1..];
    }
    text.push_str(rest);
    (text, gold)
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    gold: usize,
    predicted: usize,
    strict: usize,
    lenient_gold: usize,
    lenient_predicted: usize,
}

impl Counts {
    fn f1(correct_p: usize, predicted: usize, correct_r: usize, gold: usize) -> (f64, f64, f64) {
        let p = if predicted == 0 { 0.0 } else { correct_p as f64 / predicted as f64 };
        let r = if gold == 0 { 0.0 } else { correct_r as f64 / gold as f64 };
        let f = if p + r == 0.0 { 0.0 } else { 2.0 * p * r / (p + r) };
        (p, r, f)
    }

    fn strict(&self) -> (f64, f64, f64) {
        Self::f1(self.strict, self.predicted, self.strict, self.gold)
    }

    fn lenient(&self) -> (f64, f64, f64) {
        Self::f1(self.lenient_predicted, self.predicted, self.lenient_gold, self.gold)
    }
}

struct Report {
    by_type: BTreeMap<&'static str, Counts>,
    places: usize,
    places_right: usize,
    errors: Vec<String>,
}

fn evaluate(tagger: &Tagger, source: &str) -> Report {
    let mut by_type: BTreeMap<&'static str, Counts> = BTreeMap::new();
    let (mut places, mut places_right) = (0, 0);
    let mut errors = Vec::new();
    for (id, text, gold) in documents(source) {
        let predicted: Vec<Mention> = tagger.tag(&text).mentions;
        let overlaps =
            |g: &Gold, m: &Mention| g.start < m.end && m.start < g.end && g.kind == m.kind;
        for g in &gold {
            let counts = by_type.entry(g.kind.as_str()).or_default();
            counts.gold += 1;
            let exact =
                predicted.iter().find(|m| m.start == g.start && m.end == g.end && m.kind == g.kind);
            if exact.is_some() {
                counts.strict += 1;
            } else {
                errors.push(format!(
                    "{id}: missed {} {:?}",
                    g.kind.as_str(),
                    &text[g.start..g.end]
                ));
            }
            if predicted.iter().any(|m| overlaps(g, m)) {
                counts.lenient_gold += 1;
            }
            if let Some(expected) = g.geonames_id {
                places += 1;
                let found =
                    predicted.iter().find(|m| overlaps(g, m)).and_then(|m| m.place.as_ref());
                if found.map(|p| p.geonames_id) == Some(expected) {
                    places_right += 1;
                } else {
                    errors.push(format!(
                        "{id}: place {:?} resolved to {:?}, expected {expected}",
                        &text[g.start..g.end],
                        found.map(|p| (p.geonames_id, &p.name, &p.country_code))
                    ));
                }
            }
        }
        for m in &predicted {
            let counts = by_type.entry(m.kind.as_str()).or_default();
            counts.predicted += 1;
            if gold.iter().any(|g| overlaps(g, m)) {
                counts.lenient_predicted += 1;
            }
            if !gold.iter().any(|g| m.start == g.start && m.end == g.end && m.kind == g.kind) {
                errors.push(format!("{id}: spurious {} {:?}", m.kind.as_str(), m.text));
            }
        }
    }
    Report { by_type, places, places_right, errors }
}

#[test]
fn markup_is_read_into_exact_spans() {
    let (text, gold) = strip_markup("[PER Ann Lee] flew to [LOC Paris@2988507].");
    assert_eq!(text, "Ann Lee flew to Paris.");
    assert_eq!(&text[gold[1].start..gold[1].end], "Paris");
    assert_eq!(gold[1].geonames_id, Some(2_988_507));
    let entities: usize = documents(TUNING_SET).iter().map(|(_, _, gold)| gold.len()).sum();
    assert!(entities >= 400, "the evaluation set has {entities} entities");
}

/// Print the report; return (strict F1, place accuracy).
fn print_report(name: &str, report: &Report) -> (f64, f64) {
    let mut total = Counts::default();
    println!("{name}\ntype  gold  pred  strict P/R/F1         lenient P/R/F1");
    for (kind, c) in &report.by_type {
        total.gold += c.gold;
        total.predicted += c.predicted;
        total.strict += c.strict;
        total.lenient_gold += c.lenient_gold;
        total.lenient_predicted += c.lenient_predicted;
        let (sp, sr, sf) = c.strict();
        let (lp, lr, lf) = c.lenient();
        println!(
            "{kind}   {:4}  {:4}  {sp:.3}/{sr:.3}/{sf:.3}  {lp:.3}/{lr:.3}/{lf:.3}",
            c.gold, c.predicted
        );
    }
    let (sp, sr, sf) = total.strict();
    let (lp, lr, lf) = total.lenient();
    println!(
        "all   {:4}  {:4}  {sp:.3}/{sr:.3}/{sf:.3}  {lp:.3}/{lr:.3}/{lf:.3}",
        total.gold, total.predicted
    );
    let accuracy = report.places_right as f64 / report.places.max(1) as f64;
    println!("places resolved: {}/{} = {accuracy:.3}", report.places_right, report.places);
    if std::env::var_os("LEDE_EVAL_ERRORS").is_some() {
        for error in &report.errors {
            println!("  {error}");
        }
    }
    (sf, accuracy)
}

#[test]
fn evaluation_sets_score() {
    let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
    let mut unseen =
        Report { by_type: BTreeMap::new(), places: 0, places_right: 0, errors: Vec::new() };
    for set in &LABELLED_SETS {
        let report = evaluate(&tagger, set.text);
        if !set.studied {
            for (kind, c) in &report.by_type {
                let total = unseen.by_type.entry(kind).or_default();
                total.gold += c.gold;
                total.predicted += c.predicted;
                total.strict += c.strict;
                total.lenient_gold += c.lenient_gold;
                total.lenient_predicted += c.lenient_predicted;
            }
            unseen.places += report.places;
            unseen.places_right += report.places_right;
        }
        let (f1, places) = print_report(set.name, &report);
        assert!(f1 >= set.min_strict_f1, "{}: strict F1 {f1:.3} < {}", set.name, set.min_strict_f1);
        assert!(
            places >= set.min_place_accuracy,
            "{}: place accuracy {places:.3} < {}",
            set.name,
            set.min_place_accuracy
        );
    }
    let (f1, places) = print_report("held-out parts never studied, pooled", &unseen);
    assert!(f1 >= TARGET_STRICT_F1, "never-studied parts: strict F1 {f1:.3}");
    assert!(places >= TARGET_PLACE_ACCURACY, "never-studied parts: place accuracy {places:.3}");
}
