//! Issue 2: feeds over HTTP -> articles -> Kafka, for real. A feed server
//! whose RSS, Atom and JSON feeds change between polls (new items, an
//! edited item, unchanged items); the daemon runs three polls and more; what
//! reaches `lede.articles` is checked with rdkafka and with kcat.

use std::collections::BTreeMap;
use std::time::Duration;

use lede_tests::{
    Daemon, FeedServer, KcatRecord, daemon_config, kcat_read_all, read_all, topics, unique_prefix,
    wait_until,
};

fn rss(version: usize) -> String {
    let mut items = String::from(
        "<item><guid>rss-a</guid><title>Unchanged A</title><link>http://news.test/a?utm_source=x</link>\
         <description>&lt;p&gt;Alpha stays the same.&lt;/p&gt;</description></item>",
    );
    let b_text = if version >= 2 { "Bravo, corrected." } else { "Bravo, first draft." };
    items.push_str(&format!(
        "<item><guid>rss-b</guid><title>B</title><description>{b_text}</description></item>"
    ));
    if version >= 2 {
        items.push_str("<item><guid>rss-c</guid><title>New C</title><description>Charlie.</description></item>");
    }
    if version >= 3 {
        items.push_str(
            "<item><guid>rss-d</guid><title>New D</title><description>Delta.</description></item>",
        );
    }
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test RSS</title>{items}</channel></rss>"
    )
}

fn atom(version: usize) -> String {
    let mut entries = String::from(
        "<entry><id>urn:e</id><title>Unchanged E</title><link href=\"http://news.test/e\"/>\
         <updated>2019-12-31T10:00:00Z</updated><content type=\"html\">&lt;p&gt;Echo.&lt;/p&gt;</content></entry>",
    );
    if version >= 2 {
        let title = if version >= 3 { "F, new headline" } else { "F" };
        entries.push_str(&format!(
            "<entry><id>urn:f</id><title>{title}</title><updated>2019-12-31T11:00:00Z</updated>\
             <content type=\"html\">&lt;p&gt;Foxtrot.&lt;/p&gt;</content></entry>"
        ));
    }
    format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>Test Atom</title><id>urn:feed</id>{entries}</feed>"
    )
}

fn json_feed(version: usize) -> String {
    let mut items = vec![
        serde_json::json!({"id": "json-g", "title": "G", "content_text": if version >= 3 { "Golf, updated." } else { "Golf." }}),
        serde_json::json!({"id": "json-h", "title": "Unchanged H", "content_html": "<p>Hotel.</p>"}),
    ];
    if version >= 2 {
        items.push(serde_json::json!({"id": "json-i", "title": "New I", "content_text": "India."}));
    }
    serde_json::json!({"version": "https://jsonfeed.org/version/1.1", "title": "Test JSON", "items": items}).to_string()
}

/// (feed, guid, lede-event) of every record expected, in per-key order.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("rss", "rss-a", "article.new"),
    ("rss", "rss-b", "article.new"),
    ("rss", "rss-b", "article.changed"),
    ("rss", "rss-c", "article.new"),
    ("rss", "rss-d", "article.new"),
    ("atom", "urn:e", "article.new"),
    ("atom", "urn:f", "article.new"),
    ("atom", "urn:f", "article.changed"),
    ("json", "json-g", "article.new"),
    ("json", "json-g", "article.changed"),
    ("json", "json-h", "article.new"),
    ("json", "json-i", "article.new"),
];

/// Records grouped by (feed, guid), each group in offset order.
type ByItem = BTreeMap<(String, String), Vec<String>>;

fn expected_by_item() -> ByItem {
    let mut expected = ByItem::new();
    for (feed, guid, event) in EXPECTED {
        expected
            .entry(((*feed).to_owned(), (*guid).to_owned()))
            .or_default()
            .push((*event).to_owned());
    }
    expected
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_polls_publish_exactly_the_new_and_changed_articles() {
    let server = FeedServer::start(|path, n| {
        let version = n.min(3);
        match path {
            "/rss" => Some(("application/rss+xml", rss(version))),
            "/atom" => Some(("application/atom+xml", atom(version))),
            "/json" => Some(("application/feed+json", json_feed(version))),
            _ => None,
        }
    })
    .await;
    let prefix = unique_prefix("e2e");
    let feeds = [
        ("rss", format!("{}/rss", server.base)),
        ("atom", format!("{}/atom", server.base)),
        ("json", format!("{}/json", server.base)),
    ];
    let daemon = Daemon::start("e2e", &daemon_config(&prefix, "300ms", &feeds));

    // Polls of one feed are sequential: a 4th request means the 3rd version
    // was committed, and the 4th (unchanged) poll ran too.
    wait_until("four polls of every feed", Duration::from_secs(90), || {
        ["/rss", "/atom", "/json"].iter().all(|path| server.requests(path) >= 5)
    })
    .await;
    // Ctrl-C stops the daemon as cleanly as SIGTERM (tested in shutdown.rs).
    let status = daemon.interrupt(Duration::from_secs(30)).await;
    assert!(status.success(), "lede exited with {status}");

    let names = topics(&prefix);
    let records = read_all(&names.articles).await;
    let mut by_item = ByItem::new();
    for record in &records {
        let value: serde_json::Value =
            serde_json::from_slice(record.value.as_deref().unwrap_or_default())
                .unwrap_or_else(|e| panic!("value is not JSON: {e}"));
        assert_eq!(record.key.as_deref(), value["id"].as_str(), "key is the article id");
        let header =
            |name: &str| record.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert_eq!(header("content-type"), Some("application/json"));
        assert_eq!(header("lede-schema"), Some("lede.article/1"));
        let event = header("lede-event").unwrap_or_default().to_owned();
        let item = (
            value["feed_id"].as_str().unwrap_or_default().to_owned(),
            value["guid"].as_str().unwrap_or_default().to_owned(),
        );
        by_item.entry(item).or_default().push(event);
    }
    assert_eq!(by_item, expected_by_item(), "records in {}", names.articles);

    // Specific content: the edited item's latest text, the canonical URL.
    let text_of = |guid: &str| {
        records
            .iter()
            .filter_map(|r| {
                serde_json::from_slice::<serde_json::Value>(r.value.as_deref().unwrap_or_default())
                    .ok()
            })
            .rfind(|v| v["guid"] == guid)
            .unwrap_or_default()
    };
    assert_eq!(text_of("rss-b")["paragraphs"], serde_json::json!(["Bravo, corrected."]));
    assert_eq!(text_of("rss-a")["url"], "http://news.test/a");
    assert_eq!(text_of("urn:f")["title"], "F, new headline");

    // The outside client sees the same records: same keys, headers, values.
    let kcat = kcat_read_all(&names.articles);
    assert_eq!(kcat.len(), records.len(), "kcat and rdkafka disagree on the count");
    let mut from_kcat = kcat;
    let mut from_rdkafka: Vec<KcatRecord> = records
        .iter()
        .map(|r| KcatRecord {
            key: r.key.clone(),
            headers: r.headers.clone(),
            payload: r.value.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()),
        })
        .collect();
    from_kcat.sort();
    from_rdkafka.sort();
    assert_eq!(from_kcat, from_rdkafka);
}
