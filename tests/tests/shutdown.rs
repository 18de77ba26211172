//! Issue 2: SIGTERM while publishing loses nothing that was accepted, and a
//! restart (state restored from `lede.state.feeds`) re-emits nothing.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use lede_tests::{Daemon, FeedServer, daemon_config, read_all, topics, unique_prefix, wait_until};

const FEEDS: usize = 12;
const ITEMS_PER_FEED: usize = 250;

/// A large RSS document: every item has several paragraphs of text.
fn big_feed(feed: usize) -> String {
    let mut body = String::from("<rss version=\"2.0\"><channel><title>Big</title>");
    for item in 0..ITEMS_PER_FEED {
        let paragraph = format!(
            "&lt;p&gt;Feed {feed} item {item}: {}&lt;/p&gt;",
            "words of a long paragraph ".repeat(12)
        );
        body.push_str(&format!(
            "<item><guid>f{feed}-i{item}</guid><title>Item {item} of feed {feed}</title><description>{}</description></item>",
            paragraph.repeat(4)
        ));
    }
    body.push_str("</channel></rss>");
    body
}

fn article_ids(records: &[lede_kafka::ConsumedRecord]) -> Vec<String> {
    records.iter().filter_map(|r| r.key.clone()).collect()
}

/// Article ids the feed states in the changelog say were published.
fn seen_ids(state_records: &[lede_kafka::ConsumedRecord]) -> HashSet<String> {
    let mut latest: HashMap<String, serde_json::Value> = HashMap::new();
    for record in state_records {
        let value =
            serde_json::from_slice(record.value.as_deref().unwrap_or_default()).unwrap_or_default();
        latest.insert(record.key.clone().unwrap_or_default(), value);
    }
    latest
        .values()
        .flat_map(|state| {
            state["seen"]
                .as_object()
                .map(|seen| seen.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_publishing_loses_nothing_and_restart_reemits_nothing() {
    let documents: Vec<String> = (0..FEEDS).map(big_feed).collect();
    let server = FeedServer::start(move |path, _| {
        let feed: usize = path.trim_start_matches("/feed/").parse().ok()?;
        documents.get(feed).map(|body| ("application/rss+xml", body.clone()))
    })
    .await;
    let prefix = unique_prefix("sigterm");
    let feeds: Vec<(String, String)> =
        (0..FEEDS).map(|i| (format!("feed-{i}"), format!("{}/feed/{i}", server.base))).collect();
    let feed_refs: Vec<(&str, String)> =
        feeds.iter().map(|(id, url)| (id.as_str(), url.clone())).collect();
    let config = daemon_config(&prefix, "1s", &feed_refs);
    let names = topics(&prefix);

    // First run: terminate as soon as the first feeds were fetched, while
    // the daemon is parsing and publishing thousands of articles.
    let daemon = Daemon::start("sigterm-1", &config);
    wait_until("the first feed fetches", Duration::from_secs(60), || server.total_requests() >= 2)
        .await;
    let status = daemon.terminate(Duration::from_secs(40)).await;
    assert!(status.success(), "lede exited with {status} after SIGTERM");

    let first = article_ids(&read_all(&names.articles).await);
    let unique_first: HashSet<String> = first.iter().cloned().collect();
    eprintln!(
        "first run published {} of {} items before SIGTERM took effect",
        first.len(),
        FEEDS * ITEMS_PER_FEED
    );
    assert_eq!(unique_first.len(), first.len(), "duplicates in the first run");
    let seen = seen_ids(&read_all(&names.state_feeds).await);
    let unpublished: Vec<&String> = seen.difference(&unique_first).collect();
    assert!(
        unpublished.is_empty(),
        "{} items were marked seen but never published",
        unpublished.len()
    );

    // Second run: restores the state and publishes only what is missing.
    let requests_before = server.total_requests();
    let daemon = Daemon::start("sigterm-2", &config);
    wait_until("two more polls of every feed", Duration::from_secs(90), || {
        (0..FEEDS).all(|i| server.requests(&format!("/feed/{i}")) >= 2)
            && server.total_requests() >= requests_before + 2 * FEEDS
    })
    .await;
    let status = daemon.terminate(Duration::from_secs(40)).await;
    assert!(status.success(), "lede exited with {status} after SIGTERM");

    let all = article_ids(&read_all(&names.articles).await);
    let unique_all: HashSet<String> = all.iter().cloned().collect();
    assert_eq!(unique_all.len(), FEEDS * ITEMS_PER_FEED, "every item published");
    assert_eq!(all.len(), FEEDS * ITEMS_PER_FEED, "no item published twice across the restart");
}
