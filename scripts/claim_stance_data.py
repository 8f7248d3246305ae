"""Sentence pairs for the claim-level stance model: the shared corpora, split by statement, plus contrastive pairs.

Every pair is ``{"statement", "claim", "label", "source"}`` with the label the stance of ``claim`` toward
``statement`` (supports / refutes / neutral), the direction the service needs.

- ``../shared/data/nli``: VitaminC (real, synthetic), FEVER dev, SNLI, Perspectrum. Split by statement text,
  so a statement and all its evidence fall on one side (FEVER and VitaminC synthetic share claims).
- ``../shared/data/fnc1``: headline against the lead of the body (agree → supports, disagree → refutes,
  discuss / unrelated → neutral), split by Body ID with the same split as ``train_stance.py``.
- Contrastive pairs, made from training pairs only: the statement negated, a number or year changed, an
  antonym swapped in (→ the opposite label); the acting entity or the object swapped (→ neutral: another fact);
  the claim hedged or turned into a plan or rumour (→ neutral); the claim attributed to a speaker who says,
  admits (label kept), denies (supports → refutes) or neither confirms nor denies it (→ neutral).
- Self-contrast pairs (``build_refine``, for a second, shorter stage from the trained model): one sentence (an
  FNC-1 headline or an NLI statement) as the claim, and the same sentence changed in one place as the statement:
  another actor, object or direction (→ neutral), a number, year, antonym or negation (→ refutes), or the
  sentence itself attributed, hedged or planned; with ``negation_both_sides``, also the sentence negated on both
  sides (→ supports) or on the claim's side only (→ refutes). The claim and the statement then differ only in the
  fact, which is what the hand-written hard pairs test; training pairs of the first stage are replayed beside them.
  With ``contrapositives``, first-stage pairs of two different sentences negated on both sides or one (see
  ``CONTRAPOSITIVE_QUOTA``).
- Modal pairs (``make_modal``, tried and not shipped): the same plan on both sides, two plans of a changed fact, and
  a refusal against the negated or the plain act (``MODAL_QUOTA``).
- Headline pairs (``headline_pairs``): two FNC-1 headlines of one story, split by story. One body agreeing with
  one headline and disagreeing with the other means they contradict each other ("No, Banksy has not been
  arrested" / "Graffiti Artist Banksy Arrested In London": refutes); two it agrees with, or two it disagrees with,
  tell the same story (supports); a headline it only discusses reports the story without taking a side ("Street
  Artist BANKSY Arrested? Again?": neutral toward one that asserts it). News claims against headlines, the kind
  of the held-back set whose "against" pairs the lead-sentence pairs seldom show.
"""
from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

import numpy as np

LABELS = ("supports", "refutes", "neutral")
FLIP = {"supports": "refutes", "refutes": "supports", "neutral": "neutral"}
FNC_TO_STANCE = {"agree": "supports", "disagree": "refutes", "discuss": "neutral", "unrelated": "neutral"}

# How many training pairs to take from each corpus (the 2-core budget is about 70k pairs an epoch).
NLI_QUOTA = {"vitaminc_real": 24000, "vitaminc_synthetic": 10000, "fever_dev": 7000, "snli": 5000,
             "perspectrum": 4000}
FNC_QUOTA = {"agree": 3000, "disagree": 10**6, "discuss": 3000, "unrelated": 1500}
AUGMENT_QUOTA = {"negation": 2500, "number": 1500, "year": 1200, "antonym": 1200, "agent_swap": 1500,
                 "object_swap": 1200, "hedge": 1500, "plan": 1200, "attribution": 2200}
# Self-contrast pairs of the refine stage, per kind (training side; the validation side is built alike).
SELF_QUOTA = {"negation": 1200, "number": 900, "year": 600, "antonym": 900, "agent_swap": 1400,
              "object_swap": 900, "direction": 900, "hedge": 600, "plan": 600, "attribution": 1500,
              "drop_detail": 1500, "add_detail": 2000}
# With ``negation_both_sides``: the sentence negated on both sides in two wordings (→ supports) and on the claim's
# side only (→ refutes), so that a negation in the statement is not read as a refutation by itself.
NEGATED_QUOTA = {"both_negated": 1500, "claim_negated": 900}
# With ``contrapositives``: pairs of two different sentences (first-stage NLI pairs, claim E and statement S), each
# negated in its own main clause. Where E supports S, not-S supports not-E (the contrapositive: "We do not supply
# weapons to either side" against "Iran does not arm either side") and not-S refutes E; where E refutes S, both
# negated say nothing of each other (neutral), so a negation on both sides is no label by itself.
CONTRAPOSITIVE_QUOTA = {"contrapositive": 2500, "negated_against_evidence": 1200, "negated_refutation": 1200}
SELF_SENTENCES = 15000  # sentences parsed for them (FNC-1 headlines first, then NLI statements)
LEAD_WORDS = 60  # words of a body's lead used as the FNC-1 claim
HEADLINE_PAIRS_PER_BODY = {"refutes": 4, "supports": 3, "neutral": 3}  # at most, sampled, per body and label
HEADLINE_VALIDATION_SHARE = 0.3  # of the stories
ACTORS = ("PERSON", "ORG", "GPE", "NORP")

ANTONYMS = dict(
    pair
    for a, b in [
        ("rose", "fell"), ("rises", "falls"), ("rise", "fall"), ("increased", "decreased"), ("increase", "decrease"),
        ("increases", "decreases"), ("higher", "lower"), ("more", "fewer"), ("before", "after"), ("won", "lost"),
        ("wins", "loses"), ("win", "lose"), ("above", "below"), ("largest", "smallest"), ("first", "last"),
        ("earliest", "latest"), ("approved", "rejected"), ("accepted", "rejected"), ("grew", "shrank"),
        ("expanded", "contracted"), ("older", "younger"), ("oldest", "youngest"), ("maximum", "minimum"),
        ("majority", "minority"), ("began", "ended"), ("opened", "closed"), ("male", "female"),
        ("biggest", "smallest"), ("highest", "lowest"), ("best", "worst"), ("gained", "lost"),
        ("success", "failure"), ("successful", "unsuccessful"), ("legal", "illegal"), ("alive", "dead"),
        ("entered", "left"), ("joined", "left"), ("supported", "opposed"), ("supports", "opposes"),
        ("allowed", "banned"), ("north", "south"), ("east", "west"), ("positive", "negative"),
        ("larger", "smaller"), ("longer", "shorter"), ("cheaper", "dearer"), ("raised", "cut"),
    ]
    for pair in ((a, b), (b, a))
)
AUXILIARIES = {"is", "are", "was", "were", "has", "have", "had", "will", "can", "could", "would", "should",
               "does", "did", "do", "may", "might", "must"}
# The contracted negation of an auxiliary ("has" -> "hasn't"); the rest take " not".
CONTRACTED = {"is": "isn't", "are": "aren't", "was": "wasn't", "were": "weren't", "has": "hasn't", "have": "haven't",
              "had": "hadn't", "will": "won't", "can": "can't", "could": "couldn't", "would": "wouldn't",
              "should": "shouldn't", "does": "doesn't", "did": "didn't", "do": "don't"}
HEDGES = ("There are unconfirmed reports that {c}", "It is not yet known whether {c}",
          "Officials are investigating whether {c}", "Some have speculated that {c}",
          "It is possible that {c}, sources say", "Rumours are circulating that {c}",
          "Analysts are asking whether {c}", "It remains unclear whether {c}")
PLANS = ("was preparing to {v}", "was planning to {v}", "is expected to {v}", "was considering whether to {v}",
         "has offered to {v}", "was reported to be ready to {v}", "has threatened to {v}", "may soon {v}")
# Wordings of one intention: the same plan on both sides tells the same fact ("was preparing to ship missiles"
# against "was getting ready to ship missiles": supports), where a plan against the deed takes no side.
PLAN_WORDINGS = (("was preparing to {v}", "was getting ready to {v}", "was planning to {v}", "planned to {v}",
                  "was poised to {v}", "intended to {v}"),
                 ("has threatened to {v}", "threatened to {v}"),
                 ("has offered to {v}", "offered to {v}", "proposed to {v}"),
                 ("is expected to {v}", "is likely to {v}", "will probably {v}"))
# A refusal is a negation of the act: "refused to send arms" against "did not send arms" (supports).
REFUSALS = ("refused to {v}", "declined to {v}", "has refused to {v}", "rejected calls to {v}")
# The modal kinds (``modal``): the same plan on both sides (supports), two plans of one changed fact (the change's
# label: another number refutes, another actor is neutral), a refusal against the negated act (supports) or the
# plain one (refutes), and the negated act against the plain one (refutes).
MODAL_QUOTA = {"plan_same": 1500, "plan_changed": 1500, "refusal": 1500}
SPEAKERS = ("A government spokesman", "The ministry", "Officials", "The company", "A senior official",
            "The minister", "Witnesses", "The agency", "The president's office", "A spokeswoman")
SAYS = ("{s} said that {c}", "{s} confirmed that {c}", "According to {s2}, {c}", "{s} stressed that {c}")
ADMITS = ("{s} admitted that {c}", "{s} acknowledged that {c}")
DENIES = ("{s} denied that {c}", "{s} rejected reports that {c}", "{s} dismissed claims that {c}")
NEITHER = ("{s} neither confirmed nor denied that {c}", "{s} declined to confirm whether {c}")
# Adjuncts that can be dropped without changing the fact: "sent drones to Russia [in August]".
DETAIL_PREPOSITIONS = {"in", "on", "at", "during", "before", "after", "since", "from", "to", "with", "near",
                       "across", "amid", "following", "over", "for", "through", "into", "by", "under"}
TIME_PREPOSITIONS = {"before", "after", "during", "since", "until", "following", "amid"}
# Adjectives that change what a noun is ("a fake video" is not a video of the kind): never dropped.
NON_SUBSECTIVE = {"fake", "false", "former", "alleged", "possible", "potential", "fictional", "counterfeit",
                  "imaginary", "mock", "pretend", "would-be", "supposed", "so-called", "ex", "virtual", "only"}
UPPER_WORDS = {"The", "A", "An", "It", "This", "That", "There", "In", "On", "At", "He", "She", "They", "We", "Its",
               "Some", "Many", "Most", "His", "Her", "Their", "Our", "One", "As", "After", "Before", "During"}


def statement_key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def in_validation(key: str, share: float, salt: str = "claim-stance") -> bool:
    digest = hashlib.sha1(f"{salt}:{key}".encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


def read_jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def clean(text: str) -> str:
    """Undo the tokenised spacing of the Wikipedia-derived sets (" ," "( BPI )" "`` ''")."""
    text = text.replace("\ufffd", " ").replace("``", '"').replace("''", '"').replace("-LRB-", "(")
    text = text.replace("-RRB-", ")").replace("-LSB-", "[").replace("-RSB-", "]")
    text = re.sub(r"\s+([,.;:!?%)])", r"\1", text)
    text = re.sub(r"([(])\s+", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def nli_pairs(nli_dir: Path, share: float) -> tuple[list[dict], list[dict]]:
    """Train and validation pairs from the NLI corpora, split by statement."""
    train, validation = [], []
    for name in NLI_QUOTA:
        rows = [{"statement": clean(r["statement"]), "claim": clean(r["claim"]), "label": r["label"], "source": name}
                for r in read_jsonl(nli_dir / f"{name}.jsonl")]
        rows = [r for r in rows if r["statement"] and r["claim"] and r["label"] in LABELS]
        held = [r for r in rows if in_validation(statement_key(r["statement"]), share)]
        kept = [r for r in rows if not in_validation(statement_key(r["statement"]), share)]
        random.Random(f"nli:{name}").shuffle(kept)
        train += kept[: NLI_QUOTA[name]]
        validation += held
    # FEVER and VitaminC synthetic share claims: a statement is in validation for both or for neither (by key),
    # and identical training rows are kept once.
    seen, unique = set(), []
    for r in train:
        key = (statement_key(r["statement"]), statement_key(r["claim"]))
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique, validation


def body_lead(text: str, words: int = LEAD_WORDS) -> str:
    from service.stance.features import body_sentences

    lead: list[str] = []
    for sentence in body_sentences(text):
        if lead and len(" ".join(lead).split()) + len(sentence.split()) > words:
            break
        lead.append(sentence)
    return " ".join(" ".join(lead).split()[: words + 20])


def fnc_held_bodies(body_ids: list[str], share: float = 0.2, seed: int = 13) -> set[str]:
    """The Body IDs ``train_stance.py`` holds out (same permutation), so both models share one hold-out."""
    ordered = sorted(body_ids, key=int)
    rng = np.random.default_rng(seed)
    return set(rng.permutation(ordered)[: int(round(len(ordered) * share))])


def fnc_pairs(fnc_dir: Path, seed: int = 13) -> tuple[list[dict], list[dict]]:
    with (fnc_dir / "train_bodies.csv").open(encoding="utf-8") as f:
        bodies = {row["Body ID"]: row["articleBody"] for row in csv.DictReader(f)}
    with (fnc_dir / "train_stances.csv").open(encoding="utf-8") as f:
        stances = [(row["Headline"], row["Body ID"], row["Stance"]) for row in csv.DictReader(f)]
    held_bodies = fnc_held_bodies(sorted({b for _, b, _ in stances}), seed=seed)
    leads = {body_id: body_lead(text) for body_id, text in bodies.items()}
    train, validation = [], []
    rng = random.Random(f"fnc:{seed}")
    order = list(range(len(stances)))
    rng.shuffle(order)
    taken: Counter = Counter()
    for i in order:
        headline, body_id, stance = stances[i]
        pair = {"statement": headline.strip(), "claim": leads[body_id], "label": FNC_TO_STANCE[stance],
                "source": f"fnc1-{stance}"}
        if not pair["claim"]:
            continue
        if body_id in held_bodies:
            validation.append(pair)
        elif taken[stance] < FNC_QUOTA[stance]:
            taken[stance] += 1
            train.append(pair)
    return train, validation


def fnc_stories(stances: list[tuple[str, str, str]]) -> dict[str, str]:
    """Each Body ID's story: bodies linked by a related headline they share (FNC-1 pairs every body with the
    headlines of its story's articles), named by the story's smallest Body ID."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for headline, body_id, stance in stances:
        if stance != "unrelated":
            parent[root("h:" + headline)] = root("b:" + body_id)
    members: dict[str, list[str]] = {}
    for node in list(parent):
        if node.startswith("b:"):
            members.setdefault(root(node), []).append(node[2:])
    return {body: min(bodies, key=int) for bodies in members.values() for body in bodies}


def headline_pairs(fnc_dir: Path, seed: int = 13,
                   share: float = HEADLINE_VALIDATION_SHARE) -> tuple[list[dict], list[dict]]:
    """(training, validation) headline-against-headline pairs from FNC-1 (see the module docstring), split by
    story; at most ``HEADLINE_PAIRS_PER_BODY`` per body and label, each pair once."""
    with (fnc_dir / "train_stances.csv").open(encoding="utf-8") as f:
        stances = [(row["Headline"].strip(), row["Body ID"], row["Stance"]) for row in csv.DictReader(f)]
    story = fnc_stories(stances)
    by_body: dict[str, dict[str, list[str]]] = {}
    for headline, body_id, stance in stances:
        if stance != "unrelated" and headline:
            group = by_body.setdefault(body_id, {}).setdefault(stance, [])
            if headline not in group:
                group.append(headline)
    rng = random.Random(f"headlines:{seed}")
    train, validation, seen = [], [], set()
    for body_id in sorted(by_body, key=int):
        groups = by_body[body_id]
        agree, disagree, discuss = (groups.get(k, []) for k in ("agree", "disagree", "discuss"))
        candidates = {
            "refutes": [(a, d) for a in agree for d in disagree] + [(d, a) for d in disagree for a in agree],
            "supports": [(x, y) for side in (agree, disagree) for x in side for y in side if x != y],
            "neutral": [(x, u) for x in agree + disagree for u in discuss],
        }
        side = validation if in_validation(story[body_id], share, "headline-story") else train
        for label, options in candidates.items():
            rng.shuffle(options)
            taken = 0
            for statement, claim in options:
                key = (statement_key(statement), statement_key(claim))
                if taken == HEADLINE_PAIRS_PER_BODY[label] or key in seen:
                    continue
                seen.add(key)
                taken += 1
                side.append({"statement": statement, "claim": claim, "label": label, "source": "fnc1-headlines"})
    return train, validation


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text[0].lower() + text[1:] if first in UPPER_WORDS else text


def _attributed(template: str, speaker: str, body: str) -> str:
    """``body`` said by ``speaker`` in ``template`` ("{s} said that {c}", "According to {s2}, {c}"), a sentence."""
    s2 = speaker[0].lower() + speaker[1:] if speaker.split()[0] in UPPER_WORDS else speaker
    text = template.format(s=speaker, s2=s2, c=body) + "."
    return text[0].upper() + text[1:]


def _strip_end(text: str) -> str:
    return text.rstrip(" .!")


def _replace_span(text: str, start: int, end: int, new: str) -> str:
    return text[:start] + new + text[end:]


def pools(docs: list) -> tuple[dict[str, list[str]], list[str]]:
    """Entities by type, and plural direct objects, of parsed statements: what a swap draws from."""
    entity_pool: dict[str, list[str]] = {}
    object_pool: list[str] = []
    for doc in docs:
        for ent in doc.ents:
            entity_pool.setdefault(ent.label_, []).append(ent.text)
        object_pool += [t.text for t in doc if t.dep_ == "dobj" and t.tag_ == "NNS" and t.is_alpha]
    return entity_pool, object_pool


class Augmenter:
    """Contrastive pairs from training pairs (spaCy's small English pipeline gives tags, parse and entities)."""

    def __init__(self, seed: int, time_antonyms: bool = True, news_numbers: bool = False,
                 negation_both_sides: bool = False) -> None:
        import importlib

        from service.extraction.spacy_extractor import MODEL_PACKAGE

        self.nlp = importlib.import_module(MODEL_PACKAGE).load()  # with the lemmatizer: "did not <lemma>"
        self.rng = random.Random(f"augment:{seed}")
        self.time_antonyms = time_antonyms  # False: "before" / "after" are never swapped (a time, not a fact)
        # True: numbers are also written as news writes them ("2,000", not only "2000"), and "2,000" is a number
        # to change, not a year
        self.news_numbers = news_numbers
        self.negation_both_sides = negation_both_sides  # True: the self-contrast kinds of NEGATED_QUOTA too

    def make(self, pairs: list[dict]) -> list[dict]:
        candidates = [p for p in pairs if p["source"] in ("vitaminc_real", "vitaminc_synthetic", "fever_dev", "snli")
                      and len(p["statement"].split()) <= 30 and len(p["claim"].split()) <= 45]
        self.rng.shuffle(candidates)
        candidates = candidates[:20000]
        docs = list(self.nlp.pipe([p["statement"] for p in candidates], batch_size=256))
        return self.vary(candidates, docs, *pools(docs), AUGMENT_QUOTA, "aug")

    def make_self(self, sentences: list[str]) -> list[dict]:
        """Self-contrast pairs: each sentence is the claim, and itself changed in one place the statement."""
        docs = list(self.nlp.pipe(sentences, batch_size=256))
        pairs = [{"statement": text, "claim": text, "label": "supports"} for text in sentences]
        quota = {**SELF_QUOTA, **NEGATED_QUOTA} if self.negation_both_sides else SELF_QUOTA
        return self.vary(pairs, docs, *pools(docs), quota, "self")

    def make_modal(self, sentences: list[str]) -> list[dict]:
        """The modal kinds (MODAL_QUOTA) from short sentences whose main verb is a simple past act."""
        docs = list(self.nlp.pipe(sentences, batch_size=256))
        entity_pool, object_pool = pools(docs)
        made: dict[str, list[dict]] = {kind: [] for kind in MODAL_QUOTA}
        planned_sentences = []  # plan_changed: changed once they are parsed, one pair each at most

        def filled(kind: str) -> int:
            return len(planned_sentences) if kind == "plan_changed" else len(made[kind])

        for text, doc in zip(sentences, docs):
            root = _past_act(doc)
            if root is None:
                continue
            kind = min(MODAL_QUOTA, key=lambda k: (filled(k) / MODAL_QUOTA[k], self.rng.random()))
            if filled(kind) >= MODAL_QUOTA[kind]:
                break

            if kind == "plan_same":
                group = self.rng.choice(PLAN_WORDINGS)
                statement, claim = (_with_verb(text, root, self.rng.choice(group)) for _ in range(2))
                made[kind].append({"statement": statement, "claim": claim, "label": "supports"})
            elif kind == "plan_changed":
                planned_sentences.append(_with_verb(text, root, self.rng.choice(self.rng.choice(PLAN_WORDINGS))))
            else:
                refused = _with_verb(text, root, self.rng.choice(REFUSALS))
                negated = self.negated_main(text, doc, self.rng.random() < 0.5)
                if negated is None:
                    continue
                # as many refutations as supports, so that neither a negation nor a refusal is a label by itself
                statement, claim, label = self.rng.choice((
                    (refused, negated, "supports"), (negated, refused, "supports"),
                    (refused, text, "refutes"), (text, refused, "refutes"), (negated, text, "refutes"),
                    (text, negated, "refutes"), (refused, negated, "supports"), (negated, refused, "supports")))
                made[kind].append({"statement": statement, "claim": claim, "label": label})
        for planned, doc in zip(planned_sentences, self.nlp.pipe(planned_sentences, batch_size=256)):
            for change in ("_number", "_antonym", "_agent_swap", "_object_swap", "_direction", "_negation"):
                variant = getattr(self, change)(planned, planned, "supports", doc, entity_pool, object_pool)
                if variant:
                    statement, claim, label = variant
                    made["plan_changed"].append({"statement": statement, "claim": claim, "label": label})
                    break
        return [{**row, "source": f"modal-{kind}"} for kind, rows in made.items() for row in rows]

    def vary(self, pairs: list[dict], docs: list, entity_pool: dict[str, list[str]], object_pool: list[str],
             quota: dict[str, int], prefix: str) -> list[dict]:
        """Up to two variants of each pair, the kinds least filled first, until each kind has its quota."""
        made: dict[str, list[dict]] = {kind: [] for kind in quota}
        for pair, doc in zip(pairs, docs):
            s, c, label = pair["statement"], pair["claim"], pair["label"]
            variants = 0
            for kind in sorted(quota, key=lambda k: (len(made[k]) / quota[k], self.rng.random())):
                if variants == 2 or len(made[kind]) >= quota[kind]:
                    continue
                variant = getattr(self, f"_{kind}")(s, c, label, doc, entity_pool, object_pool)
                if variant:
                    statement, claim, new_label = variant
                    made[kind].append({"statement": statement, "claim": claim, "label": new_label,
                                       "source": f"{prefix}-{kind}"})
                    variants += 1
        return [p for kind in made.values() for p in kind]

    # Each returns (statement, claim, label) or None.
    def _negation(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        if label == "neutral":
            return None
        for token in doc:
            if token.dep_ in ("aux", "auxpass") or (token.dep_ == "ROOT" and token.lower_ in AUXILIARIES):
                if token.lower_ in AUXILIARIES and token.i + 1 < len(doc) and doc[token.i + 1].lower_ not in ("not", "n't", "never"):
                    return _replace_span(s, token.idx, token.idx + len(token), f"{token.text} not"), c, FLIP[label]
            if token.dep_ == "ROOT" and token.tag_ == "VBD" and token.lemma_:
                return _replace_span(s, token.idx, token.idx + len(token), f"did not {token.lemma_}"), c, FLIP[label]
        return None

    def negated(self, text: str, doc, contracted: bool) -> str | None:  # noqa: ANN001
        """``text`` with its main clause negated: "sent" -> "did not send" / "never sent", "has" -> "has not" /
        "hasn't"; None where there is no auxiliary or past-tense root to negate, or a negation already."""
        if any(token.dep_ == "neg" or token.lower_ in ("never", "no", "nothing", "nobody") for token in doc):
            return None
        for token in doc:
            if token.lower_ in AUXILIARIES and (token.dep_ in ("aux", "auxpass") or token.dep_ == "ROOT"):
                new = CONTRACTED.get(token.lower_, f"{token.lower_} not") if contracted else f"{token.lower_} not"
                new = new[0].upper() + new[1:] if token.text[0].isupper() else new
                return _replace_span(text, token.idx, token.idx + len(token), new)
            if token.dep_ == "ROOT" and token.tag_ == "VBD" and token.lemma_:
                new = f"never {token.text}" if contracted else f"did not {token.lemma_}"
                return _replace_span(text, token.idx, token.idx + len(token), new)
        return None

    def negated_main(self, text: str, doc, contracted: bool) -> str | None:  # noqa: ANN001
        """``text`` with its main clause negated, not a clause inside it: the root's first auxiliary ("is" ->
        "is not" / "isn't"), a copula root, or a simple past or present root ("sent" -> "did not send" / "never
        sent", "arms" -> "does not arm"); None where the sentence has a negation already or no such root."""
        if any(token.dep_ == "neg" or token.lower_ in ("never", "no", "nothing", "nobody", "none") for token in doc):
            return None
        root = next((token for token in doc if token.dep_ == "ROOT"), None)
        if root is None or root.pos_ not in ("VERB", "AUX"):
            return None
        auxiliary = next((t for t in root.children if t.dep_ in ("aux", "auxpass") and t.i < root.i), None)
        if auxiliary is None and root.lower_ in AUXILIARIES:
            auxiliary = root  # "X is a city", "X was in Paris"
        if auxiliary is not None:
            if auxiliary.lower_ not in AUXILIARIES:
                return None
            new = f"{auxiliary.lower_} not"
            new = CONTRACTED.get(auxiliary.lower_, new) if contracted else new
            new = new[0].upper() + new[1:] if auxiliary.text[0].isupper() else new
            return _replace_span(text, auxiliary.idx, auxiliary.idx + len(auxiliary), new)
        do = {"VBD": "did", "VBZ": "does", "VBP": "do"}.get(root.tag_)
        if do is None or not root.lemma_:
            return None
        if contracted and root.tag_ == "VBD":
            new = f"never {root.text}"
        else:
            new = f"{CONTRACTED[do] if contracted else do + ' not'} {root.lemma_}"
        return _replace_span(text, root.idx, root.idx + len(root), new)

    def make_contrapositives(self, pairs: list[dict], quota: dict[str, int] | None = None) -> list[dict]:
        """Negated pairs of two different sentences (``quota`` per kind, default CONTRAPOSITIVE_QUOTA) from NLI
        pairs that support or refute; each side negated in a wording drawn on its own."""
        quota = quota or CONTRAPOSITIVE_QUOTA
        candidates = [p for p in pairs if p["source"] in ("vitaminc_real", "vitaminc_synthetic", "fever_dev", "snli")
                      and p["label"] != "neutral" and p["statement"] != p["claim"]
                      and len(p["statement"].split()) <= 30 and len(p["claim"].split()) <= 40]
        self.rng.shuffle(candidates)
        candidates = candidates[:16000]
        statements = self.nlp.pipe([p["statement"] for p in candidates], batch_size=256)
        claims = self.nlp.pipe([p["claim"] for p in candidates], batch_size=256)
        made: dict[str, list[dict]] = {kind: [] for kind in quota}

        def add(kind: str, statement: str, claim: str, label: str) -> None:
            if len(made[kind]) < quota[kind]:
                made[kind].append({"statement": statement, "claim": claim, "label": label, "source": f"neg-{kind}"})

        for pair, s_doc, c_doc in zip(candidates, statements, claims):
            if all(len(made[k]) >= q for k, q in quota.items()):
                break
            not_s = self.negated_main(pair["statement"], s_doc, self.rng.random() < 0.5)
            not_c = self.negated_main(pair["claim"], c_doc, self.rng.random() < 0.5)
            if not_s is None or not_c is None:
                continue
            if pair["label"] == "supports":  # E supports S: not-S supports not-E, and refutes E
                if len(made["contrapositive"]) <= len(made["negated_against_evidence"]) * 2:
                    add("contrapositive", not_c, not_s, "supports")
                else:
                    add("negated_against_evidence", pair["claim"], not_s, "refutes")
            else:  # E refutes S: not-E and not-S say nothing of each other
                add("negated_refutation", not_s, not_c, "neutral")
        return [p for kind in made.values() for p in kind]

    def _both_negated(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        """A self pair negated on both sides, in two wordings, the claim sometimes attributed: still supports."""
        if label != "supports" or s != c:
            return None
        plain, contracted = self.negated(s, doc, False), self.negated(s, doc, True)
        if plain is None or contracted is None:
            return None
        statement, claim = (plain, contracted) if self.rng.random() < 0.5 else (contracted, plain)
        if self.rng.random() < 0.3 and len(claim.split()) <= 35:
            claim = _attributed(self.rng.choice(SAYS), self.rng.choice(SPEAKERS), _lower_first(_strip_end(claim)))
        return statement, claim, "supports"

    def _claim_negated(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        """A self pair with only the claim negated: refutes (the mirror of ``_negation``)."""
        if label != "supports" or s != c:
            return None
        claim = self.negated(c, doc, self.rng.random() < 0.5)
        return (s, claim, "refutes") if claim else None

    def _number(self, s, c, label, *_):  # noqa: ANN001, ANN202
        if label != "supports":
            return None
        for match in re.finditer(r"(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d.,]*\d)", s):
            raw = match.group(1)
            value = float(raw.replace(",", ""))
            year = 1800 <= value <= 2100 and (not self.news_numbers or re.fullmatch(r"\d{4}", raw))
            if year or raw not in c:
                continue
            factor = self.rng.choice((10, 0.1, 2, 3, 0.5)) if value >= 10 else self.rng.choice((2, 3, 5))
            new = value * factor if value * factor >= 1 else value + self.rng.choice((3, 7, 12))
            grouped = "," in raw or (self.news_numbers and new >= 1000 and self.rng.random() < 0.5)
            text = f"{int(new):,}" if grouped else (f"{new:.1f}" if "." in raw else str(int(round(new))))
            if text != raw:
                return _replace_span(s, match.start(1), match.end(1), text), c, "refutes"
        return None

    def _year(self, s, c, label, *_):  # noqa: ANN001, ANN202
        if label != "supports":
            return None
        for match in re.finditer(r"\b(1[89]\d\d|20\d\d)\b", s):
            if match.group(1) in c:
                new = str(int(match.group(1)) + self.rng.choice((-7, -3, -2, -1, 1, 2, 4, 9)))
                return _replace_span(s, match.start(1), match.end(1), new), c, "refutes"
        return None

    def _antonym(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        if label != "supports":
            return None
        for token in doc:
            if token.lower_ in ANTONYMS and (self.time_antonyms or token.lower_ not in TIME_PREPOSITIONS):
                new = ANTONYMS[token.lower_]
                new = new.capitalize() if token.text[0].isupper() else new
                return _replace_span(s, token.idx, token.idx + len(token), new), c, "refutes"
        return None

    def _agent_swap(self, s, c, label, doc, entity_pool, _):  # noqa: ANN001, ANN202
        """Another actor did it: the claim says nothing about that (neutral)."""
        if label != "supports":
            return None
        for ent in doc.ents:
            if ent.label_ in ("PERSON", "ORG", "GPE", "NORP") and ent.root.dep_ in ("nsubj", "nsubjpass") \
                    and ent.text in c:
                pool = [e for e in entity_pool.get(ent.label_, []) if e != ent.text and e not in c]
                if pool:
                    new = self.rng.choice(pool)
                    return _replace_span(s, ent.start_char, ent.end_char, new), c, "neutral"
        return None

    def _direction(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        """Two actors change places ("Iran sent drones to Russia" -> "Russia sent drones to Iran"): neutral."""
        if label != "supports":
            return None
        actors = [e for e in doc.ents if e.label_ in ACTORS and e.text in c]
        for first, second in zip(actors, actors[1:]):
            if first.text.lower() != second.text.lower() and first.end <= second.start:
                swapped = (s[:first.start_char] + second.text + s[first.end_char:second.start_char] + first.text
                           + s[second.end_char:])
                return swapped, c, "neutral"
        return None

    def _object_swap(self, s, c, label, doc, _, object_pool):  # noqa: ANN001, ANN202
        """Something else was done or given: another fact (neutral)."""
        if label != "supports":
            return None
        for token in doc:
            if token.dep_ == "dobj" and token.tag_ == "NNS" and token.is_alpha and token.text in c:
                pool = [o for o in object_pool if o.lower() != token.lower_ and o.lower() not in c.lower()]
                if pool:
                    return _replace_span(s, token.idx, token.idx + len(token), self.rng.choice(pool)), c, "neutral"
        return None

    def _drop_detail(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        """The statement leaves out a detail the claim gives ("... drones to Russia" against "... drones to Russia
        in August"): the claim still supports it."""
        if label != "supports" or s != c:
            return None
        shorter = _without_detail(s, doc, self.rng)
        return (shorter, c, "supports") if shorter else None

    def _add_detail(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        """The statement adds a detail the claim does not give: the claim is read as supporting the statement's
        fact (the newsroom reading: a denial of the claim then refutes it), not as refuting it."""
        if label != "supports" or s != c:
            return None
        shorter = _without_detail(s, doc, self.rng)
        return (s, shorter, "supports") if shorter else None

    def _hedge(self, s, c, label, *_):  # noqa: ANN001, ANN202
        if label == "neutral" or len(c.split()) > 35:
            return None
        return s, self.rng.choice(HEDGES).format(c=_lower_first(_strip_end(c))) + ".", "neutral"

    def _plan(self, s, c, label, doc, *_):  # noqa: ANN001, ANN202
        """The statement's own fact turned into a plan or threat: it has not happened (neutral)."""
        for token in doc:
            if token.dep_ == "ROOT" and token.tag_ == "VBD" and token.lemma_ and token.lemma_ != "be":
                planned = self.rng.choice(PLANS).format(v=token.lemma_)
                return s, _replace_span(s, token.idx, token.idx + len(token), planned), "neutral"
        return None

    def _attribution(self, s, c, label, *_):  # noqa: ANN001, ANN202
        if len(c.split()) > 35:
            return None
        speaker = self.rng.choice(SPEAKERS)
        body = _lower_first(_strip_end(c))
        kind = self.rng.random()
        if kind < 0.35:
            template, new_label = self.rng.choice(SAYS), label
        elif kind < 0.5:
            template, new_label = self.rng.choice(ADMITS), label
        elif kind < 0.85:
            if label != "supports":
                return None
            template, new_label = self.rng.choice(DENIES), "refutes"
        else:
            template, new_label = self.rng.choice(NEITHER), "neutral"
        return s, _attributed(template, speaker, body), new_label


def _with_verb(text: str, verb, template: str) -> str:  # noqa: ANN001
    """``text`` with the token ``verb`` in ``template`` as its lemma ("sent", "refused to {v}" -> "refused to send")."""
    return _replace_span(text, verb.idx, verb.idx + len(verb), template.format(v=verb.lemma_))


def _past_act(doc):  # noqa: ANN001, ANN202
    """The main verb of a sentence when it is a simple past act of a named actor ("Iran sent", not "was", "said"
    or "The film grossed"), else None."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.tag_ != "VBD" or not root.lemma_ or root.lemma_ in ("be", "have", "say", "do") \
            or any(t.dep_ in ("aux", "auxpass", "neg") for t in root.children):
        return None
    subject = next((t for t in root.children if t.dep_ == "nsubj"), None)
    return root if subject is not None and subject.ent_type_ in ACTORS else None


def _without_detail(text: str, doc, rng: random.Random) -> str | None:  # noqa: ANN001
    """``text`` with one adjunct left out (a prepositional phrase or a date of the main verb, an adjective or a
    count of its object or subject), or None when it has none that can go without changing the fact. Times
    ("before the invasion", "in March") are taken first where there is one: they are what a claim most often
    leaves out, and "before" / "after" must not read as a contradiction when only one side has it."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in ("VERB", "AUX") or root.lemma_ == "be" or any(
            t.dep_ == "neg" or t.lower_ in ("never", "no") for t in doc):
        return None  # a copula's phrase is its predicate; under a negation a dropped detail does not keep the fact
    has_object = any(t.dep_ in ("dobj", "nsubjpass") for t in root.children)  # "belong [to X]" needs its phrase
    times, others = [], []
    for token in root.children:
        span = (token.left_edge.i, token.right_edge.i)
        is_time = any(t.ent_type_ in ("DATE", "TIME") for t in doc[span[0]:span[1] + 1])
        if token.dep_ == "prep" and has_object and token.lower_ in DETAIL_PREPOSITIONS \
                and any(t.dep_ == "pobj" for t in token.children):
            (times if is_time or token.lower_ in TIME_PREPOSITIONS else others).append(span)
        elif token.dep_ == "npadvmod" and token.ent_type_ in ("DATE", "TIME"):
            times.append(span)
        elif token.dep_ in ("dobj", "nsubj", "nsubjpass"):
            others += [(m.i, m.i) for m in token.children
                       if (m.dep_ == "amod" and m.lower_ not in NON_SUBSECTIVE and m.is_alpha)
                       or (m.dep_ == "nummod" and m.like_num and m.i + 1 == token.i and m.i > 0
                           and doc[m.i - 1].pos_ not in ("SYM", "NUM") and doc[m.i - 1].whitespace_)]
    times, others = [sp for sp in times if sp[1] - sp[0] < 8], [sp for sp in others if sp[1] - sp[0] < 8]
    if not times and not others:
        return None
    first, last = rng.choice(times if times and (not others or rng.random() < 0.6) else others)
    start, end = doc[first].idx, doc[last].idx + len(doc[last])
    before, after = text[:start].rstrip(" ,"), text[end:].lstrip(" ,")
    glue = "" if not before or not after or after[0] in ".!?;:" else " "
    shorter = (before + glue + after).strip()
    if len(shorter.split()) < 4 or shorter == text:
        return None
    return shorter[0].upper() + shorter[1:]


def build(data_dir: Path, share: float, seed: int) -> tuple[list[dict], list[dict]]:
    """(training pairs, validation pairs), deterministic for a seed."""
    nli_train, nli_validation = nli_pairs(data_dir / "nli", share)
    fnc_train, fnc_validation = fnc_pairs(data_dir / "fnc1", seed)
    augmented = Augmenter(seed).make(nli_train)
    train = nli_train + fnc_train + augmented
    random.Random(f"train:{seed}").shuffle(train)
    return train, nli_validation + fnc_validation


def self_sentences(data_dir: Path, share: float, validation: bool, seed: int) -> list[str]:
    """Short sentences for self-contrast pairs, on one side of the statement split: FNC-1 headlines, then NLI
    statements (VitaminC, FEVER), at most ``SELF_SENTENCES``."""
    with (data_dir / "fnc1" / "train_stances.csv").open(encoding="utf-8") as f:
        headlines = sorted({clean(row["Headline"]) for row in csv.DictReader(f)})
    statements = sorted({clean(r["statement"]) for name in ("vitaminc_real", "vitaminc_synthetic", "fever_dev")
                         for r in read_jsonl(data_dir / "nli" / f"{name}.jsonl")})
    rng = random.Random(f"self:{seed}")
    rng.shuffle(headlines)
    rng.shuffle(statements)
    chosen, seen = [], set()
    for text in headlines + statements:
        key = statement_key(text)
        if (4 <= len(text.split()) <= 30 and key not in seen
                and in_validation(key, share) == validation):
            seen.add(key)
            chosen.append(text)
    return chosen[:SELF_SENTENCES if not validation else SELF_SENTENCES // 5]


def swaps_time(row: dict) -> bool:
    """Whether a pair is an antonym swap of "before" / "after": ``_antonym`` replaces the statement's first word
    with an antonym, so that word, in the swapped statement, is a time preposition."""
    if row["source"] != "aug-antonym":
        return False
    first = next((w for w in re.findall(r"[a-z]+", row["statement"].lower()) if w in ANTONYMS), None)
    return first in TIME_PREPOSITIONS


def build_refine(data_dir: Path, share: float, seed: int, replay: list[dict], replayed: int,
                 time_antonyms: bool = True, news_numbers: bool = False, negation_both_sides: bool = False,
                 contrapositives: list[dict] | None = None, contrapositive_quota: dict[str, int] | None = None,
                 self_contrast: bool = True, headlines: bool = False, modal: bool = False,
                 written: list[Path] | None = None, written_repeat: int = 1,
                 ) -> tuple[list[dict], list[dict]]:
    """(training pairs, validation pairs) of the refine stage: self-contrast pairs and ``replayed`` pairs of the
    first stage's training set; the validation pairs are self-contrast pairs of validation-side sentences. With
    ``contrapositives`` (the first stage's validation pairs), negated pairs of two sentences
    (``contrapositive_quota`` per kind) are added to both sides, made from the first stage's training and
    validation pairs respectively. ``self_contrast=False`` leaves the self-contrast pairs out; ``headlines`` adds
    the headline pairs of ``headline_pairs`` to both sides; ``modal`` the modal kinds (MODAL_QUOTA, ``make_modal``)
    of the self-contrast sentences; ``written`` the hand-written pairs of ``written_pairs``, their training side
    ``written_repeat`` times."""
    augmenter = Augmenter(seed, time_antonyms, news_numbers, negation_both_sides)
    train, validation = [], []
    if self_contrast:
        train = augmenter.make_self(self_sentences(data_dir, share, False, seed))
        validation = augmenter.make_self(self_sentences(data_dir, share, True, seed))
    if contrapositives is not None:
        train += augmenter.make_contrapositives(replay, contrapositive_quota)
        validation += augmenter.make_contrapositives(contrapositives, contrapositive_quota)
    if modal:
        train += augmenter.make_modal(self_sentences(data_dir, share, False, seed))
        validation += augmenter.make_modal(self_sentences(data_dir, share, True, seed))
    if headlines:
        headline_train, headline_validation = headline_pairs(data_dir / "fnc1", seed)
        train += headline_train
        validation += headline_validation
    if written:
        written_train, written_validation = written_pairs(written, share, seed)
        train += written_train * written_repeat
        validation += written_validation
    if not time_antonyms:  # nor replayed: the first stage's "before" / "after" swaps stay out too
        replay = [row for row in replay if not swaps_time(row)]
    rng = random.Random(f"replay:{seed}")
    train += rng.sample(replay, min(replayed, len(replay)))
    random.Random(f"refine:{seed}").shuffle(train)
    return train, validation


def written_pairs(paths: Iterable[Path], share: float, seed: int) -> tuple[list[dict], list[dict]]:
    """Hand-written news pairs (JSONL: statement, claim, label, kind), split by statement: (train, validation).

    Their source is ``written_<kind>`` so that the figures per source show each kind."""
    train, validation = [], []
    for path in paths:
        for row in read_jsonl(path):
            pair = {"statement": row["statement"], "claim": row["claim"], "label": row["label"],
                    "source": "written_" + re.sub(r"\W+", "_", row.get("kind", "pair")).strip("_")}
            side = validation if in_validation(statement_key(pair["statement"]), share, f"written:{seed}") else train
            side.append(pair)
    return train, validation


def summarise(pairs: Iterable[dict]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = {}
    for p in pairs:
        counts.setdefault(p["source"], Counter())[p["label"]] += 1
    return {source: dict(c) for source, c in sorted(counts.items())}
