//! The HTTP client: one GET of a feed document with conditional-GET
//! validators, a redirect limit, timeouts, and a cap on the (decompressed)
//! body size, read in chunks so a huge or endless body costs at most the cap.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::{Deserialize, Serialize};

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
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 5,
            user_agent: concat!("Lede/", env!("CARGO_PKG_VERSION"), " (+feed reader)").to_owned(),
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
    Document {
        /// Body, decompressed, at most `max_body_bytes`.
        body: Vec<u8>,
        /// URL after redirects, the base for relative links.
        final_url: String,
        /// Validators to send next time.
        validators: Validators,
    },
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
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Body { .. } => "body",
        }
    }

    /// Whether trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        match self {
            FetchError::Client(_) | FetchError::TooLarge { .. } | FetchError::Redirects { .. } => {
                false
            }
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Body { .. } => {
                true
            }
        }
    }
}

/// The feed HTTP client; cheap to share behind an `Arc`.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_body_bytes: u64,
}

impl Fetcher {
    /// Build a client with `config`'s limits.
    pub fn new(config: &FetchConfig) -> Result<Self, FetchError> {
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(config.max_redirects))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Self { client, max_body_bytes: config.max_body_bytes })
    }

    /// GET `url`, conditional on `validators`.
    pub async fn fetch(&self, url: &str, validators: &Validators) -> Result<Fetched, FetchError> {
        let mut request = self.client.get(url);
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(last_modified) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, last_modified);
        }
        let mut response = request.send().await.map_err(|e| request_error(url, &e))?;
        let status = response.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            return Err(FetchError::Status { url: url.to_owned(), status: status.as_u16() });
        }
        let too_large = || FetchError::TooLarge { url: url.to_owned(), limit: self.max_body_bytes };
        if response.content_length().is_some_and(|length| length > self.max_body_bytes) {
            return Err(too_large());
        }
        let validators = validators_of(response.headers());
        let final_url = response.url().to_string();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| request_error(url, &e))? {
            if body.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Fetched::Document { body, final_url, validators })
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

fn request_error(url: &str, error: &reqwest::Error) -> FetchError {
    let url = url.to_owned();
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
