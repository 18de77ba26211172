//! Issue 5: the entity tagger against the hand-labelled evaluation sets
//! (guidelines in `eval/enrich/GUIDELINES.md`): `articles.txt`, which the
//! tagger's rules were developed against; `held_out.txt` (parts 1 and 2),
//! written after them, scored on first sight, then studied in session 5;
//! `held_out_2.txt` (part 3), written after session 5's list and scored
//! once, then studied; `held_out_3.txt` (part 4), written after the rules
//! read from part 3, scored once, then studied; `held_out_4.txt` (part 5),
//! written after the rules read from part 4, scored once, then used to
//! choose how the model is trained; `held_out_5.txt` (part 6), written
//! after that, scored once, then studied; and `held_out_6.txt` (part 7),
//! written after the second list round. Prints strict and lenient precision / recall / F1 per type and
//! the place-resolution accuracy:
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
const HELD_OUT_SET: &str = include_str!("../../../eval/enrich/held_out.txt");
/// Held-out part 3, written after the organisation list and rules of
/// session 5.
const HELD_OUT_PART_3: &str = include_str!("../../../eval/enrich/held_out_2.txt");
/// Held-out part 4, written after the rules read from part 3's errors.
const HELD_OUT_PART_4: &str = include_str!("../../../eval/enrich/held_out_3.txt");
/// Held-out part 5, written after the rules read from part 4's errors.
const HELD_OUT_PART_5: &str = include_str!("../../../eval/enrich/held_out_4.txt");
/// Held-out part 6, written after the model was retrained with made-up names.
const HELD_OUT_PART_6: &str = include_str!("../../../eval/enrich/held_out_5.txt");
/// Held-out part 7, written after the second list round.
const HELD_OUT_PART_7: &str = include_str!("../../../eval/enrich/held_out_6.txt");

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
    let (tuning_f1, tuning_places) =
        print_report("tuning set (articles.txt)", &evaluate(&tagger, TUNING_SET));
    let (held_f1, held_places) =
        print_report("held-out set (held_out.txt)", &evaluate(&tagger, HELD_OUT_SET));
    let (part_3_f1, part_3_places) =
        print_report("held-out part 3 (held_out_2.txt)", &evaluate(&tagger, HELD_OUT_PART_3));
    let (part_4_f1, part_4_places) =
        print_report("held-out part 4 (held_out_3.txt)", &evaluate(&tagger, HELD_OUT_PART_4));
    let (part_5_f1, part_5_places) =
        print_report("held-out part 5 (held_out_4.txt)", &evaluate(&tagger, HELD_OUT_PART_5));
    let (part_6_f1, part_6_places) =
        print_report("held-out part 6 (held_out_5.txt)", &evaluate(&tagger, HELD_OUT_PART_6));
    let (part_7_f1, part_7_places) =
        print_report("held-out part 7 (held_out_6.txt)", &evaluate(&tagger, HELD_OUT_PART_7));
    // Floors at the measured levels (see eval/enrich/RESULTS.md): a change
    // that makes tagging or resolution worse fails here.
    assert!(tuning_f1 >= FLOOR_STRICT_F1, "strict F1 {tuning_f1:.3} fell below {FLOOR_STRICT_F1}");
    assert!(
        tuning_places >= FLOOR_PLACE_ACCURACY,
        "place accuracy {tuning_places:.3} fell below {FLOOR_PLACE_ACCURACY}"
    );
    assert!(
        held_f1 >= FLOOR_HELD_OUT_STRICT_F1,
        "held-out strict F1 {held_f1:.3} fell below {FLOOR_HELD_OUT_STRICT_F1}"
    );
    assert!(
        held_places >= FLOOR_HELD_OUT_PLACE_ACCURACY,
        "held-out place accuracy {held_places:.3} fell below {FLOOR_HELD_OUT_PLACE_ACCURACY}"
    );
    assert!(
        part_3_f1 >= FLOOR_PART_3_STRICT_F1,
        "part 3 strict F1 {part_3_f1:.3} fell below {FLOOR_PART_3_STRICT_F1}"
    );
    assert!(
        part_3_places >= FLOOR_PART_3_PLACE_ACCURACY,
        "part 3 place accuracy {part_3_places:.3} fell below {FLOOR_PART_3_PLACE_ACCURACY}"
    );
    assert!(
        part_4_f1 >= FLOOR_PART_4_STRICT_F1,
        "part 4 strict F1 {part_4_f1:.3} fell below {FLOOR_PART_4_STRICT_F1}"
    );
    assert!(
        part_4_places >= FLOOR_PART_4_PLACE_ACCURACY,
        "part 4 place accuracy {part_4_places:.3} fell below {FLOOR_PART_4_PLACE_ACCURACY}"
    );
    assert!(
        part_5_f1 >= FLOOR_PART_5_STRICT_F1,
        "part 5 strict F1 {part_5_f1:.3} fell below {FLOOR_PART_5_STRICT_F1}"
    );
    assert!(
        part_5_places >= FLOOR_PART_5_PLACE_ACCURACY,
        "part 5 place accuracy {part_5_places:.3} fell below {FLOOR_PART_5_PLACE_ACCURACY}"
    );
    assert!(
        part_6_f1 >= FLOOR_PART_6_STRICT_F1,
        "part 6 strict F1 {part_6_f1:.3} fell below {FLOOR_PART_6_STRICT_F1}"
    );
    assert!(
        part_6_places >= FLOOR_PART_6_PLACE_ACCURACY,
        "part 6 place accuracy {part_6_places:.3} fell below {FLOOR_PART_6_PLACE_ACCURACY}"
    );
    assert!(
        part_7_f1 >= FLOOR_PART_7_STRICT_F1,
        "part 7 strict F1 {part_7_f1:.3} fell below {FLOOR_PART_7_STRICT_F1}"
    );
    assert!(
        part_7_places >= FLOOR_PART_7_PLACE_ACCURACY,
        "part 7 place accuracy {part_7_places:.3} fell below {FLOOR_PART_7_PLACE_ACCURACY}"
    );
}

/// Held-out part 4's strict F1 (studied after its first 0.845), rounded down.
const FLOOR_PART_4_STRICT_F1: f64 = 0.92;
/// Held-out part 4's place accuracy, rounded down.
const FLOOR_PART_4_PLACE_ACCURACY: f64 = 1.0;
/// Held-out part 5's strict F1 (0.766 on first sight), rounded down.
const FLOOR_PART_5_STRICT_F1: f64 = 0.82;
/// Held-out part 5's place accuracy, rounded down.
const FLOOR_PART_5_PLACE_ACCURACY: f64 = 1.0;
/// Held-out part 7's strict F1 (0.843 on first sight), rounded down.
const FLOOR_PART_7_STRICT_F1: f64 = 0.86;
/// Held-out part 7's place accuracy, rounded down.
const FLOOR_PART_7_PLACE_ACCURACY: f64 = 1.0;
/// Held-out part 6's strict F1 (0.789 on first sight), rounded down.
const FLOOR_PART_6_STRICT_F1: f64 = 0.81;
/// Held-out part 6's place accuracy, rounded down.
const FLOOR_PART_6_PLACE_ACCURACY: f64 = 0.96;
/// Held-out part 3's strict F1 (studied after its first 0.874), rounded down.
const FLOOR_PART_3_STRICT_F1: f64 = 0.92;
/// Held-out part 3's place accuracy, rounded down.
const FLOOR_PART_3_PLACE_ACCURACY: f64 = 1.0;

/// Held-out parts 1 and 2's strict F1 (studied in session 5), rounded down.
const FLOOR_HELD_OUT_STRICT_F1: f64 = 0.93;
/// Held-out parts 1 and 2's place accuracy, rounded down.
const FLOOR_HELD_OUT_PLACE_ACCURACY: f64 = 0.95;
/// The tuning set's strict F1, rounded down.
const FLOOR_STRICT_F1: f64 = 0.94;
/// The tuning set's place accuracy, rounded down.
const FLOOR_PLACE_ACCURACY: f64 = 0.97;
