//! Lede's Kafka stage, the only code that knows Kafka: topic names and
//! policies ([`topics`]), the idempotent producer behind the core
//! [`EventSink`](lede_core::EventSink) ([`sink`]), and reading topics back
//! for state restore and `lede tail` ([`read`]).

pub mod read;
pub mod sink;
pub mod topics;

use std::time::Duration;

pub use read::{ConsumedRecord, StartAt, read_topic, restore_table};
pub use sink::KafkaSink;
pub use topics::{TopicNames, ensure_topics};

/// How to reach the cluster and name the topics.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `bootstrap.servers`.
    pub brokers: String,
    /// Prefix of every topic name, e.g. `lede.` gives `lede.articles`.
    pub topic_prefix: String,
    /// `client.id`.
    pub client_id: String,
    /// Longest wait for the cluster to answer a metadata or admin request.
    pub request_timeout: Duration,
}

impl KafkaConfig {
    fn client_config(&self) -> rdkafka::ClientConfig {
        let mut config = rdkafka::ClientConfig::new();
        config
            .set("bootstrap.servers", &self.brokers)
            .set("client.id", &self.client_id)
            .set("socket.timeout.ms", self.request_timeout.as_millis().to_string())
            // librdkafka logs through the `log` facade; Lede reports errors itself.
            .set("log_level", "3");
        config
    }
}

/// Why a Kafka operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KafkaError {
    /// No broker answered within the request timeout.
    #[error("cannot reach Kafka at {brokers}: {message}")]
    Unreachable {
        /// The configured brokers.
        brokers: String,
        /// The client's error text.
        message: String,
    },
    /// The client rejected its configuration.
    #[error("invalid Kafka client configuration: {0}")]
    Config(String),
    /// A topic could not be created.
    #[error("cannot create topic {topic}: {message}")]
    CreateTopic {
        /// Topic name.
        topic: String,
        /// The broker's error.
        message: String,
    },
    /// A topic does not exist.
    #[error("topic {0} does not exist")]
    NoSuchTopic(String),
    /// A changelog value could not be decoded.
    #[error("unreadable value of key {key} in topic {topic}: {message}")]
    Corrupt {
        /// Topic name.
        topic: String,
        /// Record key.
        key: String,
        /// Why.
        message: String,
    },
    /// Reading a topic failed.
    #[error("cannot read topic {topic}: {message}")]
    Read {
        /// Topic name.
        topic: String,
        /// The client's error.
        message: String,
    },
}
