//! Train the entity tagger's model from labelled JSON lines
//! (`{"text": ..., "spans": [[start, end, "PER"|"ORG"|"LOC"], ...]}`, byte
//! offsets; `eval/enrich/label.py` writes them) and write the model file.
//!
//!     cargo run --release -p lede-enrich --example train_ner -- LABELS.jsonl data/enrich/ner.model

use std::io::BufRead;

use lede_core::EntityType;
use lede_enrich::Tagger;
use lede_enrich::entities::Example;
use lede_enrich::perceptron::Model;

/// Passes over the training set.
const EPOCHS: usize = 8;
/// Averaged weights smaller than this are dropped (keeps the file small).
const MIN_WEIGHT: f32 = 0.02;

#[derive(serde::Deserialize)]
struct Line {
    text: String,
    spans: Vec<(usize, usize, String)>,
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = &args[..] else {
        return Err("usage: train_ner LABELS.jsonl MODEL".into());
    };
    let file = std::fs::File::open(input).map_err(|e| format!("{input}: {e}"))?;
    let mut examples = Vec::new();
    for (number, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{input}: {e}"))?;
        let parsed: Line =
            serde_json::from_str(&line).map_err(|e| format!("{input}:{}: {e}", number + 1))?;
        let spans = parsed
            .spans
            .into_iter()
            .filter_map(|(start, end, label)| {
                let kind = match label.as_str() {
                    "PER" => EntityType::Person,
                    "ORG" => EntityType::Organisation,
                    "LOC" => EntityType::Location,
                    _ => return None,
                };
                Some((start, end, kind))
            })
            .collect();
        examples.push(Example { text: parsed.text, spans });
    }
    let tagger = Tagger::with_model(Model::default());
    let started = std::time::Instant::now();
    let model = tagger.train(&examples, EPOCHS, 2026, MIN_WEIGHT);
    let bytes = model.to_bytes();
    std::fs::write(output, &bytes).map_err(|e| format!("{output}: {e}"))?;
    eprintln!(
        "{} examples, {EPOCHS} epochs, {:.1} s: {} features, {} bytes -> {output}",
        examples.len(),
        started.elapsed().as_secs_f64(),
        model.len(),
        bytes.len()
    );
    // How well the model fits what it learnt from (exact spans and types).
    let trained = Tagger::with_model(model);
    let (mut gold, mut predicted, mut right) = (0, 0, 0);
    for example in &examples {
        let mentions = trained.tag(&example.text).mentions;
        gold += example.spans.len();
        predicted += mentions.len();
        right +=
            mentions.iter().filter(|m| example.spans.contains(&(m.start, m.end, m.kind))).count();
    }
    eprintln!(
        "fit on the training labels: precision {:.3}, recall {:.3}",
        right as f64 / predicted.max(1) as f64,
        right as f64 / gold.max(1) as f64
    );
    Ok(())
}
