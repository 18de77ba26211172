//! `lede run`: the topology, wired in this one place.
//!
//! ```text
//! feed task (one per feed) ──PolledBatch──► story stage (one task) ──CommitBatch──► KafkaSink
//!   FeedPoller                  bounded        StoryEngine                            articles, stories,
//!   waits for the reply ◄───────────────────── replies once committed                 stories.latest, state.*
//! ```
//!
//! Start: reach Kafka and create missing topics, restore the feed states
//! and the story index from their changelogs, then poll. A feed adopts its
//! next state only after the story stage committed the batch; a failed
//! commit rolls the story engine back, so the same items come again.
//! Shutdown (SIGTERM, Ctrl-C): no new polls start, fetches in flight are
//! dropped (nothing of them was accepted), batches already handed to the
//! story stage are committed, the producer is flushed.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use lede_core::{
    Article, CommitBatch, DeadLetter, DecidedArticle, DecisionKind, EventKind, EventRecord,
    EventSink, SinkError, StateRecord, StateTable, StoryEvent, Topic,
};
use lede_enrich::Tagger;
use lede_feeds::websub::renew_after;
use lede_feeds::{FeedError, FeedPoller, FeedState, Fetcher, HubLink, Pushed, Subscriptions};
use lede_kafka::{KafkaConfig, KafkaSink, TopicNames};
use lede_story::{ArticleFeatures, ChangelogWrite, RestoreError, StoreError, StoryEngine};
use tokio::sync::{Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::cpu::CpuTurns;
use crate::spill::SpillFile;
use crate::telemetry::{
    ArticlePartlyTagged, ArticlesPublished, CommitFailed, FeedGone, ItemTooLarge, Metrics,
    PollFailed, PollSucceeded, PushLease, PushedDocumentFailed, StoriesMeasured, StoryStoreFailed,
    SubscribeRequested,
};
use crate::{Failure, admin, demo};

/// Batches waiting for the story stage; feeds wait beyond this.
const STORY_QUEUE: usize = 256;
/// At most this many queued batches are committed together.
const MAX_GROUP: usize = 64;

/// A feed's new and changed articles and its next state: what the story
/// stage decides and commits together.
pub(crate) struct Polled {
    pub(crate) feed: String,
    pub(crate) articles: Vec<PolledArticle>,
    /// Items too large to publish, as their `lede.dlq` records.
    pub(crate) rejected: Vec<DeadLetter>,
    pub(crate) next_state: FeedState,
}

/// An item whose article is larger than this as JSON (its text, but also
/// its links and authors, all as a feed sent them) is not published: it
/// goes to `lede.dlq` (class `item_too_large`). Its records (article, story
/// event, story snapshot) each carry its text, and Kafka refuses records
/// over 1 MB by default; a refused record would fail its feed's every
/// commit. A long news article is 20-120 KB.
pub(crate) const MAX_ITEM_BYTES: usize = 256 * 1024;
/// An item of more paragraphs than this is not published either: a story
/// event lists its changed paragraphs by index, and two versions of tens
/// of thousands of one-word paragraphs would make that list pass 1 MB. A
/// long news article has 20-80.
pub(crate) const MAX_ITEM_PARAGRAPHS: usize = 2_000;

/// The size of `value` as JSON, counted without writing it anywhere.
fn json_bytes(value: &impl serde::Serialize) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    match serde_json::to_writer(&mut count, value) {
        Ok(()) => count.0,
        Err(_) => usize::MAX,
    }
}

impl Polled {
    /// A poll's new and changed articles, enriched (in the caller's task),
    /// with the feed's next state; items over [`MAX_ITEM_BYTES`] become
    /// dead letters, committed with the rest.
    pub(crate) fn new(
        poller: &FeedPoller,
        articles: Vec<(Article, EventKind)>,
        next_state: FeedState,
        tagger: &Tagger,
        at: chrono::DateTime<Utc>,
    ) -> Self {
        let feed = poller.spec().id.to_string();
        let (mut polled, mut rejected) = (Vec::new(), Vec::new());
        for (article, kind) in articles {
            let (bytes, paragraphs) = (json_bytes(&article), article.paragraphs.len());
            if bytes <= MAX_ITEM_BYTES && paragraphs <= MAX_ITEM_PARAGRAPHS {
                polled.push(PolledArticle::new(article, kind, tagger));
                continue;
            }
            let text = article.paragraphs.first().or(article.summary.as_ref());
            let excerpt = text.map(|text| {
                text[..text.floor_char_boundary(lede_feeds::poller::EXCERPT_BYTES)].to_owned()
            });
            rejected.push(DeadLetter {
                feed_id: feed.clone(),
                url: poller.url().to_owned(),
                class: ItemTooLarge::CLASS.to_owned(),
                message: format!(
                    "item {} ({}) is {bytes} bytes as JSON in {paragraphs} paragraphs, more than Lede publishes ({MAX_ITEM_BYTES} bytes, {MAX_ITEM_PARAGRAPHS} paragraphs)",
                    article.id,
                    article.url.as_deref().unwrap_or("no link"),
                ),
                transient: false,
                excerpt,
                at,
            });
        }
        Self { feed, articles: polled, rejected, next_state }
    }
}

/// A [`Polled`] batch on its way to the story stage.
struct PolledBatch {
    polled: Polled,
    /// `true` once everything is durable.
    reply: oneshot::Sender<bool>,
}

/// A new or changed article, with what the story and enrich stages need
/// from its text, computed by the feed task (in parallel across feeds) so
/// the single story stage only decides.
pub(crate) struct PolledArticle {
    article: Article,
    kind: EventKind,
    features: Option<ArticleFeatures>,
    language: Option<&'static str>,
    /// The title's and text's bytes, when more than the tagger reads.
    partly_tagged: Option<usize>,
}

impl PolledArticle {
    pub(crate) fn new(article: Article, kind: EventKind, tagger: &Tagger) -> Self {
        let paragraphs = article.paragraphs_or_summary();
        let language = lede_enrich::language(&article.title, &paragraphs);
        let tags = tagger.tags(&article.title, &paragraphs, language);
        let bytes = article.title.len() + paragraphs.iter().map(String::len).sum::<usize>();
        let partly_tagged = (bytes > lede_enrich::MAX_TAGGED_BYTES).then_some(bytes);
        let features = Some(ArticleFeatures::of(&article).with_tags(tags));
        Self { article, kind, features, language, partly_tagged }
    }
}

/// Run the daemon until SIGTERM or Ctrl-C.
pub async fn run(mut config: Config, demo_mode: bool) -> Result<(), Failure> {
    let cancel = CancellationToken::new();
    tokio::spawn(cancel_on_signal(cancel.clone()));

    if demo_mode {
        config.feeds = demo::start(cancel.clone())
            .await
            .map_err(|e| Failure::Runtime(format!("demo server: {e}")))?;
        // The demo feeds are served on 127.0.0.1.
        config.fetch.allow_private_addresses = true;
    }
    if config.feeds.is_empty() {
        return Err(Failure::BadInput(
            "no feeds configured: add [[feeds]] to the config, or run with --demo".into(),
        ));
    }

    let dir = &config.story_store_dir;
    let story_log = SpillFile::create(dir).map_err(|e| {
        Failure::BadInput(format!(
            "cannot create the story store in {} (story.store_dir): {e}",
            dir.display()
        ))
    })?;

    let names = TopicNames::new(&config.kafka.topic_prefix);
    lede_kafka::ensure_topics(&config.kafka, &names).await.map_err(Failure::from_kafka)?;
    // A state Lede cannot read would re-publish items or split stories: an
    // unreadable changelog value stops the start instead.
    let mut feed_states: HashMap<String, FeedState> =
        restore(&config.kafka, &names, StateTable::Feeds, |_, bytes| {
            FeedState::from_bytes(bytes).map_err(|e| e.to_string())
        })
        .await?;
    let engine = restore_stories(&config, &names, story_log).await?;

    let kafka = config.kafka.clone();
    let sink = tokio::task::spawn_blocking(move || KafkaSink::new(&kafka, names))
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?
        .map_err(Failure::from_kafka)?;
    let sink = Arc::new(sink);
    let fetcher =
        Arc::new(Fetcher::new(&config.fetch).map_err(|e| Failure::BadInput(e.to_string()))?);
    let tagger = Arc::new(Tagger::new().map_err(|e| Failure::Runtime(e.to_string()))?);
    let metrics = Arc::new(Metrics::new());
    let mut subscriptions = None;
    if let Some(listen) = config.admin_listen {
        let cannot_listen = |e: std::io::Error| {
            Failure::BadInput(format!("cannot listen on {listen} (admin.listen): {e}"))
        };
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(cannot_listen)?;
        let address = listener.local_addr().map_err(cannot_listen)?;
        if let Some(websub) = &config.websub {
            let callback_base =
                websub.callback_url.clone().unwrap_or_else(|| format!("http://{address}/websub"));
            tracing::info!(callback_base, "websub: feeds naming a hub are subscribed for push");
            subscriptions = Some(Arc::new(Subscriptions::new(&callback_base, websub.lease)));
        }
        let max_body = config.fetch.max_body_bytes;
        admin::serve(listener, metrics.clone(), subscriptions.clone(), max_body, cancel.clone());
        tracing::info!(%address, "admin server: /health, /metrics, /status");
    }
    tracing::info!(
        feeds = config.feeds.len(),
        restored_feeds = feed_states.len(),
        stories = engine.len(),
        "lede running"
    );

    let (to_story, from_feeds) = mpsc::channel(STORY_QUEUE);
    let story_stage = tokio::spawn(run_story_stage(
        engine,
        from_feeds,
        sink.clone(),
        metrics.clone(),
        cancel.clone(),
    ));
    let polls_in_flight = Arc::new(Semaphore::new(config.max_polls_in_flight.get()));
    let cpu = Arc::new(CpuTurns::per_core());
    let mut feed_tasks = JoinSet::new();
    for spec in config.feeds.clone() {
        let state = feed_states.remove(spec.id.as_str());
        let push = subscriptions.as_ref().map(|subscriptions| Push {
            received: subscriptions.register(spec.id.as_str()),
            subscriptions: subscriptions.clone(),
            fetcher: fetcher.clone(),
            subscribed: None,
            renew_at: None,
        });
        let poller = FeedPoller::new(spec, state, fetcher.clone());
        let task = FeedTask {
            feed: poller.spec().id.to_string(),
            poller,
            push,
            to_story: ToStory {
                sender: to_story.clone(),
                tagger: tagger.clone(),
                metrics: metrics.clone(),
            },
            polls_in_flight: polls_in_flight.clone(),
            cpu: cpu.clone(),
            sink: sink.clone(),
            metrics: metrics.clone(),
            cancel: cancel.clone(),
        };
        feed_tasks.spawn(task.run());
    }
    drop(to_story);

    cancel.cancelled().await;
    tracing::info!("shutting down: finishing commits in flight");
    let mut stage_ended = Ok(Ok(()));
    let drained = tokio::time::timeout(config.shutdown_timeout, async {
        while feed_tasks.join_next().await.is_some() {}
        // Every sender is gone: the story stage ends after the last batch.
        stage_ended = story_stage.await;
    })
    .await;
    let flushed = sink.flush(config.shutdown_timeout);
    if let Ok(Err(error)) = stage_ended {
        return Err(Failure::Runtime(format!("stopped: {error}")));
    }
    match (drained, flushed) {
        (Ok(()), Ok(())) => {
            tracing::info!("stopped cleanly");
            Ok(())
        }
        (Err(_), _) => Err(Failure::Runtime(format!(
            "commits still in flight after shutdown_timeout ({}); their items will be polled again at the next start",
            humantime::format_duration(config.shutdown_timeout)
        ))),
        (_, Err(e)) => Err(Failure::Runtime(e.to_string())),
    }
}

async fn cancel_on_signal(cancel: CancellationToken) {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
    cancel.cancel();
}

/// The current value of every key of a state table.
async fn restore<T: Send + 'static>(
    kafka: &KafkaConfig,
    names: &TopicNames,
    table: StateTable,
    decode: impl FnMut(&str, &[u8]) -> Result<T, String> + Send + 'static,
) -> Result<HashMap<String, T>, Failure> {
    let (kafka, names) = (kafka.clone(), names.clone());
    tokio::task::spawn_blocking(move || lede_kafka::restore_table(&kafka, &names, table, decode))
        .await
        .map_err(|e| Failure::Runtime(e.to_string()))?
        .map_err(Failure::from_kafka)
}

/// The story engine, its live stories restored from their changelog into
/// the record log `log`.
async fn restore_stories(
    config: &Config,
    names: &TopicNames,
    log: SpillFile,
) -> Result<StoryEngine, Failure> {
    let mut engine = StoryEngine::with_log(config.story.clone(), Box::new(log));
    let (kafka, names) = (config.kafka.clone(), names.clone());
    // A snapshot Lede cannot read stops the start (as for feed states); a
    // store that cannot take one stops it too, as a store failure.
    let (mut engine, restored, store_failed) = tokio::task::spawn_blocking(move || {
        let mut store_failed = None;
        let restored =
            lede_kafka::restore_table(&kafka, &names, StateTable::Stories, |key, bytes| {
                engine.restore_snapshot(key, bytes).map_err(|error| match error {
                    RestoreError::Store(error) => {
                        let message = error.to_string();
                        store_failed = Some(error);
                        message
                    }
                    other => other.to_string(),
                })
            });
        (engine, restored, store_failed)
    })
    .await
    .map_err(|e| Failure::Runtime(e.to_string()))?;
    if let Some(error) = store_failed {
        return Err(Failure::Runtime(error.to_string()));
    }
    let restored = restored.map_err(Failure::from_kafka)?;
    engine.index_restored(restored.into_values()).map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(engine)
}

/// A feed's WebSub side: the subscription and what its hub sends.
struct Push {
    subscriptions: Arc<Subscriptions>,
    received: mpsc::Receiver<Pushed>,
    fetcher: Arc<Fetcher>,
    /// The hub and topic last subscribed to (the hub accepted the request).
    subscribed: Option<HubLink>,
    /// When to renew the verified subscription.
    renew_at: Option<tokio::time::Instant>,
}

/// What a feed's hub side asks of its task.
enum PushEvent {
    Received(Pushed),
    RenewDue,
}

impl Push {
    /// Ask `link.hub` to push `link.topic`; on failure the next poll asks again.
    async fn subscribe(&mut self, feed: &str, link: HubLink, metrics: &Metrics) {
        let result = self.subscriptions.subscribe(&self.fetcher, feed, &link).await;
        SubscribeRequested { feed, link: &link, result: &result }.emit(metrics);
        self.subscribed = result.is_ok().then_some(link);
    }

    /// The next thing the hub sent, or the renewal falling due.
    async fn next(&mut self) -> PushEvent {
        let renew_at = self.renew_at;
        let renewal = async move {
            match renew_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some(pushed) = self.received.recv() => PushEvent::Received(pushed),
            () = renewal => PushEvent::RenewDue,
        }
    }
}

/// The next WebSub event of a feed, never for a feed without push.
async fn next_push(push: &mut Option<Push>) -> PushEvent {
    match push {
        Some(push) => push.next().await,
        None => std::future::pending().await,
    }
}

/// One feed's task: polls the feed until cancelled, and takes what its
/// WebSub hub pushes between polls; hands what changed to the story stage
/// and adopts the next state once it is durable.
struct FeedTask<S> {
    feed: String,
    poller: FeedPoller,
    push: Option<Push>,
    to_story: ToStory,
    polls_in_flight: Arc<Semaphore>,
    cpu: Arc<CpuTurns>,
    sink: Arc<S>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
}

/// Whether a feed's task goes on after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Next {
    Continue,
    Stop,
}

impl<S: EventSink> FeedTask<S> {
    // Not an `async fn`: that would hold its argument and the moved-in copy
    // (1,056 bytes a task instead of 536); an `async move` block holds
    // `self` once.
    #[allow(clippy::manual_async_fn)]
    fn run(mut self) -> impl Future<Output = ()> {
        // Each step is boxed, and so is every future a step awaits: a task
        // holds only the step it is in (10,000 feeds wait at once).
        async move {
            self.metrics.register_feed(&self.feed, &self.poller.spec().url);
            while Box::pin(self.poll_once()).await == Next::Continue
                && Box::pin(self.wait_for_next_poll()).await == Next::Continue
            {}
        }
    }

    /// Poll (once a turn is free) and hand what changed over; `Stop` when
    /// cancelled or the feed is gone.
    async fn poll_once(&mut self) -> Next {
        let (feed, metrics) = (self.feed.as_str(), self.metrics.as_ref());
        let to_story = &self.to_story;
        let in_turn = poll_in_turn(
            &mut self.poller,
            &self.polls_in_flight,
            &self.cpu,
            |poller, mut output| {
                let articles = std::mem::take(&mut output.articles);
                let polled = to_story.prepare(poller, articles, output.next_state.take());
                (output, polled)
            },
        );
        let polled = tokio::select! {
            biased;
            () = self.cancel.cancelled() => return Next::Stop,
            polled = in_turn => polled,
        };
        let (output, polled) = match polled {
            Ok(output) => output,
            Err(error) => {
                let next_poll_in = self.poller.next_poll_in(Utc::now());
                PollFailed { feed, error: &error, next_poll_in }.emit(metrics);
                Box::pin(dead_letter(self.sink.as_ref(), &self.poller, &error, metrics)).await;
                return Next::Continue;
            }
        };
        let entries = output.entries_in_document;
        let changed =
            polled.as_ref().map_or(0, |polled| polled.articles.len() + polled.rejected.len());
        let poller = &mut self.poller;
        if let Some(polled) = polled {
            Box::pin(self.to_story.hand_over(poller, polled)).await;
        }
        if output.gone {
            FeedGone { feed, url: poller.url() }.emit(metrics);
            let error = FeedError::Fetch(lede_feeds::FetchError::Status {
                url: poller.url().to_owned(),
                status: 410,
                retry_after: None,
            });
            Box::pin(dead_letter(self.sink.as_ref(), poller, &error, metrics)).await;
            return Next::Stop;
        }
        PollSucceeded {
            feed,
            entries,
            changed,
            not_modified: output.not_modified,
            next_poll_in: poller.next_poll_in(Utc::now()),
            unparsed_dates: output.unparsed_dates,
            unread_entries: output.unread_entries,
        }
        .emit(metrics);
        if let (Some(push), Some(link)) = (&mut self.push, output.hub_link)
            && push.subscribed.as_ref() != Some(&link)
        {
            Box::pin(push.subscribe(feed, link, metrics)).await;
        }
        Next::Continue
    }

    /// Take what the hub pushes until the next poll is due; `Stop` when
    /// cancelled.
    async fn wait_for_next_poll(&mut self) -> Next {
        let (feed, metrics) = (self.feed.as_str(), self.metrics.as_ref());
        let next_poll = tokio::time::sleep(self.poller.next_poll_in(Utc::now()));
        tokio::pin!(next_poll);
        loop {
            let event = tokio::select! {
                biased;
                () = self.cancel.cancelled() => return Next::Stop,
                () = &mut next_poll => return Next::Continue,
                event = next_push(&mut self.push) => event,
            };
            let Some(push) = &mut self.push else { continue };
            let poller = &mut self.poller;
            match event {
                PushEvent::Received(Pushed::Document { body, charset }) => {
                    let to_story = &self.to_story;
                    let ingested = self.cpu.run(body.len(), || {
                        let output = poller.ingest_pushed(body, charset, Utc::now())?;
                        Ok(to_story.prepare(poller, output.articles, output.next_state))
                    });
                    match Box::pin(ingested).await {
                        Ok(polled) => {
                            if let Some(polled) = polled {
                                Box::pin(self.to_story.hand_over(poller, polled)).await;
                            }
                        }
                        Err(error) => {
                            PushedDocumentFailed { feed, error: &error }.emit(metrics);
                            Box::pin(dead_letter(self.sink.as_ref(), poller, &error, metrics))
                                .await;
                        }
                    }
                }
                PushEvent::Received(Pushed::Verified { lease }) => {
                    let until = Utc::now() + lease;
                    poller.set_push_until(Some(until));
                    push.renew_at = Some(tokio::time::Instant::now() + renew_after(lease));
                    let hub = push.subscribed.as_ref().map(|link| link.hub.as_str());
                    PushLease { feed, hub, until: Some(until) }.emit(metrics);
                }
                PushEvent::Received(Pushed::Denied { .. }) => {
                    // Not asked again until the feed names another hub.
                    poller.set_push_until(None);
                    push.renew_at = None;
                    PushLease { feed, hub: None, until: None }.emit(metrics);
                }
                PushEvent::RenewDue => {
                    push.renew_at = None;
                    if let Some(link) = push.subscribed.clone() {
                        Box::pin(push.subscribe(feed, link, metrics)).await;
                    }
                }
            }
        }
    }
}

/// A feed task's way to the story stage, with the enrichment it does on
/// the way (in the feed's task, so in parallel across feeds).
struct ToStory {
    sender: mpsc::Sender<PolledBatch>,
    tagger: Arc<Tagger>,
    metrics: Arc<Metrics>,
}

impl ToStory {
    /// Enrich a document's new and changed articles and compute their story
    /// features, with the feed's next state: `None` when nothing changed.
    /// CPU work: run in a [`CpuTurns`] turn.
    fn prepare(
        &self,
        poller: &FeedPoller,
        articles: Vec<(Article, EventKind)>,
        next_state: Option<FeedState>,
    ) -> Option<Polled> {
        let polled = Polled::new(poller, articles, next_state?, &self.tagger, Utc::now());
        let feed = polled.feed.as_str();
        for article in &polled.articles {
            if let Some(bytes) = article.partly_tagged {
                ArticlePartlyTagged { feed, article: &article.article.id, bytes }
                    .emit(&self.metrics);
            }
        }
        for letter in &polled.rejected {
            ItemTooLarge { letter }.emit(&self.metrics);
        }
        Some(polled)
    }

    /// Hand a prepared batch to the story stage, and adopt the feed's next
    /// state once it is durable. Once handed over, the batch is seen
    /// through even during shutdown.
    async fn hand_over(&self, poller: &mut FeedPoller, polled: Polled) {
        let (reply, committed) = oneshot::channel();
        let next_state = polled.next_state.clone();
        let batch = PolledBatch { polled, reply };
        let durable = self.sender.send(batch).await.is_ok() && committed.await.unwrap_or(false);
        if durable {
            poller.acknowledge(next_state);
        } else {
            poller.commit_failed();
        }
    }
}

/// Publish why a poll failed to `lede.dlq`, keyed by feed id.
async fn dead_letter(
    sink: &impl EventSink,
    poller: &FeedPoller,
    error: &FeedError,
    metrics: &Metrics,
) {
    let record = dead_letter_record(poller, error, Utc::now());
    if let Err(failed) = sink.commit(CommitBatch { events: vec![record], state: Vec::new() }).await
    {
        CommitFailed { feed: poller.spec().id.as_str(), error: &failed }.emit(metrics);
    }
}

/// The `lede.dlq` record of a poll that failed at `at`, keyed by feed id.
pub(crate) fn dead_letter_record(
    poller: &FeedPoller,
    error: &FeedError,
    at: chrono::DateTime<Utc>,
) -> EventRecord {
    let spec = poller.spec();
    let letter = DeadLetter {
        feed_id: spec.id.to_string(),
        url: poller.url().to_owned(),
        class: error.class().to_owned(),
        message: error.to_string(),
        transient: error.is_transient(),
        excerpt: error.excerpt().map(str::to_owned),
        at,
    };
    json_event(Topic::Dlq, spec.id.as_str(), DeadLetter::SCHEMA, EventKind::FeedRejected, &letter)
}

/// Poll once fewer than `poll.max_in_flight` polls are in flight, and
/// `prepare` its output in the same turn: when thousands of feeds are due
/// at once, only that many hold a document or its articles (and the poll's
/// boxed future) at a time. Reading the document and `prepare` are CPU
/// work, done in a `cpu` turn.
async fn poll_in_turn<T>(
    poller: &mut FeedPoller,
    polls_in_flight: &Semaphore,
    cpu: &CpuTurns,
    prepare: impl FnOnce(&FeedPoller, lede_feeds::PollOutput) -> T,
) -> Result<T, FeedError> {
    // The semaphore is never closed; were it, polling goes on unlimited.
    let _turn = polls_in_flight.acquire().await.ok();
    let fetched = Box::pin(poller.fetch()).await;
    let bytes = fetched.as_ref().map_or(0, lede_feeds::PollFetched::document_bytes);
    let read = cpu.run(bytes, || {
        let output = poller.read(fetched, Utc::now())?;
        Ok(prepare(poller, output))
    });
    Box::pin(read).await
}

/// Decide every article's story and commit articles, story events and state
/// together, one batch at a time, until every feed task is gone.
async fn run_story_stage(
    mut engine: StoryEngine,
    mut batches: mpsc::Receiver<PolledBatch>,
    sink: Arc<impl EventSink>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) -> Result<(), StageStopped> {
    StoriesMeasured::of(&engine).emit(&metrics);
    while let Some(first) = batches.recv().await {
        // Batches that queued up meanwhile share one commit: one round trip
        // to the brokers for many feeds.
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match batches.try_recv() {
                Ok(batch) => group.push(batch),
                Err(_) => break,
            }
        }
        engine.begin();
        let now = Utc::now();
        let decided = decide_group(&mut engine, &mut group, now);
        let committed = match decided {
            Err(error) => {
                StoryStoreFailed { error: &error }.emit(&metrics);
                let _ = engine.rollback();
                for batch in group {
                    let _ = batch.reply.send(false);
                }
                cancel.cancel();
                return Err(StageStopped::Store(error));
            }
            Ok((commit, published)) => match sink.commit(commit).await {
                Ok(()) => {
                    engine.commit();
                    published.into_iter().for_each(|counts| counts.emit(&metrics));
                    StoriesMeasured::of(&engine).emit(&metrics);
                    true
                }
                Err(error) => {
                    let undone = engine.rollback();
                    for batch in &group {
                        CommitFailed { feed: &batch.polled.feed, error: &error }.emit(&metrics);
                    }
                    if error.is_fatal() {
                        // Another writer owns the topics now: stop the daemon.
                        cancel.cancel();
                        return Err(StageStopped::Kafka(error));
                    }
                    if let Err(error) = undone {
                        StoryStoreFailed { error: &error }.emit(&metrics);
                        cancel.cancel();
                        return Err(StageStopped::Store(error));
                    }
                    false
                }
            },
        };
        for batch in group {
            let _ = batch.reply.send(committed);
        }
    }
    Ok(())
}

/// Why the story stage stopped the daemon.
#[derive(Debug, thiserror::Error)]
enum StageStopped {
    #[error("Kafka {0}")]
    Kafka(SinkError),
    #[error("{0}")]
    Store(StoreError),
}

/// One commit for a group of polled batches, and what each published.
fn decide_group<'a>(
    engine: &mut StoryEngine,
    group: &'a mut [PolledBatch],
    now: chrono::DateTime<Utc>,
) -> Result<(CommitBatch, Vec<ArticlesPublished<'a>>), StoreError> {
    let mut commit = CommitBatch::default();
    let mut published = Vec::with_capacity(group.len());
    for batch in group {
        let (decided, counts) = decide_batch(engine, &mut batch.polled, now)?;
        commit.events.extend(decided.events);
        commit.state.extend(decided.state);
        published.push(counts);
    }
    Ok((commit, published))
}

/// The commit for one polled batch: every article with its decision, the
/// story events, the story snapshots and the feed's next state.
pub(crate) fn decide_batch<'a>(
    engine: &mut StoryEngine,
    batch: &'a mut Polled,
    now: chrono::DateTime<Utc>,
) -> Result<(CommitBatch, ArticlesPublished<'a>), StoreError> {
    let Polled { feed, articles, rejected, next_state } = batch;
    let feed: &'a String = feed;
    let mut commit = CommitBatch::default();
    for letter in rejected.iter() {
        let (schema, kind) = (DeadLetter::SCHEMA, EventKind::FeedRejected);
        commit.events.push(json_event(Topic::Dlq, feed, schema, kind, letter));
    }
    let mut published = ArticlesPublished { feed, ..ArticlesPublished::default() };
    // The last changelog write per story; snapshots are taken at the end.
    let mut writes: Vec<ChangelogWrite> = Vec::new();
    for item in articles.iter_mut() {
        let (article, kind) = (&item.article, &item.kind);
        let features = item.features.take().unwrap_or_else(|| ArticleFeatures::of(article));
        let outcome = engine.decide_with(article, features, now)?;
        published.count(*kind, outcome.decision.kind);
        let decided = DecidedArticle { article: article.clone(), decision: outcome.decision };
        commit.events.push(json_event(
            Topic::Articles,
            &article.id,
            Article::SCHEMA,
            *kind,
            &decided,
        ));
        if let Some(mut event) = outcome.event {
            // The enrich stage: pure functions of the version's text. A new
            // version's text is the article's, enriched in the feed task; a
            // source event carries the story's text.
            let language = match event.kind {
                DecisionKind::Source => lede_enrich::language(&event.title, &event.paragraphs),
                _ => item.language,
            };
            event.language = language.map(str::to_owned);
            let kind = match event.kind {
                DecisionKind::Update => EventKind::StoryUpdate,
                DecisionKind::Source => EventKind::StorySource,
                DecisionKind::New | DecisionKind::Duplicate => EventKind::StoryNew,
            };
            commit.events.push(json_event(
                Topic::Stories,
                &event.story_id,
                StoryEvent::SCHEMA,
                kind,
                &event,
            ));
            commit.events.push(json_event(
                Topic::StoriesLatest,
                &event.story_id,
                StoryEvent::SCHEMA,
                kind,
                &event,
            ));
        }
        for write in outcome.changelog {
            match writes.iter_mut().find(|known| known.story_id() == write.story_id()) {
                Some(known) => *known = write,
                None => writes.push(write),
            }
        }
    }
    for write in &writes {
        let value = match write {
            ChangelogWrite::Snapshot { seq, .. } => engine.snapshot(*seq)?,
            ChangelogWrite::Tombstone { .. } => None,
        };
        let key = write.story_id().to_owned();
        commit.state.push(StateRecord { table: StateTable::Stories, key, value });
    }
    commit.state.push(StateRecord {
        table: StateTable::Feeds,
        key: feed.clone(),
        value: Some(next_state.to_bytes()),
    });
    Ok((commit, published))
}

fn json_event(
    topic: Topic,
    key: &str,
    schema: &'static str,
    kind: EventKind,
    value: &impl serde::Serialize,
) -> EventRecord {
    EventRecord {
        topic,
        key: key.to_owned(),
        schema,
        kind,
        payload: serde_json::to_vec(value).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lede_core::{FeedId, FeedSpec, MemorySink};
    use lede_story::EngineConfig;
    use std::time::Duration;

    async fn feed_server() -> String {
        let app = axum::Router::new().route(
            "/feed",
            axum::routing::get(|| async {
                r#"<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>One</title><description>Text of one.</description></item></channel></rss>"#
            }),
        );
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{address}/feed")
    }

    /// An article of `paragraphs`.
    fn article(paragraphs: Vec<String>) -> Article {
        Article {
            id: "a".into(),
            feed_id: "f".into(),
            title: "T".into(),
            content_hash: Article::compute_content_hash("T", None, &paragraphs),
            paragraphs,
            fetched_at: Utc::now(),
            source: "f".into(),
            ..Article::default()
        }
    }

    #[test]
    fn an_article_longer_than_the_tagger_reads_is_marked_and_kept_whole() {
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        let long = vec!["word ".repeat(lede_enrich::MAX_TAGGED_BYTES / 5 + 1)];
        let polled = PolledArticle::new(article(long.clone()), EventKind::ArticleNew, &tagger);
        assert_eq!(polled.partly_tagged, Some(1 + long[0].len()));
        assert_eq!(polled.article.paragraphs, long, "the article is kept whole");
        let short =
            PolledArticle::new(article(vec!["Short.".into()]), EventKind::ArticleNew, &tagger);
        assert_eq!(short.partly_tagged, None);
    }

    #[test]
    fn items_too_large_are_dead_letters() {
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        let spec = FeedSpec {
            id: FeedId::new("f"),
            url: "http://127.0.0.1:9/feed".into(),
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(1),
        };
        let fetcher = Arc::new(Fetcher::new(&Default::default()).unwrap_or_else(|e| panic!("{e}")));
        let poller = FeedPoller::new(spec, None, fetcher);
        // A short text under 100,000 authors: large as JSON all the same.
        let mut crowded = article(vec!["Short.".into()]);
        crowded.authors = (0..100_000)
            .map(|i| lede_core::Author { name: format!("Author {i}"), email: None })
            .collect();
        let long = article(vec!["x".repeat(MAX_ITEM_BYTES + 1)]);
        let chopped = article(vec!["Word.".to_owned(); MAX_ITEM_PARAGRAPHS + 1]);
        let fine = Article { id: "fine".into(), ..article(vec!["Short.".into()]) };
        let articles = [crowded, long, chopped, fine].map(|a| (a, EventKind::ArticleNew)).to_vec();
        let polled = Polled::new(&poller, articles, FeedState::default(), &tagger, Utc::now());
        let kept: Vec<&str> = polled.articles.iter().map(|a| a.article.id.as_str()).collect();
        assert_eq!(kept, ["fine"]);
        assert_eq!(polled.rejected.len(), 3);
        for letter in &polled.rejected {
            assert_eq!(letter.class, "item_too_large");
            assert!(letter.message.contains("more than Lede publishes"), "{}", letter.message);
        }
        assert_eq!(polled.rejected[1].excerpt.as_ref().map(String::len), Some(512));
    }

    /// The batch of one poll of the test feed.
    async fn polled_batch() -> Polled {
        let spec = FeedSpec {
            id: FeedId::new("f"),
            url: feed_server().await,
            interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(1),
        };
        let config =
            lede_feeds::FetchConfig { allow_private_addresses: true, ..Default::default() };
        let fetcher = Arc::new(Fetcher::new(&config).unwrap_or_else(|e| panic!("{e}")));
        let mut poller = FeedPoller::new(spec, None, fetcher);
        let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
        let tagger = Tagger::new().unwrap_or_else(|e| panic!("{e}"));
        let next_state = output.next_state.unwrap_or_default();
        Polled::new(&poller, output.articles, next_state, &tagger, Utc::now())
    }

    #[tokio::test]
    async fn a_batch_commits_articles_story_events_and_state_together() {
        let mut batch = polled_batch().await;
        let mut engine = StoryEngine::new(EngineConfig::default());
        let (commit, _) = decide_batch(&mut engine, &mut batch, Utc::now()).expect("decided");
        let topics: Vec<Topic> = commit.events.iter().map(|e| e.topic).collect();
        assert_eq!(topics, vec![Topic::Articles, Topic::Stories, Topic::StoriesLatest]);
        let tables: Vec<StateTable> = commit.state.iter().map(|s| s.table).collect();
        assert_eq!(
            tables,
            vec![StateTable::Stories, StateTable::Feeds],
            "story snapshots, then the feed"
        );
        let sink = MemorySink::default();
        assert!(sink.commit(commit).await.is_ok());
    }

    /// With one poll allowed in flight, feeds due together are fetched one
    /// after another (the server sees one request at a time), and all are
    /// polled.
    #[tokio::test]
    async fn feeds_due_together_poll_in_turn() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (serving, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (counting, highest) = (serving.clone(), most.clone());
        let app = axum::Router::new().route(
            "/feed",
            axum::routing::get(move || {
                let (serving, most) = (counting.clone(), highest.clone());
                async move {
                    let now = serving.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    serving.fetch_sub(1, Ordering::SeqCst);
                    r#"<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>One</title></item></channel></rss>"#
                }
            }),
        );
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let config = lede_feeds::FetchConfig {
            allow_private_addresses: true,
            max_requests_per_host: 8,
            host_spacing: Duration::ZERO,
            ..Default::default()
        };
        let fetcher = Arc::new(Fetcher::new(&config).unwrap_or_else(|e| panic!("{e}")));
        let (turns, cpu) = (Arc::new(Semaphore::new(1)), Arc::new(CpuTurns::new(1)));
        let mut polls = JoinSet::new();
        for feed in 0..4 {
            let spec = FeedSpec {
                id: FeedId::new(format!("f{feed}")),
                url: format!("http://{address}/feed"),
                interval: Duration::from_secs(1),
                max_interval: Duration::from_secs(1),
            };
            let mut poller = FeedPoller::new(spec, None, fetcher.clone());
            let (turns, cpu) = (turns.clone(), cpu.clone());
            polls.spawn(
                async move { poll_in_turn(&mut poller, &turns, &cpu, |_, _| ()).await.is_ok() },
            );
        }
        let polled = polls.join_all().await;
        assert_eq!(polled, vec![true; 4]);
        assert_eq!(most.load(Ordering::SeqCst), 1, "one poll in flight at a time");
    }

    /// A record log on a full disk.
    #[derive(Debug)]
    struct FullDisk;

    impl lede_story::RecordLog for FullDisk {
        fn append(&mut self, _: &[u8]) -> std::io::Result<u64> {
            Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "No space left on device"))
        }

        fn read_at(&self, _: u64, _: &mut [u8]) -> std::io::Result<()> {
            Err(std::io::ErrorKind::UnexpectedEof.into())
        }

        fn fresh(&self) -> std::io::Result<Box<dyn lede_story::RecordLog>> {
            Ok(Box::new(FullDisk))
        }
    }

    /// The story store failing stops the daemon with its error and a
    /// metric; the batch is not committed (not acknowledged to its feed,
    /// whose items are polled again at the next start).
    #[tokio::test]
    async fn a_story_store_failure_commits_nothing_and_stops_the_daemon() {
        let engine = StoryEngine::with_log(EngineConfig::default(), Box::new(FullDisk));
        let (sender, receiver) = mpsc::channel(1);
        let (sink, metrics) = (Arc::new(MemorySink::default()), Arc::new(Metrics::new()));
        let cancel = CancellationToken::new();
        let stage = tokio::spawn(run_story_stage(
            engine,
            receiver,
            sink.clone(),
            metrics.clone(),
            cancel.clone(),
        ));
        let (reply, committed) = oneshot::channel();
        let batch = PolledBatch { polled: polled_batch().await, reply };
        assert!(sender.send(batch).await.is_ok());
        assert_eq!(committed.await, Ok(false), "not durable");
        let stopped = stage.await.expect("the stage ends");
        assert!(
            matches!(&stopped, Err(StageStopped::Store(error)) if error.to_string().contains("No space left")),
            "{stopped:?}"
        );
        assert!(cancel.is_cancelled(), "the daemon stops");
        assert!(sink.batches().is_empty(), "nothing committed");
        assert!(metrics.encode().contains("lede_story_store_errors_total 1"));
    }
}
