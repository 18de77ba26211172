//! Paragraph-level diff between two versions of a story: paragraphs kept,
//! added, removed and rewritten, and whether the change is material (more
//! than a typo, whitespace or a changed timestamp line; a changed number or
//! negation is material).

use std::collections::{HashMap, HashSet};

use lede_core::{Changes, Rewrite};

use crate::text::{differs_by_at_least, intersection, material_words, negation_changed};

/// A rewrite is material when at least this many words differ.
const MATERIAL_REWRITE_WORDS: usize = 2;
/// A title change is material when at least this many words differ.
const MATERIAL_TITLE_WORDS: usize = 2;
/// Two paragraphs are "the same paragraph, rewritten" from this word-set Jaccard on.
const REWRITE_SIMILARITY: f64 = 0.5;
/// Above this many paragraph pairs, alignment falls back to exact matches
/// in order, and rewrites are not paired.
const MAX_ALIGNMENT_CELLS: usize = 250_000;

/// The diff and how material it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// What changed, by paragraph index.
    pub changes: Changes,
    /// Added paragraphs with at least one material word.
    pub material_added: usize,
    /// Removed paragraphs with at least one material word.
    pub material_removed: usize,
    /// Rewritten paragraphs with at least [`MATERIAL_REWRITE_WORDS`] words changed.
    pub material_rewritten: usize,
    /// The title changed by at least [`MATERIAL_TITLE_WORDS`] words.
    pub material_title: bool,
}

impl Diff {
    /// New material: added or materially rewritten text, or a new headline.
    pub fn adds_material(&self) -> bool {
        self.material_added > 0 || self.material_rewritten > 0 || self.material_title
    }

    /// Any material change, removals included.
    pub fn is_material(&self) -> bool {
        self.adds_material() || self.material_removed > 0
    }
}

/// Compare `old` (title, paragraphs) with `new`. Paragraphs the two share
/// byte for byte at the start and at the end are kept as they are (the
/// common case: a paragraph added on top, or below); only the part between
/// is read word by word and aligned.
pub fn diff(old_title: &str, old: &[String], new_title: &str, new: &[String]) -> Diff {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (old_middle, new_middle) =
        (&old[prefix..old.len() - suffix], &new[prefix..new.len() - suffix]);
    let old_words: Vec<Vec<u64>> = old_middle.iter().map(|p| material_words(p)).collect();
    let new_words: Vec<Vec<u64>> = new_middle.iter().map(|p| material_words(p)).collect();
    let (kept_old, kept_new) = align(&old_words, &new_words);

    // Indices into the middle parts; `prefix` is added when reported.
    let mut unmatched_old: Vec<usize> =
        (0..old_middle.len()).filter(|i| !kept_old.contains(i)).collect();
    let mut result = Diff::default();
    let unmatched_new: Vec<usize> =
        (0..new_middle.len()).filter(|j| !kept_new.contains(j)).collect();
    // Rewrites are paired only while pairing costs a bounded time; beyond
    // it (a huge item rewritten throughout) paragraphs are added and removed.
    let pair_rewrites = unmatched_new.len() * unmatched_old.len() <= MAX_ALIGNMENT_CELLS;
    for to in unmatched_new {
        let best = pair_rewrites.then(|| {
            (unmatched_old.iter().enumerate())
                .map(|(slot, &from)| (slot, from, word_jaccard(&old_words[from], &new_words[to])))
                .filter(|&(_, _, similarity)| similarity >= REWRITE_SIMILARITY)
                .max_by(|a, b| a.2.total_cmp(&b.2).then(b.1.cmp(&a.1)))
        });
        let best = best.flatten();
        match best {
            Some((slot, from, _)) => {
                unmatched_old.remove(slot);
                result.changes.rewritten.push(Rewrite { from: prefix + from, to: prefix + to });
                let (old_text, new_text) = (&old_middle[from], &new_middle[to]);
                let (old_words, new_words) = (&old_words[from], &new_words[to]);
                if negation_changed(old_words, new_words)
                    || differs_by_at_least(
                        old_text,
                        old_words,
                        new_text,
                        new_words,
                        MATERIAL_REWRITE_WORDS,
                    )
                {
                    result.material_rewritten += 1;
                }
            }
            None => {
                result.changes.added.push(prefix + to);
                if !new_words[to].is_empty() {
                    result.material_added += 1;
                }
            }
        }
    }
    result.material_removed = unmatched_old.iter().filter(|&&i| !old_words[i].is_empty()).count();
    result.changes.removed = unmatched_old.into_iter().map(|i| prefix + i).collect();
    result.changes.rewritten.sort_by_key(|r| r.to);
    if old_title != new_title {
        result.changes.previous_title = Some(old_title.to_owned());
        let (old_words, new_words) = (material_words(old_title), material_words(new_title));
        result.material_title = negation_changed(&old_words, &new_words)
            || differs_by_at_least(
                old_title,
                &old_words,
                new_title,
                &new_words,
                MATERIAL_TITLE_WORDS,
            );
    }
    result
}

/// Indices of paragraphs kept unchanged (materially equal), as a longest
/// common subsequence; for very long texts, exact matches in order.
fn align(old: &[Vec<u64>], new: &[Vec<u64>]) -> (HashSet<usize>, HashSet<usize>) {
    let (n, m) = (old.len(), new.len());
    let mut kept_old = HashSet::new();
    let mut kept_new = HashSet::new();
    if n * m > MAX_ALIGNMENT_CELLS {
        // Each new paragraph keeps the first equal old one after the last
        // kept, found through the old paragraphs' positions by content.
        let mut positions: HashMap<&[u64], Vec<usize>> = HashMap::new();
        for (i, paragraph) in old.iter().enumerate() {
            positions.entry(paragraph.as_slice()).or_default().push(i);
        }
        let mut next = 0;
        for (j, paragraph) in new.iter().enumerate() {
            let Some(at) = positions.get(paragraph.as_slice()) else { continue };
            if let Some(&i) = at.get(at.partition_point(|&i| i < next)) {
                kept_old.insert(i);
                kept_new.insert(j);
                next = i + 1;
            }
        }
        return (kept_old, kept_new);
    }
    // lengths[i][j]: LCS of old[i..] and new[j..].
    let mut lengths = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lengths[i][j] = if old[i] == new[j] {
                lengths[i + 1][j + 1] + 1
            } else {
                lengths[i + 1][j].max(lengths[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i] == new[j] {
            kept_old.insert(i);
            kept_new.insert(j);
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    (kept_old, kept_new)
}

fn word_jaccard(a: &[u64], b: &[u64]) -> f64 {
    let (mut a, mut b) = (a.to_vec(), b.to_vec());
    for set in [&mut a, &mut b] {
        set.sort_unstable();
        set.dedup();
    }
    let common = intersection(&a, &b);
    let union = a.len() + b.len() - common;
    if union == 0 { 1.0 } else { common as f64 / union as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_huge_rewrite_is_diffed_in_bounded_time() {
        // 1,000 x 1,000 paragraph pairs: over the cells pairing may read.
        let old: Vec<String> = (0..1000).map(|i| format!("Old paragraph number {i}.")).collect();
        let mut new: Vec<String> =
            (0..1000).map(|i| format!("New paragraph number {i}.")).collect();
        // Two paragraphs kept, in order, found through the fallback.
        new[10] = old[3].clone();
        new[500] = old[900].clone();
        let d = diff("t", &old, "t", &new);
        assert!(d.changes.rewritten.is_empty());
        assert_eq!(d.changes.added.len(), 998);
        assert_eq!(d.changes.removed.len(), 998);
        assert!(!d.changes.removed.contains(&3) && !d.changes.removed.contains(&900));
        assert!(d.is_material());
    }

    #[test]
    fn developing_story_diff() {
        let old = texts(&[
            "Dozens of angry Iraqi Shiite militia supporters broke into the U.S. Embassy compound in Baghdad on Tuesday.",
            "There was a fire at the reception area near the parking lot of the compound.",
        ]);
        let new = texts(&[
            "Breaking: Reports of scuffle from US embassy in Baghdad. This is a developing situation.",
            "Earlier, dozens of angry Iraqi Shiite militia supporters broke into the U.S. Embassy compound in Baghdad on Tuesday.",
            "There was a fire at the reception area near the parking lot of the compound.",
        ]);
        let d = diff("Embassy stormed", &old, "Breaking: embassy stormed", &new);
        assert_eq!(d.changes.added, vec![0]);
        assert_eq!(d.changes.rewritten, vec![Rewrite { from: 0, to: 1 }]);
        assert!(d.changes.removed.is_empty());
        assert_eq!(d.material_added, 1);
        assert_eq!(d.material_rewritten, 0, "one added word is not a material rewrite");
        assert!(!d.material_title, "one word added to the title is not material");
        assert!(d.is_material());
    }

    #[test]
    fn changes_between_shared_paragraphs_keep_their_indices() {
        let old = texts(&["Same start.", "The toll rose to 25 on Monday night.", "Same end."]);
        let new = texts(&[
            "Same start.",
            "The toll rose to 30 on Monday night, officials said.",
            "A rescue team arrived from the capital.",
            "Same end.",
        ]);
        let d = diff("t", &old, "t", &new);
        assert_eq!(d.changes.rewritten, vec![Rewrite { from: 1, to: 1 }]);
        assert_eq!(d.changes.added, vec![2]);
        assert!(d.changes.removed.is_empty());
        let d = diff("t", &new, "t", &old);
        assert_eq!(d.changes.removed, vec![2]);
    }

    /// Fixture table: (old, new, material?).
    const MATERIALITY: &[(&[&str], &[&str], bool)] = &[
        (
            &["The guards used stun grenades to desperse the crowd."],
            &["The guards used stun grenades to disperse the crowd."],
            false,
        ),
        (
            &["Updated 10:32 GMT", "Body text here."],
            &["Updated 11:05 GMT", "Body text here."],
            false,
        ),
        (&["One  two\tthree."], &["One two three."], false),
        (&["Body text here."], &["Body text here.", "A new paragraph with new facts."], true),
        (
            &["Police said 25 people were hurt in the blast."],
            &["Police said 30 people were hurt in the blast."],
            true,
        ),
        (
            &["Police said people were hurt in the blast."],
            &["Police said the people were hurt in the blast."],
            false,
        ),
        (
            &["Police said 25 people were hurt."],
            &["Police said at least 30 people were hurt."],
            true,
        ),
        (
            &["The minister resigned on Monday after the vote."],
            &["The minister refused to resign on Monday despite losing the vote."],
            true,
        ),
        (&["A", "Body text here."], &["Body text here."], true),
        // One word, but it reverses the statement.
        (
            &["The bank said it would appeal against the fine."],
            &["The bank said it would not appeal against the fine."],
            true,
        ),
        // Agreement fixed: another form of the same auxiliary.
        (
            &["Costs for packaging and energy had fallen since the summer."],
            &["Costs for packaging and energy have fallen since the summer."],
            false,
        ),
    ];

    #[test]
    fn materiality_cases() {
        for (old, new, material) in MATERIALITY {
            let d = diff("t", &texts(old), "t", &texts(new));
            assert_eq!(d.is_material(), *material, "{old:?} -> {new:?}: {d:?}");
        }
    }
}
