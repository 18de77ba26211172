#!/usr/bin/env python3
"""Can word overlap tell an outlet's follow-up from its next, different story?

For every article that starts or updates a story (label `new` or `update`)
and every story the same source published at another URL in the 96 h
before it, this measures five overlaps (each a Jaccard of sets):

  words   content words (no stop words, 3+ letters), outside the
          paragraphs the two texts both hold word for word
  title   content words of the two titles
  lead    content words of the two first paragraphs
  pairs   2-word shingles outside the shared paragraphs (the engine's)
  names   capitalized words inside sentences (proper names)

and asks whether any weighting of them (a logistic regression) separates
the follow-ups (same story) from the hard negatives (different story)
without a false merge: the decision threshold is set just above the
highest-scoring different story it was trained on. Two tests:

  - leave one part out over the sets studied in sessions 1-8;
  - trained on all of those, tested on parts 13 and 14 (written and
    committed in session 9 before anything was scored on them).

Needs numpy. Run: python3 eval/story/follow_up_features.py
"""

import json
import pathlib
import re
from datetime import datetime, timedelta

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
WINDOW = timedelta(hours=96)
STUDIED = ["articles", "held_out"] + [f"held_out_{i}" for i in range(2, 13)]
UNSEEN = ["held_out_13", "held_out_14"]
FEATURES = ["words", "title", "lead", "pairs", "names"]
STOP = set(
    """a an the and or but if of to in on at by for with from as into onto over under
    after before about than then that this these those it its is are was were be been
    being has have had do does did will would shall should can could may might must not
    no nor so such too very just also only own same other others another each every all
    any both few more most some which who whom whose what when where why how there here
    their them they he him his she her hers we us our you your i me my mine said says
    say told tell while since until up down out off again further once during through
    against between among per new one two three four five six seven eight nine ten
    first second last next year years week weeks day days monday tuesday wednesday
    thursday friday saturday sunday morning evening night afternoon early late around
    percent million""".split()
)


def words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


def content(text):
    return {w for w in words(text) if w not in STOP and len(w) > 2}


def pairs(text):
    w = words(text)
    return set(zip(w, w[1:]))


def names(text):
    out, sentence_start = set(), True
    for match in re.finditer(r"[A-Za-z0-9]+|[.!?:]", text):
        word = match.group(0)
        if word in ".!?:":
            sentence_start = True
            continue
        if word[0].isupper() and not sentence_start and len(word) >= 3:
            out.add(word.lower())
        sentence_start = False
    return out


def jaccard(a, b):
    return len(a & b) / max(1, len(a | b))


def features(article, story):
    shared = set(article["paragraphs"]) & set(story["paragraphs"])
    ours = " ".join(p for p in article["paragraphs"] if p not in shared)
    theirs = " ".join(p for p in story["paragraphs"] if p not in shared)
    return [
        jaccard(content(ours), content(theirs)),
        jaccard(content(article["title"]), content(story["title"])),
        jaccard(content(article["paragraphs"][0]), content(story["paragraphs"][0])),
        jaccard(pairs(ours), pairs(theirs)),
        jaccard(names(article["title"] + " " + ours), names(story["title"] + " " + theirs)),
    ]


def same_source_pairs(part):
    """(features, same story?, article id, story's latest item id) per pair."""
    rows = [json.loads(line) for line in open(HERE / f"{part}.jsonl", encoding="utf-8")]
    for row in rows:
        row["at"] = datetime.fromisoformat(row["published_at"].replace("Z", "+00:00"))
    out = []
    for i, article in enumerate(rows):
        if article["label"]["kind"] not in ("new", "update"):
            continue
        latest = {}
        for earlier in rows[:i]:
            if (
                earlier["source"] == article["source"]
                and earlier["url"] != article["url"]
                and article["at"] - earlier["at"] <= WINDOW
            ):
                latest[earlier["label"]["story"]] = earlier
        for story, earlier in latest.items():
            same = story == article["label"]["story"]
            out.append((features(article, earlier), same, article["id"], earlier["id"]))
    return out


def fit(x, y, l2=0.01, steps=5000, rate=0.5):
    x = np.c_[x * 4, np.ones(len(x))]
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        w -= rate * (x.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0])
    return w


def score(w, x):
    return 1 / (1 + np.exp(-(np.c_[x * 4, np.ones(len(x))] @ w)))


def train(data, columns):
    """Weights and the threshold just above every trained different story."""
    x = np.array([[f[c] for c in columns] for f, *_ in data])
    y = np.array([same for _, same, *_ in data], float)
    w = fit(x, y)
    return w, max(score(w, x[y == 0])) + 1e-6


def test(w, threshold, data, columns):
    """(follow-ups found, follow-ups, false merges as (article, story) ids)."""
    found, total, merges = 0, 0, []
    for f, same, article, story in data:
        accepted = score(w, np.array([[f[c] for c in columns]]))[0] > threshold
        total += same
        found += same and accepted
        if accepted and not same:
            merges.append(f"{article}+{story}")
    return found, total, merges


def main():
    studied = {part: same_source_pairs(part) for part in STUDIED}
    unseen = [pair for part in UNSEEN for pair in same_source_pairs(part)]
    print("features                     leave one studied part out    trained on studied, parts 13-14")
    for columns in [[0], [0, 1], [0, 2], [0, 1, 2], [0, 1, 2, 3, 4]]:
        found = total = 0
        merges = []
        for part in STUDIED:
            training = [pair for other in STUDIED if other != part for pair in studied[other]]
            w, threshold = train(training, columns)
            f, t, m = test(w, threshold, studied[part], columns)
            found, total, merges = found + f, total + t, merges + m
        w, threshold = train([pair for part in STUDIED for pair in studied[part]], columns)
        f, t, m = test(w, threshold, unseen, columns)
        label = "+".join(FEATURES[c] for c in columns)
        print(
            f"{label:28} {found:2}/{total} found, {len(merges)} merged {merges}"
            f"    {f}/{t} found, {len(m)} merged {m}"
        )


if __name__ == "__main__":
    main()
