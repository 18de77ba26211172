#!/usr/bin/env python3
"""Prints an RSS document of ITEMS items for bench/feeds/large.sh: each item
five paragraphs drawn (seeded) from the story evaluation set's text
(eval/story, written for Lede), so the tagger meets names as in news.

    python3 bench/feeds/large_feed.py ITEMS > feed.xml
"""

import html
import json
import pathlib
import random
import sys

HERE = pathlib.Path(__file__).resolve().parent
paragraphs, titles = [], []
for path in sorted((HERE / "../../eval/story").glob("*.jsonl")):
    for line in path.open(encoding="utf-8"):
        article = json.loads(line)
        paragraphs += article["paragraphs"]
        titles.append(article["title"])
random.seed(7)
items = int(sys.argv[1])
out = [
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Large</title>'
    "<link>http://large.invalid/</link><description>A large feed</description>"
]
for i in range(items):
    body = "".join(f"<p>{p}</p>" for p in random.sample(paragraphs, 5))
    out.append(
        f'<item><guid isPermaLink="false">large-{i}</guid>'
        f"<title>{html.escape(random.choice(titles))} {i}</title>"
        f"<link>http://large.invalid/{i}</link>"
        f"<pubDate>Mon, 06 Jan 2020 {(i // 60) % 24:02}:{i % 60:02}:00 GMT</pubDate>"
        f"<description>{html.escape(body)}</description></item>"
    )
out.append("</channel></rss>")
sys.stdout.write("".join(out))
