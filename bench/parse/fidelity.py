#!/usr/bin/env python3
"""Parsing fidelity (issue 6): every file of feedparser's own test suite
parsed by `lede parse` (the command, one process per file, with a time
limit) and by feedparser, entry by entry, field by field.

    python3 bench/parse/fidelity.py LEDE_BINARY TESTS_DIR [--list FIELD]

Fields compared on entries both parsers found, in document order:
  title   text, tags stripped, entities decoded, whitespace collapsed
  link    the entry's link, both canonicalised as Lede does (host lower-cased,
          fragment and tracking parameters dropped)
  id      feedparser's `id` against Lede's `guid`
  date    the entry's date, UTC seconds: published, else updated (feedparser
          fills `updated` from `published`, so `updated` alone compares that)
  published  the publication date alone
  author  the first author's name
  text    summary or content, tags stripped, first 200 characters

A field agrees when both have the same value or neither has one. Well-formed
tests count for the targets, except `wellformed/sanitize` (feedparser's HTML
sanitizer, a different job). Every file counts for robustness: a crash
(a signal, an exit status other than 0 or 2), a hang (over 10 s), or a
failure that is not one line on stderr.
"""
import calendar
import collections
import html
import json
import pathlib
import re
import subprocess
import sys
import urllib.parse

import feedparser

FIELDS = ["title", "link", "id", "date", "published", "author", "text"]
TRACKING = re.compile(r"^(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid|ocid|cmpid|ref_src)$", re.I)
TAG = re.compile(r"<[^>]*>")


def text(value):
    if value is None:
        return None
    value = html.unescape(TAG.sub(" ", value))
    value = " ".join(value.split())
    return value or None


def canonical(url):
    if not url:
        return None
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return url.strip()
    if parts.scheme.lower() not in ("http", "https"):
        return url.strip()
    query = "&".join(p for p in parts.query.split("&") if p and not TRACKING.match(p.split("=")[0]))
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", query, ""))


def seconds(struct):
    return calendar.timegm(struct) if struct else None


def iso_seconds(value):
    if not value:
        return None
    from datetime import datetime
    return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())


def from_feedparser(entry):
    content = entry.get("content")
    body = entry.get("summary") or (content[0].get("value") if content else None)
    author = entry.get("author_detail", {}).get("name") if entry.get("author_detail") else entry.get("author")
    return {
        "title": text(entry.get("title")),
        "link": canonical(entry.get("link")),
        "id": (entry.get("id") or "").strip() or None,
        "date": seconds(entry.get("published_parsed") or entry.get("updated_parsed")),
        "published": seconds(entry.get("published_parsed")),
        "author": text(author),
        "text": (text(body) or "")[:200] or None,
    }


def from_lede(article):
    body = " ".join(article.get("paragraphs") or []) or article.get("summary")
    authors = article.get("authors") or []
    return {
        "title": text(article.get("title")),
        "link": canonical(article.get("url")),
        "id": (article.get("guid") or "").strip() or None,
        "date": iso_seconds(article.get("published_at") or article.get("updated_at")),
        "published": iso_seconds(article.get("published_at")),
        "author": text(authors[0]["name"]) if authors else None,
        "text": (text(body) or "")[:200] or None,
    }


def run_lede(binary, path):
    try:
        done = subprocess.run([binary, "parse", str(path)], capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return None, "hang (over 10 s)"
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode not in (0, 2):
        return None, f"exit status {done.returncode}: {stderr[:200]}"
    if done.returncode == 2 and len(stderr.splitlines()) != 1:
        return None, f"exit 2 without one clear line: {stderr[:200]!r}"
    if done.returncode == 2:
        return [], None
    articles = [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]
    return articles, None


def main():
    binary, tests = sys.argv[1], pathlib.Path(sys.argv[2])
    list_field = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--list" else None
    files = sorted(p for p in tests.rglob("*") if p.is_file() and p.suffix != ".py")
    agree = collections.Counter()
    total = collections.Counter()
    by_format = collections.defaultdict(collections.Counter)
    format_total = collections.defaultdict(collections.Counter)
    failures, entry_counts, listed = [], collections.Counter(), []
    for path in files:
        relative = path.relative_to(tests)
        articles, failure = run_lede(binary, path)
        if failure:
            failures.append(f"{relative}: {failure}")
            continue
        wellformed = relative.parts[0] == "wellformed" and relative.parts[1] != "sanitize"
        if not wellformed:
            continue
        try:
            parsed = feedparser.parse(path.read_bytes())
        except Exception as error:  # noqa: BLE001 - the peer's own crash
            failures.append(f"{relative}: feedparser raised {error!r}")
            continue
        entry_counts["feedparser"] += len(parsed.entries)
        entry_counts["lede"] += len(articles)
        fmt = parsed.get("version") or "unknown"
        for theirs, ours in zip(parsed.entries, articles):
            a, b = from_feedparser(theirs), from_lede(ours)
            for field in FIELDS:
                same = a[field] == b[field]
                total[field] += 1
                format_total[fmt][field] += 1
                if same:
                    agree[field] += 1
                    by_format[fmt][field] += 1
                elif field == list_field:
                    listed.append(f"{relative}: feedparser {a[field]!r} / lede {b[field]!r}")
        # Entries one parser found and the other did not disagree on every field.
        extra = abs(len(parsed.entries) - len(articles))
        for field in FIELDS:
            total[field] += extra
            format_total[fmt][field] += extra
        if extra and list_field:
            listed.append(f"{relative}: {len(parsed.entries)} entries in feedparser, {len(articles)} in lede")
    report = {
        "files": len(files),
        "failures": len(failures),
        "entries (well-formed, no sanitizer)": dict(entry_counts),
        "agreement": {f: round(agree[f] / total[f], 4) if total[f] else None for f in FIELDS},
        "compared": dict(total),
    }
    print(json.dumps(report, indent=1))
    print("\n| format | " + " | ".join(FIELDS) + " |")
    print("|---|" + "---|" * len(FIELDS))
    for fmt in sorted(format_total):
        cells = [f"{by_format[fmt][f] / format_total[fmt][f]:.3f} ({format_total[fmt][f]})" if format_total[fmt][f] else "-" for f in FIELDS]
        print(f"| {fmt} | " + " | ".join(cells) + " |")
    print("\nfailures (crashes, hangs, unclear errors):")
    for failure in failures:
        print(f"  {failure}")
    for line in listed:
        print(f"  {line}")


if __name__ == "__main__":
    main()
