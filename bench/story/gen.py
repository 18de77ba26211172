#!/usr/bin/env python3
"""Synthetic article stream for the story engine's benchmarks.

Deterministic (seeded) JSON lines in the shape `lede dedup` reads. Texts are
drawn from a made-up Zipf-distributed vocabulary (no real articles), with
a news-like mix per article: 35% new stories, 20% re-polls, 15% updates
(a paragraph added or rewritten), 20% syndicated copies (dateline and
footer added, other source), 10% trivial edits (one typo).

    python3 bench/story/gen.py --articles 50000 --days 7 > corpus.jsonl

With --outcome-headlines, every new story's headline starts with one of 20
names and ends in an outcome word ("Kanelo ... found"): the worst case of
the engine's headline follow-up search (every story of the outlet naming
the same few subjects is a candidate), to measure its cost.
"""

import argparse
import json
import sys
from datetime import datetime, timedelta, timezone

import numpy as np

SOURCES = [f"Outlet {i}" for i in range(200)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=50_000)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--outcome-headlines", action="store_true")
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    syllables = ["ka", "lo", "mi", "ne", "su", "ra", "to", "vi", "de", "pa", "ro", "li", "an", "es", "or", "um"]
    # 30,000 distinct made-up words of 2 to 4 syllables.
    vocabulary = []
    for i in range(30_000):
        word, n = "", i
        for _ in range(2 + i % 3):
            word += syllables[n % len(syllables)]
            n //= len(syllables)
        vocabulary.append(word + (str(n) if n else ""))
    vocabulary = np.array(vocabulary, dtype=object)
    ranks = np.arange(1, len(vocabulary) + 1)
    cdf = np.cumsum(1.0 / ranks**1.05)
    cdf /= cdf[-1]

    def words(n):
        return " ".join(vocabulary[np.searchsorted(cdf, rng.random(n))])

    def paragraph():
        return words(int(rng.integers(30, 80))).capitalize() + "."

    t0 = datetime(2020, 1, 6, tzinfo=timezone.utc)
    step = timedelta(seconds=args.days * 86400 / args.articles)
    stories = []  # [id, source, url, title, paragraphs]
    out = sys.stdout
    for i in range(args.articles):
        at = (t0 + step * i).strftime("%Y-%m-%dT%H:%M:%SZ")
        roll = rng.random()
        recent = stories[-5000:]
        if not recent or roll < 0.35:
            source = SOURCES[int(rng.integers(len(SOURCES)))]
            title = words(int(rng.integers(6, 12))).capitalize()
            if args.outcome_headlines:
                title = f"{vocabulary[int(rng.integers(20))].capitalize()} {title.lower()} found"
            story = [f"a{i}", source, f"https://{source.replace(' ', '').lower()}.example/s/{i}",
                     title, [paragraph() for _ in range(int(rng.integers(4, 11)))]]
            stories.append(story)
            del stories[:-5000]  # only recent stories get follow-ups
            row = story
        else:
            story = recent[int(rng.integers(len(recent)))]
            sid, source, url, title, paragraphs = story
            if roll < 0.55:  # re-poll
                row = story
            elif roll < 0.70:  # update
                paragraphs = list(paragraphs)
                if rng.random() < 0.5:
                    paragraphs.insert(0, "Update: " + paragraph())
                else:
                    k = int(rng.integers(len(paragraphs)))
                    ws = paragraphs[k].split()
                    for j in rng.choice(len(ws), size=max(2, len(ws) // 3), replace=False):
                        ws[j] = vocabulary[int(rng.integers(len(vocabulary)))]
                    paragraphs[k] = " ".join(ws)
                story[4] = paragraphs
                row = story
            elif roll < 0.90:  # syndicated copy
                other = SOURCES[int(rng.integers(len(SOURCES)))]
                row = [f"{sid}-{i}", other, f"https://{other.replace(' ', '').lower()}.example/c/{i}", title,
                       [f"CITY ({other}) - " + paragraphs[0]] + paragraphs[1:] + [f"(With inputs from {source})"]]
            else:  # typo
                paragraphs = list(paragraphs)
                k = int(rng.integers(len(paragraphs)))
                p = paragraphs[k]
                cut = int(rng.integers(1, max(2, len(p) - 1)))
                paragraphs[k] = p[:cut] + p[cut + 1:]
                row = [sid, source, url, title, paragraphs]
        rid, source, url, title, paragraphs = row
        out.write(json.dumps({"id": rid, "url": url, "title": title, "paragraphs": paragraphs,
                              "source": source, "published_at": at}) + "\n")


if __name__ == "__main__":
    main()
