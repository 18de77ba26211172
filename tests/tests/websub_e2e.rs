//! Issue 3, push: a feed names a WebSub hub; Lede subscribes with a callback
//! on its admin server, answers the hub's challenge, takes a signed push
//! through the same path as a poll (the pushed item reaches `lede.articles`
//! although the feed server never serves it), drops a push with a forged
//! signature, refuses verification of what it did not ask for, and renews
//! before the hub's short lease ends.

use std::time::Duration;

use lede_tests::{
    Daemon, FeedServer, TestHub, daemon_config, kcat_read_all, topics, unique_prefix, wait_until,
};

/// A feed naming `hub`; with no `self` link, the topic is the URL it was fetched from.
fn rss(hub: &str, items: &[(&str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title)| {
            format!(
                "<item><guid>{guid}</guid><title>{title}</title>\
                 <description>{title}: the text of this item, long enough to be an article.</description></item>"
            )
        })
        .collect();
    format!(
        "<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\"><channel><title>Pushed</title>\
         <atom:link rel=\"hub\" href=\"{hub}\"/>{items}</channel></rss>"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_pushes_signed_documents_and_lede_renews_its_lease() {
    let hub = TestHub::start(2).await;
    let hub_url = hub.url.clone();
    let server = FeedServer::start(move |path, _| {
        (path == "/feed").then(|| ("application/rss+xml", rss(&hub_url, &[("g1", "Polled item")])))
    })
    .await;
    let topic = &format!("{}/feed", server.base);
    let prefix = unique_prefix("websub");
    let config = daemon_config(&prefix, "1s", &[("pushed", format!("{}/feed", server.base))])
        .replace(
            "[admin]\ndisabled = true\n",
            "[admin]\nlisten = \"127.0.0.1:0\"\n[websub]\nenabled = true\nlease = \"1h\"\n",
        );
    let daemon = Daemon::start("websub", &config);

    wait_until("the hub verified a subscription", Duration::from_secs(60), || {
        hub.requests().iter().any(|r| r.verified && r.topic == *topic)
    })
    .await;
    let callback = hub.requests()[0].callback.clone();
    assert!(callback.ends_with("/websub/pushed"), "{callback}");
    assert_eq!(hub.requests()[0].secret.len(), 64, "a fresh 256-bit secret");

    let pushed = rss(&hub.url, &[("g1", "Polled item"), ("p1", "Pushed item")]);
    assert_eq!(hub.publish(topic, &pushed, None).await, 202);
    let forged = rss(&hub.url, &[("f1", "Forged item")]);
    assert_eq!(hub.publish(topic, &forged, Some("guessed")).await, 202, "acknowledged, dropped");

    // Verification of a subscription Lede did not ask for is refused.
    let (status, _) = hub
        .get(&format!("{callback}?hub.mode=subscribe&hub.topic=http://evil/&hub.challenge=x"))
        .await;
    assert_eq!(status, 404);

    // The lease is 2 s: Lede asks again before it ends.
    wait_until("a renewal", Duration::from_secs(30), || {
        hub.requests().iter().filter(|r| r.verified).count() >= 2
    })
    .await;
    let metrics_url = callback.replace("/websub/pushed", "/metrics");
    let metrics_text = || {
        let (hub, url) = (hub.clone(), metrics_url.clone());
        async move { hub.get(&url).await.1 }
    };
    let text = metrics_text().await;
    assert!(text.contains("lede_websub_deliveries_total{outcome=\"accepted\"} 1"), "{text}");
    assert!(text.contains("lede_websub_deliveries_total{outcome=\"bad_signature\"} 1"), "{text}");
    assert!(text.contains("lede_websub_verifications_total{outcome=\"refused\"} 1"), "{text}");
    // The polled item was committed before the renewal: its story is live
    // and its record is in the story file.
    let gauge = |name: &str| {
        let line = text.lines().find(|l| l.split(' ').next() == Some(name));
        line.and_then(|l| l.split(' ').nth(1)?.parse::<u64>().ok())
    };
    assert!(gauge("lede_story_live_stories").is_some_and(|n| n >= 1), "{text}");
    assert!(gauge("lede_story_store_bytes").is_some_and(|n| n > 0), "{text}");
    let status_url = callback.replace("/websub/pushed", "/status");
    let (_, status_json) = hub.get(&status_url).await;
    assert!(status_json.contains(&format!("\"push_hub\":\"{}\"", hub.url)), "{status_json}");

    let exit = daemon.terminate(Duration::from_secs(30)).await;
    assert!(exit.success(), "lede exited with {exit}");
    let titles: Vec<String> = kcat_read_all(&topics(&prefix).articles)
        .iter()
        .filter_map(|record| {
            let value: serde_json::Value =
                serde_json::from_str(record.payload.as_deref().unwrap_or("{}")).ok()?;
            value["title"].as_str().map(str::to_owned)
        })
        .collect();
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(sorted, ["Polled item", "Pushed item"], "each once; the forged one never");
    assert!(server.requests("/feed") >= 1);
}
