#!/usr/bin/env python3
"""Turn the place selectors of an annotation draft into GeoNames ids.

While writing `articles.txt`, a place is marked by what a reader means:
`[LOC Paris@FR]` (in France), `[LOC Paris@US.TX]` (in Texas), or an id
`[LOC New York@5128581]`. This script replaces each selector with the id of
the listed place of that name in that country (and first-level region),
the country itself when it is one, else the most populous city, else the
region; it prints every choice for review. Run once per draft:

    python3 eval/enrich/resolve_gold.py DRAFT > eval/enrich/articles.txt
"""
import pathlib
import re
import sys

PLACES = pathlib.Path(__file__).resolve().parents[2] / "data/gazetteer/places.tsv"


def main() -> None:
    rows = []
    for line in PLACES.read_text().splitlines():
        if line.startswith("#"):
            continue
        gid, name, fclass, fcode, cc, admin1, _lat, _lon, pop, aliases = line.split("\t")
        rows.append((int(gid), name, fcode, cc, admin1, int(pop), set(aliases.split("|"))))
    by_id = {r[0]: r for r in rows}

    def resolve(text: str, selector: str) -> int:
        if selector.isdigit():
            # An explicit id: the place meant, even where the list lacks this spelling.
            return by_id[int(selector)][0]
        cc, _, admin1 = selector.partition(".")
        matches = [r for r in rows if text in r[6] and r[3] == cc and (not admin1 or r[4] == admin1)]
        assert matches, f"no place {text}@{selector}"
        # The country itself, else a city (a city and its region often share a name), else the region.
        matches.sort(key=lambda r: (r[2] != "PCLI", r[2] == "ADM1", -r[5]))
        return matches[0][0]

    def replace(match: re.Match) -> str:
        text, selector = match.group(1), match.group(2)
        gid = resolve(text, selector)
        row = by_id[gid]
        print(f"{text}@{selector} -> {gid} {row[1]} {row[2]} {row[3]}.{row[4]} pop {row[5]}", file=sys.stderr)
        return f"[LOC {text}@{gid}]"

    draft = pathlib.Path(sys.argv[1]).read_text()
    sys.stdout.write(re.sub(r"\[LOC ([^\]@]+)@([A-Z0-9.]+)\]", replace, draft))


if __name__ == "__main__":
    main()
