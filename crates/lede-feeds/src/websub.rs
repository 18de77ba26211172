//! WebSub push (W3C WebSub, the protocol formerly called PubSubHubbub), the
//! subscriber's side: find a feed's hub (`Link` header or `<link rel="hub">`),
//! subscribe with a callback URL on Lede's admin server and a secret, answer
//! the hub's verification of intent, check each delivery's `X-Hub-Signature`
//! HMAC, and hand verified documents to the feed's task, which treats them
//! exactly like a polled document. The HTTP routes are the admin server's;
//! they call [`Subscriptions::verify`] and [`Subscriptions::deliver`].
//! Renewing before the lease ends is the feed task's job
//! ([`renew_after`] says when).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Deserialize;
use tokio::sync::mpsc;
use url::Url;

use crate::fetch::{FetchError, Fetcher};

/// Where a feed is published for push: the hub to subscribe at and the
/// topic (the feed's `self` URL) to subscribe to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubLink {
    /// The hub's URL.
    pub hub: String,
    /// The topic URL.
    pub topic: String,
}

impl HubLink {
    /// The hub link from a hub and a `self` URL, either possibly missing:
    /// without a hub there is none; without `self` the topic is the URL
    /// the document was fetched from.
    pub fn new(hub: Option<String>, topic: Option<String>, fetched_from: &str) -> Option<Self> {
        Some(Self { hub: hub?, topic: topic.unwrap_or_else(|| fetched_from.to_owned()) })
    }
}

/// The `hub` and `self` URLs of an HTTP `Link` header
/// (`<https://hub.example/>; rel="hub", <https://example.com/feed>; rel="self"`),
/// resolved against `base`.
pub fn links_of_header(value: &str, base: &Url) -> (Option<String>, Option<String>) {
    let (mut hub, mut topic) = (None, None);
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else { break };
        let target = &rest[start + 1..start + end];
        let params_end = rest[start + end..].find('<').map_or(rest.len(), |i| start + end + i);
        // The parameters run to the comma before the next link.
        let params = rest[start + end + 1..params_end].split(',').next().unwrap_or_default();
        let rels = params.split(';').filter_map(|param| {
            let (name, value) = param.split_once('=')?;
            name.trim().eq_ignore_ascii_case("rel").then(|| value.trim().trim_matches('"'))
        });
        for rel in rels.flat_map(str::split_whitespace) {
            let resolved = base.join(target.trim()).ok().map(String::from);
            if rel.eq_ignore_ascii_case("hub") && hub.is_none() {
                hub = resolved;
            } else if rel.eq_ignore_ascii_case("self") && topic.is_none() {
                topic = resolved;
            }
        }
        rest = &rest[params_end..];
    }
    (hub, topic)
}

/// What reaches a feed's task from its hub.
#[derive(Debug)]
pub enum Pushed {
    /// A delivered document with a valid signature.
    Document {
        /// The document, at most the admin server's body limit.
        body: Vec<u8>,
        /// The charset of the delivery's `Content-Type`.
        charset: Option<String>,
    },
    /// The hub verified the subscription for this long.
    Verified {
        /// The lease granted.
        lease: Duration,
    },
    /// The hub refused the subscription.
    Denied {
        /// The hub's reason, if it gave one.
        reason: String,
    },
}

/// The query of a hub's verification request (`GET callback?hub.mode=...`).
#[derive(Debug, Default, Deserialize)]
pub struct VerificationQuery {
    /// `subscribe`, `unsubscribe` or `denied`.
    #[serde(rename = "hub.mode")]
    pub mode: Option<String>,
    /// The topic the request is about.
    #[serde(rename = "hub.topic")]
    pub topic: Option<String>,
    /// To be echoed to confirm.
    #[serde(rename = "hub.challenge")]
    pub challenge: Option<String>,
    /// The lease the hub grants, in seconds.
    #[serde(rename = "hub.lease_seconds")]
    pub lease_seconds: Option<u64>,
    /// Why the hub denied the subscription.
    #[serde(rename = "hub.reason")]
    pub reason: Option<String>,
}

/// Why a verification request is not confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyRefused {
    /// No such feed here.
    #[error("no feed {0} here")]
    UnknownFeed(String),
    /// Lede did not ask for this (un)subscription.
    #[error("no {mode} of {topic} was requested")]
    NotRequested {
        /// The request's mode.
        mode: String,
        /// The request's topic.
        topic: String,
    },
    /// A parameter is missing or unknown.
    #[error("bad verification request: {0}")]
    BadRequest(&'static str),
}

/// Why a delivered document is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PushRejected {
    /// No such feed here.
    #[error("no feed {0} here")]
    UnknownFeed(String),
    /// The delivery has no `X-Hub-Signature` although the subscription has a secret.
    #[error("delivery without X-Hub-Signature")]
    Unsigned,
    /// The signature is malformed, uses an unknown method or does not match.
    #[error("bad X-Hub-Signature: {0}")]
    BadSignature(&'static str),
    /// The feed's task has too many deliveries waiting: the hub should retry.
    #[error("too many deliveries waiting")]
    Busy,
}

impl PushRejected {
    /// Short, fixed name of the rejection: a metric label.
    pub fn class(&self) -> &'static str {
        match self {
            PushRejected::UnknownFeed(_) => "unknown_feed",
            PushRejected::Unsigned => "unsigned",
            PushRejected::BadSignature(_) => "bad_signature",
            PushRejected::Busy => "busy",
        }
    }
}

/// Check `X-Hub-Signature: method=hex` over `body` with `secret`
/// (methods `sha1`, `sha256`, `sha384`, `sha512`), in constant time.
pub fn check_signature(secret: &[u8], header: &str, body: &[u8]) -> Result<(), PushRejected> {
    let (method, hex) =
        header.trim().split_once('=').ok_or(PushRejected::BadSignature("no '='"))?;
    let algorithm = match method.to_ascii_lowercase().as_str() {
        "sha1" => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        "sha256" => hmac::HMAC_SHA256,
        "sha384" => hmac::HMAC_SHA384,
        "sha512" => hmac::HMAC_SHA512,
        _ => return Err(PushRejected::BadSignature("unknown method")),
    };
    let tag = decode_hex(hex).ok_or(PushRejected::BadSignature("not hex"))?;
    hmac::verify(&hmac::Key::new(algorithm, secret), body, &tag)
        .map_err(|_| PushRejected::BadSignature("mismatch"))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| hex.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// When to renew a subscription granted for `lease`: once 90% of it has
/// passed, so a slow hub still answers before it ends.
pub fn renew_after(lease: Duration) -> Duration {
    lease.mul_f64(0.9)
}

/// Shortest lease taken from a hub (renewal then comes after 90% of it).
pub const MIN_LEASE: Duration = Duration::from_secs(2);
/// Longest lease taken from a hub.
pub const MAX_LEASE: Duration = Duration::from_secs(30 * 24 * 3600);

/// Deliveries waiting per feed before the hub is told to retry.
const PUSH_QUEUE: usize = 16;

struct Registration {
    sender: mpsc::Sender<Pushed>,
    secret: String,
    /// The topic Lede last asked to subscribe to.
    requested_topic: Option<String>,
}

/// The subscriptions of every feed: shared by the feed tasks (which
/// subscribe) and the admin server's callback routes (which verify and deliver).
pub struct Subscriptions {
    callback_base: String,
    lease: Duration,
    feeds: Mutex<HashMap<String, Registration>>,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriptions").field("callback_base", &self.callback_base).finish()
    }
}

impl Subscriptions {
    /// Callbacks are `{callback_base}/{feed id}`; `lease` is what Lede asks
    /// hubs for.
    pub fn new(callback_base: &str, lease: Duration) -> Self {
        Self {
            callback_base: callback_base.trim_end_matches('/').to_owned(),
            lease,
            feeds: Mutex::new(HashMap::new()),
        }
    }

    /// Make `feed` reachable by its hub, with a fresh random secret; its
    /// task receives what the hub sends.
    pub fn register(&self, feed: &str) -> mpsc::Receiver<Pushed> {
        let (sender, receiver) = mpsc::channel(PUSH_QUEUE);
        let registration = Registration { sender, secret: new_secret(), requested_topic: None };
        self.lock().insert(feed.to_owned(), registration);
        receiver
    }

    /// The callback URL of `feed`.
    pub fn callback(&self, feed: &str) -> String {
        format!("{}/{feed}", self.callback_base)
    }

    /// Ask `link.hub` to push `link.topic` to `feed`'s callback. The hub
    /// then verifies the intent ([`Self::verify`]) on its own time.
    pub async fn subscribe(
        &self,
        fetcher: &Fetcher,
        feed: &str,
        link: &HubLink,
    ) -> Result<(), FetchError> {
        let secret = {
            let mut feeds = self.lock();
            let Some(registration) = feeds.get_mut(feed) else {
                return Err(FetchError::Client(format!("feed {feed} is not registered for push")));
            };
            registration.requested_topic = Some(link.topic.clone());
            registration.secret.clone()
        };
        let callback = self.callback(feed);
        let lease = self.lease.as_secs().to_string();
        let form = [
            ("hub.mode", "subscribe"),
            ("hub.topic", link.topic.as_str()),
            ("hub.callback", callback.as_str()),
            ("hub.secret", secret.as_str()),
            ("hub.lease_seconds", lease.as_str()),
        ];
        fetcher.post_form(&link.hub, &form).await
    }

    /// Answer a hub's verification request for `feed`: the challenge to
    /// echo when Lede asked for it. A `denied` notice is passed to the feed.
    pub fn verify(&self, feed: &str, query: &VerificationQuery) -> Result<String, VerifyRefused> {
        let feeds = self.lock();
        let registration =
            feeds.get(feed).ok_or_else(|| VerifyRefused::UnknownFeed(feed.to_owned()))?;
        let mode = query.mode.as_deref().ok_or(VerifyRefused::BadRequest("no hub.mode"))?;
        let topic = query.topic.as_deref().ok_or(VerifyRefused::BadRequest("no hub.topic"))?;
        let requested = registration.requested_topic.as_deref() == Some(topic);
        let not_requested =
            || VerifyRefused::NotRequested { mode: mode.to_owned(), topic: topic.to_owned() };
        match mode {
            "denied" => {
                if !requested {
                    return Err(not_requested());
                }
                let reason = query.reason.clone().unwrap_or_default();
                let _ = registration.sender.try_send(Pushed::Denied { reason });
                Ok(String::new())
            }
            "subscribe" | "unsubscribe" => {
                let challenge =
                    query.challenge.clone().ok_or(VerifyRefused::BadRequest("no hub.challenge"))?;
                // Subscribe only to what was asked for; unsubscribe only
                // from what is no longer wanted.
                if (mode == "subscribe") != requested {
                    return Err(not_requested());
                }
                if mode == "subscribe" {
                    // A hub's lease is taken within sane bounds: a zero lease
                    // would renew in a tight loop, a huge one overflow dates.
                    let lease = query
                        .lease_seconds
                        .map_or(self.lease, Duration::from_secs)
                        .clamp(MIN_LEASE, MAX_LEASE);
                    let _ = registration.sender.try_send(Pushed::Verified { lease });
                }
                Ok(challenge)
            }
            _ => Err(VerifyRefused::BadRequest("unknown hub.mode")),
        }
    }

    /// Accept a document the hub delivered for `feed` if its signature
    /// holds, and queue it for the feed's task.
    pub fn deliver(
        &self,
        feed: &str,
        signature: Option<&str>,
        charset: Option<String>,
        body: Vec<u8>,
    ) -> Result<(), PushRejected> {
        let feeds = self.lock();
        let registration =
            feeds.get(feed).ok_or_else(|| PushRejected::UnknownFeed(feed.to_owned()))?;
        let signature = signature.ok_or(PushRejected::Unsigned)?;
        check_signature(registration.secret.as_bytes(), signature, &body)?;
        registration
            .sender
            .try_send(Pushed::Document { body, charset })
            .map_err(|_| PushRejected::Busy)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Registration>> {
        self.feeds.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// 32 random bytes, hex-encoded: a subscription's HMAC secret.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    // The system's random source does not fail on supported platforms; a
    // zero secret would still be checked, just guessable.
    let _ = SystemRandom::new().fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(method: &str, secret: &str, body: &[u8]) -> String {
        let algorithm = match method {
            "sha1" => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            "sha512" => hmac::HMAC_SHA512,
            _ => hmac::HMAC_SHA256,
        };
        let tag = hmac::sign(&hmac::Key::new(algorithm, secret.as_bytes()), body);
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        format!("{method}={hex}")
    }

    #[test]
    fn signatures_are_checked_by_method() {
        let body = b"<feed/>";
        // (header, expected result) rows.
        let cases: Vec<(String, Result<(), PushRejected>)> = vec![
            (sign("sha1", "s3cret", body), Ok(())),
            (sign("sha256", "s3cret", body), Ok(())),
            (sign("sha512", "s3cret", body), Ok(())),
            (sign("sha256", "other", body), Err(PushRejected::BadSignature("mismatch"))),
            ("md5=00ff".into(), Err(PushRejected::BadSignature("unknown method"))),
            ("sha256=zz".into(), Err(PushRejected::BadSignature("not hex"))),
            ("sha256".into(), Err(PushRejected::BadSignature("no '='"))),
        ];
        for (header, expected) in cases {
            assert_eq!(check_signature(b"s3cret", &header, body), expected, "{header}");
        }
    }

    #[test]
    fn link_headers_give_hub_and_self() {
        let base =
            Url::parse("https://example.com/feeds/news.xml").unwrap_or_else(|e| panic!("{e}"));
        let (hub, topic) = links_of_header(
            r#"<https://hub.example/>; rel="hub", </feeds/news.xml>; rel="self""#,
            &base,
        );
        assert_eq!(hub.as_deref(), Some("https://hub.example/"));
        assert_eq!(topic.as_deref(), Some("https://example.com/feeds/news.xml"));
        let (hub, topic) = links_of_header(r#"<https://h.example/>; rel="alternate hub""#, &base);
        assert_eq!((hub.as_deref(), topic), (Some("https://h.example/"), None));
        assert_eq!(links_of_header("garbage", &base), (None, None));
    }

    fn query(mode: &str, topic: &str, challenge: Option<&str>) -> VerificationQuery {
        VerificationQuery {
            mode: Some(mode.into()),
            topic: Some(topic.into()),
            challenge: challenge.map(str::to_owned),
            lease_seconds: Some(600),
            reason: None,
        }
    }

    #[tokio::test]
    async fn verification_confirms_only_what_was_requested() {
        let subscriptions =
            Subscriptions::new("http://lede.example/websub/", Duration::from_secs(60));
        let mut pushed = subscriptions.register("f");
        assert_eq!(subscriptions.callback("f"), "http://lede.example/websub/f");
        // Nothing requested yet: an unsolicited subscription is refused.
        assert!(matches!(
            subscriptions.verify("f", &query("subscribe", "http://t/", Some("c"))),
            Err(VerifyRefused::NotRequested { .. })
        ));
        if let Some(registration) = subscriptions.lock().get_mut("f") {
            registration.requested_topic = Some("http://t/".into());
        }
        assert_eq!(
            subscriptions.verify("f", &query("subscribe", "http://t/", Some("c1"))),
            Ok("c1".into())
        );
        assert!(
            matches!(pushed.recv().await, Some(Pushed::Verified { lease }) if lease.as_secs() == 600)
        );
        // Someone else's unsubscribe of a wanted topic is refused.
        assert!(subscriptions.verify("f", &query("unsubscribe", "http://t/", Some("c2"))).is_err());
        assert!(
            subscriptions.verify("f", &query("subscribe", "http://other/", Some("c"))).is_err()
        );
        assert_eq!(
            subscriptions.verify("f", &query("subscribe", "http://t/", None)),
            Err(VerifyRefused::BadRequest("no hub.challenge"))
        );
        assert!(matches!(
            subscriptions.verify("g", &query("subscribe", "http://t/", Some("c"))),
            Err(VerifyRefused::UnknownFeed(_))
        ));
        assert_eq!(
            subscriptions.verify("f", &query("denied", "http://t/", None)),
            Ok(String::new())
        );
        assert!(matches!(pushed.recv().await, Some(Pushed::Denied { .. })));
    }

    #[tokio::test]
    async fn deliveries_need_a_valid_signature_and_room_in_the_queue() {
        let subscriptions =
            Subscriptions::new("http://lede.example/websub", Duration::from_secs(60));
        let mut pushed = subscriptions.register("f");
        let secret = subscriptions.lock().get("f").map(|r| r.secret.clone()).unwrap_or_default();
        assert_eq!(secret.len(), 64);
        let body = b"<rss/>".to_vec();
        let good = sign("sha256", &secret, &body);
        assert_eq!(
            subscriptions.deliver("f", None, None, body.clone()),
            Err(PushRejected::Unsigned)
        );
        let forged = sign("sha256", "guess", &body);
        assert_eq!(
            subscriptions.deliver("f", Some(&forged), None, body.clone()).map_err(|e| e.class()),
            Err("bad_signature")
        );
        assert!(subscriptions.deliver("f", Some(&good), None, body.clone()).is_ok());
        assert!(matches!(pushed.recv().await, Some(Pushed::Document { .. })));
        for _ in 0..PUSH_QUEUE {
            assert!(subscriptions.deliver("f", Some(&good), None, body.clone()).is_ok());
        }
        assert_eq!(subscriptions.deliver("f", Some(&good), None, body), Err(PushRejected::Busy));
    }

    #[tokio::test]
    async fn a_hub_on_a_private_address_is_refused() {
        let fetcher =
            Fetcher::new(&crate::FetchConfig::default()).unwrap_or_else(|e| panic!("{e}"));
        let subscriptions =
            Subscriptions::new("http://lede.example/websub", Duration::from_secs(60));
        let _pushed = subscriptions.register("f");
        let link = HubLink { hub: "http://10.1.2.3/hub".into(), topic: "http://t/".into() };
        let refused = subscriptions.subscribe(&fetcher, "f", &link).await.err();
        assert_eq!(refused.as_ref().map(FetchError::class), Some("forbidden_address"));
    }

    #[tokio::test]
    async fn leases_are_taken_within_bounds() {
        let subscriptions =
            Subscriptions::new("http://lede.example/websub", Duration::from_secs(60));
        let mut pushed = subscriptions.register("f");
        if let Some(registration) = subscriptions.lock().get_mut("f") {
            registration.requested_topic = Some("http://t/".into());
        }
        for (granted, taken) in
            [(0, MIN_LEASE), (u64::MAX, MAX_LEASE), (600, Duration::from_secs(600))]
        {
            let mut verify = query("subscribe", "http://t/", Some("c"));
            verify.lease_seconds = Some(granted);
            assert!(subscriptions.verify("f", &verify).is_ok());
            assert!(
                matches!(pushed.recv().await, Some(Pushed::Verified { lease }) if lease == taken),
                "{granted}"
            );
        }
    }

    #[test]
    fn renewal_comes_before_the_lease_ends() {
        assert_eq!(renew_after(Duration::from_secs(100)), Duration::from_secs(90));
    }
}
