"""Build the WordNet 3.0 tables in ``models/wordnet``: nouns of made things with their hypernyms, and irregular verbs.

    python scripts/build_wordnet_tables.py [--wordnet /usr/share/wordnet] [--out models/wordnet]

Reads the WordNet database files (Debian's ``wordnet-base``: ``index.noun``, ``data.noun``, ``verb.exc``) and
writes

- ``artifact_nouns.json.gz``: every one-word noun with a sense in the lexicographer file ``noun.artifact`` (drone,
  tank, missile, howitzer, refinery), the synsets of those senses, and the hypernyms of every synset on the way up
  from them;
- ``irregular_verbs.tsv``: each irregular form of a one-word verb and its base form ("bought" -> "buy").

The stance checks (``service/stance/wordnet.py``) read them to tell "sent tanks" from "sent drones" (two made things,
neither a kind of the other) and "bought" from "buy" as one verb, without the Debian package at run time.
"""
from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

ARTIFACT_LEXFILE = 6  # noun.artifact
HYPERNYM_POINTERS = {"@", "@i"}


def read_synsets(data_noun: Path) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Each noun synset's lexicographer file and hypernyms, by offset."""
    lexfile, parents = {}, {}
    for line in data_noun.read_text(encoding="latin-1").splitlines():
        if line.startswith("  "):  # the licence header
            continue
        fields = line.split(" | ")[0].split()
        offset, words = fields[0], int(fields[3], 16)
        at = 4 + 2 * words
        pointers = int(fields[at])
        lexfile[offset] = int(fields[1])
        parents[offset] = [fields[at + 2 + 4 * k] for k in range(pointers)
                           if fields[at + 1 + 4 * k] in HYPERNYM_POINTERS]
    return lexfile, parents


def artifact_nouns(wordnet: Path) -> dict:
    lexfile, parents = read_synsets(wordnet / "data.noun")
    lemmas = {}
    for line in (wordnet / "index.noun").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        lemma, senses = fields[0], int(fields[2])
        made = [offset for offset in fields[-senses:] if lexfile[offset] == ARTIFACT_LEXFILE]
        if made and "_" not in lemma:
            lemmas[lemma] = made
    todo, kept = [o for offsets in lemmas.values() for o in offsets], {}
    while todo:
        offset = todo.pop()
        if offset not in kept:
            kept[offset] = parents[offset]
            todo += parents[offset]
    return {"source": "WordNet 3.0 (Princeton University), noun.artifact", "lemmas": lemmas,
            "parents": {o: p for o, p in kept.items() if p}}


def irregular_verbs(wordnet: Path) -> dict[str, str]:
    """Irregular form -> base form, one-word verbs, the first base WordNet gives."""
    forms: dict[str, str] = {}
    for line in (wordnet / "verb.exc").read_text(encoding="latin-1").splitlines():
        form, base, *_ = line.split()
        if "_" not in form and "_" not in base and form != base:
            forms.setdefault(form, base)
    return forms


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "wordnet")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    nouns, verbs = artifact_nouns(args.wordnet), irregular_verbs(args.wordnet)
    with gzip.GzipFile(args.out / "artifact_nouns.json.gz", "wb", mtime=0) as out:  # mtime 0: reproducible bytes
        out.write(json.dumps(nouns, sort_keys=True, separators=(",", ":")).encode())
    (args.out / "irregular_verbs.tsv").write_text("".join(f"{f}\t{b}\n" for f, b in sorted(verbs.items())),
                                                  encoding="utf-8")
    print(f"{len(nouns['lemmas'])} nouns of made things, {len(nouns['parents'])} synsets with hypernyms, "
          f"{len(verbs)} irregular verb forms -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
