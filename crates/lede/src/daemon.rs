//! `lede run`: the topology, wired in this one place.
//!
//! ```text
//! per feed: FeedPoller --(CommitBatch: articles + feed state)--> KafkaSink
//! ```
//!
//! Start: reach Kafka and create missing topics, restore every feed's state
//! from `lede.state.feeds`, then one task per feed polls on its schedule.
//! Shutdown (SIGTERM, Ctrl-C): no new polls start, fetches in flight are
//! dropped (nothing of them was accepted), commits in flight finish, the
//! producer is flushed.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::Utc;
use lede_core::{
    Article, CommitBatch, EventKind, EventRecord, EventSink, StateRecord, StateTable, Topic,
};
use lede_feeds::{FeedPoller, FeedState, Fetcher, PollOutput};
use lede_kafka::{KafkaSink, TopicNames};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::telemetry::{ArticlesPublished, CommitFailed, Metrics, PollFailed, PollSucceeded};
use crate::{Failure, admin, demo};

/// Run the daemon until SIGTERM or Ctrl-C.
pub async fn run(mut config: Config, demo_mode: bool) -> Result<(), Failure> {
    let cancel = CancellationToken::new();
    tokio::spawn(cancel_on_signal(cancel.clone()));

    if demo_mode {
        config.feeds = demo::start(cancel.clone())
            .await
            .map_err(|e| Failure::Runtime(format!("demo server: {e}")))?;
    }
    if config.feeds.is_empty() {
        return Err(Failure::BadInput(
            "no feeds configured: add [[feeds]] to the config, or run with --demo".into(),
        ));
    }

    let names = TopicNames::new(&config.kafka.topic_prefix);
    lede_kafka::ensure_topics(&config.kafka, &names).await.map_err(Failure::from_kafka)?;
    let restored = restore_feed_states(&config, &names).await?;
    let sink = Arc::new(KafkaSink::new(&config.kafka, names).map_err(Failure::from_kafka)?);
    let fetcher =
        Arc::new(Fetcher::new(&config.fetch).map_err(|e| Failure::BadInput(e.to_string()))?);
    let metrics = Arc::new(Metrics::new());
    if let Some(listen) = config.admin_listen {
        let address = admin::serve(listen, metrics.clone(), cancel.clone()).await.map_err(|e| {
            Failure::BadInput(format!("cannot listen on {listen} (admin.listen): {e}"))
        })?;
        tracing::info!(%address, "admin server: /health, /metrics");
    }

    let mut tasks = JoinSet::new();
    for spec in config.feeds.clone() {
        let state = restored.get(spec.id.as_str()).cloned();
        let poller = FeedPoller::new(spec, state, fetcher.clone());
        tasks.spawn(run_feed(poller, sink.clone(), metrics.clone(), cancel.clone()));
    }
    tracing::info!(feeds = config.feeds.len(), restored = restored.len(), "lede running");

    cancel.cancelled().await;
    tracing::info!("shutting down: finishing commits in flight");
    let drained = tokio::time::timeout(config.shutdown_timeout, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    let flushed = sink.flush(config.shutdown_timeout);
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

async fn restore_feed_states(
    config: &Config,
    names: &TopicNames,
) -> Result<HashMap<String, FeedState>, Failure> {
    let (kafka, names) = (config.kafka.clone(), names.clone());
    let raw = tokio::task::spawn_blocking(move || {
        lede_kafka::restore_table(&kafka, &names, StateTable::Feeds)
    })
    .await
    .map_err(|e| Failure::Runtime(e.to_string()))?
    .map_err(Failure::from_kafka)?;
    let mut states = HashMap::with_capacity(raw.len());
    for (feed, bytes) in raw {
        match FeedState::from_bytes(&bytes) {
            Ok(state) => {
                states.insert(feed, state);
            }
            // A state Lede cannot read would re-publish the feed's items; stop instead.
            Err(e) => {
                return Err(Failure::Runtime(format!(
                    "unreadable state of feed {feed} in the changelog: {e}"
                )));
            }
        }
    }
    Ok(states)
}

/// Poll one feed until cancelled.
async fn run_feed(
    mut poller: FeedPoller,
    sink: Arc<KafkaSink>,
    metrics: Arc<Metrics>,
    cancel: CancellationToken,
) {
    let feed = poller.spec().id.to_string();
    loop {
        let polled = tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            polled = poller.poll(Utc::now()) => polled,
        };
        match polled {
            Ok(output) => commit(&mut poller, &feed, output, sink.as_ref(), &metrics).await,
            Err(error) => PollFailed { feed: &feed, error: &error }.emit(&metrics),
        }
        tokio::select! {
            biased;
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(poller.next_poll_in()) => {}
        }
    }
}

/// Make a poll's output durable, then adopt its state. Not cancelled by
/// shutdown: what was handed to Kafka is seen through.
async fn commit(
    poller: &mut FeedPoller,
    feed: &str,
    output: PollOutput,
    sink: &impl EventSink,
    metrics: &Metrics,
) {
    PollSucceeded {
        feed,
        entries: output.entries_in_document,
        changed: output.articles.len(),
        not_modified: output.entries_in_document == 0 && output.next_state.is_none(),
    }
    .emit(metrics);
    let Some(next_state) = output.next_state else {
        return;
    };
    let new = output.articles.iter().filter(|(_, kind)| *kind == EventKind::ArticleNew).count();
    let batch = CommitBatch {
        events: output
            .articles
            .iter()
            .map(|(article, kind)| article_event(article, *kind))
            .collect(),
        state: vec![StateRecord {
            table: StateTable::Feeds,
            key: feed.to_owned(),
            value: Some(next_state.to_bytes()),
        }],
    };
    match sink.commit(batch).await {
        Ok(()) => {
            poller.acknowledge(next_state);
            ArticlesPublished { feed, new, changed: output.articles.len() - new }.emit(metrics);
        }
        Err(error) => {
            poller.commit_failed();
            CommitFailed { feed, error: &error }.emit(metrics);
        }
    }
}

fn article_event(article: &Article, kind: EventKind) -> EventRecord {
    EventRecord {
        topic: Topic::Articles,
        key: article.id.clone(),
        schema: Article::SCHEMA,
        kind,
        payload: serde_json::to_vec(article).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lede_core::MemorySink;
    use lede_core::{FeedId, FeedSpec};
    use std::time::Duration;

    #[tokio::test]
    async fn commit_writes_articles_then_state_and_acknowledges() {
        let app = axum::Router::new().route(
            "/feed",
            axum::routing::get(|| async {
                r#"<rss version="2.0"><channel><title>T</title><item><guid>1</guid><title>One</title></item></channel></rss>"#
            }),
        );
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap_or_else(|e| panic!("{e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        let spec = FeedSpec {
            id: FeedId::new("f"),
            url: format!("http://{address}/feed"),
            interval: Duration::from_secs(1),
        };
        let fetcher = Arc::new(
            Fetcher::new(&lede_feeds::FetchConfig::default()).unwrap_or_else(|e| panic!("{e}")),
        );
        let mut poller = FeedPoller::new(spec, None, fetcher);
        let sink = MemorySink::default();
        let metrics = Metrics::new();
        for _ in 0..2 {
            let output = poller.poll(Utc::now()).await.unwrap_or_else(|e| panic!("{e}"));
            commit(&mut poller, "f", output, &sink, &metrics).await;
        }
        let batches = sink.batches();
        assert_eq!(batches.len(), 1, "the second poll found nothing new");
        assert_eq!(batches[0].events.len(), 1);
        assert_eq!(batches[0].events[0].kind, EventKind::ArticleNew);
        assert_eq!(batches[0].state[0].key, "f");
        assert_eq!(poller.state().seen.len(), 1);
    }
}
