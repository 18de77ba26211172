#!/usr/bin/env bash
# Tagger cost on hostile input: one paragraph of N name-dense sentences
# (N = 20000, 40000, 80000: 1.3, 2.6, 5.2 MB) through `lede tag`, each
# run capped at 300 s. Prints seconds and peak memory per size.
#
#   bench/enrich/huge.sh [LEDE_BINARY]     (default target/release/lede)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
lede="${1:-target/release/lede}"
[[ "$lede" != target/release/lede ]] || cargo build --release --locked -q -p lede
for n in 20000 40000 80000; do
  python3 - "$n" > "target/bench/huge-$n.jsonl" <<'PY'
import json, random, sys
random.seed(1)
first = ['Anna', 'Carl', 'Maria', 'John', 'Peter', 'Laura', 'Omar', 'Yuki']
last = ['Berg', 'Dahl', 'Smith', 'Nakamura', 'Haddad', 'Lindqvist', 'Okafor', 'Reyes']
n = int(sys.argv[1])
text = ' '.join(random.choice(first) + ' ' + random.choice(last)
                + ' met officials of the Ministry of Health in Paris and' for _ in range(n))
print(json.dumps({'id': str(n), 'text': text + '.'}))
PY
  bytes=$(wc -c < "target/bench/huge-$n.jsonl")
  /usr/bin/time -f "{\"sentences\":$n,\"bytes\":$bytes,\"seconds\":%e,\"peak_rss_kb\":%M}" \
    timeout 300 "$lede" tag "target/bench/huge-$n.jsonl" > /dev/null || echo "{\"sentences\":$n,\"timed_out\":true}"
done
