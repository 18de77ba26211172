//! Issue 3: broken feeds next to a good one. The daemon keeps polling, the
//! good feed's articles arrive, and every failure is a dead-letter record
//! on `lede.dlq` (keyed by feed id, with its error class).

use std::collections::BTreeSet;
use std::time::Duration;

use lede_tests::{
    Daemon, FeedServer, daemon_config, kcat_read_all, read_all, topics, unique_prefix, wait_until,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_feeds_go_to_the_dead_letter_topic_and_the_rest_keeps_flowing() {
    let server = FeedServer::start(|path, _| match path {
        "/good" => Some((
            "application/rss+xml",
            "<rss version=\"2.0\"><channel><title>Good</title><item><guid>g1</guid><title>Fine</title>\
             <description>All is well.</description></item></channel></rss>"
                .to_owned(),
        )),
        "/html" => Some(("text/html", "<html><body><p>Not a feed</p></body></html>".to_owned())),
        "/empty" => Some(("application/rss+xml", String::new())),
        _ => None, // 404
    })
    .await;
    let prefix = unique_prefix("badfeeds");
    let feeds = [
        ("good", format!("{}/good", server.base)),
        ("html", format!("{}/html", server.base)),
        ("empty", format!("{}/empty", server.base)),
        ("missing", format!("{}/missing", server.base)),
    ];
    let daemon = Daemon::start("badfeeds", &daemon_config(&prefix, "300ms", &feeds));
    wait_until("every feed polled", Duration::from_secs(60), || {
        ["/good", "/html", "/empty", "/missing"].iter().all(|p| server.requests(p) >= 2)
    })
    .await;
    let status = daemon.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "lede exited with {status}");

    let names = topics(&prefix);
    let articles = read_all(&names.articles).await;
    assert_eq!(articles.len(), 1, "the good feed's one article, once");

    let letters: Vec<serde_json::Value> = kcat_read_all(&names.dlq)
        .iter()
        .map(|r| {
            let value: serde_json::Value =
                serde_json::from_str(r.payload.as_deref().unwrap_or("{}")).unwrap_or_default();
            assert_eq!(r.key.as_deref(), value["feed_id"].as_str(), "keyed by feed id");
            assert!(r.headers.contains(&("lede-event".to_owned(), "feed.rejected".to_owned())));
            value
        })
        .collect();
    let classes: BTreeSet<(String, String)> = letters
        .iter()
        .map(|v| {
            (
                v["feed_id"].as_str().unwrap_or_default().to_owned(),
                v["class"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        [("html", "not_a_feed"), ("empty", "not_a_feed"), ("missing", "http_status")]
            .iter()
            .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
            .collect();
    assert_eq!(classes, expected);
    let html = letters.iter().find(|v| v["feed_id"] == "html").cloned().unwrap_or_default();
    assert_eq!(html["excerpt"], "<html><body><p>Not a feed</p></body></html>");
    assert_eq!(read_all(&names.dlq).await.len(), letters.len(), "rdkafka and kcat agree");
}

/// Serve `document` as feed `feed`, run the daemon until it polled it
/// three times, stop it, and return the run's topics.
async fn poll_three_times(feed: &str, document: String) -> lede_kafka::TopicNames {
    let path = format!("/{feed}");
    let served = path.clone();
    let server = FeedServer::start(move |requested, _| {
        (requested == served).then(|| ("application/rss+xml", document.clone()))
    })
    .await;
    let prefix = unique_prefix(feed);
    let feeds = [(feed, format!("{}{path}", server.base))];
    let daemon = Daemon::start(feed, &daemon_config(&prefix, "300ms", &feeds));
    wait_until("the feed polled three times", Duration::from_secs(120), || {
        server.requests(&path) >= 3
    })
    .await;
    let status = daemon.terminate(Duration::from_secs(60)).await;
    assert!(status.success(), "lede exited with {status}");
    topics(&prefix)
}

/// An item too large to publish (its records would pass Kafka's 1 MB
/// limit, failing the feed's every commit) goes to `lede.dlq` once, with
/// the poll's batch; the feed's other item is published, and later polls
/// do not offer the item again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_too_large_to_publish_is_a_dead_letter_and_its_feed_flows() {
    let huge = "All work and no play. ".repeat(1200 * 1024 / 22);
    let document = format!(
        "<rss version=\"2.0\"><channel><title>Big</title>\
         <item><guid>small</guid><title>Small</title><description>A short item.</description></item>\
         <item><guid>huge</guid><title>Huge</title><description>{huge}</description></item>\
         </channel></rss>"
    );
    let names = poll_three_times("big", document).await;
    let articles: Vec<Option<String>> =
        kcat_read_all(&names.articles).into_iter().map(|r| r.key).collect();
    assert_eq!(articles.len(), 1, "the small item, once: {articles:?}");
    let letters = kcat_read_all(&names.dlq);
    assert_eq!(letters.len(), 1, "the huge item, once");
    let letter: serde_json::Value =
        serde_json::from_str(letters[0].payload.as_deref().unwrap_or("{}")).unwrap_or_default();
    assert_eq!(letter["class"], "item_too_large");
    assert_eq!(letter["feed_id"], "big");
    assert!(letter["excerpt"].as_str().is_some_and(|e| e.starts_with("All work")), "{letter}");
    assert_eq!(read_all(&names.dlq).await.len(), 1, "rdkafka and kcat agree");
}

/// A document of more entries than a feed remembers (its state, one
/// Kafka record, would pass 1 MB and fail the feed's every commit): the
/// newest 5,000 are published once, and the feed's state is committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_of_9000_entries_publishes_the_newest_5000() {
    // One a minute from 1 November, newest last (as some sitemaps are).
    let items: String = (0..9000)
        .map(|i| {
            let (day, hour, minute) = (1 + i / 1440, (i / 60) % 24, i % 60);
            format!(
                "<item><guid>many-{i}</guid><title>Entry {i}</title>\
                 <pubDate>{day:02} Nov 2026 {hour:02}:{minute:02}:00 +0000</pubDate>\
                 <description>Entry number {i}.</description></item>"
            )
        })
        .collect();
    let document =
        format!("<rss version=\"2.0\"><channel><title>Many</title>{items}</channel></rss>");
    let names = poll_three_times("many", document).await;
    let articles = kcat_read_all(&names.articles);
    assert_eq!(articles.len(), 5000, "the newest 5,000 entries, once each");
    let titles: BTreeSet<String> = articles
        .iter()
        .filter_map(|r| serde_json::from_str::<serde_json::Value>(r.payload.as_deref()?).ok())
        .filter_map(|v| v["title"].as_str().map(str::to_owned))
        .collect();
    assert!(titles.contains("Entry 8999") && !titles.contains("Entry 0"), "newest kept");
    assert_eq!(read_all(&names.articles).await.len(), 5000, "rdkafka and kcat agree");
    assert_eq!(read_all(&names.state_feeds).await.len(), 1, "the feed's state, committed once");
}
