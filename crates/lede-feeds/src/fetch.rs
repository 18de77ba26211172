//! The HTTP client: one GET of a feed document with conditional-GET
//! validators, a redirect limit with loop detection, timeouts, and a cap on
//! the (decompressed) body size, read in chunks so a huge, endless or
//! bomb-like body costs at most the cap. Feed URLs and redirects to
//! loopback, private or link-local addresses are refused unless allowed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    CACHE_CONTROL, CONTENT_TYPE, ETAG, EXPIRES, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH,
    LAST_MODIFIED, LINK, LOCATION, RETRY_AFTER,
};
use serde::{Deserialize, Serialize};

use crate::charset::charset_of_content_type;
use crate::politeness::HostLimiter;
use crate::websub::{HubLink, links_of_header};

/// Limits and identity of the HTTP client.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    /// Whole request, from connect to the last body byte.
    pub timeout: Duration,
    /// TCP connect.
    pub connect_timeout: Duration,
    /// Largest accepted body after decompression.
    pub max_body_bytes: u64,
    /// Redirects followed before giving up.
    pub max_redirects: usize,
    /// `User-Agent` header.
    pub user_agent: String,
    /// Allow feeds (and redirects) on loopback, private and link-local
    /// addresses. Off by default: a feed URL must not reach internal services.
    pub allow_private_addresses: bool,
    /// Send every request through this proxy (`http://`, `https://` or `socks5://` URL).
    pub proxy: Option<String>,
    /// Requests in flight to one host at most.
    pub max_requests_per_host: usize,
    /// Least time between the starts of two requests to one host.
    pub host_spacing: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            user_agent: concat!("Lede/", env!("CARGO_PKG_VERSION"), " (+feed reader)").to_owned(),
            allow_private_addresses: false,
            proxy: None,
            max_requests_per_host: 2,
            host_spacing: Duration::from_millis(500),
        }
    }
}

/// Conditional-GET validators from the last successful fetch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    /// `ETag` response header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// `Last-Modified` response header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

/// What a fetch returned.
#[derive(Debug)]
pub enum Fetched {
    /// `304 Not Modified`: the document is unchanged since `Validators`.
    NotModified,
    /// A new document.
    Document(Box<Document>),
}

/// A fetched document and what the response said about it.
#[derive(Debug)]
pub struct Document {
    /// Body, decompressed, at most `max_body_bytes`.
    pub body: Vec<u8>,
    /// URL after redirects, the base for relative links.
    pub final_url: String,
    /// Validators to send next time.
    pub validators: Validators,
    /// Where the feed now lives, when every redirect was permanent (301, 308).
    pub moved_to: Option<String>,
    /// How long the server says the document stays fresh
    /// (`Cache-Control: max-age`, else `Expires`).
    pub fresh_for: Option<Duration>,
    /// The charset of the `Content-Type` header.
    pub charset: Option<String>,
    /// The WebSub hub named by the `Link` header, if any.
    pub hub_link: Option<HubLink>,
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The client could not be built (bad User-Agent, TLS setup).
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    /// No complete response within the timeout.
    #[error("timed out fetching {url}")]
    Timeout {
        /// Requested URL.
        url: String,
    },
    /// Could not connect (DNS, refused, TLS).
    #[error("cannot connect to {url}: {message}")]
    Connect {
        /// Requested URL.
        url: String,
        /// Cause.
        message: String,
    },
    /// More redirects than allowed, or a loop.
    #[error("too many redirects from {url}")]
    Redirects {
        /// Requested URL.
        url: String,
    },
    /// A non-success HTTP status.
    #[error("HTTP {status} from {url}")]
    Status {
        /// Requested URL.
        url: String,
        /// Status code.
        status: u16,
        /// The server's `Retry-After` (429 and 503), if it sent one.
        retry_after: Option<Duration>,
    },
    /// `304 Not Modified` although no validators were sent.
    #[error("{url} answered 304 Not Modified to an unconditional request")]
    UnexpectedNotModified {
        /// Requested URL.
        url: String,
    },
    /// The URL or a redirect leads to a loopback, private or link-local address.
    #[error("refusing {url}: {reason}")]
    Forbidden {
        /// Requested URL.
        url: String,
        /// Which address, and why.
        reason: String,
    },
    /// The body exceeded the size cap.
    #[error("body of {url} exceeds {limit} bytes")]
    TooLarge {
        /// Requested URL.
        url: String,
        /// The cap.
        limit: u64,
    },
    /// The connection broke while reading the body, or it failed to decode.
    #[error("error reading body of {url}: {message}")]
    Body {
        /// Requested URL.
        url: String,
        /// Cause.
        message: String,
    },
}

impl FetchError {
    /// Short, fixed name of the error's kind: a metric label.
    pub fn class(&self) -> &'static str {
        match self {
            FetchError::Client(_) => "client",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::Redirects { .. } => "redirects",
            FetchError::Status { .. } => "http_status",
            FetchError::UnexpectedNotModified { .. } => "unexpected_304",
            FetchError::Forbidden { .. } => "forbidden_address",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Body { .. } => "body",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Client(_)
            | FetchError::TooLarge { .. }
            | FetchError::Redirects { .. }
            | FetchError::Forbidden { .. } => false,
            FetchError::UnexpectedNotModified { .. } => true,
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. } => {
                true
            }
        }
    }
}

impl FetchError {
    /// How long the server asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The feed HTTP client; cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: u64,
    max_redirects: usize,
    allow_private: bool,
    hosts: Arc<HostLimiter>,
}

impl Fetcher {
    /// Build a client with `config`'s limits.
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        // Redirects are followed by `fetch` itself: it checks every hop's
        // address, detects loops and knows whether the move was permanent.
        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if let Some(proxy) = &config.proxy {
            let proxy = reqwest::Proxy::all(proxy)
                .map_err(|e| FetchError::Client(format!("proxy {proxy}: {e}")))?;
            builder = builder.proxy(proxy);
        }
        if !config.allow_private_addresses {
            builder = builder.dns_resolver(Arc::new(PublicOnlyResolver));
        }
        let client = builder.build().map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self {
            client,
            max_body_bytes: config.max_body_bytes,
            max_redirects: config.max_redirects,
            allow_private: config.allow_private_addresses,
            hosts: Arc::new(HostLimiter::new(config.max_requests_per_host, config.host_spacing)),
        })
    }

    /// GET `url`, conditional on `validators`, following redirects. Each hop
    /// waits its turn with the host (politeness), then takes at most the
    /// timeout, body included.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut current =
            reqwest::Url::parse(url).map_err(|e| FetchError::Client(format!("{url}: {e}")))?;
        let mut visited: Vec<reqwest::Url> = Vec::new();
        let mut all_permanent = true;
        let (mut response, _host_permit) = loop {
            if let Some(reason) = forbidden_literal(&current, self.allow_private) {
                return Err(FetchError::Forbidden { url: url.to_owned(), reason });
            }
            let host_permit = self.hosts.acquire(current.host_str().unwrap_or_default()).await;
            let mut request = self.client.get(current.clone());
            if let Some(etag) = &validators.etag {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some(last_modified) = &validators.last_modified {
                request = request.header(IF_MODIFIED_SINCE, last_modified);
            }
            let response = request.send().await.map_err(|e| request_error(url, &e))?;
            let status = response.status();
            if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
                break (response, host_permit);
            }
            let next = response
                .headers()
                .get(LOCATION)
                .and_then(|location| location.to_str().ok())
                .and_then(|location| current.join(location).ok());
            let Some(next) = next else {
                return Err(FetchError::Status {
                    url: url.to_owned(),
                    status: status.as_u16(),
                    retry_after: None,
                });
            };
            all_permanent &=
                matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT);
            visited.push(current);
            if visited.len() > self.max_redirects || visited.contains(&next) {
                return Err(FetchError::Redirects { url: url.to_owned() });
            }
            current = next;
        };
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            if validators.etag.is_none() && validators.last_modified.is_none() {
                return Err(FetchError::UnexpectedNotModified { url: url.to_owned() });
            }
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            return Err(FetchError::Status {
                url: url.to_owned(),
                status: status.as_u16(),
                retry_after,
            });
        }
        let too_large = || FetchError::TooLarge { url: url.to_owned(), limit: self.max_body_bytes };
        if response.content_length().is_some_and(|length| length > self.max_body_bytes) {
            return Err(too_large());
        }
        let validators = validators_of(response.headers());
        let fresh_for = fresh_for(response.headers());
        let charset = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(charset_of_content_type)
            .map(str::to_owned);
        let hub_link = response
            .headers()
            .get_all(LINK)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|value| {
                let (hub, topic) = links_of_header(value, &current);
                HubLink::new(hub, topic, current.as_str())
            });
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| request_error(url, &e))? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let moved_to = (all_permanent && !visited.is_empty()).then(|| current.to_string());
        Ok(Fetched::Document(Box::new(Document {
            body,
            final_url: current.to_string(),
            validators,
            moved_to,
            fresh_for,
            charset,
            hub_link,
        })))
    }

    /// POST `form` (URL-encoded) to `url`, as WebSub subscription requests
    /// are sent: the same address rules and limits as fetches, no redirects
    /// followed; any 2xx answer is success.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<(), FetchError> {
        let target =
            reqwest::Url::parse(url).map_err(|e| FetchError::Client(format!("{url}: {e}")))?;
        if let Some(reason) = forbidden_literal(&target, self.allow_private) {
            return Err(FetchError::Forbidden { url: url.to_owned(), reason });
        }
        let _host_permit = self.hosts.acquire(target.host_str().unwrap_or_default()).await;
        let response =
            self.client.post(target).form(form).send().await.map_err(|e| request_error(url, &e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        Err(FetchError::Status {
            url: url.to_owned(),
            status: status.as_u16(),
            retry_after: retry_after(response.headers()),
        })
    }
}

fn validators_of(headers: &HeaderMap) -> Validators {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    Validators { etag: text(ETAG), last_modified: text(LAST_MODIFIED) }
}

/// Freshness from `Cache-Control: max-age=N`, else from `Expires`.
fn fresh_for(headers: &HeaderMap) -> Option<Duration> {
    let max_age = headers
        .get_all(CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .find_map(|directive| {
            directive.trim().strip_prefix("max-age=")?.trim().parse::<u64>().ok()
        });
    if let Some(seconds) = max_age {
        return Some(Duration::from_secs(seconds));
    }
    let expires =
        chrono::DateTime::parse_from_rfc2822(headers.get(EXPIRES)?.to_str().ok()?.trim()).ok()?;
    (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

/// `Retry-After` as a duration: delta-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).to_std().ok()
}

/// Resolver error: the name resolves only to addresses that are not public.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ForbiddenAddress(String);

/// Why `url` must not be fetched when it names an IP address that is not
/// public (names are checked by [`PublicOnlyResolver`]).
fn forbidden_literal(url: &reqwest::Url, allow_private: bool) -> Option<String> {
    if allow_private {
        return None;
    }
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then(|| format!("{ip} is a loopback, private or link-local address"))
}

/// True for addresses on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                let first = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80)
            }
        },
    }
}

/// Resolves names like the system does, then keeps only public addresses.
struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> =
                resolved.iter().copied().filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                let shown: Vec<String> = resolved.iter().map(|a| a.ip().to_string()).collect();
                let reason =
                    format!("{host} resolves only to non-public addresses ({})", shown.join(", "));
                return Err(
                    Box::new(ForbiddenAddress(reason)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

fn request_error(url: &str, error: &reqwest::Error) -> FetchError {
    let url = url.to_owned();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(ForbiddenAddress(reason)) = cause.downcast_ref::<ForbiddenAddress>() {
            return FetchError::Forbidden { url, reason: reason.clone() };
        }
        source = cause.source();
    }
    if error.is_timeout() {
        FetchError::Timeout { url }
    } else if error.is_redirect() {
        FetchError::Redirects { url }
    } else if error.is_connect() {
        FetchError::Connect { url, message: error_chain(error) }
    } else {
        FetchError::Body { url, message: error_chain(error) }
    }
}

/// The error and its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}
