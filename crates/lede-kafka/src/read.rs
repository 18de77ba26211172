//! Reading topics back: every partition of one topic, by manual assignment
//! (no consumer group, nothing committed). Used to restore state tables from
//! their changelogs at start, and by `lede tail`.

use std::collections::HashMap;
use std::time::Duration;

use lede_core::StateTable;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::topics::TopicNames;
use crate::{KafkaConfig, KafkaError};

/// Where reading starts in each partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// The oldest retained record.
    Beginning,
    /// Only records written from now on.
    End,
}

/// One record as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedRecord {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset in the partition.
    pub offset: i64,
    /// Create time, ms since the epoch.
    pub timestamp_ms: Option<i64>,
    /// Key (UTF-8, lossy).
    pub key: Option<String>,
    /// Headers in order (values UTF-8, lossy).
    pub headers: Vec<(String, String)>,
    /// Value; `None` for a tombstone.
    pub value: Option<Vec<u8>>,
}

/// Read `topic` from `start`, handing each record to `on_record` until it
/// returns `false`, or, with `stop_at_end`, until every partition reached
/// the end it had when reading began. Blocking: run it on a blocking thread.
pub fn read_topic(
    config: &KafkaConfig,
    topic: &str,
    start: StartAt,
    stop_at_end: bool,
    mut on_record: impl FnMut(ConsumedRecord) -> bool,
) -> Result<(), KafkaError> {
    let read_error = |e: rdkafka::error::KafkaError| KafkaError::Read {
        topic: topic.to_owned(),
        message: e.to_string(),
    };
    let consumer: BaseConsumer = config
        .client_config()
        // The client needs a group id even for manual assignment; nothing is committed.
        .set("group.id", "lede-reader")
        .set("enable.auto.commit", "false")
        // Transaction markers take offsets no reader sees: the end of a
        // partition is the client's end-of-partition event, not the last
        // offset below the high watermark.
        .set("enable.partition.eof", "true")
        // Only committed transactions: what Lede published, never a batch
        // that failed half way.
        .set("isolation.level", "read_committed")
        // Read ahead 16 MB, not librdkafka's 64 MB: a restart reads every
        // story's snapshot while building the index, and the prefetched
        // records would only add to that peak.
        .set("queued.max.messages.kbytes", "16384")
        .set("fetch.max.bytes", "8388608")
        // Fetch again soon once the queue has room (the default waits 1 s).
        .set("fetch.queue.backoff.ms", "10")
        .create()
        .map_err(|e| KafkaError::Config(e.to_string()))?;
    let metadata = consumer.fetch_metadata(Some(topic), config.request_timeout).map_err(|e| {
        KafkaError::Unreachable { brokers: config.brokers.clone(), message: e.to_string() }
    })?;
    let partitions: Vec<i32> = metadata
        .topics()
        .iter()
        .filter(|t| t.name() == topic && t.error().is_none())
        .flat_map(|t| t.partitions().iter().map(|p| p.id()))
        .collect();
    if partitions.is_empty() {
        return Err(KafkaError::NoSuchTopic(topic.to_owned()));
    }
    let mut assignment = TopicPartitionList::new();
    let mut remaining: HashMap<i32, i64> = HashMap::new();
    // A partition whose leader is still being elected (a topic created a
    // moment ago, a broker restarting) answers "not leader": ask again
    // until the request timeout.
    let deadline = std::time::Instant::now() + config.request_timeout;
    let watermarks = |partition: i32| loop {
        match consumer.fetch_watermarks(topic, partition, config.request_timeout) {
            Err(rdkafka::error::KafkaError::MetadataFetch(
                RDKafkaErrorCode::NotLeaderForPartition | RDKafkaErrorCode::LeaderNotAvailable,
            )) if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(100));
            }
            other => return other.map_err(read_error),
        }
    };
    for &partition in &partitions {
        let (low, high) = watermarks(partition)?;
        let offset = match start {
            StartAt::Beginning => Offset::Beginning,
            StartAt::End => Offset::End,
        };
        assignment.add_partition_offset(topic, partition, offset).map_err(read_error)?;
        if start == StartAt::Beginning && high > low {
            remaining.insert(partition, high);
        }
    }
    consumer.assign(&assignment).map_err(read_error)?;
    loop {
        if stop_at_end && remaining.is_empty() {
            return Ok(());
        }
        let Some(message) = consumer.poll(Duration::from_millis(200)) else {
            continue;
        };
        let message = match message {
            Ok(message) => message,
            Err(rdkafka::error::KafkaError::PartitionEOF(partition)) => {
                remaining.remove(&partition);
                continue;
            }
            Err(e) => return Err(read_error(e)),
        };
        let partition = message.partition();
        let offset = message.offset();
        if remaining.get(&partition).is_some_and(|&end| offset + 1 >= end) {
            remaining.remove(&partition);
        }
        let headers = message
            .headers()
            .map(|headers| {
                headers
                    .iter()
                    .map(|h| {
                        (
                            h.key.to_owned(),
                            h.value
                                .map(|v| String::from_utf8_lossy(v).into_owned())
                                .unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let record = ConsumedRecord {
            topic: message.topic().to_owned(),
            partition,
            offset,
            timestamp_ms: message.timestamp().to_millis(),
            key: message.key().map(|k| String::from_utf8_lossy(k).into_owned()),
            headers,
            value: message.payload().map(<[u8]>::to_vec),
        };
        if !on_record(record) {
            return Ok(());
        }
    }
}

/// The current value of every key of a state table, read from its changelog
/// (last write wins, tombstones delete) and decoded as it is read, so the raw
/// changelog is never held in memory. Blocking.
pub fn restore_table<T>(
    config: &KafkaConfig,
    names: &TopicNames,
    table: StateTable,
    mut decode: impl FnMut(&str, &[u8]) -> Result<T, String>,
) -> Result<HashMap<String, T>, KafkaError> {
    let topic = names.state(table);
    let mut values = HashMap::new();
    let mut corrupt = None;
    read_topic(config, topic, StartAt::Beginning, true, |record| {
        let Some(key) = record.key else { return true };
        match record.value.as_deref().map(|value| decode(&key, value)) {
            Some(Ok(value)) => {
                values.insert(key, value);
            }
            None => {
                values.remove(&key);
            }
            Some(Err(message)) => {
                corrupt = Some(KafkaError::Corrupt { topic: topic.to_owned(), key, message });
                return false;
            }
        }
        true
    })?;
    corrupt.map_or(Ok(values), Err)
}
