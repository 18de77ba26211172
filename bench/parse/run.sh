#!/usr/bin/env bash
# Parse throughput: Lede's feed parser against Python feedparser on the same
# corpus in the same run. The corpus is feedparser's own test suite (about
# 2,200 feeds, BSD licence), downloaded from PyPI at run time, not committed.
#
#   bench/parse/run.sh [ROUNDS]      (default 5)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds="${1:-5}"
corpus="$(bench/parse/corpus.sh)"

lede=$(cargo run --release --locked -q -p lede-feeds --example parse_corpus -- "$corpus" "$rounds")
echo "$lede"
peer=$(python3 bench/parse/peer_feedparser.py "$corpus" "$rounds")
echo "$peer"
python3 - "$lede" "$peer" <<'PY'
import json, sys
lede, peer = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print(f"ratio (files/s, lede / feedparser): {lede['files_per_second'] / peer['files_per_second']:.1f}x")
PY
