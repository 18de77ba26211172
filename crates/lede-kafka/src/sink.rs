//! The Kafka implementation of the core [`EventSink`]: an idempotent
//! producer (`enable.idempotence`, `acks=all`) that writes a batch's events,
//! awaits every delivery, then writes the batch's state changes.

use std::time::Duration;

use lede_core::{CommitBatch, EventSink, SinkError};
use rdkafka::error::KafkaError as ClientError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;

use crate::topics::TopicNames;
use crate::{KafkaConfig, KafkaError};

/// Value of the `content-type` header of every event.
const CONTENT_TYPE: &str = "application/json";

/// Writes batches to Kafka.
pub struct KafkaSink {
    producer: FutureProducer,
    names: TopicNames,
}

impl std::fmt::Debug for KafkaSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSink").field("names", &self.names).finish_non_exhaustive()
    }
}

impl KafkaSink {
    /// Create the producer. Does not contact the cluster; see
    /// [`ensure_topics`](crate::ensure_topics) for that.
    pub fn new(config: &KafkaConfig, names: TopicNames) -> Result<Self, KafkaError> {
        let producer = config
            .client_config()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            .set("message.timeout.ms", "30000")
            // Back-pressure instead of buffering up to librdkafka's default 1 GB.
            .set("queue.buffering.max.kbytes", "65536")
            .create()
            .map_err(|e| KafkaError::Config(e.to_string()))?;
        Ok(Self { producer, names })
    }

    /// Wait until every queued record is delivered, at most `timeout`.
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        self.producer.flush(timeout).map_err(|e| KafkaError::Unreachable {
            brokers: String::new(),
            message: format!("flush: {e}"),
        })
    }

    async fn enqueue(
        &self,
        mut record: FutureRecord<'_, str, [u8]>,
    ) -> Result<DeliveryFuture, SinkError> {
        loop {
            match self.producer.send_result(record) {
                Ok(delivery) => return Ok(delivery),
                Err((ClientError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                    record = returned;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err((error, returned)) => {
                    return Err(SinkError::Delivery {
                        topic: returned.topic.to_owned(),
                        message: error.to_string(),
                    });
                }
            }
        }
    }
}

async fn await_deliveries(pending: Vec<(&str, DeliveryFuture)>) -> Result<(), SinkError> {
    let mut first_error = None;
    // Await all, even after an error, so nothing is left in flight unobserved.
    for (topic, delivery) in pending {
        let outcome = match delivery.await {
            Ok(Ok(_)) => continue,
            Ok(Err((error, _))) => error.to_string(),
            Err(_) => "the producer was dropped".to_owned(),
        };
        first_error
            .get_or_insert(SinkError::Delivery { topic: topic.to_owned(), message: outcome });
    }
    first_error.map_or(Ok(()), Err)
}

impl EventSink for KafkaSink {
    async fn commit(&self, batch: CommitBatch) -> Result<(), SinkError> {
        let mut pending = Vec::with_capacity(batch.events.len());
        for event in &batch.events {
            let topic = self.names.event(event.topic);
            let headers = OwnedHeaders::new_with_capacity(3)
                .insert(Header { key: "content-type", value: Some(CONTENT_TYPE) })
                .insert(Header { key: "lede-schema", value: Some(event.schema) })
                .insert(Header { key: "lede-event", value: Some(event.kind.as_str()) });
            let record = FutureRecord::to(topic)
                .key(event.key.as_str())
                .payload(event.payload.as_slice())
                .headers(headers);
            pending.push((topic, self.enqueue(record).await?));
        }
        await_deliveries(pending).await?;

        let mut pending = Vec::with_capacity(batch.state.len());
        for change in &batch.state {
            let topic = self.names.state(change.table);
            let mut record = FutureRecord::to(topic).key(change.key.as_str());
            if let Some(value) = &change.value {
                record = record.payload(value.as_slice());
            }
            pending.push((topic, self.enqueue(record).await?));
        }
        await_deliveries(pending).await
    }
}
