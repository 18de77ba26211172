//! The one-shot commands: `lede check`, `lede parse`, `lede tail`.

use std::io::Write;

use chrono::Utc;
use lede_core::FeedId;
use lede_feeds::{Fetched, Fetcher, Validators, parse_feed};
use lede_kafka::{ConsumedRecord, StartAt, TopicNames};

use crate::Failure;
use crate::config::Config;
use crate::line_blocks::{self, LineBlocks};

/// `lede check`: the config is valid (already, to get here), the broker
/// answers, and every feed can be fetched and parsed.
pub async fn check(config: Config) -> Result<(), Failure> {
    let names = TopicNames::new(&config.kafka.topic_prefix);
    let kafka = config.kafka.clone();
    let topic = names.articles.clone();
    let reached = tokio::task::spawn_blocking(move || {
        lede_kafka::read_topic(&kafka, &topic, StartAt::End, true, |_| false)
    })
    .await
    .map_err(|e| Failure::Runtime(e.to_string()))?;
    match reached {
        Ok(()) => println!("ok   kafka {} (topic {})", config.kafka.brokers, names.articles),
        Err(lede_kafka::KafkaError::NoSuchTopic(topic)) => {
            println!(
                "ok   kafka {} (topic {topic} will be created by `lede run`)",
                config.kafka.brokers
            );
        }
        Err(e) => return Err(Failure::from_kafka(e)),
    }
    let fetcher = Fetcher::new(&config.fetch).map_err(|e| Failure::BadInput(e.to_string()))?;
    let mut failed = 0;
    for feed in &config.feeds {
        match fetch_and_parse(&fetcher, &feed.id, &feed.url).await {
            Ok(entries) => println!("ok   feed {} ({entries} entries)", feed.id),
            Err(message) => {
                failed += 1;
                println!("FAIL feed {}: {message}", feed.id);
            }
        }
    }
    if failed > 0 {
        return Err(Failure::Runtime(format!("{failed} of {} feeds failed", config.feeds.len())));
    }
    Ok(())
}

async fn fetch_and_parse(fetcher: &Fetcher, id: &FeedId, url: &str) -> Result<usize, String> {
    match fetcher.fetch(url, &Validators::default()).await.map_err(|e| e.to_string())? {
        Fetched::NotModified => Ok(0),
        Fetched::Document(document) => parse_feed(
            id,
            &document.body,
            &document.final_url,
            document.charset.as_deref(),
            Utc::now(),
        )
        .map(|feed| feed.articles.len())
        .map_err(|e| e.to_string()),
    }
}

/// A document read from a URL (fetched with default limits) or a file:
/// (body, location, HTTP charset).
async fn read_input(input: &str) -> Result<(Vec<u8>, String, Option<String>), Failure> {
    if !(input.starts_with("http://") || input.starts_with("https://")) {
        let body = std::fs::read(input).map_err(|e| Failure::BadInput(format!("{input}: {e}")))?;
        return Ok((body, input.to_owned(), None));
    }
    let fetcher = Fetcher::new(&lede_feeds::FetchConfig::default())
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    match fetcher.fetch(input, &Validators::default()).await {
        Ok(Fetched::Document(document)) => {
            Ok((document.body, document.final_url, document.charset))
        }
        Ok(Fetched::NotModified) => {
            Err(Failure::BadInput(format!("{input}: unexpected 304 Not Modified")))
        }
        Err(e) => Err(Failure::BadInput(format!("{input}: {e}"))),
    }
}

/// A JSON-lines command's input (`FILE`, else standard input) and its
/// name in error messages.
fn open_lines(input: Option<&str>) -> Result<(&str, Box<dyn std::io::Read + Send>), Failure> {
    match input {
        Some(path) => match std::fs::File::open(path) {
            Ok(file) => Ok((path, Box::new(file))),
            Err(e) => Err(Failure::BadInput(format!("{path}: {e}"))),
        },
        None => Ok(("(stdin)", Box::new(std::io::stdin()))),
    }
}

/// `lede parse FILE|URL`: one JSON Article per line.
pub async fn parse(input: &str) -> Result<(), Failure> {
    let (body, location, charset) = read_input(input).await?;
    let feed_id =
        FeedId::new(if location.starts_with("http") { "parse-url" } else { "parse-file" });
    let parsed = parse_feed(&feed_id, &body, &location, charset.as_deref(), Utc::now())
        .map_err(|e| Failure::BadInput(format!("{input}: {e}")))?;
    print_json_lines(&parsed.articles)
}

/// `lede discover URL|FILE`: the feeds an HTML page advertises, one JSON
/// line each; a feed given directly lists itself.
pub async fn discover(input: &str) -> Result<(), Failure> {
    let (body, location, charset) = read_input(input).await?;
    let base = url::Url::parse(&location)
        .or_else(|_| url::Url::parse("file:///"))
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let (html, _) = lede_feeds::charset::to_utf8(&body, charset.as_deref());
    let html = String::from_utf8_lossy(&html);
    let mut feeds = lede_feeds::discover::discover_feeds(&html, &base);
    if feeds.is_empty()
        && parse_feed(&FeedId::new("discover"), &body, &location, charset.as_deref(), Utc::now())
            .is_ok()
    {
        feeds.push(lede_feeds::discover::DiscoveredFeed {
            url: location,
            media_type: "feed".into(),
            title: None,
        });
    }
    print_json_lines(&feeds)
}

fn print_json_lines<T: serde::Serialize>(items: &[T]) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for item in items {
        let line = serde_json::to_string(item).map_err(|e| Failure::Runtime(e.to_string()))?;
        if writeln!(out, "{line}").is_err() {
            return Ok(()); // stdout closed (a pipe into `head`): not an error.
        }
    }
    out.flush().ok();
    Ok(())
}

/// How `lede tail` prints a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TailFormat {
    /// One JSON object per line: for scripts.
    Json,
    /// `partition@offset event key title`: for people.
    Brief,
}

/// `lede tail [TOPIC]`: print records as they arrive.
pub async fn tail(
    config: Config,
    topic: Option<String>,
    start: StartAt,
    exit_at_end: bool,
    format: TailFormat,
) -> Result<(), Failure> {
    let topic = topic.unwrap_or_else(|| TopicNames::new(&config.kafka.topic_prefix).stories);
    let kafka = config.kafka.clone();
    tokio::task::spawn_blocking(move || {
        let mut out = std::io::stdout().lock();
        lede_kafka::read_topic(&kafka, &topic, start, exit_at_end, |record| {
            let line = match format {
                TailFormat::Json => record_json(&record).to_string(),
                TailFormat::Brief => record_brief(&record),
            };
            // A closed stdout (`| head`) ends the tail.
            writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
        })
    })
    .await
    .map_err(|e| Failure::Runtime(e.to_string()))?
    .map_err(Failure::from_kafka)
}

/// A record as one short line: where it is, its event kind, key and title,
/// and for story events the names it mentions most.
fn record_brief(record: &ConsumedRecord) -> String {
    let event = record
        .headers
        .iter()
        .find(|(name, _)| name == "lede-event")
        .map_or("-", |(_, value)| value.as_str());
    let value = record
        .value
        .as_deref()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(bytes).ok())
        .unwrap_or_default();
    let title = value["title"].as_str().unwrap_or_default();
    // Story events: the version and the source that made it.
    let version = match (value["version"].as_u64(), value["source"].as_str()) {
        (Some(version), Some(source)) => format!(" v{version} [{source}]"),
        _ => String::new(),
    };
    let names: Vec<&str> = value["entities"]
        .as_array()
        .map(|all| all.iter().filter_map(|e| e["name"].as_str()).take(4).collect())
        .unwrap_or_default();
    let names = if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) };
    format!(
        "{}@{} {event} {}{version} {title}{names}",
        record.partition,
        record.offset,
        record.key.as_deref().unwrap_or("-")
    )
}

/// A record as one JSON object; a JSON value is embedded as JSON, anything
/// else as a string.
fn record_json(record: &ConsumedRecord) -> serde_json::Value {
    let value = record.value.as_deref().map(|bytes| {
        serde_json::from_slice::<serde_json::Value>(bytes).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        })
    });
    let headers: serde_json::Map<String, serde_json::Value> = record
        .headers
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::json!({
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp_ms": record.timestamp_ms,
        "key": record.key,
        "headers": headers,
        "value": value,
    })
}

/// One input line of `lede dedup`: an Article as `lede parse` prints it, or
/// the minimum (`id`, `url`, `title`, `content` or `summary`, `source`,
/// `published_at`). Other fields are ignored.
#[derive(Debug, serde::Deserialize)]
struct DedupInput {
    id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    paragraphs: Option<Vec<String>>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    feed_id: Option<String>,
    #[serde(default)]
    published_at: Option<chrono::DateTime<Utc>>,
    #[serde(default)]
    fetched_at: Option<chrono::DateTime<Utc>>,
}

impl DedupInput {
    /// The article's own time: `fetched_at`, else `published_at`.
    fn time(&self) -> Option<chrono::DateTime<Utc>> {
        self.fetched_at.or(self.published_at)
    }

    /// The article; `fetched_at` is its own time (`fetched_at`, else
    /// `published_at`), which `lede dedup` decides by.
    fn into_article(self) -> lede_core::Article {
        use lede_feeds::normalize::{canonical_url, html_to_paragraphs};
        let fetched_at = self.time().unwrap_or(chrono::DateTime::<Utc>::UNIX_EPOCH);
        let paragraphs = match (self.paragraphs, &self.content) {
            (Some(paragraphs), _) => paragraphs,
            (None, Some(content)) => html_to_paragraphs(content),
            (None, None) => Vec::new(),
        };
        let summary =
            self.summary.map(|s| html_to_paragraphs(&s).join(" ")).filter(|s| !s.is_empty());
        let url = self.url.as_deref().and_then(|u| canonical_url(u, None)).map(String::from);
        let source = self.source.unwrap_or_else(|| {
            url.as_deref()
                .and_then(|u| url::Url::parse(u).ok()?.host_str().map(str::to_owned))
                .unwrap_or_default()
        });
        let content_hash =
            lede_core::Article::compute_content_hash(&self.title, summary.as_deref(), &paragraphs);
        lede_core::Article {
            id: self.id,
            feed_id: self.feed_id.unwrap_or_default(),
            guid: None,
            url,
            title: self.title,
            summary,
            paragraphs,
            authors: Vec::new(),
            published_at: self.published_at,
            updated_at: None,
            fetched_at,
            content_hash,
            source,
        }
    }
}

/// Input lines handed to a parsing worker at once: few enough to keep the
/// deciding thread busy, many enough that waking threads costs little.
const DEDUP_CHUNK_LINES: usize = 256;

/// A chunk's bytes, at which it ends after the line that fills them (long lines).
const DEDUP_CHUNK_BYTES: usize = 1 << 20;

/// One parsed `lede dedup` line: the article, its story features, its own
/// time (`fetched_at`, else `published_at`).
type ParsedLine = Result<
    (lede_core::Article, lede_story::ArticleFeatures, Option<chrono::DateTime<Utc>>),
    Failure,
>;

/// `lede dedup [FILE]`: one decision per input article, in order. The clock
/// is the articles' own time (`fetched_at`, else `published_at`), never
/// going backwards. A reader thread cuts the input into chunks of lines,
/// parsing workers (one per core) turn them into articles and features, and
/// this thread takes the chunks back in input order and decides.
pub fn dedup(input: Option<&str>, window: Option<chrono::Duration>) -> Result<(), Failure> {
    use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
    let (name, input) = open_lines(input)?;
    let mut blocks =
        LineBlocks::new(input, DEDUP_CHUNK_LINES, DEDUP_CHUNK_BYTES, line_blocks::MAX_LINE_BYTES);
    let workers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 8);
    // Numbered lines, or what ended the input, naming its line.
    type Chunk = Result<line_blocks::Block, String>;
    let (to_workers, chunks): (Vec<SyncSender<Chunk>>, Vec<Receiver<Chunk>>) =
        (0..workers).map(|_| sync_channel::<Chunk>(2)).unzip();
    let (from_workers, parsed): (Vec<SyncSender<Vec<ParsedLine>>>, Vec<_>) =
        (0..workers).map(|_| sync_channel::<Vec<ParsedLine>>(2)).unzip();
    let mut engine = {
        let config = lede_story::EngineConfig::default();
        lede_story::StoryEngine::new(lede_story::EngineConfig {
            window: window.unwrap_or(config.window),
            ..config
        })
    };
    // (id, content hash) of recent articles, by hash: a
    // re-poll's features are left to the engine, which needs none for
    // a known item (a hash collision only defers the work).
    let seen = std::sync::Mutex::new(RecentKeys::default());
    std::thread::scope(|scope| {
        // Chunk k goes to worker k % workers and comes back from it, so the
        // deciding thread restores the input order by taking turns.
        scope.spawn(move || {
            for turn in 0.. {
                let (chunk, ended) = match blocks.next_block() {
                    Ok(Some(block)) => (Ok(block), false),
                    Ok(None) => return,
                    Err((line, error)) => (Err(format!("{name}:{line}: {error}")), true),
                };
                if to_workers[turn % workers].send(chunk).is_err() || ended {
                    return;
                }
            }
        });
        for (chunks, results) in chunks.into_iter().zip(from_workers) {
            let seen = &seen;
            scope.spawn(move || {
                for block in chunks {
                    let parsed = match &block {
                        Ok(block) => line_blocks::lines(block)
                            .map(|(at, line)| parse_dedup_line(name, at, line, seen))
                            .collect(),
                        Err(error) => vec![Err(Failure::BadInput(error.clone()))],
                    };
                    if results.send(parsed).is_err() {
                        return;
                    }
                }
            });
        }
        // A writer prints the decisions, and frees the outcomes (and the
        // articles' leftovers) off the deciding thread; a closed stdout ends it.
        let (to_writer, decided) = sync_channel::<Vec<lede_story::Outcome>>(4);
        // Whatever is written goes out once nothing more is decided yet, so
        // that a pipe's articles get their decisions as they come.
        let writer = scope.spawn(move || {
            use std::sync::mpsc::TryRecvError;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut next = decided.recv().ok();
            while let Some(chunk) = next {
                for outcome in &chunk {
                    let line = serde_json::to_string(&outcome.decision)
                        .map_err(|e| Failure::Runtime(e.to_string()))?;
                    if writeln!(out, "{line}").is_err() {
                        return Ok(()); // stdout closed: dropping the receiver stops the others.
                    }
                }
                next = match decided.try_recv() {
                    Ok(chunk) => Some(chunk),
                    Err(TryRecvError::Empty) if out.flush().is_err() => return Ok(()),
                    Err(TryRecvError::Empty) => decided.recv().ok(),
                    Err(TryRecvError::Disconnected) => None,
                };
            }
            out.flush().ok();
            Ok::<(), Failure>(())
        });
        // Owned here, so that returning early (bad input, closed stdout)
        // drops the receivers and the other threads stop instead of blocking.
        let parsed = parsed;
        let mut now = chrono::DateTime::<Utc>::UNIX_EPOCH;
        let mut decided = Ok(());
        for turn in 0.. {
            let Ok(chunk) = parsed[turn % workers].recv() else { break };
            let mut outcomes = Vec::with_capacity(chunk.len());
            for item in chunk {
                // Bad input ends the run after the lines before it are printed.
                let (article, features, time) = match item {
                    Ok(parsed) => parsed,
                    Err(failure) => {
                        decided = Err(failure);
                        break;
                    }
                };
                if let Some(time) = time {
                    now = now.max(time);
                }
                match engine.decide_only(article, features, now) {
                    Ok(outcome) => outcomes.push(outcome),
                    // The in-memory store does not fail; were it to, stop.
                    Err(error) => {
                        decided = Err(Failure::Runtime(error.to_string()));
                        break;
                    }
                }
            }
            if to_writer.send(outcomes).is_err() || decided.is_err() {
                break;
            }
        }
        drop((parsed, to_writer));
        // The process ends here: freeing every story one by one is wasted time.
        std::mem::forget(engine);
        let written =
            writer.join().unwrap_or_else(|_| Err(Failure::Runtime("writer panicked".into())));
        decided.and(written)
    })
}

/// Keys of recent articles, in two generations of at most
/// [`RecentKeys::GENERATION`] each: memory stays bounded however long the
/// input (forgetting an old key only means computing features again).
#[derive(Debug, Default)]
struct RecentKeys {
    current: std::collections::HashSet<u64>,
    previous: std::collections::HashSet<u64>,
}

impl RecentKeys {
    const GENERATION: usize = 1 << 18;

    /// Remember `key`; whether it is new.
    fn insert(&mut self, key: u64) -> bool {
        if self.previous.contains(&key) {
            return false;
        }
        if self.current.len() >= Self::GENERATION {
            self.previous = std::mem::take(&mut self.current);
        }
        self.current.insert(key)
    }
}

/// Parse line `at` of a `lede dedup` input and compute its story features,
/// unless `seen` holds its id and content already.
fn parse_dedup_line(
    name: &str,
    at: usize,
    line: &[u8],
    seen: &std::sync::Mutex<RecentKeys>,
) -> ParsedLine {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    let input = serde_json::from_slice::<DedupInput>(line)
        .map_err(|e| Failure::BadInput(format!("{name}:{at}: {e}")))?;
    let time = input.time();
    let article = input.into_article();
    let key = BuildHasherDefault::<DefaultHasher>::default()
        .hash_one((&article.id, &article.content_hash));
    let first = seen.lock().map_or(true, |mut seen| seen.insert(key));
    let features = if first {
        lede_story::ArticleFeatures::of(&article)
    } else {
        lede_story::ArticleFeatures::deferred()
    };
    Ok((article, features, time))
}

/// A `lede tag` input line.
#[derive(Debug, serde::Deserialize)]
struct TagInput {
    id: serde_json::Value,
    text: String,
}

/// A `lede tag` output line: spans are byte offsets into the input's text.
#[derive(Debug, serde::Serialize)]
struct TagOutput<'a> {
    id: &'a serde_json::Value,
    language: Option<&'a str>,
    entities: &'a [lede_core::Mention],
    demonyms: &'a [lede_core::Demonym],
}

/// `lede tag [FILE]`: one output line per input line, in order, with the
/// text's language. People and organisations are tagged in English text;
/// in other languages, resolved places and listed organisations only.
pub fn tag(input: Option<&str>) -> Result<(), Failure> {
    let (name, input) = open_lines(input)?;
    // A line at a time, its tags written out once no more lines are read:
    // a pipe's texts are tagged as they come.
    let mut blocks = LineBlocks::new(input, 1, 64 * 1024, line_blocks::MAX_LINE_BYTES);
    let tagger = lede_enrich::Tagger::new().map_err(|e| Failure::Runtime(e.to_string()))?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let bad_input = |at: usize, error: &dyn std::fmt::Display| {
        Failure::BadInput(format!("{name}:{at}: {error}"))
    };
    while let Some(block) = blocks.next_block().map_err(|(at, e)| bad_input(at, &e))? {
        for (at, line) in line_blocks::lines(&block) {
            let item: TagInput = serde_json::from_slice(line).map_err(|e| bad_input(at, &e))?;
            let language = lede_enrich::language(&item.text, &[]);
            let tagged = tagger.tag_in(&item.text, language);
            let output = TagOutput {
                id: &item.id,
                language,
                entities: &tagged.mentions,
                demonyms: &tagged.demonyms,
            };
            let json =
                serde_json::to_string(&output).map_err(|e| Failure::Runtime(e.to_string()))?;
            if writeln!(out, "{json}").is_err() {
                return Ok(()); // stdout closed
            }
        }
        if !blocks.has_buffered() && out.flush().is_err() {
            return Ok(()); // stdout closed
        }
    }
    out.flush().ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dedup_line_that_is_not_utf8_is_bad_input_naming_it() {
        let seen = std::sync::Mutex::new(RecentKeys::default());
        let line = b"{\"id\": \"a\", \"title\": \"caf\xe9\"}";
        let Err(Failure::BadInput(message)) = parse_dedup_line("in.jsonl", 7, line, &seen) else {
            panic!("accepted a line that is not UTF-8");
        };
        assert!(message.starts_with("in.jsonl:7: "), "{message}");
    }

    #[test]
    fn recent_keys_remember_two_generations_and_no_more() {
        let mut keys = RecentKeys::default();
        assert!(keys.insert(1));
        assert!(!keys.insert(1), "seen in this generation");
        for key in 2..=RecentKeys::GENERATION as u64 {
            keys.insert(key);
        }
        // The next key starts a new generation; key 1 is in the previous one.
        assert!(keys.insert(u64::MAX));
        assert!(!keys.insert(1), "seen in the previous generation");
        for key in 0..RecentKeys::GENERATION as u64 {
            keys.insert(u64::MAX - 1 - key);
        }
        assert!(keys.insert(u64::MAX / 2));
        assert!(keys.insert(1), "two generations later, forgotten");
        assert!(keys.current.len() + keys.previous.len() <= 2 * RecentKeys::GENERATION);
    }
}
