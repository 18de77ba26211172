//! `lede replay DIR`: recorded feed snapshots through the whole pipeline
//! (parsing, seen items, language and tags, story decisions, story events)
//! with no network and no broker; every record the daemon would publish is
//! printed as a JSON line, in order.
//!
//! `DIR` holds one directory per feed, named by the feed's id, holding the
//! documents as fetched, each named by its fetch time in UTC:
//! `2019-12-31T09:00:00Z.xml`, or with `-` for `:` in the time of day
//! (`2019-12-31T09-00-00Z.xml`) where file names cannot hold a colon. A
//! file `url` in a feed's directory gives the address the documents came
//! from (relative links resolve against it). Snapshots are replayed in
//! fetch-time order across feeds (ties by feed id, then name); each one's
//! time is the clock of its decisions, so a replay gives the same records
//! every time.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lede_core::{CONTENT_TYPE, EventRecord, FeedId, FeedSpec};
use lede_enrich::Tagger;
use lede_feeds::{FeedPoller, Fetcher};
use lede_kafka::TopicNames;
use lede_story::StoryEngine;

use crate::Failure;
use crate::config::Config;
use crate::daemon::{Polled, dead_letter_record, decide_batch};

/// The file in a feed's directory that holds the feed's address.
const URL_FILE: &str = "url";

/// A feed directory: the feed's id and address.
struct RecordedFeed {
    id: String,
    url: String,
}

/// One recorded document.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Snapshot {
    fetched_at: DateTime<Utc>,
    /// Index of its feed: feeds are read in id order, so ties order by id.
    feed: usize,
    path: PathBuf,
}

/// Replay the snapshots under `dir`, writing every record to `out`.
pub fn run(config: &Config, dir: &Path, out: &mut impl Write) -> Result<(), Failure> {
    let (feeds, snapshots) = read_dir(dir)?;
    let fetcher = Arc::new(
        Fetcher::new(&config.fetch).map_err(|e| Failure::Runtime(format!("fetcher: {e}")))?,
    );
    let mut pollers: Vec<FeedPoller> = feeds
        .into_iter()
        .map(|RecordedFeed { id, url }| {
            // Never polled: replay hands the poller recorded documents.
            let spec = FeedSpec {
                id: FeedId::new(id),
                url,
                interval: Duration::from_secs(3600),
                max_interval: Duration::from_secs(3600),
            };
            FeedPoller::new(spec, None, fetcher.clone())
        })
        .collect();
    let tagger = Tagger::new().map_err(|e| Failure::Runtime(format!("tagger: {e}")))?;
    let names = TopicNames::new(&config.kafka.topic_prefix);
    let mut engine = StoryEngine::new(config.story.clone());
    for snapshot in snapshots {
        let poller = &mut pollers[snapshot.feed];
        let body = std::fs::read(&snapshot.path)
            .map_err(|e| Failure::BadInput(format!("{}: {e}", snapshot.path.display())))?;
        let records = match poller.ingest_pushed(body, None, snapshot.fetched_at) {
            Ok(output) => {
                let Some(next_state) = output.next_state else { continue };
                let mut polled =
                    Polled::new(poller, output.articles, next_state, &tagger, snapshot.fetched_at);
                let (commit, _) = decide_batch(&mut engine, &mut polled, snapshot.fetched_at)
                    .map_err(|e| Failure::Runtime(e.to_string()))?;
                poller.acknowledge(polled.next_state);
                commit.events
            }
            Err(error) => vec![dead_letter_record(poller, &error, snapshot.fetched_at)],
        };
        for record in &records {
            // A closed output (`| head`) ends the replay.
            if writeln!(out, "{}", record_json(record, &names)).is_err() {
                return Ok(());
            }
        }
    }
    out.flush().map_err(|e| Failure::Runtime(format!("output: {e}")))
}

/// The feeds under `dir` (id, address) and their snapshots, in replay order.
fn read_dir(dir: &Path) -> Result<(Vec<RecordedFeed>, Vec<Snapshot>), Failure> {
    let bad =
        |path: &Path, message: String| Failure::BadInput(format!("{}: {message}", path.display()));
    let entries = |path: &Path| -> Result<Vec<PathBuf>, Failure> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| bad(path, e.to_string()))?
            .map(|entry| entry.map(|e| e.path()).map_err(|e| bad(path, e.to_string())))
            .collect::<Result<_, _>>()?;
        paths.sort();
        Ok(paths)
    };
    let mut feeds = Vec::new();
    let mut snapshots = Vec::new();
    for feed_dir in entries(dir)?.into_iter().filter(|p| p.is_dir()) {
        let Some(id) = file_name(&feed_dir).filter(|name| !name.starts_with('.')) else {
            continue;
        };
        let url = match std::fs::read_to_string(feed_dir.join(URL_FILE)) {
            Ok(url) => url.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!("https://{id}.invalid/"),
            Err(e) => return Err(bad(&feed_dir.join(URL_FILE), e.to_string())),
        };
        for path in entries(&feed_dir)? {
            let Some(name) = file_name(&path) else { continue };
            if name == URL_FILE || name.starts_with('.') || !path.is_file() {
                continue;
            }
            let fetched_at = fetch_time(&name).ok_or_else(|| {
                bad(&path, "not named by its fetch time (e.g. 2019-12-31T09-00-00Z.xml)".into())
            })?;
            snapshots.push(Snapshot { fetched_at, feed: feeds.len(), path });
        }
        feeds.push(RecordedFeed { id, url });
    }
    if feeds.is_empty() {
        return Err(bad(dir, "no feed directories".into()));
    }
    snapshots.sort();
    Ok((feeds, snapshots))
}

fn file_name(path: &Path) -> Option<String> {
    path.file_name()?.to_str().map(str::to_owned)
}

/// The UTC time a snapshot's file name starts with, before its extension:
/// RFC 3339, with `:` or `-` between hours, minutes and seconds.
fn fetch_time(name: &str) -> Option<DateTime<Utc>> {
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let (date, time) = stem.split_once('T')?;
    let time = time.replacen('-', ":", 2);
    DateTime::parse_from_rfc3339(&format!("{date}T{time}")).ok().map(|t| t.with_timezone(&Utc))
}

/// A record as `lede tail` prints one, without its place in a partition.
fn record_json(record: &EventRecord, names: &TopicNames) -> serde_json::Value {
    let value = serde_json::from_slice::<serde_json::Value>(&record.payload)
        .unwrap_or_else(|_| String::from_utf8_lossy(&record.payload).into_owned().into());
    serde_json::json!({
        "topic": names.event(record.topic),
        "key": record.key,
        "headers": {
            "content-type": CONTENT_TYPE,
            "lede-schema": record.schema,
            "lede-event": record.kind.as_str(),
        },
        "value": value,
    })
}

/// Replaying the founding example gives the developing story's versions and
/// the other outlet's copy, and a second replay the same records.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{LAST_STEP, daily_document, wire_document};

    /// A new empty directory for one test, removed when dropped.
    struct TestDir(PathBuf);

    impl TestDir {
        fn new(test: &str) -> Self {
            let path = std::env::temp_dir().join(format!("lede-{test}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            Self(path)
        }

        fn write(&self, relative: &str, contents: impl AsRef<[u8]>) {
            let path = self.0.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::write(&path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }

    impl Drop for TestDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// The demo's wire and daily feeds, one snapshot an hour per step, and
    /// the last one again (a re-poll).
    fn record_demo() -> TestDir {
        let dir = TestDir::new("replay-demo");
        type Document = fn(u32) -> String;
        let feeds: [(&str, Document); 2] = [("wire", wire_document), ("daily", daily_document)];
        for (feed, document) in feeds {
            dir.write(&format!("{feed}/{URL_FILE}"), format!("http://{feed}.demo.lede.invalid/"));
            for step in 0..=LAST_STEP + 1 {
                let name = format!("{feed}/2019-12-31T{:02}-00-00Z.xml", 9 + step);
                dir.write(&name, document(step.min(LAST_STEP)));
            }
        }
        dir
    }

    fn config() -> Config {
        Config::load(None).unwrap_or_else(|e| panic!("{e}"))
    }

    fn replay(dir: &Path) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        run(&config(), dir, &mut out).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    #[test]
    fn replay_runs_the_seed_through_the_pipeline() {
        let dir = record_demo();
        let records = replay(&dir.0);
        let stories: Vec<(String, u64, String)> = records
            .iter()
            .filter(|r| r["topic"] == "lede.stories")
            .map(|r| {
                let value = &r["value"];
                (
                    value["kind"].as_str().unwrap_or_default().to_owned(),
                    value["version"].as_u64().unwrap_or_default(),
                    value["title"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let kinds: Vec<(&str, u64)> = stories.iter().map(|(k, v, _)| (k.as_str(), *v)).collect();
        // The wire's story in three versions and its oil item; the daily's
        // printed copy of the third version.
        assert_eq!(
            kinds,
            [("new", 1), ("new", 1), ("update", 2), ("update", 3), ("source", 3)],
            "{stories:?}"
        );
        let source = records
            .iter()
            .find(|r| r["topic"] == "lede.stories" && r["value"]["kind"] == "source")
            .map(|r| &r["value"])
            .unwrap_or_else(|| panic!("no source event"));
        let names: Vec<&str> = source["entities"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert!(names.contains(&"Baghdad"), "{names:?}");
        assert_eq!(source["language"], "en");
        // Every record carries the daemon's headers.
        assert!(records.iter().all(|r| r["headers"]["lede-event"].is_string()));
        assert_eq!(replay(&dir.0), records, "a replay is deterministic");
    }

    #[test]
    fn replay_rejects_a_snapshot_not_named_by_its_time() {
        let dir = TestDir::new("replay-unnamed");
        dir.write("wire/latest.xml", wire_document(0));
        let mut out = Vec::new();
        let error = run(&config(), &dir.0, &mut out).err().map(|e| e.to_string());
        assert!(error.as_deref().is_some_and(|e| e.contains("latest.xml")), "{error:?}");
    }

    #[test]
    fn replay_sends_a_broken_snapshot_to_the_dead_letter_topic() {
        let dir = TestDir::new("replay-broken");
        dir.write("wire/2019-12-31T09-00-00Z.xml", "<html>not a feed");
        dir.write("wire/2019-12-31T10-00-00Z.xml", wire_document(0));
        let records = replay(&dir.0);
        assert_eq!(records[0]["topic"], "lede.dlq");
        assert_eq!(records[0]["value"]["at"], "2019-12-31T09:00:00Z");
        assert!(records.iter().any(|r| r["topic"] == "lede.stories"), "later snapshots go on");
    }

    #[test]
    fn fetch_times_read_from_file_names() {
        let cases = [
            ("2019-12-31T09-00-00Z.xml", Some("2019-12-31T09:00:00+00:00")),
            ("2019-12-31T09:00:00Z.rss", Some("2019-12-31T09:00:00+00:00")),
            ("2019-12-31T12-00-00+03:00.json", Some("2019-12-31T09:00:00+00:00")),
            ("latest.xml", None),
        ];
        for (name, expected) in cases {
            assert_eq!(fetch_time(name).map(|t| t.to_rfc3339()).as_deref(), expected, "{name}");
        }
    }
}
