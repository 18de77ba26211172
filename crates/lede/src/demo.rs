//! `lede run --demo`: a feed server on 127.0.0.1 whose feeds change over
//! time, so a machine with no internet shows the whole pipeline working.
//!
//! The wire feed carries the seed's developing story (Baghdad, 2019-12-31)
//! as three successive versions; a daily then prints the page as the seed
//! shows it (captions, "With Inputs from ..." footer): another source of the
//! same story. Two more feeds carry ordinary items written for the demo
//! (fictional), one of which is later corrected.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use lede_core::{FeedId, FeedSpec};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// The seed page, as a reader saw it after several updates.
const SEED: &str = include_str!("../../../data/seed/embassy-developing-story.txt");

/// How long each stage of the demo lasts.
const STEP: Duration = Duration::from_secs(6);
/// Stages after which the feeds stop changing.
pub const LAST_STEP: u32 = 3;
/// How often the demo feeds are polled.
const POLL_INTERVAL: Duration = Duration::from_secs(2);

struct DemoState {
    started: Instant,
}

impl DemoState {
    fn step(&self) -> u32 {
        let elapsed = self.started.elapsed().as_millis() / STEP.as_millis();
        u32::try_from(elapsed).unwrap_or(u32::MAX).min(LAST_STEP)
    }
}

/// Start the demo server; return the feeds to poll.
pub async fn start(cancel: CancellationToken) -> std::io::Result<Vec<FeedSpec>> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    let state = Arc::new(DemoState { started: Instant::now() });
    let app = Router::new()
        .route("/wire.rss", get(wire_rss))
        .route("/city.json", get(city_json))
        .route("/science.atom", get(science_atom))
        .route("/daily.rss", get(daily_rss))
        .with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).with_graceful_shutdown(cancel.cancelled_owned()).await;
    });
    tracing::info!(%address, "demo feeds serving; they change every {}s for {} steps", STEP.as_secs(), LAST_STEP);
    let feed = |id: &str, path: &str| FeedSpec {
        id: FeedId::new(id),
        url: format!("http://{address}{path}"),
        interval: POLL_INTERVAL,
        max_interval: POLL_INTERVAL,
    };
    Ok(vec![
        feed("demo-wire", "/wire.rss"),
        feed("demo-city", "/city.json"),
        feed("demo-science", "/science.atom"),
        feed("demo-daily", "/daily.rss"),
    ])
}

/// The seed's paragraphs, as printed.
fn seed_paragraphs() -> Vec<&'static str> {
    SEED.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// The developing story as the wire sent it at `version` (1, 2 or 3):
/// title and paragraphs, without the page's photo captions and footer.
///
/// Version 3 is the seed's text. Version 2 is before the `Breaking:`
/// paragraph was prepended and the first paragraph rewritten ("Earlier,
/// dozens of angry..." was "Dozens of angry..."). Version 1 is the first
/// report: its first four paragraphs.
pub fn seed_story(version: u32) -> (&'static str, Vec<String>) {
    let full: Vec<String> = seed_paragraphs()
        .into_iter()
        .filter(|p| !p.contains("(AP Photo/") && !p.starts_with("(With Inputs"))
        .map(str::to_owned)
        .collect();
    if version >= 3 {
        return (
            "Breaking: stun grenades at US embassy in Baghdad as militia supporters storm compound",
            full,
        );
    }
    let earlier: Vec<String> = full
        .into_iter()
        .filter(|p| !p.starts_with("Breaking:"))
        .map(|p| p.replacen("Earlier, dozens of angry", "Dozens of angry", 1))
        .collect();
    let title = "Iraqi militia supporters break into US embassy compound in Baghdad";
    if version == 2 { (title, earlier) } else { (title, earlier.into_iter().take(4).collect()) }
}

/// The seed page as another outlet printed it: the wire's third version with
/// its photo captions and "(With Inputs from Associated Press and Reuters)".
pub fn seed_printed() -> (&'static str, Vec<String>) {
    (
        "US embassy in Baghdad stormed; guards use stun grenades",
        seed_paragraphs().into_iter().map(str::to_owned).collect(),
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn html(paragraphs: &[String]) -> String {
    paragraphs.iter().map(|p| format!("<p>{}</p>", escape(p))).collect()
}

async fn wire_rss(State(state): State<Arc<DemoState>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/rss+xml; charset=utf-8")], wire_document(state.step()))
}

/// The demo wire's RSS document at `step` (0 to [`LAST_STEP`]): the seed's
/// story in version `step + 1`, and an unrelated item.
pub fn wire_document(step: u32) -> String {
    let (title, paragraphs) = seed_story(step + 1);
    let mut items = format!(
        "<item><guid isPermaLink=\"false\">demo-wire-embassy-2019-12-31</guid><title>{}</title>\
         <link>http://demo.lede.invalid/world/baghdad-embassy?utm_source=rss</link>\
         <pubDate>Tue, 31 Dec 2019 12:00:00 +0300</pubDate><description>{}</description></item>",
        escape(title),
        escape(&html(&paragraphs)),
    );
    items.push_str(
        "<item><guid isPermaLink=\"false\">demo-wire-oil-2019-12-31</guid>\
         <title>Oil prices edge up in thin year-end trading</title>\
         <link>http://demo.lede.invalid/markets/oil-year-end</link>\
         <pubDate>Tue, 31 Dec 2019 09:00:00 +0000</pubDate>\
         <description>&lt;p&gt;(Demo item written for Lede.) Oil prices rose slightly in thin trading \
         on the last day of the year, as traders weighed supply risks in the Middle East.&lt;/p&gt;</description></item>",
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Demo Wire</title>\
         <link>http://demo.lede.invalid/</link><description>Lede demo wire</description>{items}</channel></rss>"
    )
}

async fn daily_rss(State(state): State<Arc<DemoState>>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/rss+xml; charset=utf-8")], daily_document(state.step()))
}

/// Another outlet's RSS document at `step`: it prints the wire's story,
/// captions and all, once the wire has reached its third version.
pub fn daily_document(step: u32) -> String {
    let item = if step >= LAST_STEP {
        let (title, paragraphs) = seed_printed();
        format!(
            "<item><guid isPermaLink=\"false\">demo-daily-embassy</guid><title>{}</title>\
             <link>http://daily.demo.lede.invalid/world/us-embassy-baghdad</link>\
             <description>{}</description></item>",
            escape(title),
            escape(&html(&paragraphs)),
        )
    } else {
        String::new()
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>Demo Daily</title>\
         <link>http://daily.demo.lede.invalid/</link><description>Lede demo daily</description>{item}</channel></rss>"
    )
}

async fn city_json(State(state): State<Arc<DemoState>>) -> impl IntoResponse {
    let step = state.step();
    let mut items = vec![serde_json::json!({
        "id": "city-bus-lanes",
        "url": "http://demo.lede.invalid/city/bus-lanes",
        "title": "City council approves new bus lanes on Harbour Road",
        "content_html": "<p>(Demo item written for Lede.) The council voted 7 to 2 on Monday to add bus lanes along Harbour Road.</p><p>Work starts in March.</p>",
        "date_published": "2019-12-30T18:00:00Z"
    })];
    let hours = if step >= 3 { "9 a.m. to 6 p.m." } else { "9 a.m. to 5 p.m." };
    items.push(serde_json::json!({
        "id": "city-library-hours",
        "url": "http://demo.lede.invalid/city/library-hours",
        "title": "Central library extends weekend opening hours",
        "content_text": format!("(Demo item written for Lede.) From January the central library opens on Saturdays and Sundays from {hours}."),
        "date_published": "2019-12-31T08:00:00Z"
    }));
    if step >= 1 {
        items.push(serde_json::json!({
            "id": "city-new-year-transit",
            "url": "http://demo.lede.invalid/city/new-year-transit",
            "title": "Night trains to run until 3 a.m. on New Year's Eve",
            "content_text": "(Demo item written for Lede.) Extra night trains will run on all lines until 3 a.m.",
            "date_published": "2019-12-31T10:30:00Z"
        }));
    }
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Demo City Desk",
        "home_page_url": "http://demo.lede.invalid/city/",
        "items": items
    });
    ([(CONTENT_TYPE, "application/feed+json")], feed.to_string())
}

async fn science_atom(State(state): State<Arc<DemoState>>) -> impl IntoResponse {
    let step = state.step();
    let mut entries = String::from(
        "<entry><id>urn:lede:demo:science:comet</id><title>Amateur astronomers spot a faint new comet</title>\
         <link href=\"http://demo.lede.invalid/science/comet\"/><updated>2019-12-29T21:00:00Z</updated>\
         <content type=\"html\">&lt;p&gt;(Demo item written for Lede.) Two amateur astronomers reported \
         a faint comet low in the western sky.&lt;/p&gt;</content></entry>",
    );
    if step >= 2 {
        entries.push_str(
            "<entry><id>urn:lede:demo:science:reef</id><title>Survey finds coral recovering on northern reef</title>\
             <link href=\"http://demo.lede.invalid/science/reef\"/><updated>2019-12-31T07:00:00Z</updated>\
             <content type=\"html\">&lt;p&gt;(Demo item written for Lede.) Divers counted more young \
             coral than in any survey of the past decade.&lt;/p&gt;</content></entry>",
        );
    }
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Demo Science</title><id>urn:lede:demo:science</id><updated>2019-12-31T07:00:00Z</updated>{entries}</feed>"
    );
    ([(CONTENT_TYPE, "application/atom+xml; charset=utf-8")], body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_versions_develop_as_the_design_describes() {
        let (_, v1) = seed_story(1);
        let (_, v2) = seed_story(2);
        let (_, v3) = seed_story(3);
        assert!(v1.len() < v2.len() && v2.len() < v3.len());
        assert!(v2.iter().any(|p| p.starts_with("Dozens of angry")));
        assert!(v3.iter().any(|p| p.starts_with("Breaking:")));
        assert!(v3.iter().any(|p| p.starts_with("Earlier, dozens of angry")));
        assert!(!v2.iter().any(|p| p.starts_with("Breaking:")));
        assert!(!v3.iter().any(|p| p.contains("(AP Photo/")), "the wire sends no captions");
        let (_, printed) = seed_printed();
        assert!(
            printed
                .last()
                .is_some_and(|p| p.contains("With Inputs from Associated Press and Reuters"))
        );
    }
}
