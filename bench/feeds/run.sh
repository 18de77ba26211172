#!/usr/bin/env bash
# One poll cycle over FEEDS feeds (default 10,000) served by a local server,
# then a second cycle after a restart (state restored: even feeds answer 304,
# odd feeds ignore conditional GET and resend the same bytes), then a third
# after another restart in which every odd feed has 2 new items (even feeds
# still answer 304: the mixed cycle of a live deployment). For each
# cycle: wall time until every feed was polled and committed, CPU time of
# the lede process per feed, and its peak RSS. Needs a Kafka broker
# (LEDE_BENCH_KAFKA, default 127.0.0.1:9092; deploy/kafka/start). Each run
# leaves its topics (about 1 GB, under a fresh prefix) on the broker, which
# shares the cores: start series of runs on empty storage (deploy/kafka/stop;
# rm -rf deploy/kafka/.data; deploy/kafka/start).
#
#   bench/feeds/run.sh [FEEDS]
#
# LEDE_BENCH_BIN runs another build of lede (default target/release/lede),
# to compare two commits on the same broker and feed server (bench/feeds/lede.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
feeds="${1:-10000}"
brokers="${LEDE_BENCH_KAFKA:-127.0.0.1:9092}"
port=18080
admin=19464
source bench/feeds/lede.sh
cargo build --release --locked -q -p lede -p lede-tests --bin lede --bin feed_bench_server

target/release/feed_bench_server "$port" &
server=$!
trap 'kill $server 2>/dev/null' EXIT
sleep 0.5

config="$(mktemp --suffix=.toml)"
{
  printf '[kafka]\nbrokers = "%s"\ntopic_prefix = "bench-feeds-%s."\n' "$brokers" "$(date +%s)"
  printf '[admin]\nlisten = "127.0.0.1:%s"\n' "$admin"
  printf '[poll]\nallow_private_addresses = true\nhost_spacing = "0s"\nmax_requests_per_host = 64\n'
  printf 'interval = "1h"\nmax_interval = "1h"\n'
  for ((i = 0; i < feeds; i++)); do
    printf '[[feeds]]\nid = "f%d"\nurl = "http://127.0.0.1:%d/feed/%d"\n' "$i" "$port" "$i"
  done
} > "$config"

requests() { curl -s "http://127.0.0.1:$port/requests"; }
polls() { curl -sf "http://127.0.0.1:$admin/metrics" | awk '/^lede_feed_polls_total/ {sum += $2} END {print sum + 0}'; }

cycle() {
  local name="$1" before="$2"
  local start end
  start=$(date +%s.%N)
  lede_start "target/bench/feeds-$name.time" "target/bench/feeds-$name.log"
  # Every feed polled once (polls are counted after their commit).
  for _ in $(seq 1 1200); do
    done_polls="$(polls 2>/dev/null)" || done_polls=0
    [[ "${done_polls:-0}" -ge "$feeds" ]] && break
    sleep 0.25
  done
  end=$(date +%s.%N)
  lede_stop "target/bench/feeds-$name.time"
  printf '{"cycle":"%s","feeds":%d,"requests":%d,"wall_seconds":%.2f,"cpu_seconds":%.2f,"cpu_ms_per_feed":%.3f,"peak_rss_mb":%.1f}\n' \
    "$name" "$feeds" "$(( $(requests) - before ))" "$(echo "$end - $start" | bc -l)" \
    "$(echo "$user + $sys" | bc -l)" "$(echo "($user + $sys) * 1000 / $feeds" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

mkdir -p target/bench
cycle first 0
cycle second "$(requests)"
curl -s "http://127.0.0.1:$port/advance" > /dev/null
cycle third "$(requests)"
rm -f "$config"
