#!/usr/bin/env bash
# Story engine throughput: `lede dedup` against the datasketch peer on the
# same synthetic corpus, in the same run. The two take turns, 3 rounds of
# one run each, so that both see the machine in the same state (its speed
# drifts by up to 30% within an hour); each side's best run counts. Prints
# every run, both rates and the ratio.
#
#   bench/story/run.sh [ARTICLES]      (default 50000; needs: pip install datasketch)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
articles="${1:-50000}"
corpus="target/bench/story-$articles.jsonl"
mkdir -p target/bench
[[ -s "$corpus" ]] || python3 bench/story/gen.py --articles "$articles" > "$corpus"
cargo build --release --locked -q -p lede

best=""
peer_rate=0
for _ in 1 2 3; do
  start=$(date +%s.%N)
  target/release/lede dedup "$corpus" > target/bench/story-decisions.jsonl
  end=$(date +%s.%N)
  seconds=$(echo "$end - $start" | bc -l)
  printf '{"tool":"lede dedup","articles":%d,"seconds":%.3f,"articles_per_second":%.1f}\n' \
    "$articles" "$seconds" "$(echo "$articles / $seconds" | bc -l)"
  if [[ -z "$best" ]] || (( $(echo "$seconds < $best" | bc -l) )); then best="$seconds"; fi
  peer=$(python3 bench/story/peer_datasketch.py "$corpus")
  echo "$peer"
  rate=$(echo "$peer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["articles_per_second"])')
  if (( $(echo "$rate > $peer_rate" | bc -l) )); then peer_rate="$rate"; fi
done
python3 -c 'import collections,json,sys; print(json.dumps(collections.Counter(json.loads(l)["kind"] for l in open(sys.argv[1]))))' target/bench/story-decisions.jsonl
lede_rate=$(echo "$articles / $best" | bc -l)
printf 'best: lede dedup %.1f articles/s, datasketch %.1f articles/s\n' "$lede_rate" "$peer_rate"
printf 'ratio (lede best / datasketch best): %.1fx\n' "$(echo "$lede_rate / $peer_rate" | bc -l)"
