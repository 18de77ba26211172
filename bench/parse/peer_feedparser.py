#!/usr/bin/env python3
"""The parse benchmark's peer: Python feedparser on the same files, in
process, the same number of rounds. Prints one JSON line.

    python3 bench/parse/peer_feedparser.py DIR [ROUNDS]
"""

import json
import pathlib
import sys
import time

import feedparser


def main(directory, rounds):
    paths = sorted(p for p in pathlib.Path(directory).rglob("*") if p.suffix in {".xml", ".rss", ".atom", ".json"})
    documents = [p.read_bytes() for p in paths]
    parsed = entries = crashes = 0
    started = time.perf_counter()
    for _ in range(rounds):
        for document in documents:
            try:
                result = feedparser.parse(document)
            except Exception:  # feedparser raises on a few hostile test files
                crashes += 1
                continue
            if not result.bozo or result.entries:
                parsed += 1
            entries += len(result.entries)
    seconds = time.perf_counter() - started
    size = sum(len(d) for d in documents)
    print(json.dumps({"tool": f"feedparser {feedparser.__version__}", "files": len(documents), "rounds": rounds,
                      "parsed": parsed // rounds, "entries": entries // rounds,
                      "crashes": crashes // rounds, "seconds": round(seconds, 3),
                      "files_per_second": round(len(documents) * rounds / seconds, 1),
                      "mb_per_second": round(size * rounds / seconds / 1e6, 2)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
