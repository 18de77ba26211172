#!/usr/bin/env python3
"""Builds articles.jsonl (the story engine's labelled evaluation set) and
held_out.jsonl (stories written after the engine's thresholds were chosen).

Run from anywhere: python3 eval/story/build.py. The output is committed; the
scorer is `cargo test -p lede-story --test eval -- --nocapture`, and
`lede dedup eval/story/articles.jsonl` reads the same file.

Each row is an article in arrival order with the fields `lede dedup` reads
(id, url, title, paragraphs, source, published_at) and a `label`: the true
story, the expected decision, and the topic (articles of one topic but
different stories are hard negatives: merging them is the worst error).
"""

import json
import pathlib
from datetime import datetime, timedelta, timezone

import stories as s

HERE = pathlib.Path(__file__).resolve().parent
SEED = (HERE / "../../data/seed/embassy-developing-story.txt").read_text(encoding="utf-8")
T0 = datetime(2019, 12, 31, 8, 0, tzinfo=timezone.utc)


def seed_versions():
    """The seed's three versions, as the wire sent them (no captions, no footer)
    and the full page as one outlet printed it (captions and footer included)."""
    printed = [p.strip() for p in SEED.split("\n\n") if p.strip()]
    wire = [p for p in printed if "(AP Photo/" not in p and not p.startswith("(With Inputs")]
    v3 = wire
    v2 = [p.replace("Earlier, dozens of angry", "Dozens of angry", 1) for p in v3 if not p.startswith("Breaking:")]
    v1 = v2[:4]
    title_12 = "Iraqi militia supporters break into US embassy compound in Baghdad"
    title_3 = "Breaking: stun grenades at US embassy in Baghdad as militia supporters storm compound"
    return [(title_12, v1), (title_12, v2), (title_3, v3)], (title_3, printed)


def syndicate(version, dateline, footer, caption=None, title=None):
    """Another outlet's copy: its own dateline, footer, maybe a caption and headline."""
    original_title, paragraphs = version
    copy = [dateline + paragraphs[0]] + paragraphs[1:]
    if caption:
        copy.insert(1, caption)
    copy.append(footer)
    return (title or original_title, copy)


def typo(version, right, wrong):
    title, paragraphs = version
    changed = [p.replace(right, wrong, 1) for p in paragraphs]
    assert changed != paragraphs, right
    return (title, changed)


def with_line(version, line, at=None):
    title, paragraphs = version
    return (title, paragraphs + [line] if at is None else paragraphs[:at] + [line] + paragraphs[at:])


def summary_only(version, paragraphs=2):
    title, body = version
    return (title, body[:paragraphs])


rows = []
held_out = []
target = rows


def add(minutes, article_id, source, url, version, story, kind, topic):
    title, paragraphs = version
    target.append({
        "id": article_id,
        "url": url,
        "title": title,
        "paragraphs": paragraphs,
        "source": source,
        "published_at": (T0 + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "label": {"story": story, "kind": kind, "topic": topic},
    })


wire, printed = seed_versions()
day = 24 * 60

# Day 0, Tuesday 31 December 2019.
add(0, "w1-embassy", "Wire One", "https://wire-one.example/world/baghdad-embassy", wire[0], "embassy", "new", "embassy")
add(5, "mw-oil-am", "Market Wire", "https://marketwire.example/oil/2019-12-31-am", s.OIL_MORNING[0], "oil-am", "new", "oil")
add(10, "ht-fire", "Harbour Times", "https://harbourtimes.example/port-fire", s.HARBOUR_FIRE[0], "harbour-fire", "new", "harbour")
add(20, "w1-embassy", "Wire One", "https://wire-one.example/world/baghdad-embassy", wire[0], "embassy", "duplicate", "embassy")
add(25, "dl-oil-am", "Daily Ledger", "https://ledger.example/markets/oil-climbs",
    syndicate(s.OIL_MORNING[0], "LONDON (Daily Ledger) - ", "(Reporting by the markets desk; editing by J. Mensah)"),
    "oil-am", "source", "oil")
add(30, "ht-fire-2", "Harbour Times", "https://harbourtimes.example/port-fire-two-injured", s.HARBOUR_FIRE[1], "harbour-fire", "update", "harbour")
add(40, "w1-embassy", "Wire One", "https://wire-one.example/world/baghdad-embassy", wire[1], "embassy", "update", "embassy")
add(45, "cn-fire", "Coastal News", "https://coastal.example/news/kelling-terminal-fire",
    syndicate(s.HARBOUR_FIRE[1], "PORT KELLING (Coastal News) - ", "(With inputs from Harbour Times)",
              caption="Smoke rises over the container terminal in Port Kelling on Tuesday. (Photo: Coastal News)",
              title="Two hurt as fire rages at Port Kelling container terminal"),
    "harbour-fire", "source", "harbour")
add(50, "ht-fire-2", "Harbour Times", "https://harbourtimes.example/port-fire-two-injured",
    typo(s.HARBOUR_FIRE[1], "ambulance", "ambulence"), "harbour-fire", "duplicate", "harbour")
add(60, "w1-embassy", "Wire One", "https://wire-one.example/world/baghdad-embassy", wire[2], "embassy", "update", "embassy")
add(65, "w1-embassy", "Wire One", "https://wire-one.example/world/baghdad-embassy",
    typo(wire[2], "desperse", "disperse"), "embassy", "duplicate", "embassy")
add(70, "sd-embassy", "Seed Daily", "https://seed-daily.example/world/us-embassy-baghdad-stormed", printed,
    "embassy", "source", "embassy")
add(80, "vc-library", "Valdora City Desk", "https://valdora-city.example/library-sundays", s.LIBRARY[0], "library", "new", "valdora-city")
add(90, "ht-fire-2", "Harbour Times", "https://harbourtimes.example/port-fire-two-injured", s.HARBOUR_FIRE[2], "harbour-fire", "update", "harbour")
add(95, "ht-fire-2", "Harbour Times", "https://harbourtimes.example/port-fire-two-injured",
    with_line(s.HARBOUR_FIRE[2], "Updated 11:35 GMT, 31 December 2019", at=0), "harbour-fire", "duplicate", "harbour")
add(100, "nb-fire", "NewsBrief", "https://newsbrief.example/b/88121", summary_only(s.HARBOUR_FIRE[2], 3),
    "harbour-fire", "source", "harbour")
add(420, "mw-oil-pm", "Market Wire", "https://marketwire.example/oil/2019-12-31-pm", s.OIL_AFTERNOON[0], "oil-pm", "new", "oil")
add(430, "dl-oil-pm", "Daily Ledger", "https://ledger.example/markets/oil-slips",
    syndicate(s.OIL_AFTERNOON[0], "SINGAPORE (Daily Ledger) - ", "(Reporting by the markets desk; editing by J. Mensah)"),
    "oil-pm", "source", "oil")
add(440, "ht-fire-2", "Harbour Times", "https://harbourtimes.example/port-fire-two-injured",
    with_line(s.HARBOUR_FIRE[2], "Updated 13:02 GMT, 31 December 2019", at=0), "harbour-fire", "duplicate", "harbour")

# Thursday 2 January 2020: a second, peaceful rally at the same embassy, within the window.
add(2 * day + 180, "w1-rally", "Wire One", "https://wire-one.example/world/baghdad-embassy-rally",
    s.EMBASSY_PROTEST_THURSDAY[0], "embassy-rally", "new", "embassy")
add(2 * day + 200, "sd-rally", "Seed Daily", "https://seed-daily.example/world/baghdad-rally",
    syndicate(s.EMBASSY_PROTEST_THURSDAY[0], "BAGHDAD (Seed Daily) - ", "(With inputs from Wire One)"),
    "embassy-rally", "source", "embassy")
add(2 * day + 240, "op-bridge", "Orlen Post", "https://orlenpost.example/city/bridge-closed", s.BRIDGE[0], "bridge", "new", "orlen")

# Monday 6 and Tuesday 7 January: two acquisitions by one company.
add(6 * day, "bw-apex", "Business Wire", "https://bizwire.example/northwind-apex", s.NORTHWIND_APEX[0], "northwind-apex", "new", "northwind")
add(6 * day + 30, "dl-apex", "Daily Ledger", "https://ledger.example/companies/northwind-apex",
    syndicate(s.NORTHWIND_APEX[0], "NEW YORK (Daily Ledger) - ", "(Reporting by the companies desk)"),
    "northwind-apex", "source", "northwind")
add(6 * day + 180, "bw-apex", "Business Wire", "https://bizwire.example/northwind-apex", s.NORTHWIND_APEX[1], "northwind-apex", "update", "northwind")
add(7 * day, "bw-bluewater", "Business Wire", "https://bizwire.example/northwind-bluewater", s.NORTHWIND_BLUEWATER[0],
    "northwind-bluewater", "new", "northwind")
add(7 * day + 20, "dl-bluewater", "Daily Ledger", "https://ledger.example/companies/northwind-bluewater",
    syndicate(s.NORTHWIND_BLUEWATER[0], "LISBON (Daily Ledger) - ", "(Reporting by the companies desk)"),
    "northwind-bluewater", "source", "northwind")
add(7 * day + 60, "bw-apex", "Business Wire", "https://bizwire.example/northwind-apex", s.NORTHWIND_APEX[1],
    "northwind-apex", "duplicate", "northwind")

# Wednesday 8 January: another protest at the embassy, a week later.
add(8 * day, "w1-march", "Wire One", "https://wire-one.example/world/baghdad-student-march",
    s.EMBASSY_PROTEST_NEXT_WEEK[0], "embassy-march", "new", "embassy")

# Sunday 12 and Monday 13 January: an election count, re-slugged as it develops.
add(12 * day + 660, "vh-vote", "Valdora Herald", "https://valdoraherald.example/vote/early-count", s.ELECTION[0],
    "election", "new", "valdora-election")
add(12 * day + 840, "vh-vote-2", "Valdora Herald", "https://valdoraherald.example/vote/count-passes-70", s.ELECTION[1],
    "election", "update", "valdora-election")
add(12 * day + 850, "vh-vote-2", "Valdora Herald", "https://valdoraherald.example/vote/count-passes-70", s.ELECTION[1],
    "election", "duplicate", "valdora-election")
add(12 * day + 870, "cw-vote", "City Wire", "https://citywire.example/valdora/reyes-leads",
    syndicate(s.ELECTION[1], "VALDORA (City Wire) - ", "(With inputs from Valdora Herald)"),
    "election", "source", "valdora-election")
add(13 * day + 480, "vh-vote-3", "Valdora Herald", "https://valdoraherald.example/vote/reyes-wins", s.ELECTION[2],
    "election", "update", "valdora-election")

# Monday 13 and Tuesday 14 January: two earthquakes in one country.
add(13 * day + 1140, "zp-quake", "Zarvia Press", "https://zarviapress.example/quake-south", s.QUAKE[0], "quake-south", "new", "zarvia-quake")
add(13 * day + 1160, "op-quake", "Orlen Post", "https://orlenpost.example/quake",
    syndicate(s.QUAKE[0], "ORLEN (Orlen Post) - ", "(With inputs from Zarvia Press)"), "quake-south", "source", "zarvia-quake")
add(13 * day + 1260, "zp-quake", "Zarvia Press", "https://zarviapress.example/quake-south", s.QUAKE[1], "quake-south", "update", "zarvia-quake")
add(14 * day + 900, "zp-quake-north", "Zarvia Press", "https://zarviapress.example/quake-north", s.QUAKE_NORTH[0],
    "quake-north", "new", "zarvia-quake")
add(14 * day + 930, "op-quake-north", "Orlen Post", "https://orlenpost.example/quake-north",
    syndicate(s.QUAKE_NORTH[0], "KESH (Orlen Post) - ", "(With inputs from Zarvia Press)"), "quake-north", "source", "zarvia-quake")

# Held-out (written after the thresholds were chosen, scored without
# changing them): 20 to 24 January, in held_out.jsonl.
target = held_out
held = 20 * day
add(held, "rw-mine", "Ridge Wire", "https://ridgewire.example/mine-collapse", s.MINE[0], "mine", "new", "mines")
add(held + 20, "np-mine", "National Post", "https://natpost.example/varna-miners-trapped",
    syndicate(s.MINE[0], "VARNA RIDGE (National Post) - ", "(With inputs from Ridge Wire)"), "mine", "source", "mines")
add(held + 600, "rw-mine-2", "Ridge Wire", "https://ridgewire.example/mine-rescue-drilling", s.MINE[1], "mine", "update", "mines")
add(held + 620, "rw-mine-2", "Ridge Wire", "https://ridgewire.example/mine-rescue-drilling", s.MINE[1], "mine", "duplicate", "mines")
add(held + 1500, "rw-keld", "Ridge Wire", "https://ridgewire.example/keld-quarry-blast", s.MINE_OTHER[0], "quarry", "new", "mines")
add(held + 1530, "np-keld", "National Post", "https://natpost.example/keld-blast",
    syndicate(s.MINE_OTHER[0], "KELD (National Post) - ", "(With inputs from Ridge Wire)"), "quarry", "source", "mines")
add(held + 2 * day + 120, "rw-mine-3", "Ridge Wire", "https://ridgewire.example/miners-rescued", s.MINE[2], "mine", "update", "mines")
add(held + 2 * day + 150, "np-mine-3", "National Post", "https://natpost.example/miners-rescued",
    syndicate(s.MINE[2], "VARNA RIDGE (National Post) - ", "(With inputs from Ridge Wire)", title="Varna Ridge miners all freed"),
    "mine", "source", "mines")
add(held + day + 540, "mw-rates-n", "Market Wire", "https://marketwire.example/nordland-rates", s.RATES_NORTH[0], "rates-nordland", "new", "rates")
add(held + day + 560, "dl-rates-n", "Daily Ledger", "https://ledger.example/nordland-holds",
    syndicate(s.RATES_NORTH[0], "NORDHAVN (Daily Ledger) - ", "(Reporting by the economics desk)"), "rates-nordland", "source", "rates")
add(held + 2 * day + 600, "mw-rates-s", "Market Wire", "https://marketwire.example/suderia-rates", s.RATES_SOUTH[0], "rates-suderia", "new", "rates")
add(held + 3 * day + 300, "op-preview", "Orlen Post", "https://orlenpost.example/sport/cup-preview", s.MATCH_PREVIEW[0], "cup-semi", "new", "cup")
add(held + 3 * day + 900, "op-report", "Orlen Post", "https://orlenpost.example/sport/cup-report", s.MATCH_REPORT[0], "cup-semi", "update", "cup")
add(held + 3 * day + 930, "zp-report", "Zarvia Press", "https://zarviapress.example/sport/orlen-kesh",
    syndicate(s.MATCH_REPORT[0], "ORLEN (Zarvia Press) - ", "(With inputs from Orlen Post)"), "cup-semi", "source", "cup")

# Held-out, part 2 (written after this session's rule changes, scored
# once): 3 to 6 February, in held_out_2.jsonl.
held_out_2 = []
target = held_out_2
held = 34 * day
add(held, "dw-flood", "Delta Wire", "https://deltawire.example/valmen-levee", s.FLOOD[0], "flood", "new", "floods")
add(held + 25, "ec-flood", "Evening Courier", "https://courier.example/news/valmen-evacuated",
    syndicate(s.FLOOD[0], "VALMEN (Evening Courier) - ", "(With inputs from Delta Wire)"), "flood", "source", "floods")
add(held + 120, "mw-halvorsen", "Market Wire", "https://marketwire.example/halvorsen-q4",
    typo(s.HALVORSEN_RESULTS[0], "retiring", "retireing"), "halvorsen-results", "new", "halvorsen")
add(held + 150, "dl-halvorsen", "Daily Ledger", "https://ledger.example/halvorsen-profit",
    syndicate(s.HALVORSEN_RESULTS[0], "OSTBY (Daily Ledger) - ", "(Reporting by the shipping desk)"),
    "halvorsen-results", "source", "halvorsen")
add(held + 540, "dw-flood-2", "Delta Wire", "https://deltawire.example/valmen-flood-missing", s.FLOOD[1], "flood", "update", "floods")
add(held + 560, "dw-flood-2", "Delta Wire", "https://deltawire.example/valmen-flood-missing", s.FLOOD[1], "flood", "duplicate", "floods")
add(held + 600, "mw-halvorsen", "Market Wire", "https://marketwire.example/halvorsen-q4", s.HALVORSEN_RESULTS[0],
    "halvorsen-results", "duplicate", "halvorsen")
add(held + day + 60, "mw-halvorsen-ceo", "Market Wire", "https://marketwire.example/halvorsen-ceo", s.HALVORSEN_CEO[0],
    "halvorsen-ceo", "new", "halvorsen")
add(held + day + 90, "dl-halvorsen-ceo", "Daily Ledger", "https://ledger.example/halvorsen-sand-steps-down",
    syndicate(s.HALVORSEN_CEO[0], "OSTBY (Daily Ledger) - ", "(Reporting by the shipping desk)"),
    "halvorsen-ceo", "source", "halvorsen")
add(held + 2 * day + 60, "dw-flood-3", "Delta Wire", "https://deltawire.example/valmen-waters-recede", s.FLOOD[2], "flood", "update", "floods")
add(held + 2 * day + 100, "ec-flood-3", "Evening Courier", "https://courier.example/news/valmen-missing-man-safe",
    syndicate(s.FLOOD[2], "VALMEN (Evening Courier) - ", "(With inputs from Delta Wire)",
              title="Valmen flood waters fall; missing man safe"), "flood", "source", "floods")
add(held + 2 * day + 300, "dw-ambry", "Delta Wire", "https://deltawire.example/port-ambry-surge", s.FLOOD_AMBRY[0], "ambry", "new", "floods")
add(held + 3 * day, "op-varga", "Orlen Post", "https://orlenpost.example/sport/varga-signs", s.TRANSFER[0], "transfer", "new", "transfer")
add(held + 3 * day + 30, "zp-varga", "Zarvia Press", "https://zarviapress.example/sport/kesh-varga",
    syndicate(s.TRANSFER[0], "KESH (Zarvia Press) - ", "(With inputs from Orlen Post)"), "transfer", "source", "transfer")
add(held + 3 * day + 45, "cw-varga", "City Wire", "https://citywire.example/kesh-city-varga",
    syndicate(s.TRANSFER[0], "KESH (City Wire) - ", "(Reporting by the sports desk)", title="Kesh City land Varga"),
    "transfer", "source", "transfer")

for name, stream in [("articles.jsonl", rows), ("held_out.jsonl", held_out), ("held_out_2.jsonl", held_out_2)]:
    out = HERE / name
    with out.open("w", encoding="utf-8") as f:
        for row in stream:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(stream)} articles, {len({r['label']['story'] for r in stream})} stories to {out}")
