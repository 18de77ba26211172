#!/usr/bin/env bash
# Story engine memory over simulated time: ARTICLES synthetic articles
# (default 1,000,000) spread over DAYS days (default 7), streamed into
# `lede dedup` with its default window (96 h); prints the peak resident memory and the
# decisions' mix. At a fixed rate, the peak stops growing once the window
# is full: compare `memory.sh 1000000 7` with `memory.sh 2000000 14`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
articles="${1:-1000000}"
days="${2:-7}"
cargo build --release --locked -q -p lede
python3 bench/story/gen.py --articles "$articles" --days "$days" \
  | /usr/bin/time -f '{"tool":"lede dedup","peak_rss_kb":%M,"seconds":%e}' target/release/lede dedup \
  | python3 -c 'import collections,json,sys; print(json.dumps(collections.Counter(json.loads(l)["kind"] for l in sys.stdin)))'
