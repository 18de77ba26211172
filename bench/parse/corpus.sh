#!/usr/bin/env bash
# feedparser's own test suite (BSD licence), the corpus of the parse
# benchmark and the fidelity harness: downloaded from PyPI once into
# target/bench/feedparser, with feedparser itself installed to compare.
# Prints the corpus directory.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
version=6.0.11
work=target/bench/feedparser
if [[ ! -d "$work/feedparser-$version/tests" ]]; then
  mkdir -p "$work"
  pip download -q --no-deps --no-binary :all: "feedparser==$version" -d "$work" >&2
  tar xzf "$work/feedparser-$version.tar.gz" -C "$work"
fi
python3 -c "import feedparser" 2>/dev/null || pip install -q "feedparser==$version" >&2
echo "$work/feedparser-$version/tests"
