//! A WebSub hub on `127.0.0.1:0` for the push tests: it takes subscription
//! requests, verifies the subscriber's intent with a challenge (granting a
//! short lease, so renewals come quickly), and publishes documents to the
//! verified subscribers, signed with `X-Hub-Signature: sha256=...`, or
//! signed wrongly on request.

use std::sync::{Arc, Mutex};

use ring::hmac;

/// One subscription request the hub received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeRequest {
    /// `hub.topic`.
    pub topic: String,
    /// `hub.callback`.
    pub callback: String,
    /// `hub.secret`.
    pub secret: String,
    /// Whether the subscriber echoed the challenge.
    pub verified: bool,
}

/// The hub.
#[derive(Debug, Clone)]
pub struct TestHub {
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    requests: Arc<Mutex<Vec<SubscribeRequest>>>,
    client: reqwest::Client,
}

impl TestHub {
    /// Start the hub; it grants every subscription `lease_seconds`.
    pub async fn start(lease_seconds: u64) -> Self {
        let requests: Arc<Mutex<Vec<SubscribeRequest>>> = Arc::default();
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .unwrap_or_else(|e| panic!("client: {e}"));
        let (handler_requests, handler_client) = (requests.clone(), client.clone());
        let app = axum::Router::new().route(
            "/",
            axum::routing::post(move |body: String| {
                let (requests, client) = (handler_requests.clone(), handler_client.clone());
                async move {
                    let form: Vec<(String, String)> =
                        url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
                    let field = |name: &str| {
                        form.iter()
                            .find(|(k, _)| k == name)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default()
                    };
                    if field("hub.mode") != "subscribe" || field("hub.callback").is_empty() {
                        return axum::http::StatusCode::BAD_REQUEST;
                    }
                    let request = SubscribeRequest {
                        topic: field("hub.topic"),
                        callback: field("hub.callback"),
                        secret: field("hub.secret"),
                        verified: false,
                    };
                    let index = {
                        let mut requests = requests.lock().unwrap_or_else(|e| e.into_inner());
                        requests.push(request.clone());
                        requests.len() - 1
                    };
                    // Verify intent after answering, as hubs do.
                    tokio::spawn(async move {
                        let challenge = format!("challenge-{index}");
                        let verified = client
                            .get(&request.callback)
                            .query(&[
                                ("hub.mode", "subscribe"),
                                ("hub.topic", request.topic.as_str()),
                                ("hub.challenge", challenge.as_str()),
                                ("hub.lease_seconds", lease_seconds.to_string().as_str()),
                            ])
                            .send()
                            .await
                            .ok()
                            .filter(|response| response.status().is_success());
                        let echoed = match verified {
                            Some(response) => response.text().await.ok() == Some(challenge),
                            None => false,
                        };
                        if let Some(request) =
                            requests.lock().unwrap_or_else(|e| e.into_inner()).get_mut(index)
                        {
                            request.verified = echoed;
                        }
                    });
                    axum::http::StatusCode::ACCEPTED
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("local_addr: {e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url: format!("http://{address}/"), requests, client }
    }

    /// Every subscription request so far, in order.
    pub fn requests(&self) -> Vec<SubscribeRequest> {
        self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Deliver `body` to the latest verified subscriber of `topic`, signed
    /// with its secret (or with `forged_secret` instead). Returns the HTTP status.
    pub async fn publish(&self, topic: &str, body: &str, forged_secret: Option<&str>) -> u16 {
        let subscriber = self
            .requests()
            .into_iter()
            .rev()
            .find(|r| r.verified && r.topic == topic)
            .unwrap_or_else(|| panic!("no verified subscriber of {topic}"));
        let secret = forged_secret.unwrap_or(&subscriber.secret);
        let tag =
            hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()), body.as_bytes());
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        self.client
            .post(&subscriber.callback)
            .header("content-type", "application/rss+xml")
            .header("x-hub-signature", format!("sha256={hex}"))
            .body(body.to_owned())
            .send()
            .await
            .map(|response| response.status().as_u16())
            .unwrap_or_else(|e| panic!("deliver to {}: {e}", subscriber.callback))
    }

    /// GET `url` with this hub's client: the body and status.
    pub async fn get(&self, url: &str) -> (u16, String) {
        let response =
            self.client.get(url).send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }
}
