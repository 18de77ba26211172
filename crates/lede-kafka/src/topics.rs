//! Topic names (a configurable prefix plus fixed suffixes) and their
//! policies, created at start when missing.

use lede_core::{StateTable, Topic};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::{KafkaConfig, KafkaError};

const DAY_MS: u64 = 24 * 3600 * 1000;

/// Every topic Lede writes, with its full name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicNames {
    /// `<prefix>articles`.
    pub articles: String,
    /// `<prefix>state.feeds`.
    pub state_feeds: String,
}

impl TopicNames {
    /// Names under `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self { articles: format!("{prefix}articles"), state_feeds: format!("{prefix}state.feeds") }
    }

    /// The topic of an event.
    pub fn event(&self, topic: Topic) -> &str {
        match topic {
            Topic::Articles => &self.articles,
        }
    }

    /// The changelog topic of a state table.
    pub fn state(&self, table: StateTable) -> &str {
        match table {
            StateTable::Feeds => &self.state_feeds,
        }
    }

    /// (name, topic configs) of every topic.
    fn policies(&self) -> Vec<(&str, Vec<(&'static str, String)>)> {
        vec![
            (
                self.articles.as_str(),
                vec![
                    ("cleanup.policy", "delete".into()),
                    ("retention.ms", (3 * DAY_MS).to_string()),
                ],
            ),
            (
                self.state_feeds.as_str(),
                vec![("cleanup.policy", "compact".into()), ("min.compaction.lag.ms", "0".into())],
            ),
        ]
    }
}

/// Check that the cluster answers, then create any missing topic with its
/// policy. Existing topics are left as they are.
pub async fn ensure_topics(config: &KafkaConfig, names: &TopicNames) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> =
        config.client_config().create().map_err(|e| KafkaError::Config(e.to_string()))?;
    let brokers = admin
        .inner()
        .fetch_metadata(None, config.request_timeout)
        .map_err(|e| KafkaError::Unreachable {
            brokers: config.brokers.clone(),
            message: e.to_string(),
        })?
        .brokers()
        .len();
    let replication = i32::try_from(brokers.min(3)).unwrap_or(1);
    let policies = names.policies();
    let new_topics: Vec<NewTopic<'_>> = policies
        .iter()
        .map(|(name, settings)| {
            settings.iter().fold(
                NewTopic::new(name, 3, TopicReplication::Fixed(replication)),
                |topic, (key, value)| topic.set(key, value),
            )
        })
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(config.request_timeout));
    let results = admin.create_topics(&new_topics, &options).await.map_err(|e| {
        KafkaError::Unreachable { brokers: config.brokers.clone(), message: e.to_string() }
    })?;
    for result in results {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                return Err(KafkaError::CreateTopic { topic, message: code.to_string() });
            }
        }
    }
    Ok(())
}
