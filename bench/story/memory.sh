#!/usr/bin/env bash
# Story engine memory over a simulated week: ARTICLES synthetic articles
# (default 1,000,000) spread over 7 days, streamed into `lede dedup` with a
# 72 h window; prints the peak resident memory and the decisions' mix.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
articles="${1:-1000000}"
cargo build --release --locked -q -p lede
python3 bench/story/gen.py --articles "$articles" --days 7 \
  | /usr/bin/time -f '{"tool":"lede dedup","peak_rss_kb":%M,"seconds":%e}' target/release/lede dedup --window 72h \
  | python3 -c 'import collections,json,sys; print(json.dumps(collections.Counter(json.loads(l)["kind"] for l in sys.stdin)))'
