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
    /// `<prefix>articles`: every article with its decision.
    pub articles: String,
    /// `<prefix>stories`: every story event.
    pub stories: String,
    /// `<prefix>stories.latest`: the latest event per story.
    pub stories_latest: String,
    /// `<prefix>dlq`: rejected feeds and items.
    pub dlq: String,
    /// `<prefix>state.feeds`: feed state changelog.
    pub state_feeds: String,
    /// `<prefix>state.stories`: story index changelog.
    pub state_stories: String,
}

impl TopicNames {
    /// Names under `prefix`.
    pub fn new(prefix: &str) -> Self {
        Self {
            articles: format!("{prefix}articles"),
            stories: format!("{prefix}stories"),
            stories_latest: format!("{prefix}stories.latest"),
            dlq: format!("{prefix}dlq"),
            state_feeds: format!("{prefix}state.feeds"),
            state_stories: format!("{prefix}state.stories"),
        }
    }

    /// The topic of an event.
    pub fn event(&self, topic: Topic) -> &str {
        match topic {
            Topic::Articles => &self.articles,
            Topic::Stories => &self.stories,
            Topic::StoriesLatest => &self.stories_latest,
            Topic::Dlq => &self.dlq,
        }
    }

    /// The changelog topic of a state table.
    pub fn state(&self, table: StateTable) -> &str {
        match table {
            StateTable::Feeds => &self.state_feeds,
            StateTable::Stories => &self.state_stories,
        }
    }

    /// (name, topic configs) of every topic, as `DESIGN.md` sets them.
    fn policies(&self) -> Vec<(&str, Vec<(&'static str, String)>)> {
        let delete_after = |days: u64| {
            vec![
                ("cleanup.policy", "delete".to_owned()),
                ("retention.ms", (days * DAY_MS).to_string()),
            ]
        };
        let compact = || {
            vec![
                ("cleanup.policy", "compact".to_owned()),
                ("min.compaction.lag.ms", "0".to_owned()),
            ]
        };
        vec![
            (self.articles.as_str(), delete_after(3)),
            (self.stories.as_str(), delete_after(7)),
            (self.stories_latest.as_str(), compact()),
            (self.dlq.as_str(), delete_after(14)),
            (self.state_feeds.as_str(), compact()),
            (self.state_stories.as_str(), compact()),
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
    // A topic the broker has just created is not readable until each of its
    // partitions has a leader (reading earlier fails with "not leader").
    let deadline = tokio::time::Instant::now() + config.request_timeout;
    for (name, _) in &policies {
        loop {
            let led = admin.inner().fetch_metadata(Some(name), config.request_timeout).is_ok_and(
                |metadata| {
                    metadata.topics().iter().all(|topic| {
                        topic.error().is_none()
                            && !topic.partitions().is_empty()
                            && topic
                                .partitions()
                                .iter()
                                .all(|p| p.error().is_none() && p.leader() >= 0)
                    })
                },
            );
            if led {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(KafkaError::CreateTopic {
                    topic: (*name).to_owned(),
                    message: "no leader for every partition within the request timeout".into(),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    Ok(())
}
