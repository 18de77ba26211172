//! The Kafka implementation of the core [`EventSink`]. A batch with state
//! changes is one Kafka transaction: its events and the state they imply
//! become visible to `read_committed` readers (Lede's restore, `lede tail`,
//! kcat and librdkafka consumers by default) together or not at all, so a
//! crash can neither lose an event nor publish it twice. The transactional
//! id comes from the topic prefix: a second daemon on the same topics
//! fences the first. Batches without state (dead letters) go through a
//! plain idempotent producer. Both use `acks=all`.

use std::time::Duration;

use lede_core::{CONTENT_TYPE, CommitBatch, EventSink, SinkError};
use rdkafka::error::KafkaError as ClientError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{DeliveryFuture, FutureProducer, FutureRecord, Producer};
use rdkafka::types::RDKafkaErrorCode;

use crate::topics::TopicNames;
use crate::{KafkaConfig, KafkaError};

/// Longest a transaction may stay open on the broker, and longest Lede
/// waits for one to commit or abort.
const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// Writes batches to Kafka.
pub struct KafkaSink {
    /// Batches with state, one transaction each.
    transactional: FutureProducer,
    /// Batches without state.
    plain: FutureProducer,
    /// A producer runs one transaction at a time.
    transaction: tokio::sync::Mutex<()>,
    names: TopicNames,
}

impl std::fmt::Debug for KafkaSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaSink").field("names", &self.names).finish_non_exhaustive()
    }
}

impl KafkaSink {
    /// Create the producers and register the transactional id with the
    /// cluster (blocking, at most the request timeout; topics come from
    /// [`ensure_topics`](crate::ensure_topics)).
    pub fn new(config: &KafkaConfig, names: TopicNames) -> Result<Self, KafkaError> {
        let mut client = config.client_config();
        client
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "5")
            .set("compression.type", "lz4")
            .set("message.timeout.ms", "30000")
            // Back-pressure instead of buffering up to librdkafka's default 1 GB.
            .set("queue.buffering.max.kbytes", "65536");
        let create = |client: &rdkafka::ClientConfig| -> Result<FutureProducer, KafkaError> {
            client.create().map_err(|e| KafkaError::Config(e.to_string()))
        };
        // Dead letters are few and small: a small queue for their producer.
        let plain = create(client.clone().set("queue.buffering.max.kbytes", "4096"))?;
        client
            .set("transactional.id", format!("{}sink", config.topic_prefix))
            .set("transaction.timeout.ms", TRANSACTION_TIMEOUT.as_millis().to_string());
        let transactional = create(&client)?;
        transactional.init_transactions(config.request_timeout).map_err(|e| {
            KafkaError::Unreachable {
                brokers: config.brokers.clone(),
                message: format!("starting transactions: {e}"),
            }
        })?;
        Ok(Self { transactional, plain, transaction: tokio::sync::Mutex::new(()), names })
    }

    /// Wait until every queued record is delivered, at most `timeout` per
    /// producer (a transaction's records are delivered when it commits).
    pub fn flush(&self, timeout: Duration) -> Result<(), KafkaError> {
        [&self.plain, &self.transactional]
            .into_iter()
            .try_for_each(|producer| producer.flush(timeout))
            .map_err(|e| KafkaError::Unreachable {
                brokers: String::new(),
                message: format!("flush: {e}"),
            })
    }

    /// Queue every event and state change of `batch` on `producer`.
    async fn enqueue_batch<'a>(
        &'a self,
        producer: &FutureProducer,
        batch: &'a CommitBatch,
    ) -> Result<Vec<(&'a str, DeliveryFuture)>, SinkError> {
        let mut pending = Vec::with_capacity(batch.events.len() + batch.state.len());
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
            pending.push((topic, enqueue(producer, record).await?));
        }
        for change in &batch.state {
            let topic = self.names.state(change.table);
            let mut record = FutureRecord::to(topic).key(change.key.as_str());
            if let Some(value) = &change.value {
                record = record.payload(value.as_slice());
            }
            pending.push((topic, enqueue(producer, record).await?));
        }
        Ok(pending)
    }

    /// `batch` as one transaction: begun, filled, committed (which waits for
    /// every record), or aborted on any failure.
    async fn commit_transaction(&self, batch: &CommitBatch) -> Result<(), SinkError> {
        let _one_at_a_time = self.transaction.lock().await;
        let producer = &self.transactional;
        let failed = |step: &str, e: ClientError| {
            let message = format!("{step}: {e}");
            match &e {
                // Fenced by a newer writer with the same transactional id.
                ClientError::Transaction(error) if error.is_fatal() => SinkError::Fatal { message },
                _ => SinkError::Delivery { topic: "(transaction)".to_owned(), message },
            }
        };
        producer.begin_transaction().map_err(|e| failed("begin", e))?;
        let written = async {
            let pending = self.enqueue_batch(producer, batch).await?;
            let committing = producer.clone();
            let committed = tokio::task::spawn_blocking(move || {
                committing.commit_transaction(TRANSACTION_TIMEOUT)
            })
            .await
            .unwrap_or(Err(ClientError::Canceled));
            committed.map_err(|e| failed("commit", e))?;
            await_deliveries(pending).await
        }
        .await;
        if written.is_err() {
            let aborting = producer.clone();
            // The batch's error is the one to report; a failed abort leaves the
            // transaction to time out on the broker, invisible all the same.
            let _ = tokio::task::spawn_blocking(move || {
                aborting.abort_transaction(TRANSACTION_TIMEOUT)
            })
            .await;
        }
        written
    }
}

/// Queue `record`, waiting while the producer's queue is full.
async fn enqueue<'a>(
    producer: &FutureProducer,
    mut record: FutureRecord<'a, str, [u8]>,
) -> Result<DeliveryFuture, SinkError> {
    loop {
        match producer.send_result(record) {
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
        if batch.state.is_empty() {
            let pending = self.enqueue_batch(&self.plain, &batch).await?;
            return await_deliveries(pending).await;
        }
        self.commit_transaction(&batch).await
    }
}
