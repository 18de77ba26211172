//! An averaged perceptron over hashed features, for tagging tokens with
//! BIO tags (Collins 2002): the model Lede ships and the trainer that makes
//! it (`examples/train_ner.rs`). Weights are averaged over every update, so
//! the model does not overfit the last examples it saw.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Feature keys are already hashes: the map uses them as they are.
#[derive(Debug, Default, Clone, Copy)]
struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the keys are `u64`); fold anything else.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key;
    }
}

type Weights<T> = HashMap<u64, T, BuildHasherDefault<KeyIsHash>>;

/// BIO tags: outside, or the beginning / inside of a person, organisation
/// or location name.
pub const TAGS: [&str; 7] = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"];
/// Number of tags.
pub const N_TAGS: usize = TAGS.len();

const MAGIC: &[u8; 8] = b"LEDENER1";

/// Why a model file cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// Not a model file, or cut short.
    #[error("not a Lede NER model ({0})")]
    Format(&'static str),
}

/// The sum of the features' weights, per tag.
fn scores(weights: &Weights<[f32; N_TAGS]>, features: &[u64]) -> [f32; N_TAGS] {
    let mut scores = [0.0; N_TAGS];
    for row in features.iter().filter_map(|feature| weights.get(feature)) {
        for (score, weight) in scores.iter_mut().zip(row) {
            *score += weight;
        }
    }
    scores
}

/// Weights per feature and tag.
#[derive(Debug, Default, Clone)]
pub struct Model {
    weights: Weights<[f32; N_TAGS]>,
}

impl Model {
    /// Score every tag for a token with these features.
    pub fn scores(&self, features: &[u64]) -> [f32; N_TAGS] {
        scores(&self.weights, features)
    }

    /// Features with weights.
    pub fn len(&self) -> usize {
        self.weights.len()
    }

    /// True for a model with no weights.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }

    /// The file format: magic, feature count, then per feature its hash and
    /// its weights as little-endian `f32`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut entries: Vec<(&u64, &[f32; N_TAGS])> = self.weights.iter().collect();
        entries.sort_by_key(|(hash, _)| **hash);
        let mut bytes = Vec::with_capacity(16 + entries.len() * (8 + 4 * N_TAGS));
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(entries.len() as u64).to_le_bytes());
        for (hash, weights) in entries {
            bytes.extend_from_slice(&hash.to_le_bytes());
            for weight in weights {
                bytes.extend_from_slice(&weight.to_le_bytes());
            }
        }
        bytes
    }

    /// Read [`Model::to_bytes`]' format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        let rest = bytes.strip_prefix(MAGIC).ok_or(ModelError::Format("magic"))?;
        let (count, mut rest) = rest.split_first_chunk::<8>().ok_or(ModelError::Format("count"))?;
        let count = usize::try_from(u64::from_le_bytes(*count)).unwrap_or(usize::MAX);
        let entry = 8 + 4 * N_TAGS;
        if rest.len() != count.saturating_mul(entry) {
            return Err(ModelError::Format("length"));
        }
        let mut weights = Weights::with_capacity_and_hasher(count, Default::default());
        while let Some((hash, tail)) = rest.split_first_chunk::<8>() {
            let mut row = [0.0; N_TAGS];
            for (i, weight) in row.iter_mut().enumerate() {
                let at = 4 * i;
                *weight = f32::from_le_bytes([tail[at], tail[at + 1], tail[at + 2], tail[at + 3]]);
            }
            weights.insert(u64::from_le_bytes(*hash), row);
            rest = &tail[4 * N_TAGS..];
        }
        Ok(Self { weights })
    }
}

/// Learns a [`Model`].
#[derive(Debug, Default)]
pub struct Trainer {
    weights: Weights<[f32; N_TAGS]>,
    /// Per weight: the running sum for the average (updated lazily) and
    /// the step it last changed at.
    history: Weights<[(f64, u64); N_TAGS]>,
    step: u64,
}

impl Trainer {
    /// The current (not averaged) model's scores.
    pub fn scores(&self, features: &[u64]) -> [f32; N_TAGS] {
        scores(&self.weights, features)
    }

    /// One example seen: reward the true tag, punish a wrong guess.
    pub fn update(&mut self, features: &[u64], truth: usize, guess: usize) {
        self.step += 1;
        if truth == guess {
            return;
        }
        for &feature in features {
            let weights = self.weights.entry(feature).or_insert([0.0; N_TAGS]);
            let history = self.history.entry(feature).or_insert([(0.0, 0); N_TAGS]);
            for (tag, delta) in [(truth, 1.0), (guess, -1.0)] {
                let (total, changed_at) = &mut history[tag];
                *total += f64::from(weights[tag]) * (self.step - *changed_at) as f64;
                *changed_at = self.step;
                weights[tag] += delta;
            }
        }
    }

    /// The averaged model, without weights below `min_weight` in size.
    pub fn average(mut self, min_weight: f32) -> Model {
        let step = self.step.max(1);
        let mut model = Model::default();
        for (feature, weights) in self.weights.drain() {
            let history = self.history.get(&feature).copied().unwrap_or([(0.0, 0); N_TAGS]);
            let mut row = [0.0f32; N_TAGS];
            for (tag, (total, changed_at)) in history.into_iter().enumerate() {
                let total = total + f64::from(weights[tag]) * (step - changed_at) as f64;
                row[tag] = (total / step as f64) as f32;
            }
            if row.iter().any(|w| w.abs() >= min_weight) {
                model.weights.insert(feature, row);
            }
        }
        model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_rule_and_round_trips() {
        let mut trainer = Trainer::default();
        for _ in 0..10 {
            for (features, truth) in [(vec![1, 2], 1usize), (vec![3, 2], 0), (vec![1, 4], 1)] {
                let scores = trainer.scores(&features);
                let guess =
                    (0..N_TAGS).max_by(|&a, &b| scores[a].total_cmp(&scores[b])).unwrap_or(0);
                trainer.update(&features, truth, guess);
            }
        }
        let model = trainer.average(0.0);
        let best = |f: &[u64]| {
            let s = model.scores(f);
            (0..N_TAGS).max_by(|&a, &b| s[a].total_cmp(&s[b])).unwrap_or(0)
        };
        assert_eq!(best(&[1]), 1);
        assert_eq!(best(&[3]), 0);
        let again = Model::from_bytes(&model.to_bytes()).unwrap_or_default();
        assert_eq!(again.scores(&[1, 2]), model.scores(&[1, 2]));
        assert!(Model::from_bytes(b"nonsense").is_err());
    }
}
