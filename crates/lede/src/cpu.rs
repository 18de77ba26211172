//! CPU-bound work of the feed tasks (parsing a document, tagging its
//! articles and computing their story features): a large document's is
//! run apart from the async runtime's workers, at most one job per core at
//! a time, so that it holds up neither the admin endpoint nor the timers,
//! fetches and commits of other feeds. A small document's (most feeds:
//! tens of KB, tens of milliseconds) runs in place: handing a worker's
//! tasks to another thread costs more than it saves there (measured in
//! `bench/feeds/RESULTS.md`).

use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::sync::Semaphore;

/// Documents from this size (about 100 ms of parsing and tagging) are read
/// off the runtime's workers.
pub(crate) const OFF_RUNTIME_BYTES: usize = 128 * 1024;

/// Turns for CPU-bound jobs: one per core.
#[derive(Debug)]
pub(crate) struct CpuTurns(Semaphore);

impl CpuTurns {
    /// As many turns as the machine has cores.
    pub(crate) fn per_core() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, usize::from))
    }

    pub(crate) fn new(turns: usize) -> Self {
        Self(Semaphore::new(turns))
    }

    /// Run `work`, the reading of a document of `bytes`: in place if it
    /// is smaller than [`OFF_RUNTIME_BYTES`], else once a turn is free.
    /// Then, on a multi-threaded runtime, the calling worker hands its
    /// other tasks to another thread while `work` runs
    /// ([`tokio::task::block_in_place`]); a current-thread runtime (tests)
    /// runs it in place.
    pub(crate) async fn run<T>(&self, bytes: usize, work: impl FnOnce() -> T) -> T {
        if bytes < OFF_RUNTIME_BYTES {
            return work();
        }
        // The semaphore is never closed; were it, jobs run unlimited.
        let _turn = self.0.acquire().await.ok();
        if Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread {
            tokio::task::block_in_place(work)
        } else {
            work()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;

    /// A job that waits for another task of the runtime does not wait
    /// forever: with one worker, busy with the job, the other task runs
    /// only because the job handed the worker's role to another thread.
    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_job_leaves_the_runtime_free_for_other_tasks() {
        let (answer, answered) = mpsc::channel();
        let (started, job_started) = tokio::sync::oneshot::channel();
        let job = tokio::spawn(async move {
            let turns = CpuTurns::new(1);
            turns
                .run(OFF_RUNTIME_BYTES, move || {
                    let _ = started.send(());
                    answered.recv_timeout(Duration::from_secs(10))
                })
                .await
        });
        job_started.await.unwrap_or_else(|e| panic!("{e}"));
        let other = tokio::spawn(async move { answer.send(()).is_ok() });
        let waited = job.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(waited, Ok(()), "the other task ran while the job blocked");
        assert!(other.await.unwrap_or(false));
    }

    /// A small document's job never waits for a turn (here there is none).
    #[tokio::test]
    async fn a_small_job_runs_in_place() {
        assert_eq!(CpuTurns::new(0).run(OFF_RUNTIME_BYTES - 1, || 7).await, 7);
    }

    /// Jobs beyond the turns wait: with one turn, a second job starts only
    /// after the first ended.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn jobs_take_turns() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (turns, running, most) = (
            Arc::new(CpuTurns::new(1)),
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        let jobs = (0..4).map(|_| {
            let (turns, running, most) = (turns.clone(), running.clone(), most.clone());
            tokio::spawn(async move {
                turns
                    .run(OFF_RUNTIME_BYTES, || {
                        most.fetch_max(
                            running.fetch_add(1, Ordering::SeqCst) + 1,
                            Ordering::SeqCst,
                        );
                        std::thread::sleep(Duration::from_millis(20));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await;
            })
        });
        for job in jobs.collect::<Vec<_>>() {
            job.await.unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }
}
