//! Parse throughput over a corpus of feed files, in process (the same work
//! as `lede parse` without process start-up): every `*.xml`, `*.rss`,
//! `*.atom` and `*.json` file under DIR, read into memory first, parsed
//! ROUNDS times. Prints one JSON line. Used by `bench/parse/run.sh`.
//!
//!     cargo run --release -p lede-feeds --example parse_corpus -- DIR [ROUNDS]

use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::Utc;
use lede_core::FeedId;
use lede_feeds::parse_feed;

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, files);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["xml", "rss", "atom", "json"].contains(&e))
        {
            files.push(path);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let mut paths = Vec::new();
    collect(&dir, &mut paths);
    let documents: Vec<Vec<u8>> = paths.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = documents.iter().map(Vec::len).sum();
    let feed = FeedId::new("bench");
    let now = Utc::now();
    let (mut parsed, mut entries) = (0usize, 0usize);
    let started = Instant::now();
    for _ in 0..rounds {
        for document in &documents {
            if let Ok(feed) = parse_feed(&feed, document, "http://bench.invalid/feed", None, now) {
                parsed += 1;
                entries += feed.articles.len();
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let files = documents.len() * rounds;
    println!(
        "{{\"tool\":\"lede-feeds parse_feed\",\"files\":{},\"rounds\":{rounds},\"parsed\":{},\"entries\":{},\"seconds\":{seconds:.3},\"files_per_second\":{:.1},\"mb_per_second\":{:.2}}}",
        documents.len(),
        parsed / rounds.max(1),
        entries / rounds.max(1),
        files as f64 / seconds,
        (bytes * rounds) as f64 / seconds / 1e6
    );
}
