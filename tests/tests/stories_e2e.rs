//! Issue 4: the daemon publishes StoryEvents. The seed's developing story
//! arrives as three versions on one feed and as another outlet's printed
//! page on a second; after a restart, a third outlet's copy joins the same
//! story (the index is restored from `lede.state.stories`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use lede_tests::{
    Daemon, FeedServer, daemon_config, kcat_read_all, read_all, topics, unique_prefix, wait_until,
};

/// A story version: (title, paragraphs).
type Version = (String, Vec<String>);

/// The embassy story in the evaluation set: the wire's three versions and
/// the printed page of another outlet.
fn embassy_versions() -> (Vec<Version>, Version) {
    let mut wire: Vec<Version> = Vec::new();
    let mut printed = None;
    for line in include_str!("../../eval/story/articles.jsonl").lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
        let version = (
            text(&row["title"]),
            row["paragraphs"].as_array().map(|p| p.iter().map(text).collect()).unwrap_or_default(),
        );
        match (row["id"].as_str(), row["label"]["kind"].as_str()) {
            (Some("w1-embassy"), Some("new" | "update")) => wire.push(version),
            (Some("sd-embassy"), _) => printed = Some(version),
            _ => {}
        }
    }
    (wire, printed.unwrap_or_default())
}

fn rss(title: &str, items: &[(&str, &str, &Version)]) -> String {
    let escape = |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let items: String = items
        .iter()
        .map(|(guid, link, (headline, paragraphs))| {
            let html: String = paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect();
            format!(
                "<item><guid>{guid}</guid><link>{link}</link><title>{}</title><description>{}</description></item>",
                escape(headline),
                escape(&html)
            )
        })
        .collect();
    format!("<rss version=\"2.0\"><channel><title>{title}</title>{items}</channel></rss>")
}

fn events(records: &[lede_kafka::ConsumedRecord]) -> Vec<(String, String, u64, String)> {
    records
        .iter()
        .map(|r| {
            let value: serde_json::Value =
                serde_json::from_slice(r.value.as_deref().unwrap_or_default()).unwrap_or_default();
            let header = r
                .headers
                .iter()
                .find(|(k, _)| k == "lede-event")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            assert_eq!(r.key.as_deref(), value["story_id"].as_str(), "keyed by story id");
            (
                value["story_id"].as_str().unwrap_or_default().to_owned(),
                header,
                value["version"].as_u64().unwrap_or(0),
                value["source"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn developing_story_versions_and_syndication_become_one_story() {
    let (wire, printed) = embassy_versions();
    assert_eq!(wire.len(), 3, "three wire versions in the evaluation set");
    let late_copy_online = Arc::new(AtomicBool::new(false));
    let late = late_copy_online.clone();
    let wire_polls = Arc::new(AtomicUsize::new(0));
    let pages_served = Arc::new(AtomicUsize::new(0));
    let printed_polls = pages_served.clone();
    let server = FeedServer::start(move |path, n| {
        let link = "https://wire-one.example/world/baghdad-embassy";
        match path {
            "/wire" => {
                wire_polls.fetch_add(1, Ordering::SeqCst);
                Some((
                    "application/rss+xml",
                    rss("Wire One", &[("embassy", link, &wire[n.min(3) - 1])]),
                ))
            }
            // The printed page appears once the wire's third version is
            // committed: polls of one feed are sequential, so a fourth wire
            // request means the third was done.
            "/daily" if wire_polls.load(Ordering::SeqCst) >= 4 => {
                pages_served.fetch_add(1, Ordering::SeqCst);
                let item = (
                    "sd-embassy",
                    "https://seed-daily.example/world/us-embassy-baghdad-stormed",
                    &printed,
                );
                Some(("application/rss+xml", rss("Seed Daily", &[item])))
            }
            "/daily" => Some(("application/rss+xml", rss("Seed Daily", &[]))),
            "/late" if late.load(Ordering::SeqCst) => Some((
                "application/rss+xml",
                rss("Late Outlet", &[("late-embassy", "https://late.example/baghdad", &wire[1])]),
            )),
            "/late" => Some(("application/rss+xml", rss("Late Outlet", &[]))),
            _ => None,
        }
    })
    .await;
    let prefix = unique_prefix("stories");
    let feeds = [
        ("wire", format!("{}/wire", server.base)),
        ("daily", format!("{}/daily", server.base)),
        ("late", format!("{}/late", server.base)),
    ];
    let config = daemon_config(&prefix, "250ms", &feeds);
    let daemon = Daemon::start("stories-1", &config);
    wait_until(
        "the printed page polled after the wire's third version",
        Duration::from_secs(90),
        || printed_polls.load(Ordering::SeqCst) >= 2,
    )
    .await;
    let status = daemon.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "lede exited with {status}");

    let names = topics(&prefix);
    let first = events(&read_all(&names.stories).await);
    let story_id = first.first().map(|e| e.0.clone()).unwrap_or_default();
    let expected = vec![
        (story_id.clone(), "story.new".to_owned(), 1, "Wire One".to_owned()),
        (story_id.clone(), "story.update".to_owned(), 2, "Wire One".to_owned()),
        (story_id.clone(), "story.update".to_owned(), 3, "Wire One".to_owned()),
        (story_id.clone(), "story.source".to_owned(), 3, "Seed Daily".to_owned()),
    ];
    assert_eq!(first, expected);

    // The update to version 3 carries the diff: the Breaking paragraph added
    // and the first paragraph rewritten.
    let v3: serde_json::Value = read_all(&names.stories)
        .await
        .iter()
        .filter_map(|r| {
            serde_json::from_slice::<serde_json::Value>(r.value.as_deref().unwrap_or_default()).ok()
        })
        .find(|v| v["version"] == 3 && v["kind"] == "update")
        .unwrap_or_default();
    assert_eq!(v3["breaking"], true);
    assert_eq!(v3["language"], "en");
    assert_eq!(v3["changes"]["added"], serde_json::json!([0]));
    assert_eq!(v3["changes"]["rewritten"], serde_json::json!([{"from": 0, "to": 1}]));
    // Issue 5: the story names its places, resolved to GeoNames, and the
    // countries of its nationality words.
    let entity = |name: &str| {
        v3["entities"].as_array().and_then(|all| all.iter().find(|e| e["name"] == name)).cloned()
    };
    let baghdad = entity("Baghdad").unwrap_or_else(|| panic!("no Baghdad in {}", v3["entities"]));
    assert_eq!(baghdad["type"], "LOC");
    assert_eq!(baghdad["place"]["geonames_id"], 98182);
    assert_eq!(baghdad["place"]["country_code"], "IQ");
    assert!(
        v3["demonym_countries"].as_array().is_some_and(|c| c.contains(&"IQ".into())),
        "{}",
        v3["demonym_countries"]
    );

    // Restart: the story index comes back from its changelog, so a third
    // outlet's copy is a new source of the same story, not a new story.
    late_copy_online.store(true, Ordering::SeqCst);
    let before = server.requests("/late");
    let daemon = Daemon::start("stories-2", &config);
    wait_until("the late copy polled twice", Duration::from_secs(90), || {
        server.requests("/late") >= before + 2
    })
    .await;
    let status = daemon.terminate(Duration::from_secs(30)).await;
    assert!(status.success(), "lede exited with {status}");
    let all = events(&read_all(&names.stories).await);
    assert_eq!(all.len(), 5, "one more event, nothing re-emitted: {all:?}");
    assert_eq!(all[4], (story_id.clone(), "story.source".to_owned(), 3, "Late Outlet".to_owned()));

    // The compacted latest topic, read by an outside client: the story's
    // latest event is there (older ones may not be compacted away yet).
    let latest = kcat_read_all(&names.stories_latest);
    let last = latest.iter().rev().find(|r| r.key.as_deref() == Some(story_id.as_str()));
    let last: serde_json::Value =
        serde_json::from_str(last.and_then(|r| r.payload.as_deref()).unwrap_or("{}"))
            .unwrap_or_default();
    assert_eq!(last["sources"], serde_json::json!(["Wire One", "Seed Daily", "Late Outlet"]));
    // The tags survive the restart: they are the union kept in the story.
    assert!(
        last["entities"].as_array().is_some_and(|all| all.iter().any(|e| e["name"] == "Baghdad")),
        "{}",
        last["entities"]
    );
}
