//! MinHash signatures by one-permutation hashing (each shingle hashed once,
//! its hash picks a bin and competes for the bin's minimum; empty bins are
//! filled from the next full bin), and LSH band keys over them.
//!
//! With [`BINS`] = 64 split into 32 [`BANDS`] of 2 [`ROWS`], two texts
//! become candidates with probability `1 - (1 - J^2)^32` (J: Jaccard of
//! their 3-word shingles): 0.03 at 0.03, 0.72 at 0.2, 0.95 at 0.3, 0.995
//! at 0.4. Candidates are then verified on exact 2-word shingle sets, so
//! the bands only need to be generous.
//!
//! A paragraph is indexed by its smallest shingle hashes and looked up by
//! a sample of a text's shingles ([`paragraph_keys`]), for finding
//! paragraphs a later version carries over.

use crate::text::mix;

/// Signature length.
pub const BINS: usize = 64;
/// Rows per LSH band.
pub const ROWS: usize = 2;
/// LSH bands.
pub const BANDS: usize = BINS / ROWS;

/// A MinHash signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature(pub [u64; BINS]);

impl Signature {
    /// The signature of a set of shingle hashes, which must be well mixed
    /// already (as [`crate::text::shingle_hashes`] gives them). Repeats do not
    /// matter; an empty set gives an all-`MAX` signature.
    pub fn of(shingles: impl IntoIterator<Item = u64>) -> Self {
        let mut bins = [u64::MAX; BINS];
        for h in shingles {
            let bin = (h >> 58) as usize; // top 6 bits: 64 bins
            // Branch-free: which shingle lowers a bin is unpredictable.
            bins[bin] = bins[bin].min(h & ((1 << 58) - 1));
        }
        densify(&mut bins);
        Signature(bins)
    }

    /// Estimated Jaccard similarity.
    pub fn similarity(&self, other: &Signature) -> f64 {
        let same = self.0.iter().zip(other.0.iter()).filter(|(a, b)| a == b).count();
        same as f64 / BINS as f64
    }

    /// One key per band; equal keys make two stories candidates. Keys are
    /// 32 bits (the index holds one per band per story): a chance collision
    /// only adds a candidate, which verification rejects.
    pub fn band_keys(&self) -> [u32; BANDS] {
        let mut keys = [0u32; BANDS];
        for (band, key) in keys.iter_mut().enumerate() {
            let rows = &self.0[band * ROWS..(band + 1) * ROWS];
            *key = rows.iter().fold(mix(band as u64 + 1), |acc, &row| mix(acc ^ row)) as u32;
        }
        keys
    }
}

/// The share of a text's shingles it looks paragraphs up by: 1 in 8.
const PARAGRAPH_SAMPLE_BELOW: u64 = u64::MAX / 8;

/// Keys for finding a paragraph that a later text carries over, whole or
/// inside a longer paragraph. A paragraph is indexed by its 2 smallest
/// shingle hashes (`index`); a text looks up its shingles whose hash falls
/// in the lowest eighth, and each of its paragraphs' 2 smallest (`query`).
/// A text holding a paragraph's key looks it up if the key is sampled
/// (hashes are uniform: a 12-word paragraph's smallest falls in the lowest
/// eighth with probability 0.8) or is among the 2 smallest of the text's
/// paragraph that holds it (likely unless that paragraph is much longer).
/// So keys follow containment, not Jaccard (Broder, "On the resemblance
/// and containment of documents", 1997): with both of a paragraph's keys
/// sampled, a share `c` of it carried over is found with probability
/// `1 - (1 - c)^2` (0.97 at 0.83), however long the other paragraph. Only
/// `eligible` shingles count: the caller leaves out common phrases, whose
/// buckets say nothing.
pub fn paragraph_keys(
    shingles: impl IntoIterator<Item = (u64, bool)>,
    index: &mut Vec<u32>,
    query: &mut Vec<u32>,
) {
    // The two smallest, smaller first.
    let (mut first, mut second) = (u64::MAX, u64::MAX);
    for (hash, eligible) in shingles {
        if !eligible {
            continue;
        }
        if hash < PARAGRAPH_SAMPLE_BELOW {
            query.push(hash as u32);
        }
        if hash < first {
            (first, second) = (hash, first);
        } else if hash < second && hash != first {
            second = hash;
        }
    }
    for hash in [first, second].into_iter().filter(|&hash| hash != u64::MAX) {
        index.push(hash as u32);
        query.push(hash as u32);
    }
}

/// Fill each empty bin from the nearest full bin to its right (circularly),
/// salted with the distance, so equal sets still give equal signatures.
fn densify(bins: &mut [u64; BINS]) {
    if bins.iter().all(|&b| b == u64::MAX) {
        return;
    }
    let original = *bins;
    for i in 0..BINS {
        if original[i] != u64::MAX {
            continue;
        }
        let mut distance = 1;
        while original[(i + distance) % BINS] == u64::MAX {
            distance += 1;
        }
        bins[i] =
            mix(original[(i + distance) % BINS] ^ ((distance as u64) << 58)) & ((1 << 58) - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{shingles, word_hashes};

    #[test]
    fn identical_texts_have_identical_signatures() {
        let text = "the quick brown fox jumps over the lazy dog near the river bank";
        let a = Signature::of(shingles(&word_hashes(text), 3));
        let b = Signature::of(shingles(&word_hashes(text), 3));
        assert_eq!(a, b);
        assert_eq!(a.band_keys(), b.band_keys());
        assert!((a.similarity(&b) - 1.0).abs() < f64::EPSILON);
    }

    #[test]
    fn similarity_tracks_jaccard() {
        let base: Vec<String> = (0..400).map(|i| format!("w{i}")).collect();
        let mut changed = base.clone();
        for word in changed.iter_mut().skip(300) {
            word.push('x');
        }
        let a = shingles(&word_hashes(&base.join(" ")), 3);
        let b = shingles(&word_hashes(&changed.join(" ")), 3);
        let exact = crate::text::intersection(&a, &b) as f64
            / (a.len() + b.len() - crate::text::intersection(&a, &b)) as f64;
        let estimate =
            Signature::of(a.iter().copied()).similarity(&Signature::of(b.iter().copied()));
        assert!((estimate - exact).abs() < 0.2, "estimate {estimate} vs exact {exact}");
    }

    #[test]
    fn unrelated_texts_share_no_band() {
        let a_text = (0..300).map(|i| format!("a{i}")).collect::<Vec<_>>().join(" ");
        let a = Signature::of(shingles(&word_hashes(&a_text), 3));
        let b_text = (0..300).map(|i| format!("b{i}")).collect::<Vec<_>>().join(" ");
        let b = Signature::of(shingles(&word_hashes(&b_text), 3));
        let shared = a.band_keys().iter().zip(b.band_keys().iter()).filter(|(x, y)| x == y).count();
        assert_eq!(shared, 0);
    }

    #[test]
    fn paragraph_keys_find_the_same_paragraph_and_its_containers_only() {
        let keys = |text: &str, index: &mut Vec<u32>, query: &mut Vec<u32>| {
            let words: Vec<(u64, bool)> = {
                let mut words = Vec::new();
                crate::text::scan_words(text, |word, hash| words.push((hash, word.len() >= 5)));
                words
            };
            let pairs = words.windows(2).map(|w| {
                let hash = shingles(&[w[0].0, w[1].0], 2)[0];
                (hash, w[0].1 || w[1].1)
            });
            paragraph_keys(pairs, index, query);
        };
        let shares = |a: &str, b: &str| {
            let (mut index, mut query) = (Vec::new(), Vec::new());
            keys(a, &mut index, &mut Vec::new());
            keys(b, &mut Vec::new(), &mut query);
            index.iter().any(|key| query.contains(key))
        };
        let paragraph =
            "The levee, built in 1974, had been due for reinforcement work this spring.";
        assert!(shares(paragraph, paragraph));
        assert!(shares(paragraph, &paragraph.to_uppercase()));
        let container = "Repairing the breach will take a month, the authority said; the levee, \
            built in 1974, had been due for reinforcement work this spring.";
        assert!(shares(paragraph, container));
        let other =
            "Army engineers laid sandbags along the remaining section near the railway bridge.";
        assert!(!shares(paragraph, other));
    }
}
