//! Text as the story engine compares it: hashes of lower-case words (no
//! allocation per word), word shingles hashed to `u64`, and the "material"
//! words of a paragraph, in which a timestamp line has none.

use std::sync::LazyLock;

use lede_core::entity::CALENDAR_WORDS;

/// Words per shingle for MinHash signatures (candidate search): long
/// shingles keep unrelated texts from colliding.
pub const SIGNATURE_SHINGLE_WORDS: usize = 3;
/// Words per shingle for verifying candidates: short shingles survive the
/// changed numbers of a developing story.
pub const COMPARE_SHINGLE_WORDS: usize = 2;

/// Byte classes for the ASCII fast path of [`scan_words`].
const WORD: u8 = 1;
const NON_ASCII: u8 = 2;
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = if b >= 0x80 {
            NON_ASCII
        } else if b.is_ascii_alphanumeric() {
            WORD
        } else {
            0
        };
        byte += 1;
    }
    table
};

/// Calls `f(word, hash)` for each alphanumeric word of `text`, in order:
/// `word` as written, `hash` its [`word_hash`] once lower-cased. ASCII is
/// classified by table and lower-cased while hashed; only words with other
/// characters are decoded and lower-cased apart.
pub fn scan_words(text: &str, mut f: impl FnMut(&str, u64)) {
    let bytes = text.as_bytes();
    let mut lower = String::new();
    // Is the character at `at` alphanumeric, and how many bytes is it?
    let decode = |at: usize| -> (bool, usize) {
        let c = text[at..].chars().next().unwrap_or(' ');
        (c.is_alphanumeric(), c.len_utf8())
    };
    let class = |at: usize| bytes.get(at).map_or(0, |&b| BYTE_CLASS[b as usize]);
    let mut at = 0;
    while at < bytes.len() {
        // Skip ASCII separators (spaces, punctuation) in one run; most
        // runs are one space.
        if class(at) == 0 && class(at + 1) == WORD {
            at += 1;
        } else {
            at = run_end(bytes, at, |chunk| ascii_alnum(chunk) | (chunk & HIGH_BITS), 0);
        }
        if at == bytes.len() {
            break;
        }
        let start = at;
        let mut ascii = true;
        loop {
            at = run_end(bytes, at, |chunk| !ascii_alnum(chunk) & HIGH_BITS, WORD);
            if class(at) != NON_ASCII {
                break;
            }
            let (alphanumeric, width) = decode(at);
            if !alphanumeric {
                break;
            }
            ascii = false;
            at += width;
        }
        if at == start {
            // Not a word character: skip it whole.
            at += if class(at) == NON_ASCII { decode(at).1 } else { 1 };
            continue;
        }
        let word = &text[start..at];
        let hash = if ascii {
            // ASCII letters and digits lower-case by setting 0x20.
            ascii_word_hash(bytes, start..at)
        } else {
            lower.clear();
            lower.extend(word.chars().flat_map(char::to_lowercase));
            word_hash(lower.as_bytes())
        };
        f(word, hash);
    }
}

/// The high bit of every byte of a `u64`.
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Per byte of `chunk`: its high bit set where the byte is an ASCII letter
/// or digit, all clear otherwise (non-ASCII bytes included).
#[inline]
fn ascii_alnum(chunk: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let seven_bits = chunk & !HIGH_BITS;
    // For 7-bit bytes x: the high bit of x + (0x80 - lo) is set when
    // x >= lo, that of x + (0x7f - hi) when x > hi; no byte carries over.
    let in_range =
        |x: u64, lo: u64, hi: u64| (x + ONES * (0x80 - lo)) & !(x + ONES * (0x7f - hi)) & HIGH_BITS;
    let digits = in_range(seven_bits, 0x30, 0x39);
    // Setting 0x20 lower-cases letters and moves nothing else into a-z.
    let letters = in_range(seven_bits | (ONES * 0x20), 0x61, 0x7a);
    (digits | letters) & !(chunk & HIGH_BITS)
}

/// Where the run of bytes of class `class` starting at `at` ends: eight
/// bytes at a time while `stops(chunk)` (the high bit of each byte that
/// ends the run) finds none, then byte by byte.
#[inline]
fn run_end(bytes: &[u8], mut at: usize, stops: impl Fn(u64) -> u64, class: u8) -> usize {
    while let Some(window) = bytes.get(at..at + 8) {
        let mut chunk = [0u8; 8];
        chunk.copy_from_slice(window);
        let stop = stops(u64::from_le_bytes(chunk));
        if stop != 0 {
            return at + (stop.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at + bytes[at..].iter().take_while(|&&b| BYTE_CLASS[b as usize] == class).count()
}

/// The hash of a lower-case word (its UTF-8 bytes), as [`scan_words`] gives it.
pub fn word_hash(word: &[u8]) -> u64 {
    chunked_hash(word, 0)
}

/// [`word_hash`] of the lower-cased ASCII word `text[word]`. A short word
/// followed by 8 bytes of text is read in one load and masked.
#[inline]
fn ascii_word_hash(text: &[u8], word: std::ops::Range<usize>) -> u64 {
    const LOWER: u64 = 0x2020_2020_2020_2020;
    let len = word.len();
    match text.get(word.start..word.start + 8) {
        Some(window) if len < 8 => {
            let mut load = [0u8; 8];
            load.copy_from_slice(window);
            let used = u64::MAX >> (64 - 8 * len);
            mix((u64::from_le_bytes(load) | LOWER) & used ^ ((len as u64) << 56))
        }
        _ => chunked_hash(&text[word], LOWER),
    }
}

/// Hash `bytes` 8 at a time, each chunk's bytes or-ed with `set`.
fn chunked_hash(bytes: &[u8], set: u64) -> u64 {
    let mut state = 0;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        state = mix(state ^ (u64::from_le_bytes(word) | set));
    }
    let rest = chunks.remainder();
    let last = rest.iter().rev().fold(0, |last, &byte| (last << 8) | u64::from(byte));
    let used = if rest.is_empty() { 0 } else { u64::MAX >> (64 - 8 * rest.len()) };
    let last = last | (set & used);
    mix(state ^ last ^ ((bytes.len() as u64) << 56))
}

/// Hashes of the lower-case words of `text`, in order.
pub fn word_hashes(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    scan_words(text, |_, hash| out.push(hash));
    out
}

/// [`word_hash`]es of the proper names in `text`, as English writes them:
/// capitalized words of 3+ characters that do not start a sentence, outside
/// parentheses (where agency credits stand), other than weekdays and months.
/// Sorted and de-duplicated.
pub fn proper_names(text: &str) -> Vec<u64> {
    let mut names = Vec::new();
    let (mut sentence_start, mut depth, mut previous_end) = (true, 0u32, 0);
    scan_words(text, |word, hash| {
        // `word` is a slice of `text`: its offset there.
        let start = word.as_ptr() as usize - text.as_ptr() as usize;
        for c in text[previous_end..start].chars() {
            match c {
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                '.' | '!' | '?' | ':' => sentence_start = true,
                _ => {}
            }
        }
        previous_end = start + word.len();
        if word.starts_with(char::is_uppercase)
            && !sentence_start
            && depth == 0
            && word.chars().nth(2).is_some()
            && !CALENDAR_HASHES.contains(&hash)
        {
            names.push(hash);
        }
        sentence_start = false;
    });
    names.sort_unstable();
    names.dedup();
    names
}

/// [`word_hash`]es of [`CALENDAR_WORDS`].
static CALENDAR_HASHES: LazyLock<Vec<u64>> =
    LazyLock::new(|| CALENDAR_WORDS.iter().map(|word| word_hash(word.as_bytes())).collect());

/// The sorted, de-duplicated set of `words`-word shingle hashes of a word
/// sequence. Sequences shorter than a shingle give their words' hashes.
pub fn shingles(word_hashes: &[u64], words: usize) -> Vec<u64> {
    let mut set: Vec<u64> = shingle_hashes(word_hashes, words).collect();
    set.sort_unstable();
    set.dedup();
    set
}

/// Hashes of the `words`-word shingles of a word sequence, unsorted and
/// possibly repeated (a sequence shorter than a shingle gives its words).
pub fn shingle_hashes(word_hashes: &[u64], words: usize) -> impl Iterator<Item = u64> + '_ {
    let windows = if word_hashes.len() < words { 1 } else { words };
    word_hashes.windows(windows).map(|w| {
        mix(w.iter().enumerate().fold(0, |acc, (i, h)| acc ^ h.rotate_left(21 * i as u32)))
    })
}

/// A strong 64-bit mixer (the finalizer of SplitMix64).
pub fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Size of the intersection of two sorted sets.
pub fn intersection<T: Ord>(a: &[T], b: &[T]) -> usize {
    intersection_outside(a, b, &[])
}

/// How many elements two sorted sets share that are not in `outside` (sorted).
pub fn intersection_outside<T: Ord>(a: &[T], b: &[T], outside: &[T]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if outside.is_empty() || outside.binary_search(&a[i]).is_err() {
                    common += 1;
                }
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
static TIMESTAMP_MARKER_HASHES: LazyLock<Vec<u64>> =
    LazyLock::new(|| TIMESTAMP_MARKERS.iter().map(|w| word_hash(w.as_bytes())).collect());
/// Longest line that can be a timestamp line, in words.
const TIMESTAMP_LINE_WORDS: usize = 12;

/// The words of a paragraph that count for "did this change materially":
/// the hashes of its lower-case words, except that a timestamp line
/// ("Updated 10:32 GMT, Dec 31") has none: adding, changing or removing it
/// is not material. Numbers elsewhere (a death toll) do count.
pub fn material_words(text: &str) -> Vec<u64> {
    let (mut hashes, mut has_digit) = (Vec::new(), false);
    scan_words(text, |word, hash| {
        has_digit |= word.bytes().any(|b| b.is_ascii_digit());
        hashes.push(hash);
    });
    // Markers are looked for only in a short line with a number.
    if hashes.len() <= TIMESTAMP_LINE_WORDS
        && has_digit
        && hashes.iter().any(|hash| TIMESTAMP_MARKER_HASHES.contains(hash))
    {
        Vec::new()
    } else {
        hashes
    }
}

/// Do at least `at_least` words differ between two paragraphs (material
/// words, counting repeats), where a word replaced by a near-identical one
/// (a typo fix: edit distance at most 2, no digits, at least 4 letters; or
/// another form of the same auxiliary verb) does not count? The texts are
/// read again only when typo fixes could decide it, and typo fixes are
/// looked for only until they cannot.
pub fn differs_by_at_least(
    old_text: &str,
    old: &[u64],
    new_text: &str,
    new: &[u64],
    at_least: usize,
) -> bool {
    let (mut old_sorted, mut new_sorted) = (old.to_vec(), new.to_vec());
    old_sorted.sort_unstable();
    new_sorted.sort_unstable();
    let common = intersection(&old_sorted, &new_sorted);
    let (removed, added) = (old_sorted.len() - common, new_sorted.len() - common);
    let total = removed + added;
    // Each typo fix pairs a removed word with an added one: 2 words fewer.
    if total < at_least || total - 2 * removed.min(added) >= at_least {
        return total >= at_least;
    }
    // Typo fixes that bring the difference under `at_least`.
    let enough = (total - at_least) / 2 + 1;
    // The words of `text` not in `theirs` (sorted), as multisets: each
    // occurrence of a word in `text` consumes one of its copies in
    // `theirs`, if any is left; the rest are kept, lower-cased, in order.
    let only = |text: &str, theirs: &[u64]| {
        let mut words: Vec<String> = Vec::new();
        // consumed[i]: copies used of the run of equal hashes starting at i.
        let mut consumed = vec![0usize; theirs.len()];
        scan_words(text, |word, hash| {
            let first = theirs.partition_point(|&h| h < hash);
            let copies = theirs[first..].iter().take_while(|&&h| h == hash).count();
            match consumed.get_mut(first) {
                Some(used) if *used < copies => *used += 1,
                _ => words.push(word.to_lowercase()),
            }
        });
        words
    };
    let removed_words = only(old_text, &new_sorted);
    let mut added_words = only(new_text, &old_sorted);
    let mut typos = 0;
    for (checked, word) in removed_words.iter().enumerate() {
        if typos + (removed_words.len() - checked) < enough {
            return true;
        }
        if let Some(slot) = added_words.iter().position(|new| is_typo_fix(word, new)) {
            added_words.swap_remove(slot);
            typos += 1;
        }
    }
    typos < enough
}

/// Forms of one auxiliary verb: replacing one by another fixes agreement
/// or a tense in passing ("costs had fallen" -> "costs have fallen"; in
/// reported speech, "said it would continue" -> "said it will continue").
const AUXILIARY_FORMS: &[&[&str]] = &[
    &["has", "have", "had"],
    &["is", "are"],
    &["was", "were"],
    &["does", "do"],
    &["will", "would"],
    &["can", "could"],
];

/// Words that reverse a statement ("would appeal" -> "would not appeal").
const NEGATIONS: &[&str] =
    &["not", "no", "never", "nor", "neither", "none", "nobody", "nothing", "cannot"];
static NEGATION_HASHES: LazyLock<Vec<u64>> =
    LazyLock::new(|| NEGATIONS.iter().map(|w| word_hash(w.as_bytes())).collect());

/// Do two paragraphs' words (as [`material_words`]) hold a different number
/// of negations? Adding or removing one is material however little else
/// changes.
pub fn negation_changed(old: &[u64], new: &[u64]) -> bool {
    let negations = |words: &[u64]| words.iter().filter(|w| NEGATION_HASHES.contains(w)).count();
    negations(old) != negations(new)
}

/// Is `new` a slip fixed in `old`: a typo (edit distance at most 2, no
/// digits, at least 4 letters) or another form of the same auxiliary verb?
fn is_typo_fix(old: &str, new: &str) -> bool {
    if AUXILIARY_FORMS.iter().any(|forms| forms.contains(&old) && forms.contains(&new)) {
        return true;
    }
    // Letters in a word without digits.
    let letters = |w: &str| (!w.chars().any(|c| c.is_ascii_digit())).then(|| w.chars().count());
    match (letters(old), letters(new)) {
        // The edit distance is at least the difference in length.
        (Some(a), Some(b)) if a >= 4 && b >= 4 && a.abs_diff(b) <= 2 => {
            strsim::levenshtein(old, new) <= 2
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn differs(a: &str, b: &str, at_least: usize) -> bool {
        differs_by_at_least(a, &material_words(a), b, &material_words(b), at_least)
    }

    /// `scan_words` as the definition says it, one character at a time.
    fn words_one_char_at_a_time(text: &str) -> Vec<(String, u64)> {
        let mut words = Vec::new();
        let mut word = String::new();
        for c in text.chars().chain([' ']) {
            if c.is_alphanumeric() {
                word.push(c);
            } else if !word.is_empty() {
                let lower: String = word.chars().flat_map(char::to_lowercase).collect();
                words.push((std::mem::take(&mut word), word_hash(lower.as_bytes())));
            }
        }
        words
    }

    #[test]
    fn words_read_eight_bytes_at_a_time_are_the_words_of_the_definition() {
        let pieces = [
            "a", "Word", "ÉTÉ", "x9", "2024", " ", "  ", ", ", ".", "-", "'", "@", "`", "[", "{",
            "~", "\u{7f}", "—", "é", "日本", "😀", "\t", "\n", "Zz", "_", "/", "0", "9", ":", "ß",
        ];
        // Every sequence of 1-4 pieces, then longer mixes, at every offset
        // inside an 8-byte window.
        let mut texts = Vec::new();
        for a in pieces {
            for b in pieces {
                texts.push(format!("{a}{b}"));
                for c in pieces {
                    texts.push(format!("{a}{b}{c}{b}{a}"));
                }
            }
        }
        for pad in 0..9 {
            texts.push(format!("{}{}", " ".repeat(pad), pieces.join("")));
            texts.push(format!("{}{}", "x".repeat(pad), pieces.join(" ")));
        }
        for text in texts {
            let mut got = Vec::new();
            scan_words(&text, |word, hash| got.push((word.to_owned(), hash)));
            assert_eq!(got, words_one_char_at_a_time(&text), "{text:?}");
        }
    }

    #[test]
    fn words_are_lower_case_and_alphanumeric() {
        let mut got = Vec::new();
        scan_words("U.S. Embassy, in Baghdad's—compound", |word, _| got.push(word.to_owned()));
        assert_eq!(got, vec!["U", "S", "Embassy", "in", "Baghdad", "s", "compound"]);
        assert_eq!(word_hashes("Embassy ÉTÉ"), word_hashes("embassy été"));
        // The hash computed while scanning is the hash of the lower-cased word.
        for word in ["gmt", "internationalization", "a1b2c3d4", "été", "ab"] {
            assert_eq!(
                word_hashes(&word.to_uppercase()),
                vec![word_hash(word.as_bytes())],
                "{word}"
            );
        }
        // Words read in one 8-byte load (text follows them) hash the same.
        let sentence = "gmt internationalization a1b2c3d4 ab seven77 x";
        let expected: Vec<u64> = sentence.split(' ').map(|w| word_hash(w.as_bytes())).collect();
        assert_eq!(word_hashes(&sentence.to_uppercase()), expected);
        assert_ne!(word_hash(b"ab"), word_hash(b"ab\0"));
    }

    /// Fixture table for proper names: (text, the names found).
    const PROPER_NAMES: &[(&str, &[&str])] = &[
        ("Residents of Ormund and Lisk returned home on Monday.", &["ormund", "lisk"]),
        // Sentence starts, agency credits, short words and calendar words are not names.
        ("Varda is recalling cars. Dealers said so (Auto Daily) in May.", &[]),
        ("Police in the U.S. said so: Officers left", &[]),
        ("the Kessel dam's spillway, built by ÉLAN", &["kessel", "élan"]),
    ];

    #[test]
    fn proper_names_are_capitalized_words_inside_sentences() {
        for (text, names) in PROPER_NAMES {
            let mut expected: Vec<u64> = names.iter().map(|n| word_hash(n.as_bytes())).collect();
            expected.sort_unstable();
            assert_eq!(proper_names(text), expected, "{text:?}");
        }
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

    /// Fixture table: (old, new, words that differ materially).
    const DIFFERENCES: &[(&str, &str, usize)] = &[
        ("Updated 10:32 GMT, Dec 31", "Updated 11:05 GMT, Dec 31", 0),
        ("Updated 10:32 GMT, Dec 31", "", 0),
        ("Police said 25 people were hurt.", "Police said 30 people were hurt.", 2),
        ("to desperse the crowd", "to disperse the crowd", 0),
        ("a b c", "a b c d", 1),
        ("The Guards", "the guards", 0),
        ("a b", "c d", 4),
        // Typo fixes among other changes: three fixed, one word replaced.
        ("the desperate crowd gathered near bridges", "the disperate crowd gathred at bridge", 2),
        // Agreement: another form of the same auxiliary.
        ("costs had fallen and members has voted", "costs have fallen and members have voted", 0),
        ("the minister is in hospital", "the minister was in hospital", 2),
        // Reported speech: the tense of a modal.
        ("said its inquiry would continue", "said its inquiry will continue", 0),
        ("said it could help the families", "said it can help the families", 0),
    ];

    #[test]
    fn material_differences() {
        for &(old, new, expected) in DIFFERENCES {
            assert!(differs(old, new, expected), "{old:?} -> {new:?}: {expected} words");
            assert!(!differs(old, new, expected + 1), "{old:?} -> {new:?}: {expected} words");
        }
    }
}
