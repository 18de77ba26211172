#!/usr/bin/env python3
"""The benchmark peer: the same candidate search as Lede's story engine,
with Python's datasketch: for every article in arrival order, lower-case
words of title and text, 3-word shingles, a 64-permutation MinHash, an LSH
query with the same banding (32 bands of 2 rows), then an insert.

    python3 bench/story/peer_datasketch.py corpus.jsonl

Prints articles per second (JSON parsing included, as for `lede dedup`).
"""

import json
import re
import sys
import time

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")


def main(path):
    start = time.perf_counter()
    lsh = MinHashLSH(num_perm=64, params=(32, 2))
    # Permutations generated once and shared, as datasketch recommends for speed.
    template = MinHash(num_perm=64)
    permutations, scheme = template.permutations, template.scheme
    articles = candidates = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            words = WORD.findall(" ".join([row.get("title", "")] + row.get("paragraphs", [])).lower())
            shingles = {" ".join(words[i:i + 3]).encode() for i in range(max(1, len(words) - 2))}
            m = MinHash(num_perm=64, permutations=permutations, scheme=scheme)
            m.update_batch(list(shingles))
            candidates += len(lsh.query(m))
            lsh.insert(f"{articles}", m, check_duplication=False)
            articles += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"peer": "datasketch", "articles": articles, "seconds": round(elapsed, 3),
                      "articles_per_second": round(articles / elapsed, 1), "candidates": candidates}))


if __name__ == "__main__":
    main(sys.argv[1])
