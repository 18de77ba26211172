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
//! A paragraph gets a 4-bin signature in 2 bands of 2 rows
//! ([`paragraph_band_keys`]), for finding paragraphs a later version
//! carries over.

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
        Signature(one_permutation(shingles))
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
        band_keys(&self.0)
    }
}

/// Bands of a paragraph's signature ([`paragraph_band_keys`]).
pub const PARAGRAPH_BANDS: usize = 2;

/// LSH band keys of a paragraph's shingles: a 4-bin signature in 2 bands
/// of 2 rows. Two paragraphs with a Jaccard of 0.85 share a key with
/// probability 0.94, of 0.8 with 0.87; unrelated ones almost never.
pub fn paragraph_band_keys(shingles: impl IntoIterator<Item = u64>) -> [u32; PARAGRAPH_BANDS] {
    band_keys(&one_permutation::<4>(shingles))
}

/// One-permutation MinHash with `N` bins (a power of two): the top bits of
/// a shingle's hash pick its bin, the rest compete for the bin's minimum.
fn one_permutation<const N: usize>(shingles: impl IntoIterator<Item = u64>) -> [u64; N] {
    let bits = N.trailing_zeros();
    let mut bins = [u64::MAX; N];
    for h in shingles {
        let bin = (h >> (64 - bits)) as usize;
        let value = h & (u64::MAX >> bits);
        if value < bins[bin] {
            bins[bin] = value;
        }
    }
    densify(&mut bins);
    bins
}

/// One key per band of `N / B` rows.
fn band_keys<const N: usize, const B: usize>(bins: &[u64; N]) -> [u32; B] {
    let rows = N / B;
    let mut keys = [0u32; B];
    for (band, key) in keys.iter_mut().enumerate() {
        let band_rows = &bins[band * rows..(band + 1) * rows];
        *key = band_rows.iter().fold(mix(band as u64 + 1), |acc, &row| mix(acc ^ row)) as u32;
    }
    keys
}

/// Fill each empty bin from the nearest full bin to its right (circularly),
/// salted with the distance, so equal sets still give equal signatures.
fn densify<const N: usize>(bins: &mut [u64; N]) {
    if bins.iter().all(|&b| b == u64::MAX) {
        return;
    }
    let original = *bins;
    for i in 0..N {
        if original[i] != u64::MAX {
            continue;
        }
        let mut distance = 1;
        while original[(i + distance) % N] == u64::MAX {
            distance += 1;
        }
        bins[i] = mix(original[(i + distance) % N] ^ ((distance as u64) << 58)) & ((1 << 58) - 1);
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
    fn paragraph_keys_find_the_same_paragraph_only() {
        let keys = |text: &str| paragraph_band_keys(shingles(&word_hashes(text), 2));
        let paragraph =
            "The levee, built in 1974, had been due for reinforcement work this spring.";
        assert_eq!(keys(paragraph), keys(&paragraph.to_uppercase()));
        let other =
            "Army engineers laid sandbags along the remaining section near the railway bridge.";
        assert!(keys(paragraph).iter().all(|key| !keys(other).contains(key)));
    }
}
