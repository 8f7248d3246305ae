"""WordNet 3.0 tables (``models/wordnet``, built by ``scripts/build_wordnet_tables.py``): nouns of made things
(noun.artifact), to say whether two are another thing each or one a kind of the other ("drone" is an "aircraft";
"tank" and "drone" are neither), and irregular verbs, to read "bought" and "buy" as one verb."""
from __future__ import annotations

import gzip
import json
from functools import lru_cache
from pathlib import Path

from ..config import PROJECT_ROOT

TABLES = PROJECT_ROOT / "models" / "wordnet"
TABLE = TABLES / "artifact_nouns.json.gz"
IRREGULAR_VERBS = TABLES / "irregular_verbs.tsv"
# Words that cover any made thing sent, sold or bought, though WordNet files a drone under aircraft, not weapon:
# "sent weapons" is said of drones too.
COVERING = frozenset({"weapon", "arm", "weaponry", "munition", "ammunition", "ordnance", "equipment", "hardware",
                      "materiel", "system", "technology", "device", "material", "supply", "good", "item", "product",
                      "component", "part", "gear", "kit", "cargo", "package", "aid", "asset", "platform", "unit"})


class ArtifactNouns:
    """The made-thing senses of nouns and their hypernyms."""

    def __init__(self, lemmas: dict[str, list[str]], parents: dict[str, list[str]]) -> None:
        self._lemmas, self._parents = lemmas, parents

    @classmethod
    def load(cls, path: Path = TABLE) -> ArtifactNouns:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            table = json.load(handle)
        return cls(table["lemmas"], table["parents"])

    def known(self, noun: str) -> bool:
        """A specific made thing: a noun with a noun.artifact sense, and not a covering word ("weapons")."""
        return noun in self._lemmas and noun not in COVERING

    @lru_cache(maxsize=4096)
    def _kinds(self, noun: str) -> frozenset[str]:
        """The synsets of ``noun``'s made-thing senses and all their hypernyms."""
        found, todo = set(), list(self._lemmas.get(noun, ()))
        while todo:
            synset = todo.pop()
            if synset not in found:
                found.add(synset)
                todo += self._parents.get(synset, ())
        return frozenset(found)

    def other_things(self, a: str, b: str) -> bool:
        """Two specific made things: no sense of either the same as, a kind of, or a sibling of (one hypernym in
        common: "ship" / "boat", which news uses for one another) a sense of the other."""
        if a == b or not self.known(a) or not self.known(b):
            return False
        senses_a, senses_b = set(self._lemmas[a]), set(self._lemmas[b])
        if senses_a & self._kinds(b) or senses_b & self._kinds(a):
            return False
        return not {p for s in senses_a for p in self._parents.get(s, ())} & {
            p for s in senses_b for p in self._parents.get(s, ())}


@lru_cache(maxsize=1)
def artifact_nouns() -> ArtifactNouns:
    """The table, read once."""
    return ArtifactNouns.load()


@lru_cache(maxsize=1)
def irregular_verbs() -> dict[str, str]:
    """Irregular verb form -> base form ("bought" -> "buy", "struck" -> "strike"), read once."""
    lines = IRREGULAR_VERBS.read_text(encoding="utf-8").splitlines()
    return dict(line.split("\t", 1) for line in lines if "\t" in line)
