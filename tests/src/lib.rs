//! Harness for Lede's end-to-end tests: run the real `lede` binary against
//! the real Kafka broker that `deploy/kafka/start` runs (address in
//! `LEDE_TEST_KAFKA`, default `127.0.0.1:9092`), with feed servers bound to
//! `127.0.0.1:0`, and read back what reached Kafka with rdkafka and `kcat`.
//!
//! Every wait is bounded: helpers poll with a deadline and panic with a
//! message saying what did not happen.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lede_kafka::{ConsumedRecord, KafkaConfig, StartAt, TopicNames};

mod hub;
pub use hub::{SubscribeRequest, TestHub};

/// The broker the tests use.
pub fn brokers() -> String {
    std::env::var("LEDE_TEST_KAFKA").unwrap_or_else(|_| "127.0.0.1:9092".to_owned())
}

/// The `lede` binary: `LEDE_BIN`, else `target/<profile>/lede` next to this test.
pub fn lede_bin() -> PathBuf {
    if let Ok(path) = std::env::var("LEDE_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("current_exe: {e}"));
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .unwrap_or_else(|| panic!("no target dir above {exe:?}"));
    let bin = profile_dir.join("lede");
    assert!(bin.exists(), "{bin:?} is missing: build it first (cargo build -p lede)");
    // `cargo test` does not rebuild another package's binary: refuse to test
    // a stale one rather than report on old code. Checked once per test binary.
    static FRESH: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let fresh = *FRESH.get_or_init(|| {
        let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
        let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates");
        built.zip(newest_source(&crates)).is_none_or(|(built, newest)| built >= newest)
    });
    assert!(fresh, "{bin:?} is older than the sources: run cargo build first");
    bin
}

/// The latest modification time of the `.rs` files under `dir`.
fn newest_source(dir: &Path) -> Option<SystemTime> {
    let mut newest = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let modified = if path.is_dir() {
            newest_source(&path)
        } else if path.extension().is_some_and(|e| e == "rs") {
            entry.metadata().and_then(|m| m.modified()).ok()
        } else {
            None
        };
        newest = newest.max(modified);
    }
    newest
}

/// A fresh, empty directory under the system temp dir.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lede-test-{name}-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {dir:?}: {e}"));
    dir
}

/// A string unique to this process and moment, usable in topic names.
pub fn unique() -> String {
    let nanos =
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{}-{nanos}", std::process::id())
}

/// A topic prefix no other test run uses.
pub fn unique_prefix(test: &str) -> String {
    format!("test-{test}-{}.", unique())
}

/// Counts requests per path and serves what a closure returns for
/// (path, request number starting at 1).
#[derive(Debug, Clone)]
pub struct FeedServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    counts: Arc<Mutex<HashMap<String, usize>>>,
    total: Arc<AtomicUsize>,
}

type Responder = Arc<dyn Fn(&str, usize) -> Option<(&'static str, String)> + Send + Sync>;

impl FeedServer {
    /// Start on `127.0.0.1:0`. `respond(path, n)` gives (content type, body),
    /// or `None` for 404.
    pub async fn start(
        respond: impl Fn(&str, usize) -> Option<(&'static str, String)> + Send + Sync + 'static,
    ) -> Self {
        let respond: Responder = Arc::new(respond);
        let counts: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let total = Arc::new(AtomicUsize::new(0));
        let (handler_counts, handler_total) = (counts.clone(), total.clone());
        let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
            let (respond, counts, total) =
                (respond.clone(), handler_counts.clone(), handler_total.clone());
            async move {
                let path = uri.path().to_owned();
                let n = {
                    let mut counts = counts.lock().unwrap_or_else(|e| e.into_inner());
                    let n = counts.entry(path.clone()).or_insert(0);
                    *n += 1;
                    *n
                };
                total.fetch_add(1, Ordering::SeqCst);
                match respond(&path, n) {
                    Some((content_type, body)) => axum::response::Response::builder()
                        .header("content-type", content_type)
                        .body(axum::body::Body::from(body)),
                    None => axum::response::Response::builder()
                        .status(404)
                        .body(axum::body::Body::empty()),
                }
                .unwrap_or_default()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let address = listener.local_addr().unwrap_or_else(|e| panic!("local_addr: {e}"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { base: format!("http://{address}"), counts, total }
    }

    /// Requests served for `path` so far.
    pub fn requests(&self, path: &str) -> usize {
        self.counts.lock().unwrap_or_else(|e| e.into_inner()).get(path).copied().unwrap_or(0)
    }

    /// Requests served in all.
    pub fn total_requests(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}

/// Wait until `condition` holds, checking every 50 ms, at most `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out after {limit:?} waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A running `lede run`.
#[derive(Debug)]
pub struct Daemon {
    child: Child,
}

impl Daemon {
    /// Write `config` to a file and start `lede run -c FILE`.
    pub fn start(name: &str, config: &str) -> Self {
        let dir = temp_dir(name);
        let path = dir.join("lede.toml");
        std::fs::write(&path, config).unwrap_or_else(|e| panic!("write {path:?}: {e}"));
        let child = Command::new(lede_bin())
            .args(["run", "-c"])
            .arg(&path)
            .env("LEDE_LOG", "info")
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn lede: {e}"));
        Self { child }
    }

    /// Send SIGTERM and wait for the exit, at most `limit`.
    pub async fn terminate(self, limit: Duration) -> ExitStatus {
        self.signal("TERM", limit).await
    }

    /// Send SIGINT (Ctrl-C) and wait for the exit, at most `limit`.
    pub async fn interrupt(self, limit: Duration) -> ExitStatus {
        self.signal("INT", limit).await
    }

    async fn signal(self, signal: &str, limit: Duration) -> ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(sent.success(), "kill -{signal} {pid} failed");
        self.exited(limit).await
    }

    /// Wait for the daemon to exit, at most `limit`.
    pub async fn exited(mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap_or_else(|e| panic!("wait: {e}")) {
                return status;
            }
            assert!(Instant::now() < deadline, "lede did not exit within {limit:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failed test must not leave a daemon behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The daemon config for a test: the test broker, `prefix`, fast polls,
/// admin server off, and `feeds` as (id, url).
pub fn daemon_config(prefix: &str, interval: &str, feeds: &[(&str, String)]) -> String {
    let mut config = format!(
        "shutdown_timeout = \"20s\"\n[kafka]\nbrokers = \"{}\"\ntopic_prefix = \"{prefix}\"\n[admin]\ndisabled = true\n\
         [poll]\nallow_private_addresses = true\nhost_spacing = \"0s\"\nmax_requests_per_host = 64\nmax_interval = \"2s\"\n",
        brokers()
    );
    for (id, url) in feeds {
        config.push_str(&format!(
            "[[feeds]]\nid = \"{id}\"\nurl = \"{url}\"\ninterval = \"{interval}\"\n"
        ));
    }
    config
}

/// Topic names under `prefix`.
pub fn topics(prefix: &str) -> TopicNames {
    TopicNames::new(prefix)
}

/// Every record of `topic`, read with an rdkafka consumer (through
/// `lede-kafka`), until the end of every partition.
pub async fn read_all(topic: &str) -> Vec<ConsumedRecord> {
    let config = KafkaConfig {
        brokers: brokers(),
        topic_prefix: String::new(),
        client_id: "lede-tests".into(),
        request_timeout: Duration::from_secs(10),
    };
    let topic = topic.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut records = Vec::new();
        lede_kafka::read_topic(&config, &topic, StartAt::Beginning, true, |record| {
            records.push(record);
            true
        })
        .unwrap_or_else(|e| panic!("read {topic}: {e}"));
        records
    })
    .await
    .unwrap_or_else(|e| panic!("join: {e}"))
}

/// A record as `kcat -J` prints it: (key, headers, payload).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct KcatRecord {
    /// Key.
    pub key: Option<String>,
    /// Headers as (name, value) pairs.
    pub headers: Vec<(String, String)>,
    /// Payload text.
    pub payload: Option<String>,
}

/// Every record of `topic`, read with the outside client `kcat`.
pub fn kcat_read_all(topic: &str) -> Vec<KcatRecord> {
    let output = Command::new("kcat")
        .args([
            "-C",
            "-b",
            &brokers(),
            "-t",
            topic,
            "-o",
            "beginning",
            "-e",
            "-q",
            "-J",
            "-m",
            "10",
        ])
        .output()
        .unwrap_or_else(|e| panic!("run kcat (is it installed?): {e}"));
    assert!(output.status.success(), "kcat failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("kcat line {line}: {e}"));
            let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
            let headers = value["headers"]
                .as_array()
                .map(|flat| {
                    flat.chunks(2)
                        .map(|pair| {
                            (text(&pair[0]).unwrap_or_default(), text(&pair[1]).unwrap_or_default())
                        })
                        .collect()
                })
                .unwrap_or_default();
            KcatRecord { key: text(&value["key"]), headers, payload: text(&value["payload"]) }
        })
        .collect()
}

/// `lede ARGS...` started with `stdin`, its stdout and stderr piped.
pub fn spawn_lede(args: &[&str], stdin: Stdio) -> Child {
    Command::new(lede_bin())
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn lede: {e}"))
}

/// Wait for `child` (`lede ARGS...`) to exit, killing it and failing the
/// test after `limit`.
pub fn wait_for_exit(child: &mut Child, args: &[&str], limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("wait: {e}")) {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("lede {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Run `lede ARGS...` to completion with a time limit; (status, stdout, stderr).
pub fn run_lede(args: &[&str], limit: Duration) -> (ExitStatus, String, String) {
    let mut child = spawn_lede(args, Stdio::null());
    // Read while it runs: a pipe holds only so much output.
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            pipe.map(|mut pipe| pipe.read_to_end(&mut bytes));
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read(child.stdout.take().map(|pipe| Box::new(pipe) as _));
    let stderr = read(child.stderr.take().map(|pipe| Box::new(pipe) as _));
    let status = wait_for_exit(&mut child, args, limit);
    let text = |reader: std::thread::JoinHandle<String>| reader.join().unwrap_or_default();
    (status, text(stdout), text(stderr))
}
