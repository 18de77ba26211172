//! The daemon's configuration: parsed raw from TOML (unknown fields are
//! errors, durations are typed), then validated once, with no IO, into
//! [`Config`]. Reaching the broker and the feeds is `lede check`'s job.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::time::Duration;

use lede_core::{FeedId, FeedSpec};
use lede_feeds::FetchConfig;
use lede_kafka::KafkaConfig;
use lede_story::EngineConfig;
use serde::Deserialize;

/// Why a configuration is unusable. Displayed as one line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config {path}: {message}")]
    Read {
        /// File path.
        path: String,
        /// OS error.
        message: String,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid config {path}: {message}")]
    Syntax {
        /// File path.
        path: String,
        /// Parser message, with line and column.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("invalid config {path}: {message}")]
    Invalid {
        /// File path.
        path: String,
        /// What is wrong, naming the field.
        message: String,
    },
}

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    kafka: RawKafka,
    #[serde(default)]
    poll: RawPoll,
    #[serde(default)]
    admin: RawAdmin,
    #[serde(default)]
    story: RawStory,
    #[serde(default)]
    websub: RawWebSub,
    #[serde(default, with = "humantime_serde")]
    shutdown_timeout: Option<Duration>,
    #[serde(default)]
    feeds: Vec<RawFeed>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKafka {
    brokers: Option<String>,
    topic_prefix: Option<String>,
    client_id: Option<String>,
    #[serde(default, with = "humantime_serde")]
    request_timeout: Option<Duration>,
}

/// Where the story file goes by default: a directory for large temporary
/// files, on disk (`/tmp` is a memory file system on many systems, where
/// the file would take memory after all).
const STORY_STORE_DIR: &str = "/var/tmp";

/// Polls in flight by default: enough to keep many slow hosts busy; each
/// holds at most one document (`poll.max_body_bytes`).
const DEFAULT_POLLS_IN_FLIGHT: NonZeroUsize = NonZeroUsize::new(256).expect("not zero");

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPoll {
    #[serde(default, with = "humantime_serde")]
    interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    priority_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    max_interval: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    timeout: Option<Duration>,
    #[serde(default, with = "humantime_serde")]
    connect_timeout: Option<Duration>,
    max_body_bytes: Option<NonZeroU64>,
    max_redirects: Option<usize>,
    user_agent: Option<String>,
    #[serde(default)]
    allow_private_addresses: bool,
    proxy: Option<String>,
    max_requests_per_host: Option<NonZeroUsize>,
    #[serde(default, with = "humantime_serde")]
    host_spacing: Option<Duration>,
    max_in_flight: Option<NonZeroUsize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdmin {
    listen: Option<SocketAddr>,
    #[serde(default)]
    disabled: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWebSub {
    #[serde(default)]
    enabled: bool,
    callback_url: Option<String>,
    #[serde(default, with = "humantime_serde")]
    lease: Option<Duration>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStory {
    #[serde(default, with = "humantime_serde")]
    window: Option<Duration>,
    store_dir: Option<PathBuf>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    id: String,
    url: String,
    #[serde(default, with = "humantime_serde")]
    interval: Option<Duration>,
    #[serde(default)]
    priority: bool,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cluster and topic names.
    pub kafka: KafkaConfig,
    /// HTTP client limits.
    pub fetch: FetchConfig,
    /// Admin server address (`/health`, `/metrics`), if enabled.
    pub admin_listen: Option<SocketAddr>,
    /// At most this many polls fetch and parse at once, whatever the
    /// number of feeds due.
    pub max_polls_in_flight: NonZeroUsize,
    /// Story engine settings.
    pub story: EngineConfig,
    /// Where the story engine keeps live stories' text (an unnamed file).
    pub story_store_dir: PathBuf,
    /// WebSub push, when enabled.
    pub websub: Option<WebSubConfig>,
    /// Longest wait for in-flight work after SIGTERM.
    pub shutdown_timeout: Duration,
    /// Feeds to poll.
    pub feeds: Vec<FeedSpec>,
}

/// WebSub push: hubs call back on the admin server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSubConfig {
    /// Public base URL of the callback routes, as hubs reach them; `None`:
    /// `http://{admin address}/websub`.
    pub callback_url: Option<String>,
    /// The lease asked of hubs.
    pub lease: Duration,
}

/// Shortest poll interval accepted.
const MIN_INTERVAL: Duration = Duration::from_millis(200);

impl Config {
    /// Read and validate `path`; `None` gives the defaults.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let Some(path) = path else {
            return Self::from_raw(RawConfig::default(), "(defaults)");
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::Read { path: shown.clone(), message: e.to_string() })?;
        Self::parse(&text, &shown)
    }

    /// Validate TOML `text`; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: origin.to_owned(),
            message: e
                .to_string()
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" "),
        })?;
        Self::from_raw(raw, origin)
    }

    fn from_raw(raw: RawConfig, origin: &str) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::Invalid { path: origin.to_owned(), message };
        let brokers = raw.kafka.brokers.unwrap_or_else(|| "127.0.0.1:9092".to_owned());
        if brokers.trim().is_empty() {
            return Err(invalid("kafka.brokers is empty".into()));
        }
        let topic_prefix = raw.kafka.topic_prefix.unwrap_or_else(|| "lede.".to_owned());
        if !topic_prefix.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            || topic_prefix.len() > 200
        {
            return Err(invalid(format!(
                "kafka.topic_prefix {topic_prefix:?} may only hold ASCII letters, digits, '.', '_' and '-'"
            )));
        }
        let request_timeout = raw.kafka.request_timeout.unwrap_or(Duration::from_secs(10));
        if request_timeout.is_zero() {
            return Err(invalid("kafka.request_timeout must be positive".into()));
        }
        let kafka = KafkaConfig {
            brokers,
            topic_prefix,
            client_id: raw.kafka.client_id.unwrap_or_else(|| "lede".to_owned()),
            request_timeout,
        };

        let defaults = FetchConfig::default();
        let fetch = FetchConfig {
            timeout: raw.poll.timeout.unwrap_or(defaults.timeout),
            connect_timeout: raw.poll.connect_timeout.unwrap_or(defaults.connect_timeout),
            max_body_bytes: raw
                .poll
                .max_body_bytes
                .map_or(defaults.max_body_bytes, NonZeroU64::get),
            max_redirects: raw.poll.max_redirects.unwrap_or(defaults.max_redirects),
            user_agent: raw.poll.user_agent.unwrap_or(defaults.user_agent),
            allow_private_addresses: raw.poll.allow_private_addresses,
            proxy: raw.poll.proxy,
            max_requests_per_host: raw
                .poll
                .max_requests_per_host
                .map_or(defaults.max_requests_per_host, NonZeroUsize::get),
            host_spacing: raw.poll.host_spacing.unwrap_or(defaults.host_spacing),
        };
        if let Some(proxy) = &fetch.proxy {
            match url::Url::parse(proxy) {
                Ok(url) if matches!(url.scheme(), "http" | "https" | "socks5" | "socks5h") => {}
                _ => {
                    return Err(invalid(format!(
                        "poll.proxy {proxy:?} is not an http(s) or socks5 URL"
                    )));
                }
            }
        }
        if fetch.timeout.is_zero() || fetch.connect_timeout.is_zero() {
            return Err(invalid("poll.timeout and poll.connect_timeout must be positive".into()));
        }
        let default_interval = raw.poll.interval.unwrap_or(Duration::from_secs(300));
        let priority_interval = raw.poll.priority_interval.unwrap_or(Duration::from_secs(30));
        let max_interval = raw.poll.max_interval.unwrap_or(Duration::from_secs(3600));

        let mut ids = HashSet::new();
        let mut feeds = Vec::with_capacity(raw.feeds.len());
        for (index, feed) in raw.feeds.into_iter().enumerate() {
            let at = format!("feeds[{index}]");
            if feed.id.is_empty()
                || !feed
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            {
                return Err(invalid(format!(
                    "{at}.id {:?} must be non-empty ASCII letters, digits, '.', '_' or '-'",
                    feed.id
                )));
            }
            if !ids.insert(feed.id.clone()) {
                return Err(invalid(format!("{at}.id {:?} is used twice", feed.id)));
            }
            match url::Url::parse(&feed.url) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => {
                    return Err(invalid(format!(
                        "{at}.url {:?} is not an absolute http(s) URL",
                        feed.url
                    )));
                }
            }
            let floor = if feed.priority { priority_interval } else { default_interval };
            let interval = feed.interval.unwrap_or(floor);
            if interval < MIN_INTERVAL {
                return Err(invalid(format!(
                    "{at}.interval must be at least {}",
                    humantime::format_duration(MIN_INTERVAL)
                )));
            }
            let max_interval = max_interval.max(interval);
            feeds.push(FeedSpec {
                id: FeedId::new(feed.id),
                url: feed.url,
                interval,
                max_interval,
            });
        }
        let mut story = EngineConfig::default();
        if let Some(window) = raw.story.window {
            story.window = chrono::Duration::from_std(window)
                .ok()
                .filter(|w| *w >= chrono::Duration::minutes(1))
                .ok_or_else(|| invalid("story.window must be between 1m and 100 years".into()))?;
        }
        let admin_listen = if raw.admin.disabled {
            None
        } else {
            Some(raw.admin.listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 9464))))
        };
        let websub = if raw.websub.enabled {
            if admin_listen.is_none() {
                return Err(invalid(
                    "websub.enabled needs the admin server (hubs call back on it)".into(),
                ));
            }
            if let Some(callback) = &raw.websub.callback_url {
                match url::Url::parse(callback) {
                    Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                    }
                    _ => {
                        return Err(invalid(format!(
                            "websub.callback_url {callback:?} is not an absolute http(s) URL"
                        )));
                    }
                }
            }
            let lease = raw.websub.lease.unwrap_or(Duration::from_secs(24 * 3600));
            if lease < Duration::from_secs(60) {
                return Err(invalid("websub.lease must be at least 1m".into()));
            }
            Some(WebSubConfig { callback_url: raw.websub.callback_url, lease })
        } else {
            None
        };
        Ok(Self {
            kafka,
            fetch,
            max_polls_in_flight: raw.poll.max_in_flight.unwrap_or(DEFAULT_POLLS_IN_FLIGHT),
            story,
            story_store_dir: raw.story.store_dir.unwrap_or_else(|| PathBuf::from(STORY_STORE_DIR)),
            websub,
            admin_listen,
            shutdown_timeout: raw.shutdown_timeout.unwrap_or(Duration::from_secs(30)),
            feeds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let config = Config::parse("", "t").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.kafka.brokers, "127.0.0.1:9092");
        assert_eq!(config.kafka.topic_prefix, "lede.");
        assert!(config.feeds.is_empty());
        assert_eq!(config.story_store_dir, std::path::Path::new("/var/tmp"));
        assert_eq!(config.max_polls_in_flight.get(), 256);
    }

    #[test]
    fn full_config() {
        let config = Config::parse(
            r#"
            shutdown_timeout = "5s"
            [kafka]
            brokers = "k:9092"
            topic_prefix = "t."
            [poll]
            interval = "1m"
            max_body_bytes = 1000
            max_in_flight = 8
            [admin]
            listen = "127.0.0.1:0"
            [story]
            store_dir = "/srv/lede"
            [[feeds]]
            id = "a"
            url = "https://example.com/rss"
            [[feeds]]
            id = "b"
            url = "http://127.0.0.1:8080/atom"
            interval = "2s"
            "#,
            "t",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.feeds[0].interval, Duration::from_secs(60));
        assert_eq!(config.feeds[1].interval, Duration::from_secs(2));
        assert_eq!(config.fetch.max_body_bytes, 1000);
        assert_eq!(config.shutdown_timeout, Duration::from_secs(5));
        assert_eq!(config.story_store_dir, std::path::Path::new("/srv/lede"));
        assert_eq!(config.max_polls_in_flight.get(), 8);
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let text = include_str!("../../../config/lede.example.toml");
        let config = Config::parse(text, "lede.example.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.feeds.len(), 1);
    }

    /// Fixture table: (config text, a fragment of the one-line error).
    const BAD_CONFIGS: &[(&str, &str)] = &[
        ("[kafka]\nbrokerz = \"x\"", "unknown field `brokerz`"),
        ("[poll]\ninterval = \"soon\"", "interval"),
        ("[poll]\nmax_body_bytes = 0", "max_body_bytes"),
        ("[poll]\nmax_in_flight = 0", "max_in_flight"),
        ("[[feeds]]\nid = \"a\"\nurl = \"ftp://x/y\"", "feeds[0].url"),
        ("[[feeds]]\nid = \"a\"\nurl = \"/relative\"", "feeds[0].url"),
        ("[[feeds]]\nid = \"a b\"\nurl = \"http://x/\"", "feeds[0].id"),
        (
            "[[feeds]]\nid = \"a\"\nurl = \"http://x/\"\n[[feeds]]\nid = \"a\"\nurl = \"http://y/\"",
            "used twice",
        ),
        ("[[feeds]]\nid = \"a\"\nurl = \"http://x/\"\ninterval = \"1ms\"", "at least"),
        ("[kafka]\ntopic_prefix = \"bad prefix\"", "topic_prefix"),
        ("[kafka]\nbrokers = \"\"", "kafka.brokers is empty"),
        ("[story]\nwindow = \"1s\"", "story.window"),
        ("[poll]\nproxy = \"not a url\"", "poll.proxy"),
        ("[websub]\nenabled = true\nlease = \"5s\"", "websub.lease"),
        ("[websub]\nenabled = true\ncallback_url = \"/cb\"", "websub.callback_url"),
        ("[websub]\nenabled = true\n[admin]\ndisabled = true", "needs the admin server"),
        ("not toml at all", "invalid config"),
    ];

    #[test]
    fn bad_configs_give_one_line_errors() {
        for (text, fragment) in BAD_CONFIGS {
            let error =
                Config::parse(text, "bad.toml").err().map(|e| e.to_string()).unwrap_or_default();
            assert!(
                error.contains(fragment),
                "config {text:?} gave {error:?}, expected {fragment:?}"
            );
            assert!(error.contains("bad.toml"), "{error}");
            assert!(!error.contains('\n'), "{error:?} is not one line");
        }
    }
}
