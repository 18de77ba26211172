//! Issue 4: the story engine scored on the labelled evaluation set
//! (`eval/story/articles.jsonl`, built by `eval/story/build.py`).
//!
//! Prints pairwise precision/recall, B-cubed precision/recall/F1, decision
//! accuracy by kind and hard-negative merges, and fails below the targets:
//! B-cubed F1 >= 0.97, decision accuracy >= 0.95, zero hard-negative merges.
//! Run: `cargo test -p lede-story --test eval -- --nocapture`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use lede_core::Article;
use lede_story::{ArticleFeatures, ChangelogWrite, EngineConfig, StoryEngine};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
struct Row {
    id: String,
    url: Option<String>,
    title: String,
    paragraphs: Vec<String>,
    source: String,
    published_at: DateTime<Utc>,
    label: Label,
}

#[derive(Debug, Clone, Deserialize)]
struct Label {
    story: String,
    kind: String,
    topic: String,
}

fn rows(text: &str) -> Vec<Row> {
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", i + 1))
        })
        .collect()
}

fn article(row: &Row) -> Article {
    Article {
        id: row.id.clone(),
        feed_id: row.source.clone(),
        guid: None,
        url: row.url.clone(),
        title: row.title.clone(),
        summary: None,
        paragraphs: row.paragraphs.clone(),
        authors: Vec::new(),
        published_at: Some(row.published_at),
        updated_at: None,
        fetched_at: row.published_at,
        content_hash: Article::compute_content_hash(&row.title, None, &row.paragraphs),
        source: row.source.clone(),
    }
}

/// Scores of one run.
#[derive(Debug)]
struct Scores {
    pairwise_precision: f64,
    pairwise_recall: f64,
    bcubed_precision: f64,
    bcubed_recall: f64,
    bcubed_f1: f64,
    accuracy: f64,
    accuracy_by_kind: BTreeMap<String, (usize, usize)>,
    /// Updates decided right, of all, by where they were published: what
    /// exact keys can find and what only text can.
    updates_by_place: BTreeMap<&'static str, (usize, usize)>,
    hard_negative_merges: usize,
    /// The articles of each hard-negative merge, as a sorted pair of ids.
    hard_negative_pairs: Vec<(String, String)>,
    errors: Vec<String>,
}

fn score(rows: &[Row], predicted: &[(String, String)]) -> Scores {
    // Clusters are over distinct articles: the last decision for an id wins
    // (an article id belongs to one story).
    let mut truth: HashMap<&str, &str> = HashMap::new();
    let mut guess: HashMap<&str, &str> = HashMap::new();
    let mut topic: HashMap<&str, &str> = HashMap::new();
    for (row, (story, _)) in rows.iter().zip(predicted) {
        truth.insert(&row.id, &row.label.story);
        guess.insert(&row.id, story);
        topic.insert(&row.id, &row.label.topic);
    }
    let ids: Vec<&str> = {
        let mut ids: Vec<&str> = truth.keys().copied().collect();
        ids.sort_unstable();
        ids
    };
    let (mut true_pairs, mut guessed_pairs, mut both) = (0, 0, 0);
    let mut hard_negative_pairs = Vec::new();
    for (i, a) in ids.iter().enumerate() {
        for b in &ids[i + 1..] {
            let same_truth = truth[a] == truth[b];
            let same_guess = guess[a] == guess[b];
            true_pairs += usize::from(same_truth);
            guessed_pairs += usize::from(same_guess);
            both += usize::from(same_truth && same_guess);
            if same_guess && !same_truth && topic[a] == topic[b] {
                hard_negative_pairs.push((a.to_string(), b.to_string()));
            }
        }
    }
    let (mut precision_sum, mut recall_sum) = (0.0, 0.0);
    for a in &ids {
        let same_guess: Vec<&&str> = ids.iter().filter(|b| guess[*b] == guess[a]).collect();
        let same_truth: Vec<&&str> = ids.iter().filter(|b| truth[*b] == truth[a]).collect();
        let correct = same_guess.iter().filter(|b| truth[**b] == truth[a]).count() as f64;
        precision_sum += correct / same_guess.len() as f64;
        recall_sum += correct / same_truth.len() as f64;
    }
    let n = ids.len() as f64;
    let (bcubed_precision, bcubed_recall) = (precision_sum / n, recall_sum / n);
    let mut accuracy_by_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut errors = Vec::new();
    for (row, (_, kind)) in rows.iter().zip(predicted) {
        let slot = accuracy_by_kind.entry(row.label.kind.clone()).or_default();
        slot.1 += 1;
        if *kind == row.label.kind {
            slot.0 += 1;
        } else {
            errors.push(format!(
                "{} ({}): expected {}, got {kind}",
                row.id, row.label.story, row.label.kind
            ));
        }
    }
    let mut updates_by_place: BTreeMap<&'static str, (usize, usize)> = BTreeMap::new();
    for (at, (row, (_, kind))) in rows.iter().zip(predicted).enumerate() {
        if row.label.kind != "update" {
            continue;
        }
        let story = || rows[..at].iter().filter(|earlier| earlier.label.story == row.label.story);
        let place = if story().any(|earlier| earlier.url == row.url) {
            "at a URL of the story"
        } else if story().any(|earlier| earlier.source == row.source) {
            "at a new URL, from an outlet of the story"
        } else {
            "at a new URL, from another outlet"
        };
        let slot = updates_by_place.entry(place).or_default();
        (slot.0, slot.1) = (slot.0 + usize::from(kind == "update"), slot.1 + 1);
    }
    let correct: usize = accuracy_by_kind.values().map(|(c, _)| c).sum();
    Scores {
        pairwise_precision: if guessed_pairs == 0 {
            1.0
        } else {
            both as f64 / guessed_pairs as f64
        },
        pairwise_recall: if true_pairs == 0 { 1.0 } else { both as f64 / true_pairs as f64 },
        bcubed_precision,
        bcubed_recall,
        bcubed_f1: 2.0 * bcubed_precision * bcubed_recall / (bcubed_precision + bcubed_recall),
        accuracy: correct as f64 / rows.len() as f64,
        accuracy_by_kind,
        updates_by_place,
        hard_negative_merges: hard_negative_pairs.len(),
        hard_negative_pairs,
        errors,
    }
}

/// The engine's outcome for `row`.
fn decide(engine: &mut StoryEngine, row: &Row) -> lede_story::Outcome {
    engine.decide(&article(row), row.published_at).expect("the stores here cannot fail")
}

/// A fresh engine keeping stories in memory, and one keeping them in a
/// record log (in memory too: `Vec<u8>`), which must decide the same.
fn engines() -> [(&'static str, StoryEngine); 2] {
    [
        ("memory", StoryEngine::new(EngineConfig::default())),
        ("record log", StoryEngine::with_log(EngineConfig::default(), Box::new(Vec::<u8>::new()))),
    ]
}

/// A fresh engine's (story id, kind) for each of `rows`.
fn predict(rows: &[Row]) -> Vec<(String, String)> {
    let mut engine = StoryEngine::new(EngineConfig::default());
    rows.iter()
        .map(|row| {
            let decision = decide(&mut engine, row).decision;
            (decision.story_id, decision.kind.as_str().to_owned())
        })
        .collect()
}

/// Run a fresh engine over `rows`, print the scores under `name`, return them.
fn evaluate(name: &str, rows: &[Row]) -> Scores {
    let predicted = predict(rows);
    report(name, rows, score(rows, &predicted))
}

/// Print `scores` of `rows` under `name`, and return them.
fn report(name: &str, rows: &[Row], scores: Scores) -> Scores {
    let stories =
        rows.iter().map(|r| &r.label.story).collect::<std::collections::HashSet<_>>().len();
    println!("story engine evaluation, {name}: {} articles, {stories} stories", rows.len());
    println!(
        "  pairwise precision {:.3}  recall {:.3}",
        scores.pairwise_precision, scores.pairwise_recall
    );
    println!(
        "  B-cubed precision {:.3}  recall {:.3}  F1 {:.3}",
        scores.bcubed_precision, scores.bcubed_recall, scores.bcubed_f1
    );
    println!("  decision accuracy {:.3}", scores.accuracy);
    for (kind, (correct, total)) in &scores.accuracy_by_kind {
        println!("    {kind:<10} {correct}/{total}");
        if kind == "update" {
            for (place, (correct, total)) in &scores.updates_by_place {
                println!("      {place}: {correct}/{total}");
            }
        }
    }
    println!("  hard-negative merges {}", scores.hard_negative_merges);
    for (a, b) in &scores.hard_negative_pairs {
        println!("  merged: {a} + {b}");
    }
    for error in &scores.errors {
        println!("  error: {error}");
    }
    scores
}

/// Every labelled set, by file name: the tuning set first, then the
/// held-out parts in the order they were written, each with what it holds
/// and when it was written. A new part is a new row: every test below
/// decides it (apart, pooled, in one window, across restarts).
const LABELLED_SETS: [(&str, &str); 34] = [
    ("articles.jsonl", include_str!("../../../eval/story/articles.jsonl")),
    // The held-out stories, written after the thresholds were chosen.
    ("held_out.jsonl", include_str!("../../../eval/story/held_out.jsonl")),
    // Part 2 of the held-out stories, written after the carried-over
    // paragraph and syndicated-copy rules.
    ("held_out_2.jsonl", include_str!("../../../eval/story/held_out_2.jsonl")),
    // Part 3 of the held-out stories, written after the paragraph index began
    // to follow containment (session 4).
    ("held_out_3.jsonl", include_str!("../../../eval/story/held_out_3.jsonl")),
    // Part 4, written after part 3 with harder rewrites (wrap-ups and
    // follow-ups that keep little of the previous version's wording). Scored
    // once, it merged two recalls by one carmaker that share the outlet's
    // standing paragraph about the company; since the carried-over rule asks
    // the article's lead to name a subject of the story beyond the carried
    // paragraphs (session 5), it does not, and part 4 is tuning data.
    ("held_out_4.jsonl", include_str!("../../../eval/story/held_out_4.jsonl")),
    // Part 5, written after the lead-names condition of the carried-over rule
    // (session 5): a ferry grounding and its wrap-up, the same port's next
    // incident under the operator's standing paragraph, a bill and a rent
    // strike, a phone launch and the maker's job cuts under its company
    // paragraph.
    ("held_out_5.jsonl", include_str!("../../../eval/story/held_out_5.jsonl")),
    // Part 6, written at the end of session 5 (no engine change since part
    // 5): a wildfire developing at one URL with its copy and wrap-up, the same
    // wire's other fire under its standing fire-danger paragraph, a fraud trial
    // and its verdict, the same court's other case under its court paragraph,
    // a cup preview with a typo re-poll and the match report with its copy
    // (two stories as first labelled; one since session 11, as the match is
    // one event).
    ("held_out_6.jsonl", include_str!("../../../eval/story/held_out_6.jsonl")),
    // Parts 7 and 8, written in session 6 with the engine unchanged since
    // part 6: a bridge closing and staying shut with its wire copy, the same
    // paper's other bridge on the same river; a company's results with a
    // one-word fix and its acquisition two days later; a mayoral count and
    // result at a new URL with its copy, another town's count and recount; an
    // outbreak growing at one URL under a "Breaking:" line with its copy, the
    // same province's measles cases; two strikes at one port by one union a
    // week apart; a probe's arrival with an excerpt copy, the same agency's
    // telescope, the probe's first images at a new URL and a re-poll with a
    // tracking parameter.
    ("held_out_7.jsonl", include_str!("../../../eval/story/held_out_7.jsonl")),
    ("held_out_8.jsonl", include_str!("../../../eval/story/held_out_8.jsonl")),
    // Parts 9 and 10, written in session 8 before that session's engine
    // changes (the same-source follow-up rule, the 96 h window) and scored
    // once after them: a landslide developing at one URL with its copy, a
    // re-poll and a follow-up at a new URL in new words, the same wire's
    // rockfall under its standing weather paragraph; a plant closure with a
    // typo fix and a copy, the company's results two days later naming the
    // closure; a referendum's close and its result at a new URL with a copy,
    // the paper's next referendum a week later; a factory fire developing
    // overnight, its wrap-up at a new URL with a copy, the town's next fire
    // with a timestamp re-poll; an extradition hearing with a re-poll and its
    // ruling at a new URL, the same court's other case under its standing
    // paragraph; a heat warning raised at one URL with a copy, the same
    // service's warning for another region.
    ("held_out_9.jsonl", include_str!("../../../eval/story/held_out_9.jsonl")),
    ("held_out_10.jsonl", include_str!("../../../eval/story/held_out_10.jsonl")),
    // Parts 11 and 12, written in session 8 after parts 9 and 10 were scored
    // and before the materiality changes (a negation is material, another
    // form of an auxiliary is not), scored once after them: a boil-water
    // notice with a grammar fix, a copy and its lifting at a new URL, the
    // town's pool closed in between; a bank's fine with a correction that
    // reverses a sentence, its mortgage rates the next day; a crowd crush
    // developing overnight with a copy and an inquiry at a new URL, the
    // stadium's cup final; a derailment with a copy, a tracking-parameter
    // re-poll and the line reopening at a new URL, a signal fault at the same
    // station; a party's new leader with a grammar fix and a copy, the party's
    // by-election defeat; a vaccine trial developing at one URL with a copy,
    // dengue in the same region.
    ("held_out_11.jsonl", include_str!("../../../eval/story/held_out_11.jsonl")),
    ("held_out_12.jsonl", include_str!("../../../eval/story/held_out_12.jsonl")),
    // Parts 13 and 14 (session 9): each of six stories is followed up by its
    // outlet at a new URL in new words, beside the same outlet's different
    // event that shares its place and vocabulary and refers back to it (a
    // paint plant's fire and a warehouse fire on the same estate; one union's
    // strike at a bank and ballot at an insurer; a museum's return of bronzes,
    // with a typo fix, a copy and an update at one URL; a hospital's
    // cyberattack and the town council's; a missing hiker and another rescue
    // nearby; a mayor's fraud trial and the council treasurer's charge).
    ("held_out_13.jsonl", include_str!("../../../eval/story/held_out_13.jsonl")),
    ("held_out_14.jsonl", include_str!("../../../eval/story/held_out_14.jsonl")),
    // Parts 15 and 16 (28 articles, 12 stories), written and committed before
    // headlines were read for outcomes, in new domains: each developing
    // story's outlet follows it up at a new URL in new words (a prison
    // escapee caught, then the second; a river spill's cause; an airport's
    // recovery; a zoo's red panda found; a sprinter's B sample; a storm's
    // schools reopening), beside the same outlet's next event in the same
    // place or team (the prison officers' ballot, a sewage overflow on the
    // same river, the airport's runway approved, the zoo's cubs, a
    // team-mate's ban, the next storm).
    ("held_out_15.jsonl", include_str!("../../../eval/story/held_out_15.jsonl")),
    ("held_out_16.jsonl", include_str!("../../../eval/story/held_out_16.jsonl")),
    // Parts 17 and 18 (26 articles, 12 stories), written and committed before
    // headlines' event words were looked for in their stories' texts: each
    // developing story's outlet follows it up at a new URL in new words (a
    // high street reopened after a gas leak, a missing trawler's crew found,
    // a plant's closure confirmed, a gallery theft's arrests, a school
    // reopened after norovirus, a striker's surgery), beside the same
    // outlet's next event in the same place, company or team (a burst water
    // main, a kayak rescue, the chief executive leaving, the gallery's wing
    // reopening, a care home's cases, his stand-in signed).
    ("held_out_17.jsonl", include_str!("../../../eval/story/held_out_17.jsonl")),
    ("held_out_18.jsonl", include_str!("../../../eval/story/held_out_18.jsonl")),
    // Parts 19 and 20 (24 articles, 12 stories), written and committed after
    // the headline rule's second change, and scored with it unchanged: each
    // developing story's outlet follows it up at a new URL in new words (a
    // stranded whale swimming free, a minister's resignation, a bank app's
    // flaw fixed, a festival called off, the cracked blade behind an
    // emergency landing, listeria confirmed in recalled pies), beside the
    // same outlet's next event in the same place, office, company or airport
    // (a dead dolphin, another minister's contract, the app's outage,
    // another festival, a bird strike, the maker's yoghurt recall).
    ("held_out_19.jsonl", include_str!("../../../eval/story/held_out_19.jsonl")),
    ("held_out_20.jsonl", include_str!("../../../eval/story/held_out_20.jsonl")),
    // Parts 21 and 22 (22 articles, 12 stories), written and committed before
    // the outcome words were widened: each developing story's outlet follows
    // it up at a new URL in new words (a town's power restored, an armed
    // standoff ended, a sinkhole's cause, skiers dug out alive, a leaked
    // exam paper replaced, a tanker's oil slick held back), beside the same
    // outlet's next event in the same town, road, valley, exam board or sea
    // (planned power cuts, burglaries, a flooded library, the avalanche risk
    // raised, the board's fine, a ship's lost containers).
    ("held_out_21.jsonl", include_str!("../../../eval/story/held_out_21.jsonl")),
    ("held_out_22.jsonl", include_str!("../../../eval/story/held_out_22.jsonl")),
    // Parts 23 and 24 (23 articles, 12 stories), written and committed
    // (4dc6daa) with the engine of session 10 unchanged: each developing
    // story's outlet follows it up at a new URL in new words (a missing boy
    // found, a councillor charged, a player's injury scanned, a farm's flock
    // culled, a diverted flight's passenger jailed, a mayor surviving a
    // vote), beside the same outlet's next event in the same forest,
    // council, tournament, town, airline or city hall (a car park's closure,
    // another councillor quitting, the final, an egg packer's jobs, lost
    // bags, the deputy mayor's bid).
    ("held_out_23.jsonl", include_str!("../../../eval/story/held_out_23.jsonl")),
    ("held_out_24.jsonl", include_str!("../../../eval/story/held_out_24.jsonl")),
    // Parts 25 and 26 (22 articles, 12 stories), written and committed
    // (7c9e37e) before the headline rule counted the story's text names:
    // each developing story's outlet follows it up at a new URL in new words
    // (a school roof's weak concrete found, a van robbery's arrests, a
    // lake's algae cleared, a brewer's bid turned down, a bridge strike
    // cleared, a measles outbreak's spread), beside the same outlet's next
    // event at the same school, police force, lake, brewer, street or town
    // (an inspection, the chief's retirement, a regatta, a new brewery, a
    // market's move, a GP merger).
    ("held_out_25.jsonl", include_str!("../../../eval/story/held_out_25.jsonl")),
    ("held_out_26.jsonl", include_str!("../../../eval/story/held_out_26.jsonl")),
    // Parts 27 and 28 (21 articles, 12 stories), written and committed
    // (97ed36a) to test a headline change sketched before them (not adopted:
    // see `eval/story/README.md`), with hard negatives of the kind it could
    // take: each developing story's outlet follows it up at a new URL (a
    // mill fire's damage, library closures voted through, a striker's
    // signing, a ward reopened, a ferry's passengers home, a murder charge),
    // beside the same outlet's next event at the same town, council, club,
    // hospital, ferry line or park (a tannery grant, parking charges, a
    // fine, another ward's flu closure, fares, a stabbing).
    ("held_out_27.jsonl", include_str!("../../../eval/story/held_out_27.jsonl")),
    ("held_out_28.jsonl", include_str!("../../../eval/story/held_out_28.jsonl")),
    // Parts 29 and 30 (22 articles, 12 stories), written and committed
    // before the change they test (a follow-up's lead dating the story's
    // event: see `eval/story/README.md`), with hard negatives whose lead
    // recalls the first event by its day: each developing story's outlet
    // follows it up at a new URL (a climber found dead, a tiger back in its
    // den, pupils going back, a driver arrested, a leader resigning, a
    // festival reopening), beside the same outlet's next event at the same
    // fell, zoo, town, bridges, council or festival (warning signs, otter
    // pups, a second school flooded, a lorry under a bridge, a tax rise, a
    // sell-out).
    ("held_out_29.jsonl", include_str!("../../../eval/story/held_out_29.jsonl")),
    ("held_out_30.jsonl", include_str!("../../../eval/story/held_out_30.jsonl")),
    // Part 31 (15 articles, 10 stories), written and committed before the
    // rule it tests (a recurring report's next instalment, at a URL that
    // differs only in its date, is a new story): a market close on three
    // days with a copy and a typo fix, a next-day forecast on two evenings
    // and a lottery draw's results twice, each from one template, beside
    // developing stories whose new-URL versions change only numbers or the
    // day (schools shut by a storm, a moor fire still burning, an oil
    // price jump).
    ("held_out_31.jsonl", include_str!("../../../eval/story/held_out_31.jsonl")),
    // Part 32 (15 articles, 8 stories), written and committed after that
    // rule was sketched on part 31 and before it was scored: a quake's wire
    // story at dated URLs with a copy, a re-slug and a live page carried to
    // the next day's URL; a currency close on three days at dated URLs with
    // a re-poll; a council's daily road closures at article-number URLs; a
    // timber yard fire re-slugged at article-number URLs; a flood warning
    // carried to the next day's URL under the same slug.
    ("held_out_32.jsonl", include_str!("../../../eval/story/held_out_32.jsonl")),
    // Part 33 (12 articles, 8 stories), written and committed before the
    // headline rule for recurring reports (two headlines equal but for
    // their day) was built: a county's daily road closures and a harbour's
    // tide times at undated URLs, a pollen forecast on two days under
    // headlines differing in more, beside a fisherman's search resuming on
    // two days under headlines equal but for the day, and a rail line's
    // landslip closure extended.
    ("held_out_33.jsonl", include_str!("../../../eval/story/held_out_33.jsonl")),
];

/// The rows of labelled set `name`.
fn labelled(name: &str) -> Vec<Row> {
    let (_, text) = LABELLED_SETS
        .iter()
        .find(|(file, _)| *file == name)
        .unwrap_or_else(|| panic!("no labelled set {name}"));
    rows(text)
}

/// Hard-negative merges the engine is known to make, as (set, the two
/// articles' ids, sorted): open failures, each found by a part at first
/// sight and told in `eval/story/README.md`. The tests fail on a merge not
/// listed here, and on one listed that no longer happens.
const KNOWN_HARD_NEGATIVE_MERGES: &[(&str, &str, &str)] = &[
    // Part 33 (session 13): a pollen forecast on two days, written from one
    // template at undated URLs, under headlines that differ in more than
    // the day ("high on Saturday", "moderate on Sunday"). (Part 32's road
    // closures, listed here first, were kept apart by the headline rule.)
    ("held_out_33.jsonl", "pe-pollen-sat", "pe-pollen-sun"),
];

/// The known hard-negative merges of set `name`, ids prefixed by the set's
/// name when `prefixed` (as [`of_set`] does).
fn known_merges(name: &str, prefixed: bool) -> Vec<(String, String)> {
    let id = |id: &str| if prefixed { format!("{name}/{id}") } else { id.to_owned() };
    (KNOWN_HARD_NEGATIVE_MERGES.iter())
        .filter(|(set, _, _)| *set == name)
        .map(|(_, a, b)| (id(a), id(b)))
        .collect()
}

/// Every known hard-negative merge, ids prefixed by their set's name.
fn all_known_merges() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> =
        LABELLED_SETS.iter().flat_map(|(name, _)| known_merges(name, true)).collect();
    all.sort();
    all
}

/// Each labelled set decided by a fresh engine and reported as it scores;
/// a hard-negative merge in any (but a known one) fails the test, naming
/// the set. (The targets are held against all sets pooled, below.)
#[test]
fn no_labelled_set_merges_hard_negatives() {
    let unexpected: Vec<&str> = (LABELLED_SETS.iter())
        .filter(|(name, text)| {
            evaluate(name, &rows(text)).hard_negative_pairs != known_merges(name, false)
        })
        .map(|(name, _)| *name)
        .collect();
    assert!(
        unexpected.is_empty(),
        "hard-negative merges other than the known ones in {unexpected:?}"
    );
}

/// `row` of labelled set `name`, its id and labels prefixed by the set's
/// name: sets scored together keep their articles, stories and topics apart.
fn of_set(name: &str, mut row: Row) -> Row {
    row.id = format!("{name}/{}", row.id);
    row.label.story = format!("{name}/{}", row.label.story);
    row.label.topic = format!("{name}/{}", row.label.topic);
    row
}

/// Every labelled set (each decided by a fresh engine: their stories are
/// apart in time and topic), scored as one: the figure to hold against
/// the targets, since the tuning set alone scores what it was tuned to.
#[test]
fn all_labelled_sets_pooled() {
    let (mut all_rows, mut all_predicted) = (Vec::new(), Vec::new());
    for (name, text) in LABELLED_SETS {
        let rows = rows(text);
        for (row, (story_id, kind)) in rows.iter().zip(predict(&rows)) {
            all_rows.push(of_set(name, row.clone()));
            all_predicted.push((format!("{name}/{story_id}"), kind));
        }
    }
    let scores = score(&all_rows, &all_predicted);
    let scores = report("all labelled sets pooled", &all_rows, scores);
    assert_eq!(scores.hard_negative_pairs, all_known_merges(), "hard-negative merges");
}

/// Every labelled set in one stream, as if published in the same days by
/// the same outlets: each set's times shifted to start together, and its
/// sources renamed by order of first appearance ("outlet 1" is every set's
/// first outlet, which publishes its developing stories and their hard
/// negatives). Hundreds of unrelated stories from one outlet are then live
/// together: no story may take an article of another set, and the sets
/// should score as they do apart.
#[test]
fn every_set_in_one_window_from_shared_outlets_merges_nothing_across_sets() {
    let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap_or_default();
    let mut stream = Vec::new();
    for (name, text) in LABELLED_SETS {
        let rows = rows(text);
        let first = rows.iter().map(|row| row.published_at).min().unwrap_or(start);
        let mut outlets: Vec<String> = Vec::new();
        for mut row in rows {
            let outlet = match outlets.iter().position(|seen| *seen == row.source) {
                Some(at) => at + 1,
                None => {
                    outlets.push(row.source.clone());
                    outlets.len()
                }
            };
            row.source = format!("outlet {outlet}");
            row.published_at = start + (row.published_at - first);
            row.url = row.url.map(|url| format!("{url}/{name}"));
            stream.push(of_set(name, row));
        }
    }
    // In time order; a set's own order where times tie.
    stream.sort_by_key(|row| row.published_at);
    let predicted = predict(&stream);
    let set_of = |id: &str| id.split('/').next().unwrap_or_default().to_owned();
    let mut ids_by_story: HashMap<&str, Vec<&str>> = HashMap::new();
    for (row, (story, _)) in stream.iter().zip(&predicted) {
        ids_by_story.entry(story).or_default().push(&row.id);
    }
    let across: Vec<_> = (ids_by_story.values())
        .filter(|ids| ids.iter().any(|id| set_of(id) != set_of(ids[0])))
        .collect();
    let scores = report("every set in one window", &stream, score(&stream, &predicted));
    assert!(across.is_empty(), "stories holding articles of several sets: {across:?}");
    assert_eq!(scores.hard_negative_pairs, all_known_merges(), "hard-negative merges");
}

#[test]
fn evaluation_set_meets_the_targets() {
    let scores = evaluate("articles.jsonl", &labelled("articles.jsonl"));
    assert!(scores.bcubed_f1 >= 0.97, "B-cubed F1 {:.3} < 0.97", scores.bcubed_f1);
    assert!(scores.accuracy >= 0.95, "decision accuracy {:.3} < 0.95", scores.accuracy);
    assert_eq!(scores.hard_negative_merges, 0, "hard-negative merges");
}

#[test]
fn the_scorer_counts_a_false_merge_and_a_wrong_kind() {
    let rows = labelled("articles.jsonl");
    // Everything in one story, every decision "new": the worst answer.
    let predicted: Vec<(String, String)> =
        rows.iter().map(|_| ("one".to_owned(), "new".to_owned())).collect();
    let scores = score(&rows, &predicted);
    assert!(scores.bcubed_precision < 0.5);
    assert!((scores.bcubed_recall - 1.0).abs() < 1e-9);
    assert!(scores.hard_negative_merges > 0);
    assert!(scores.accuracy < 0.5);
    // Every update is counted at one place, and none is right.
    let updates = rows.iter().filter(|row| row.label.kind == "update").count();
    let by_place = scores.updates_by_place.values();
    assert_eq!(by_place.fold((0, 0), |sum, (c, t)| (sum.0 + c, sum.1 + t)), (0, updates));
}

/// Apply an outcome's changelog writes to a compacted "topic".
fn apply(
    changelog: &mut BTreeMap<String, Vec<u8>>,
    engine: &StoryEngine,
    outcome: &lede_story::Outcome,
) {
    for write in &outcome.changelog {
        match write {
            ChangelogWrite::Snapshot { story_id, seq } => {
                let story =
                    engine.snapshot(*seq).expect("readable").expect("a changed story is live");
                changelog.insert(story_id.clone(), story)
            }
            ChangelogWrite::Tombstone { story_id } => changelog.remove(story_id),
        };
    }
}

/// Every labelled set, so that every rule's indexes (the headline index
/// too) are restored.
#[test]
fn restart_at_any_point_gives_the_decisions_of_one_run() {
    for (name, _) in LABELLED_SETS {
        restart_at_any_point_decides_as_one_run(name);
    }
}

fn restart_at_any_point_decides_as_one_run(name: &str) {
    let rows = labelled(name);
    let mut uninterrupted = StoryEngine::new(EngineConfig::default());
    let expected: Vec<lede_core::Decision> =
        rows.iter().map(|row| decide(&mut uninterrupted, row).decision).collect();
    for split in 0..=rows.len() {
        for (store, mut first) in engines() {
            let mut changelog = BTreeMap::new();
            let mut decisions = Vec::new();
            for row in &rows[..split] {
                let outcome = decide(&mut first, row);
                apply(&mut changelog, &first, &outcome);
                decisions.push(outcome.decision);
            }
            // Restored into a fresh engine of the same kind.
            let [memory, log] = engines();
            let (_, mut restored) = if store == memory.0 { memory } else { log };
            let held = changelog
                .iter()
                .map(|(key, value)| restored.restore_snapshot(key, value))
                .collect::<Result<Vec<_>, _>>()
                .unwrap_or_else(|e| panic!("restore at {split}: {e}"));
            restored.index_restored(held).expect("indexed");
            for row in &rows[split..] {
                decisions.push(decide(&mut restored, row).decision);
            }
            assert_eq!(
                decisions, expected,
                "{name}, {store}: restart after {split} articles changed the decisions"
            );
        }
    }
}

#[test]
fn restore_reads_changelog_values() {
    let rows = labelled("articles.jsonl");
    let mut engine = StoryEngine::new(EngineConfig::default());
    let mut changelog = BTreeMap::new();
    for row in &rows {
        let outcome = decide(&mut engine, row);
        apply(&mut changelog, &engine, &outcome);
    }
    let restored = StoryEngine::restore(
        EngineConfig::default(),
        changelog.iter().map(|(key, value)| (key.as_str(), value.as_slice())),
    )
    .expect("restored");
    assert_eq!(restored.len(), engine.len());
    let broken = StoryEngine::restore(EngineConfig::default(), [("s1", &b"{"[..])]);
    assert!(matches!(broken, Err(lede_story::RestoreError::Snapshot { .. })));
}

#[test]
fn rollback_undoes_a_batch_exactly() {
    for (name, _) in LABELLED_SETS {
        rollback_undoes_a_batch_of(name);
    }
}

fn rollback_undoes_a_batch_of(name: &str) {
    let rows = labelled(name);
    let (head, tail) = rows.split_at(rows.len() / 2);
    for (store, mut engine) in engines() {
        for row in head {
            decide(&mut engine, row);
        }
        // A batch whose commit failed: decided, then rolled back, then retried.
        engine.begin();
        let first_try: Vec<_> = tail.iter().map(|row| decide(&mut engine, row)).collect();
        engine.rollback().expect("rolled back");
        engine.begin();
        let retry: Vec<_> = tail.iter().map(|row| decide(&mut engine, row)).collect();
        engine.commit();
        assert_eq!(
            first_try, retry,
            "{name}, {store}: a retried batch must decide exactly as the first try"
        );
    }
}

/// Stories kept in a record log decide exactly as stories kept in memory:
/// the same outcomes (decisions, events, changelog writes) and the same
/// changelog values, on every labelled set.
#[test]
fn record_log_decides_as_memory() {
    for (name, text) in LABELLED_SETS {
        let rows = rows(text);
        let [(_, mut memory), (_, mut log)] = engines();
        for row in &rows {
            let expected = decide(&mut memory, row);
            let got = decide(&mut log, row);
            assert_eq!(got, expected, "{name}: {}", row.id);
            for write in &got.changelog {
                if let ChangelogWrite::Snapshot { seq, .. } = write {
                    let snapshot = |engine: &StoryEngine| engine.snapshot(*seq).expect("readable");
                    assert_eq!(snapshot(&log), snapshot(&memory), "{name}: {}", row.id);
                }
            }
        }
    }
}

/// `lede dedup`'s path (features of re-polls left to the engine, the
/// article handed over, no events) decides as the daemon's path does, with
/// the same changelog writes, on every labelled set.
#[test]
fn dedup_path_decides_as_the_daemon_path() {
    for (_, text) in LABELLED_SETS {
        let rows = rows(text);
        let mut daemon = StoryEngine::new(EngineConfig::default());
        let mut dedup = StoryEngine::new(EngineConfig::default());
        for row in &rows {
            let article = article(row);
            let expected = daemon.decide(&article, row.published_at).expect("decided");
            let got = dedup
                .decide_only(article, ArticleFeatures::deferred(), row.published_at)
                .expect("decided");
            assert_eq!(got.decision, expected.decision, "{}", row.id);
            assert_eq!(got.changelog, expected.changelog, "{}", row.id);
        }
    }
}
