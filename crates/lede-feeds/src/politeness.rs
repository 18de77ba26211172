//! Politeness towards feed servers: at most a few requests in flight per
//! host, and a minimum spacing between the starts of two requests to one
//! host, however many feeds it serves.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Per-host limits, shared by every feed.
#[derive(Debug)]
pub struct HostLimiter {
    max_in_flight: usize,
    spacing: Duration,
    hosts: Mutex<HashMap<String, Arc<HostSlot>>>,
}

#[derive(Debug)]
struct HostSlot {
    in_flight: Arc<Semaphore>,
    /// When the next request to this host may start.
    next_start: Mutex<Instant>,
}

/// Held while a request to a host is in flight.
#[derive(Debug)]
pub struct HostPermit {
    _permit: OwnedSemaphorePermit,
}

impl HostLimiter {
    /// At most `max_in_flight` requests per host (at least 1), starting at
    /// least `spacing` apart.
    pub fn new(max_in_flight: usize, spacing: Duration) -> Self {
        Self { max_in_flight: max_in_flight.max(1), spacing, hosts: Mutex::new(HashMap::new()) }
    }

    /// Wait until a request to `host` may start.
    pub async fn acquire(&self, host: &str) -> HostPermit {
        let slot = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
            hosts
                .entry(host.to_ascii_lowercase())
                .or_insert_with(|| {
                    Arc::new(HostSlot {
                        in_flight: Arc::new(Semaphore::new(self.max_in_flight)),
                        next_start: Mutex::new(Instant::now()),
                    })
                })
                .clone()
        };
        let permit =
            slot.in_flight.clone().acquire_owned().await.expect("host semaphores are never closed");
        let start = {
            let mut next = slot.next_start.lock().unwrap_or_else(|e| e.into_inner());
            let start = (*next).max(Instant::now());
            *next = start + self.spacing;
            start
        };
        tokio::time::sleep_until(start).await;
        HostPermit { _permit: permit }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced() {
        let limiter = HostLimiter::new(4, Duration::from_secs(2));
        let started = Instant::now();
        for _ in 0..3 {
            let _permit = limiter.acquire("news.example").await;
        }
        assert_eq!(started.elapsed(), Duration::from_secs(4), "starts at 0 s, 2 s and 4 s");
    }

    #[tokio::test(start_paused = true)]
    async fn hosts_do_not_wait_for_each_other() {
        let limiter = HostLimiter::new(1, Duration::from_secs(2));
        let started = Instant::now();
        let _a = limiter.acquire("a.example").await;
        let _b = limiter.acquire("B.example").await;
        let _c = limiter.acquire("c.example").await;
        assert_eq!(started.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_requests_per_host_are_capped() {
        let limiter = Arc::new(HostLimiter::new(1, Duration::ZERO));
        let first = limiter.acquire("news.example").await;
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                let _second = limiter.acquire("news.example").await;
                Instant::now()
            })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        let released = Instant::now();
        drop(first);
        let second_started = waiter.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(second_started >= released, "the second request waited for the first");
    }
}
