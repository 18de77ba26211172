#!/usr/bin/env bash
# How long the daemon's admin endpoint waits while large documents are
# read: FEEDS feeds (default 3) serve one document of ITEMS items (default
# 5,000, about 5 MB) at once; `/metrics` is asked every 50 ms until every
# feed's first poll is committed. Prints the time to commit them all and the
# slowest `/metrics` answer. Needs a Kafka broker (LEDE_BENCH_KAFKA, default
# 127.0.0.1:9092; deploy/kafka/start). LEDE_BENCH_BIN runs another build.
#
#   bench/feeds/large.sh [FEEDS] [ITEMS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
feeds="${1:-3}"
items="${2:-5000}"
brokers="${LEDE_BENCH_KAFKA:-127.0.0.1:9092}"
port=18182
admin=19465
source bench/feeds/lede.sh
[[ -n "${LEDE_BENCH_BIN:-}" ]] || cargo build --release --locked -q -p lede
mkdir -p target/bench/large
document="target/bench/large/feed-$items.xml"
[[ -s "$document" ]] || python3 bench/feeds/large_feed.py "$items" > "$document"

python3 -m http.server "$port" --bind 127.0.0.1 --directory target/bench/large > /dev/null 2>&1 &
server=$!
config="$(mktemp --suffix=.toml)"
metrics="$(mktemp)"
trap 'kill $server 2>/dev/null; rm -f "$config" "$metrics"' EXIT
{
  printf '[kafka]\nbrokers = "%s"\ntopic_prefix = "bench-large-%s."\n' "$brokers" "$(date +%s)"
  printf '[admin]\nlisten = "127.0.0.1:%s"\n' "$admin"
  printf '[poll]\nallow_private_addresses = true\ninterval = "1h"\n'
  for ((i = 0; i < feeds; i++)); do
    printf '[[feeds]]\nid = "large%d"\nurl = "http://127.0.0.1:%d/feed-%d.xml?%d"\n' "$i" "$port" "$items" "$i"
  done
} > "$config"
sleep 0.5

lede_start target/bench/large/time target/bench/large/lede.log
start=$(date +%s.%N)
slowest=0
asked=0
for _ in $(seq 1 2400); do
  if took=$(curl -sf -o "$metrics" -w '%{time_total}' --max-time 60 "http://127.0.0.1:$admin/metrics"); then
    asked=$((asked + 1))
    if (( $(echo "$took > $slowest" | bc -l) )); then slowest="$took"; fi
    polled=$(awk '/^lede_feed_polls_total/ {sum += $2} END {print sum + 0}' "$metrics")
    [[ "$polled" -ge "$feeds" ]] && break
  fi
  sleep 0.05
done
end=$(date +%s.%N)
lede_stop target/bench/large/time
printf '{"feeds":%d,"items":%d,"document_bytes":%d,"seconds_to_commit":%.2f,"cpu_seconds":%.2f,"peak_rss_mb":%.1f,"metrics_requests":%d,"slowest_metrics_seconds":%.3f}\n' \
  "$feeds" "$items" "$(stat -c %s "$document")" "$(echo "$end - $start" | bc -l)" \
  "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$asked" "$slowest"
