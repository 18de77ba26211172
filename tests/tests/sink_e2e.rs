//! Exactly-once publishing (DESIGN invariant 4): a batch's events and the
//! state they imply are one Kafka transaction, so readers see all of a
//! batch or none of it; checked with rdkafka and with kcat. A second writer
//! on the same topics fences the first, which stops.

use std::time::Duration;

use lede_core::{CommitBatch, EventKind, EventRecord, EventSink, StateRecord, StateTable, Topic};
use lede_kafka::{KafkaConfig, KafkaSink};
use lede_tests::{
    Daemon, FeedServer, brokers, daemon_config, kcat_read_all, read_all, topics, unique_prefix,
    wait_until,
};

fn article_event(key: &str) -> EventRecord {
    EventRecord {
        topic: Topic::Articles,
        key: key.to_owned(),
        schema: "lede.article/1",
        kind: EventKind::ArticleNew,
        payload: b"{}".to_vec(),
    }
}

fn feed_state(value: Vec<u8>) -> StateRecord {
    StateRecord { table: StateTable::Feeds, key: "f1".to_owned(), value: Some(value) }
}

#[tokio::test]
async fn a_batch_that_fails_half_way_is_invisible_and_the_next_commits() {
    let prefix = unique_prefix("sink");
    let config = KafkaConfig {
        brokers: brokers(),
        topic_prefix: prefix.clone(),
        client_id: "lede-tests".into(),
        request_timeout: Duration::from_secs(10),
    };
    lede_kafka::ensure_topics(&config, &topics(&prefix))
        .await
        .unwrap_or_else(|e| panic!("topics: {e}"));
    let names = topics(&prefix);
    let sink = tokio::task::spawn_blocking(move || KafkaSink::new(&config, topics(&prefix)))
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("sink: {e}"));

    // The event is queued, then the state value is over the producer's
    // message size limit: the transaction is aborted.
    let failing = CommitBatch {
        events: vec![article_event("lost")],
        state: vec![feed_state(vec![b'x'; 2_000_000])],
    };
    assert!(sink.commit(failing).await.is_err(), "an oversized record fails the batch");
    let good = CommitBatch {
        events: vec![article_event("kept")],
        state: vec![feed_state(b"{}".to_vec())],
    };
    sink.commit(good).await.unwrap_or_else(|e| panic!("commit: {e}"));

    let keys: Vec<Option<String>> =
        read_all(&names.articles).await.into_iter().map(|r| r.key).collect();
    assert_eq!(keys, vec![Some("kept".to_owned())]);
    let kcat: Vec<Option<String>> =
        kcat_read_all(&names.articles).into_iter().map(|r| r.key).collect();
    assert_eq!(kcat, vec![Some("kept".to_owned())], "an outside client sees the same");
    let state = read_all(&names.state_feeds).await;
    assert_eq!(state.len(), 1, "only the committed batch's state");
    assert_eq!(state[0].value.as_deref(), Some(&b"{}"[..]));
}

/// An RSS document whose `n` items are new at the `n`th request.
fn growing_feed(n: usize) -> String {
    let items: String = (0..n)
        .map(|i| format!("<item><guid>item-{i}</guid><title>Item {i}</title><description>Text of item {i}.</description></item>"))
        .collect();
    format!("<rss version=\"2.0\"><channel><title>Growing</title>{items}</channel></rss>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_writer_on_the_same_topics_stops_the_first() {
    let server = FeedServer::start(|_, n| Some(("application/rss+xml", growing_feed(n)))).await;
    let prefix = unique_prefix("fenced");
    let config = daemon_config(&prefix, "1s", &[("growing", format!("{}/feed", server.base))]);
    let daemon = Daemon::start("fenced", &config);
    let names = topics(&prefix);
    // The daemon creates its topics before it polls.
    wait_until("the first poll", Duration::from_secs(60), || server.total_requests() >= 1).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while read_all(&names.articles).await.is_empty() {
        assert!(std::time::Instant::now() < deadline, "the daemon never committed");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // Another writer takes the topics' transactional id: the daemon's next
    // commit is refused for good, and it stops instead of retrying forever.
    let kafka = KafkaConfig {
        brokers: brokers(),
        topic_prefix: prefix.clone(),
        client_id: "lede-tests".into(),
        request_timeout: Duration::from_secs(10),
    };
    let _newer = tokio::task::spawn_blocking(move || KafkaSink::new(&kafka, topics(&prefix)))
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("sink: {e}"));
    let status = daemon.exited(Duration::from_secs(60)).await;
    assert_eq!(status.code(), Some(1), "a fenced daemon exits with status 1");
}
