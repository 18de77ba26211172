//! The `lede` command: CLI parsing and dispatch. See `DESIGN.md` for the
//! command-line contract (exit status 0 on success, 2 on bad input with one
//! line naming the input, 1 on other failures).

// A binary has no public API: `pub` here only means "used by other modules".
#![allow(unreachable_pub)]

mod admin;
mod config;
mod cpu;
mod daemon;
mod demo;
mod line_blocks;
mod replay;
mod spill;
mod telemetry;
mod tools;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc: the story stage allocates a story's strings on one thread and
/// frees them on others, where glibc's allocator spent a third of the
/// deciding thread's time (bench/story/RESULTS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use lede_kafka::StartAt;
use tools::TailFormat;

use crate::config::Config;

/// Lede: news feeds in, deduplicated story events on Kafka out.
#[derive(Debug, Parser)]
#[command(name = "lede", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon.
    Run {
        /// Config file (TOML). Without it, defaults apply.
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Poll bundled demo feeds served on 127.0.0.1 instead of configured ones.
        #[arg(long)]
        demo: bool,
    },
    /// Validate the config, then reach the broker and every feed once.
    Check {
        /// Config file (TOML).
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Print one JSON Article per entry of a feed file or URL.
    Parse {
        /// A file path, or an http(s) URL.
        input: String,
    },
    /// List the feeds an HTML page advertises (JSON lines: url, type, title).
    Discover {
        /// An http(s) URL, or a file path.
        input: String,
    },
    /// Decide the story of each Article (JSON lines, arrival order).
    Dedup {
        /// JSON lines file; standard input when omitted.
        input: Option<String>,
        /// Stories not updated for this long no longer merge (default: the
        /// engine's, 96h).
        #[arg(long, value_parser = humantime::parse_duration)]
        window: Option<std::time::Duration>,
    },
    /// Tag people, organisations and places in texts (JSON lines `{"id", "text"}`).
    Tag {
        /// JSON lines file; standard input when omitted.
        input: Option<String>,
    },
    /// Run recorded feed snapshots (DIR/<feed id>/<fetch time>.xml) through
    /// the whole pipeline; print every record the daemon would publish.
    Replay {
        /// One directory per feed, each holding its documents named by fetch time.
        dir: PathBuf,
        /// Config file (TOML), for the topic prefix and the story settings.
        #[arg(short, long)]
        config: Option<PathBuf>,
    },
    /// Print records of a topic as JSON lines.
    Tail {
        /// Topic name (default: the stories topic).
        topic: Option<String>,
        /// Config file (TOML), for the brokers and the topic prefix.
        #[arg(short, long)]
        config: Option<PathBuf>,
        /// Only records written from now on (default: from the oldest retained).
        #[arg(long)]
        new_only: bool,
        /// Exit once every partition's end (as of start) has been printed.
        #[arg(long)]
        exit: bool,
        /// One short line per record (event, key, title) instead of JSON.
        #[arg(long)]
        brief: bool,
    },
}

/// How a command failed, which decides the exit status.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad config, bad input, unreachable broker: exit 2.
    #[error("{0}")]
    BadInput(String),
    /// Anything else: exit 1.
    #[error("{0}")]
    Runtime(String),
}

impl Failure {
    fn from_kafka(error: lede_kafka::KafkaError) -> Self {
        match error {
            lede_kafka::KafkaError::Unreachable { .. }
            | lede_kafka::KafkaError::Config(_)
            | lede_kafka::KafkaError::NoSuchTopic(_) => Failure::BadInput(error.to_string()),
            other => Failure::Runtime(other.to_string()),
        }
    }
}

fn load(path: Option<&std::path::Path>) -> Result<Config, Failure> {
    Config::load(path).map_err(|e| Failure::BadInput(e.to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("lede: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Run { config, demo } => daemon::run(load(config.as_deref())?, demo).await,
            Command::Check { config } => tools::check(load(config.as_deref())?).await,
            Command::Parse { input } => tools::parse(&input).await,
            Command::Discover { input } => tools::discover(&input).await,
            Command::Dedup { input, window } => {
                let window = (window.map(chrono::Duration::from_std).transpose())
                    .map_err(|_| Failure::BadInput("--window is too long".into()))?;
                tools::dedup(input.as_deref(), window)
            }
            Command::Tag { input } => tools::tag(input.as_deref()),
            Command::Replay { dir, config } => {
                replay::run(&load(config.as_deref())?, &dir, &mut std::io::stdout().lock())
            }
            Command::Tail { topic, config, new_only, exit, brief } => {
                let start = if new_only { StartAt::End } else { StartAt::Beginning };
                let format = if brief { TailFormat::Brief } else { TailFormat::Json };
                tools::tail(load(config.as_deref())?, topic, start, exit, format).await
            }
        }
    });
    // Do not wait for blocking threads (a tail's consumer) to notice.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => {
            eprintln!("lede: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(message)) => {
            eprintln!("lede: {message}");
            ExitCode::from(1)
        }
    }
}
