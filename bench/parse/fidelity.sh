#!/usr/bin/env bash
# Parsing fidelity (issue 6): `lede parse` against Python feedparser on
# feedparser's own test suite (downloaded from PyPI, not committed), entry
# by entry and field by field, plus every crash, hang or unclear error.
# Results and the reasons for the remaining differences: FIDELITY.md.
#
#   bench/parse/fidelity.sh [--list FIELD]    # FIELD: title link id date author text
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
corpus="$(bench/parse/corpus.sh)"
cargo build --release --locked -q -p lede
python3 bench/parse/fidelity.py target/release/lede "$corpus" "$@"
