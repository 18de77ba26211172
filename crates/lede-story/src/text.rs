//! Text as the story engine compares it: lower-case word tokens, word
//! shingles hashed to `u64`, and the "material" form of a text in which
//! numbers (timestamps, counters) do not count.

use xxhash_rust::xxh3::xxh3_64;

/// Words per shingle for MinHash signatures (candidate search): long
/// shingles keep unrelated texts from colliding.
pub const SIGNATURE_SHINGLE_WORDS: usize = 3;
/// Words per shingle for verifying candidates: short shingles survive the
/// changed numbers of a developing story.
pub const COMPARE_SHINGLE_WORDS: usize = 2;

/// Lower-case alphanumeric words of `text`, in order.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

/// Hashes of the words of `text`, in order.
pub fn word_hashes(text: &str) -> Vec<u64> {
    words(text).map(|w| xxh3_64(w.as_bytes())).collect()
}

/// The sorted, de-duplicated set of `words`-word shingle hashes of a word
/// sequence. Sequences shorter than a shingle give their words' hashes.
pub fn shingles(word_hashes: &[u64], words: usize) -> Vec<u64> {
    let mut set: Vec<u64> = if word_hashes.len() < words {
        word_hashes.to_vec()
    } else {
        word_hashes
            .windows(words)
            .map(|w| {
                mix(w.iter().enumerate().fold(0, |acc, (i, h)| acc ^ h.rotate_left(21 * i as u32)))
            })
            .collect()
    };
    set.sort_unstable();
    set.dedup();
    set
}

/// A strong 64-bit mixer (the finalizer of SplitMix64).
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Size of the intersection of two sorted sets.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// Words that mark a line as a timestamp ("Updated 10:32 GMT, Dec 31").
const TIMESTAMP_MARKERS: &[&str] = &[
    "updated",
    "published",
    "posted",
    "modified",
    "ago",
    "gmt",
    "utc",
    "bst",
    "cet",
    "cest",
    "est",
    "edt",
    "pst",
    "pdt",
    "ist",
    "am",
    "pm",
    "jan",
    "feb",
    "mar",
    "apr",
    "may",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
/// Longest line that can be a timestamp line, in words.
const TIMESTAMP_LINE_WORDS: usize = 12;

/// Words that carry meaning for "did this change materially": the lower-case
/// words, except that a timestamp line ("Updated 10:32 GMT, Dec 31") has
/// none: adding, changing or removing it is not material. Numbers elsewhere
/// (a death toll) do count.
pub fn material_words(text: &str) -> Vec<String> {
    let all: Vec<String> = words(text).collect();
    let timestamp_line = all.len() <= TIMESTAMP_LINE_WORDS
        && all.iter().any(|w| TIMESTAMP_MARKERS.contains(&w.as_str()))
        && all.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    if timestamp_line { Vec::new() } else { all }
}

/// Words in one list and not the other, counting repeats, where a word
/// replaced by a near-identical one (a typo fix: edit distance at most 2,
/// no digits, at least 4 letters) does not count.
pub fn word_difference(a: &[String], b: &[String]) -> usize {
    let mut counts: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    for w in a {
        *counts.entry(w).or_default() += 1;
    }
    for w in b {
        *counts.entry(w).or_default() -= 1;
    }
    let mut removed: Vec<&str> = Vec::new();
    let mut added: Vec<&str> = Vec::new();
    for (word, count) in counts {
        let list = if count > 0 { &mut removed } else { &mut added };
        list.extend(std::iter::repeat_n(word, count.unsigned_abs() as usize));
    }
    removed.sort_unstable();
    added.sort_unstable();
    let mut typos = 0;
    for old in &removed {
        if let Some(slot) = added.iter().position(|new| is_typo_fix(old, new)) {
            added.remove(slot);
            typos += 1;
        }
    }
    removed.len() - typos + added.len()
}

fn is_typo_fix(old: &str, new: &str) -> bool {
    let plain = |w: &str| w.chars().count() >= 4 && !w.chars().any(|c| c.is_ascii_digit());
    plain(old) && plain(new) && strsim::levenshtein(old, new) <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_case_and_alphanumeric() {
        let got: Vec<String> = words("U.S. Embassy, in Baghdad's—compound").collect();
        assert_eq!(got, vec!["u", "s", "embassy", "in", "baghdad", "s", "compound"]);
    }

    #[test]
    fn shingles_are_sets() {
        let a = shingles(&word_hashes("a b c a b c"), 3);
        assert_eq!(a.len(), 3, "abc, bca, cab");
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(shingles(&word_hashes("two words"), 3).len(), 2);
        assert_eq!(intersection(&a, &shingles(&word_hashes("x a b c"), 3)), 1);
        assert_eq!(shingles(&word_hashes("a b c a b c"), 2).len(), 3, "ab, bc, ca");
    }

    #[test]
    fn digits_do_not_count_materially() {
        let a = material_words("Updated 10:32 GMT, Dec 31");
        let b = material_words("Updated 11:05 GMT, Dec 31");
        assert_eq!(word_difference(&a, &b), 0);
        let toll = word_difference(
            &material_words("Police said 25 people were hurt."),
            &material_words("Police said 30 people were hurt."),
        );
        assert_eq!(toll, 2, "numbers in body text are material");
        assert_eq!(
            word_difference(
                &material_words("to desperse the crowd"),
                &material_words("to disperse the crowd")
            ),
            0
        );
        assert_eq!(word_difference(&material_words("a b c"), &material_words("a b c d")), 1);
    }
}
