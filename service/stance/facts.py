"""Fact checks over the parse: the details a cross-encoder of this size reads as "same topic, so supports".

The claim-level model judges whether a claim's content supports, refutes or says nothing about the statement.
At 6 layers it reliably tells the topic, less reliably the fact: another actor, the same verb in the other
direction, another number, an antonym, "some" against "all", "before" against "after". These are read here from
spaCy's dependency parse of both sides (the pipeline extraction already loads) and applied on top of the model's
probabilities, for pairs the model finds related:

- **another actor** (the subjects name different parties: "The United States sent drones" against "Iran sent
  drones", "The mayor of Chicago" against "The mayor of Boston"), or **the same verb the other way round** ("Russia
  sent drones to Iran" against "Iran sent drones to Russia"), or **the same act done to another made thing** ("Iran
  sent tanks" against "Iran admitted that it sent drones", "supplied missiles" against "provided Russia with drones":
  two of WordNet's nouns of made things, neither a kind nor a sibling of the other): another fact, so neutral;
- **a conflicting detail** of the same fact: a number of the same thing that cannot be the same ("about 2,000
  drones" against "about 200 drones", "about 30 people" against "at least 300 people"), an opposite verb ("rose"
  against "fell", "upheld" against "struck down", "joined" against "left"), an opposite predicative adjective of the
  same subject ("is safe" against "is unsafe", "remained closed" against "is open", "found ... innocent" against
  "is guilty"), a part against the whole ("Some of the hostages" against "All of the hostages"), "after" against
  "before" the same event: refutes;
- **a story called untrue on one side only** ("Banksy arrest hoax: US website claims street artist caught" against
  "Banksy was arrested in London", "Experts debunk claims that a spider burrowed under his skin"), even in a
  headline without a verb; not a denial's own words ("denied it, calling the accusations false": the denial is
  the claim's voice): refutes;
- **the same act negated on one side only**, with nothing on the negated side that the other does not say ("The bank
  did not raise interest rates" against "The central bank raised interest rates by half a point on Thursday"):
  refutes.

Before the model reads a pair, a count in the claim that entails the statement's bound or approximation of the same
thing is written as the statement writes it ("The floods killed 124 people" against "At least 100 people died" is
read as "The floods killed at least 100 people"; ``numbers_alike``), as a capital is given its country's name
(``name_countries_alike``): the parse says whether one number entails another, the model judges the rest.

Any other negation leaves the pair to the model (two negations of one fact are its job, not a rule's; "did not send
drones after the invasion" against "sent drones months before the war" says more than the claim), and so does
anything the parse does not settle: a converse verb ("bought from" against "sold to"), a synonym, a pronoun subject.
"""
from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..extraction.verbs import COGNITION_VERBS, CONTENT_VERBS, DENIAL_VERBS
from .wordnet import artifact_nouns, irregular_verbs

OTHER_FACT, CONFLICT, HEDGED, SAME_FACT = "other_fact", "conflict", "hedged", "same_fact"
# Entity types that name a party; dates and times are details, not actors.
NAME_TYPES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"}
SKIPPED_ENTITY_TYPES = {"DATE", "TIME", "ORDINAL"}
TITLE_TYPES = {"EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
# Reporting verbs whose clausal complement is the fact ("Officials said at least 300 people died"), and verbs of
# belief and evidence ("Officials believe P", "Data show P").
REPORTING = CONTENT_VERBS | COGNITION_VERBS
# Raising verbs see through to their complement: "Iran has appeared to acknowledge that P" -> "acknowledge that P".
RAISING = frozenset({"appear", "appears", "appeared", "seem", "seems", "seemed"})
# A hedge: a passive report ("is said to", "are believed to have"), a modal of possibility or a hedging adverb on
# the main verb. A hedged claim neither supports nor refutes a statement that asserts the fact itself.
HEDGING_PASSIVES = frozenset({"said", "reported", "believed", "thought", "alleged", "rumoured", "rumored",
                              "understood", "suspected", "claimed", "feared", "reputed", "supposed"})
HEDGING_MODALS = frozenset({"may", "might", "could"})
HEDGING_ADVERBS = frozenset({"reportedly", "allegedly", "apparently", "possibly", "perhaps", "supposedly",
                             "purportedly", "probably", "likely", "seemingly", "maybe"})
# A report whose source is unnamed ("Reports say P", "P, sources said", "according to media reports") hedges P.
UNNAMED_SOURCES = frozenset({"report", "reports", "source", "sources", "rumour", "rumours", "rumor", "rumors",
                             "media", "speculation"})
DEFINITE = frozenset({"the", "this", "that", "these", "those", "its", "their", "his", "her", "our"})
QUOTE_CLOSERS = " \t\n\"'”’»)]"  # stripped before asking whether a sentence ends with a question mark
# Capitals and seats of government standing for their country ("Tehran has supplied drones to Moscow"), and the
# name the country is given instead when the other side of a pair names it as a country.
CAPITALS = {"Tehran": "iran", "Moscow": "russia", "the Kremlin": "russia", "The Kremlin": "russia",
            "Kremlin": "russia", "Washington": "united states", "Kyiv": "ukraine", "Kiev": "ukraine",
            "Beijing": "china", "London": "united kingdom", "Paris": "france", "Berlin": "germany",
            "Brussels": "european union", "Pyongyang": "north korea", "Seoul": "south korea", "Ankara": "turkey",
            "Damascus": "syria", "Baghdad": "iraq", "Tokyo": "japan", "New Delhi": "india", "Delhi": "india"}
CAPITAL_COUNTRIES = frozenset(CAPITALS.values())
COUNTRY_NAMES = {"united states": "the United States", "united kingdom": "Britain", "european union": "the EU"}
# One party under several names: capitals and seats of government, demonyms and short forms.
ALIASES = {
    "us": "united states", "u.s.": "united states", "usa": "united states", "u.s.a.": "united states",
    "america": "united states", "american": "united states", "americans": "united states",
    "the united states": "united states",
    "uk": "united kingdom", "u.k.": "united kingdom", "britain": "united kingdom", "great britain": "united kingdom",
    "british": "united kingdom", "french": "france", "eu": "european union",
    "the european union": "european union", "turkish": "turkey", "japanese": "japan", "dutch": "netherlands",
    "swiss": "switzerland", "greek": "greece",
    **{capital.lower(): country for capital, country in CAPITALS.items()},
}
# Demonyms that name a country the capitals stand for, where a pair is read by the model ("The Iranian minister").
DEMONYMS = {"Iranian": "iran", "Russian": "russia", "Ukrainian": "ukraine", "Chinese": "china", "German": "germany",
            "Syrian": "syria", "Iraqi": "iraq", "Indian": "india", "North Korean": "north korea",
            "South Korean": "south korea"}
CAPITAL_PATTERN = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, CAPITALS), key=len, reverse=True)) + r")\b")
CAPITALISED_WORDS = re.compile(r"\b[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*")
MAX_NAMES = 12  # parties read from one subject: enough for "Iran, Russia and Belarus", bounded for hostile text
NAME_STOPWORDS = {"the", "of", "and", "for", "in", "on", "at", "new", "united", "north", "south", "east", "west",
                  "saint", "san", "st.", "national", "republic", "state", "city", "county"}
# Opposite predicates (forms as written, a particle after a space); a pair across two groups of a row conflicts.
OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split("|")), frozenset(b.split("|"))) for a, b in (
        ("rise|rises|rose|risen|rising|increase|increases|increased|increasing|grow|grows|grew|grown|growing|"
         "climb|climbs|climbed|jump|jumps|jumped|surge|surges|surged|soar|soars|soared|go up|goes up|went up|"
         "gone up",
         "fall|falls|fell|fallen|falling|decrease|decreases|decreased|decreasing|decline|declines|declined|"
         "drop|drops|dropped|shrink|shrinks|shrank|shrunk|plunge|plunges|plunged|tumble|tumbles|tumbled|"
         "slump|slumps|slumped|go down|goes down|went down|gone down"),
        ("uphold|upholds|upheld|affirm|affirms|affirmed",
         "overturn|overturns|overturned|strike down|strikes down|struck down|overrule|overrules|overruled|"
         "reverse|reverses|reversed|quash|quashes|quashed|annul|annuls|annulled|invalidate|invalidated"),
        ("approve|approves|approved|accept|accepts|accepted|endorse|endorses|endorsed",
         "reject|rejects|rejected|veto|vetoes|vetoed|refuse|refuses|refused|decline|declines|declined"),
        ("win|wins|won|winning", "lose|loses|lost|losing"),
        ("raise|raises|raised|hike|hikes|hiked",
         "cut|cuts|lower|lowers|lowered|reduce|reduces|reduced|slash|slashes|slashed"),
        ("open|opens|opened|reopen|reopens|reopened", "close|closes|closed|shut|shuts|shut down|shuts down"),
        ("acquit|acquits|acquitted|clear|clears|cleared", "convict|convicts|convicted"),
        ("hire|hires|hired", "fire|fires|fired|lay off|lays off|laid off"),
        ("gain|gains|gained", "lose|loses|lost"),
        ("pass|passes|passed|adopt|adopts|adopted", "fail|fails|failed|reject|rejects|rejected|defeat|defeats|defeated"),
        ("succeed|succeeds|succeeded", "fail|fails|failed"),
        ("ban|bans|banned|prohibit|prohibits|prohibited|outlaw|outlaws|outlawed|forbid|forbids|forbade",
         "legalise|legalises|legalised|legalize|legalizes|legalized|allow|allows|allowed|permit|permits|permitted|"
         "unban|unbans|unbanned"),
        ("impose|imposes|imposed|introduce|introduces|introduced|reinstate|reinstates|reinstated",
         "lift|lifts|lifted|remove|removes|removed|scrap|scraps|scrapped|repeal|repeals|repealed|abolish|abolishes|"
         "abolished|drop|drops|dropped"),
        ("arrest|arrests|arrested|detain|detains|detained|jail|jails|jailed|imprison|imprisons|imprisoned",
         "release|releases|released|free|frees|freed"),
        ("improve|improves|improved", "worsen|worsens|worsened|deteriorate|deteriorates|deteriorated"),
        ("expand|expands|expanded", "contract|contracts|contracted|shrink|shrinks|shrank|shrunk"),
        ("end|ends|ended", "extend|extends|extended|prolong|prolongs|prolonged|continue|continues|continued"),
        ("halt|halts|halted|stop|stops|stopped|suspend|suspends|suspended|pause|pauses|paused",
         "resume|resumes|resumed|restart|restarts|restarted"),
        ("join|joins|joined|enter|enters|entered", "leave|leaves|left|quit|quits|exit|exits|exited|withdraw|"
         "withdraws|withdrew|withdrawn"),
        ("strengthen|strengthens|strengthened|tighten|tightens|tightened",
         "weaken|weakens|weakened|loosen|loosens|loosened|relax|relaxes|relaxed|ease|eases|eased"),
        ("support|supports|supported|back|backs|backed|favour|favours|favoured|favor|favors|favored",
         "oppose|opposes|opposed"),
    ))
# Opposite predicative adjectives ("The vaccine is safe" against "... is unsafe", "found him innocent"), besides
# a negative prefix of the same word (OPPOSITE_PREFIXES: "legal" / "illegal").
ADJECTIVE_OPPOSITES: tuple[tuple[frozenset[str], frozenset[str]], ...] = tuple(
    (frozenset(a.split("|")), frozenset(b.split("|"))) for a, b in (
        ("safe|harmless", "dangerous|harmful|hazardous|toxic|deadly"),
        ("legal|lawful|constitutional|valid", "unconstitutional|unlawful|void"),
        ("guilty", "innocent"),
        ("alive|living", "dead|deceased"),
        ("open|reopened", "closed|shut"),
        ("true|accurate|correct|genuine|real|authentic", "false|wrong|fake|untrue|fabricated|bogus|doctored"),
        ("higher|more|greater|bigger|larger|stronger|better|up|rising|increasing",
         "lower|fewer|less|smaller|weaker|worse|down|falling|decreasing"),
        ("full", "empty"),
        ("present", "absent"),
        ("winning", "losing"),
    ))
OPPOSITE_PREFIXES = ("un", "in", "il", "im", "ir", "non", "non-", "dis")
# Words that call a story untrue: a headline "Banksy arrest hoax" or "Experts debunk spider claims" refutes one
# that tells the story, though neither is negated.
DEBUNKING = frozenset({"hoax", "hoaxes", "fake", "faked", "debunk", "debunks", "debunked", "debunking", "myth",
                       "myths", "satire", "satirical", "bogus", "untrue", "fabricated", "fabrication", "false"})
# Verbs of a verdict on their object: "found the minister innocent", "declared the vote invalid".
VERDICT_VERBS = frozenset({"find", "finds", "found", "declare", "declares", "declared", "rule", "rules", "ruled",
                           "deem", "deems", "deemed", "judge", "judges", "judged", "pronounce", "pronounced"})
# Verbs whose predicative adjective is the fact: "is safe", "remained closed", "became illegal".
COPULAS = frozenset({"is", "are", "was", "were", "be", "been", "being", "'s", "remain", "remains", "remained",
                     "stay", "stays", "stayed", "become", "becomes", "became", "seem", "seems", "seemed"})
SPEAKER_PRONOUNS = {"it", "they", "we", "he", "she", "i"}
UNIVERSAL = {"all", "every", "each", "entire", "whole"}
PARTIAL = {"some", "only", "most", "several", "few", "part", "half", "many", "majority", "minority"}
NONE = {"none", "no", "nobody", "nothing"}
TIME_RELATIONS = {"before": "before", "after": "after", "prior": "before", "following": "after", "since": "after"}
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40,
                "fifty": 50, "hundred": 100, "dozen": 12, "dozens": 24}
MULTIPLIERS = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
               "trillion": 1_000_000_000_000, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
APPROXIMATE = {"about", "around", "roughly", "nearly", "almost", "approximately", "some", "close", "estimated",
               "an", "a"}
AT_LEAST = {"least", "more", "over", "above", "exceeding", "upwards"}
AT_MOST = {"most", "up", "fewer", "less", "under", "below"}
EXACT_MARGIN, APPROXIMATE_MARGIN = 0.1, 0.25
# The words of a number's bound or approximation, as written right before it ("at least", "more than", "up to",
# "about"; not "a", which is "a total of" as often as "a dozen").
BOUND_WORDS = (AT_LEAST | AT_MOST | APPROXIMATE | {"at", "than", "to"}) - {"a", "an"}
# Counts of time are durations or clock readings, seldom the fact itself ("with over 8 minutes left").
TIME_UNITS = {"second", "minute", "hour", "day", "week", "month", "year", "decade", "century", "season", "time"}
# The parts of speech of a fact's content words (Fact.words): what one side of a negation may say.
CONTENT_POS = {"NOUN", "PROPN", "VERB", "ADJ", "NUM"}
NEGATIVE_POLARITY = frozenset({"single", "ever", "whatsoever"})  # "never sent a single drone": the denial's emphasis
# A contest's result: "X beat Y", "Y was defeated by X", "Y lost to X", "X won against Y"
BEATING_VERBS = frozenset({"beat", "beats", "beaten", "beating", "defeat", "defeats", "defeated", "defeating",
                           "edged", "edges", "overcame", "overcomes", "thrashed", "thrashes", "routed", "routs",
                           "downed", "outplayed", "outscored", "trounced", "crushed", "eliminated", "knocked out"})
LOSING_VERBS = frozenset({"lost", "lose", "loses", "losing"})
WINNING_VERBS = frozenset({"won", "win", "wins", "winning"})
EXCLUSIVE = frozenset({"only", "just", "exclusively", "solely", "merely"})
# Verbs of handing something over: one act whichever of them a side uses ("supplied missiles", "sent drones").
TRANSFER_VERBS = frozenset(
    "send sends sent sending ship ships shipped shipping supply supplies supplied supplying provide provides provided "
    "providing deliver delivers delivered delivering give gives gave given giving sell sells sold selling "
    "transfer transfers transferred transferring export exports exported exporting".split())
# Nouns that count or gather a thing: "hundreds of drones", "a batch of drones", "a small number of drones".
QUANTITY_NOUNS = frozenset(
    "number numbers batch batches shipment shipments consignment consignments lot lots hundred hundreds thousand "
    "thousands dozen dozens million millions amount amounts quantity quantities load loads fleet supply supplies "
    "type types kind kinds set sets pair pairs couple series part parts portion handful range variety".split())


@dataclass(frozen=True)
class Amount:
    """A number of something: the interval it allows and what it counts."""

    low: float
    high: float
    unit: str  # the counted noun, singular and lower case ("drone", "people", "percent")
    value: float = 0.0  # the number itself
    bound: str = "exact"  # "exact", "about", "at least" or "at most", as written
    text: str = ""  # the number as written, with its bound or approximation ("at least 300", "about 2,000")

    def within(self, other: Amount) -> bool:
        """Whether this count entails ``other``, a bound or an approximation of the same thing: "124 people" is "at
        least 100 people", "1,950 workers" is "about 2,000 workers"; "more than 26 million" is "more than 25
        million", "more than 1.0 billion" is not "more than 1.06 billion"."""
        if other.bound == "exact" or not self.unit or self.unit != other.unit:
            return False
        if self.bound in {"at least", "at most"}:
            return other.low <= self.low and self.high <= other.high
        if other.bound == "about":
            return other.low <= self.value <= other.high
        return other.low < self.value < other.high  # "more than 74%" is not "74%"


@dataclass(frozen=True)
class Fact:
    """What a sentence asserts, as far as the parse says: its predicate, actors, amounts and qualifiers."""

    predicate: str  # the main verb as written, lower case, with its particle ("struck down")
    negated: bool
    action: bool  # the predicate is a verb of action, not a copula ("is", "has")
    actor_names: frozenset[str]  # parties named in the active subject, or in a passive's agent
    subject_head: str  # the subject's head noun, singular ("" for none or a pronoun)
    object_heads: frozenset[str]  # the direct and prepositional objects' head nouns, singular
    theme: str  # the direct object's head noun (a passive's subject), singular
    amounts: tuple[Amount, ...]
    quantifier: str | None  # "universal", "partial" or "none", of the subject
    times: frozenset[tuple[str, str]]  # ("before" | "after", the event noun)
    hedged: bool = False  # "is said to", "may have", "reportedly": not asserted as a fact
    attribute: str = ""  # a copula's predicative adjective, lower case ("is unsafe" -> "unsafe")
    debunked: bool = False  # the sentence calls something a hoax, a fake or a myth, or debunks it
    words: frozenset[str] = frozenset()  # its content words but the main verb, lower case and singular
    acts: frozenset[tuple[str, str]] = frozenset()  # (verb, the thing it is done to) of the main verb and verbs
    # coordinated with it: "The drone part is true and we provided Russia a small number of drones" ->
    # {("provided", "drone")}
    exclusive: bool = False  # "only", "just", "exclusively" on an act or its thing: other things ruled out
    verb_negated: bool = False  # the main verb itself is negated ("did not send", "never sent")
    excluded: frozenset[str] = frozenset()  # head nouns negated as a phrase: "Labour, not the Conservatives" ->
    # {"conservative"}, "signed not by the mayor but by her deputy" -> {"mayor"}
    winners: frozenset[str] = frozenset()  # parties a contest's result names as winning ("Spain beat England")
    losers: frozenset[str] = frozenset()  # and as losing ("England", "England lost to Spain")
    names: frozenset[str] = frozenset()  # its proper nouns, lower case and singular ("china", "march"); a first
    # word only as part of a named entity ("Absinthe is allowed" is no name)


def singular(word: str) -> str:
    word = word.lower()
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def party(name: str) -> str:
    """A name as compared: lower case, no accents, possessive or punctuation, its alias resolved."""
    name = unicodedata.normalize("NFKD", name.lower()).encode("ascii", "ignore").decode()
    name = re.sub(r"'s\b", "", name)
    name = " ".join(re.findall(r"[\w.&-]+", name)).strip(" .")
    name = re.sub(r"^the\s+", "", name)
    return ALIASES.get(name, name)


def countries_named(text: str) -> set[str]:
    """The countries ``text`` names as countries (or by a demonym), not by their capitals."""
    found = set()
    for match in CAPITALISED_WORDS.finditer(text[:2000]):
        words = match.group(0).split()[:MAX_NAMES]
        for name in words + [" ".join(words[i:i + 2]) for i in range(len(words) - 1)]:
            country = DEMONYMS.get(name) or party(name)
            if name.rstrip(".") not in CAPITALS and country in CAPITAL_COUNTRIES:
                found.add(country)
    return found


def name_countries_alike(statement: str, claim: str) -> tuple[str, str]:
    """The pair with a capital that stands for a country the other side names as a country replaced by that
    country's name ("Tehran has supplied drones to Moscow" against "Iran supplied drones to Russia" -> "Iran has
    supplied drones to Russia"), so that the model reads one party under one name. Other capitals stay."""
    def rename(text: str, other: set[str]) -> str:
        def country(match: re.Match) -> str:
            country = CAPITALS[match.group(0)]
            if country not in other:
                return match.group(0)
            name = COUNTRY_NAMES.get(country, country.title())
            return name[0].upper() + name[1:] if match.start() == 0 else name

        return CAPITAL_PATTERN.sub(country, text)

    return rename(statement, countries_named(claim)), rename(claim, countries_named(statement))


def same_party(a: str, b: str) -> bool:
    """Perhaps one party under two names: equal, a name word in common ("Tim Roth", "Timothy Simon Roth"), an
    acronym, or a demonym of a place. In doubt, the same: the check then leaves the pair to the model."""
    if a == b:
        return True
    words_a, words_b = set(re.split(r"[\s-]+", a)) - NAME_STOPWORDS, set(re.split(r"[\s-]+", b)) - NAME_STOPWORDS
    if any(len(w) >= 3 for w in words_a & words_b):
        return True
    for short, long in ((a, b), (b, a)):
        if " " not in short and len(short) > 1 and short == "".join(w[0] for w in long.split()
                                                                  if w not in {"of", "the", "and", "for"}):
            return True
    if " " in a or " " in b:
        return False
    common = len(os.path.commonprefix([a, b]))
    return common >= max(4, min(len(a), len(b)) - 1)  # Iran/Iranian, Ukraine/Ukrainian, China/Chinese


def overlap(a: Iterable[str], b: Iterable[str]) -> bool:
    return any(same_party(x, y) for x in a for y in b)


def _title_case(doc: Any) -> bool:
    """A headline in title case ("ISIS Beheads American Journalist"): every word a proper noun to the tagger."""
    words = [t for t in doc if t.is_alpha and len(t) > 3]
    return len(words) >= 3 and sum(t.text[0].isupper() for t in words) >= 0.8 * len(words)


def _phrase(token: Any) -> list[Any]:
    """A subject's own words: its subtree without clauses, appositions and parentheses ("The game simulations
    conducted by EA" -> "The game simulations")."""
    words, todo = [], [token]
    while todo:  # a loop, not recursion: a hostile parse can be a thousand tokens deep
        word = todo.pop()
        words.append(word)
        todo += [c for c in word.children if c.dep_ not in {"acl", "relcl", "appos", "advcl", "punct", "parataxis"}]
    return words


def _names(tokens: Iterable[Any]) -> frozenset[str]:
    """The parties named among ``tokens`` (at most MAX_NAMES): named entities, and proper nouns outside title-case
    headlines."""
    found: set[str] = set()
    title_case = None
    for token in tokens:
        if len(found) >= MAX_NAMES:
            break
        if token.ent_type_ in NAME_TYPES:
            span = next((e for e in token.doc.ents if e.start <= token.i < e.end), None)
            found.add(party(span.text if span is not None else token.text))
        elif token.pos_ == "PROPN" and token.ent_type_ not in SKIPPED_ENTITY_TYPES:
            title_case = _title_case(token.doc) if title_case is None else title_case
            if not title_case:
                found.add(party(token.text))
    return frozenset(n for n in found if n)


def _predicate(doc: Any) -> tuple[Any | None, Any | None, bool]:
    """The main verb, below reporting and raising verbs ("Officials said P", "X appeared to acknowledge that P"
    -> P's verb), the last reporting verb above it, and whether a passive report hedges it ("X is said to V")."""
    root, reporting, hedged = next((t for t in doc if t.dep_ == "ROOT"), None), None, False
    for _ in range(4):
        if root is not None and root.lower_ in HEDGING_PASSIVES and any(c.dep_ == "auxpass" for c in root.children):
            complement = next((c for c in root.children if c.dep_ == "xcomp"), None)
            if complement is None:
                break
            root, hedged = complement, True
            continue
        raising = root is not None and root.lower_ in RAISING
        if root is None or not (raising or root.lower_ in REPORTING):
            break
        complement = next((c for c in root.children if c.dep_ in {"ccomp", "xcomp"}), None)
        if complement is None and not raising:
            complement = _clause_after_adverbial(root)
        if complement is None:
            break
        hedged = hedged or not raising and _unnamed_source(c for c in root.children if c.dep_ == "nsubj")
        root, reporting = complement, (reporting if raising else root)
    return root, reporting, hedged


def _unnamed_source(sources: Iterable[Any]) -> bool:
    """Whether a report's source is only "reports", "sources" or "media" ("Reports say P", "according to sources"),
    not a report named or pointed to ("the report", "Reuters sources")."""
    return any(s.lower_ in UNNAMED_SOURCES and not any(
        c.dep_ in {"det", "poss"} and c.lower_ in DEFINITE or c.dep_ == "compound" and c.pos_ == "PROPN"
        for c in s.children) for s in sources)


def _clause_after_adverbial(verb: Any) -> Any | None:
    """The content clause that the small parser hangs on a time phrase as a relative clause: "acknowledged for the
    first time that it sent drones" (sent <relcl time), "said on Monday that ..."; only a clause with "that" and a
    subject of its own."""
    for prep in (c for c in verb.children if c.dep_ == "prep"):
        for noun in (c for c in prep.children if c.dep_ == "pobj"):
            for clause in (c for c in noun.children if c.dep_ == "relcl"):
                words = list(clause.children)
                if any(w.lower_ == "that" and w.dep_ in {"advmod", "mark"} for w in words) and any(
                        w.dep_ in {"nsubj", "nsubjpass"} for w in words):
                    return clause
    return None


def _speaker(reporting: Any) -> list[Any]:
    """The subject of a reporting verb, or of the raising verb it completes ("Iran has appeared to acknowledge")."""
    verb = reporting
    for _ in range(3):
        subjects = [c for c in verb.children if c.dep_ == "nsubj"]
        if subjects or verb.dep_ != "xcomp":
            return subjects
        verb = verb.head
    return []


def _object_of(token: Any, preposition: str) -> Any | None:
    """The object of ``token``'s prepositional phrase with ``preposition`` ("hundreds of drones", "of" -> drones)."""
    phrase = next((c for c in token.children if c.dep_ == "prep" and c.lower_ == preposition), None)
    return next((c for c in phrase.children if c.dep_ == "pobj"), None) if phrase is not None else None


def _head_noun(token: Any) -> str:
    """The counted or named thing of a subject or object: "All of the hostages" -> hostage."""
    if token.pos_ == "PRON" or token.lower_ in UNIVERSAL | PARTIAL | NONE:
        target = _object_of(token, "of")
        return singular(target.text) if target is not None and target.pos_ in {"NOUN", "PROPN"} else ""
    return singular(token.text) if token.pos_ in {"NOUN", "PROPN"} else ""


def _thing(verb: Any) -> Any | None:
    """The common noun an act is done to: its direct object, seen through a quantity noun ("hundreds of drones", "a
    small number of drones") and past a recipient ("provided Russia with drones"); a passive's subject only under a
    verb of handing over ("Missiles were shipped to Russia"), since elsewhere it is as often what the sentence is
    about ("The film was released")."""
    thing = next((c for c in verb.children if c.dep_ == "dobj"
                  or c.dep_ == "nsubjpass" and verb.lower_ in TRANSFER_VERBS), None)
    if thing is not None and (thing.pos_ == "PROPN" or thing.ent_type_ in NAME_TYPES):
        thing = _object_of(verb, "with")
    for _ in range(2):  # "a small number of batches of drones" is as deep as it goes
        if thing is None or thing.lower_ not in QUANTITY_NOUNS:
            break
        thing = _object_of(thing, "of")
    return thing if thing is not None and thing.pos_ == "NOUN" else None


def _acts(verb: Any) -> tuple[frozenset[tuple[str, str]], bool]:
    """(verb, thing) for the main verb and the verbs coordinated with it that act on a thing, and whether "only" or
    the like limits one of those verbs or things ("only produces sparkling water", "wears only a dress"; not "only a
    few of them")."""
    verbs = [v for v in [verb] + [c for c in verb.children if c.dep_ == "conj"] if v.pos_ == "VERB"]
    acts = [(v, thing) for v in verbs if (thing := _thing(v)) is not None]
    limited = any(c.lower_ in EXCLUSIVE for v, thing in acts for c in [*v.children, *thing.children])
    return frozenset((v.lower_, singular(thing.text)) for v, thing in acts), limited


def _quantifier(subject: Any) -> str | None:
    """"universal", "partial" or "none": the subject's quantifier word ("All of the hostages", "Some banks", "No
    one"), or a count out of a total ("Eight of the 11 passengers", "Two of the three men": partial)."""
    words = {subject.lower_} | {c.lower_ for c in subject.children if c.dep_ in {"det", "predet", "advmod", "amod",
                                                                                    "quantmod"}}
    whole = _object_of(subject, "of")
    if whole is not None:
        count = _number(subject)
        total = next((n for c in whole.children if c.dep_ == "nummod" and (n := _number(c)) is not None), None)
        if count and total and count < total:
            return "partial"
    if words & NONE:
        return "none"
    if words & PARTIAL:
        return "partial"
    if words & UNIVERSAL:
        return "universal"
    return None


def _number(token: Any) -> float | None:
    text = token.lower_.replace(",", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    return float(NUMBER_WORDS[text]) if text in NUMBER_WORDS else None


def _currency(doc: Any, first: Any, last: Any) -> str:
    """The currency of an amount of money: its symbol before, or its word after ("300 pounds")."""
    if first.i > 0 and doc[first.i - 1].is_currency:
        return "money " + doc[first.i - 1].text
    after = doc[last.i + 1].lower_ if last.i + 1 < len(doc) else ""
    return "money " + singular(after) if after.isalpha() else ""


def _amounts(sentence: Any) -> tuple[Amount, ...]:
    """Numbers of things, each with its interval ("about 200 drones": 150-250 drones), years and dates left out."""
    amounts, used, doc = [], set(), sentence.doc
    for token in sentence:
        if token.i in used or token.ent_type_ in SKIPPED_ENTITY_TYPES | NAME_TYPES | TITLE_TYPES:
            continue  # "in 2022", "Masters 1000", "Boeing 737"
        value = _number(token)
        if value is None or (token.lower_ in {"one", "dozen", "dozens", "hundred"} and token.dep_ != "nummod"):
            continue
        end = token
        while end.i + 1 < len(doc) and (doc[end.i + 1].lower_ in MULTIPLIERS or _number(doc[end.i + 1]) is not None):
            nxt = doc[end.i + 1]
            value *= MULTIPLIERS.get(nxt.lower_, 1)
            used.add(nxt.i)
            end = nxt
        unit = ""
        if token.ent_type_ == "PERCENT" or end.i + 1 < len(doc) and doc[end.i + 1].lower_ in {"%", "percent"}:
            unit = "percent"
        elif token.ent_type_ == "MONEY" or token.i > 0 and doc[token.i - 1].is_currency:
            unit = _currency(doc, token, end)  # "$460" and "£300" are not compared
        elif end.dep_ == "nummod" and end.head.pos_ == "NOUN" and 0 < end.head.i - end.i <= 3:
            unit = singular(end.head.text)  # "200 drones", "2,000 Shahed drones"
        if unit in TIME_UNITS:
            continue  # unit "": a number of something unsaid ("... and that Moscow has ordered around 2,000")
        start = token.i  # the words of its bound right before it, past a currency sign ("more than $300")
        while start > max(0, token.i - 4) and (doc[start - 1].lower_ in BOUND_WORDS or doc[start - 1].is_currency):
            start -= 1
        before = {t.lower_ for t in doc[start:token.i]}  # not "ripped up a $924 million", nor "a total of"
        if before & AT_LEAST and not ({"at", "most"} <= before):
            low, high, bound = value, float("inf"), "at least"
        elif before & AT_MOST or {"at", "most"} <= before:
            low, high, bound = 0.0, value, "at most"
        elif before & APPROXIMATE:
            low, high, bound = value * (1 - APPROXIMATE_MARGIN), value * (1 + APPROXIMATE_MARGIN), "about"
        else:
            low, high, bound = value * (1 - EXACT_MARGIN), value * (1 + EXACT_MARGIN), "exact"
        amounts.append(Amount(low, high, unit, value, bound, doc[start:end.i + 1].text))
    return tuple(amounts)


def _times(doc: Any) -> frozenset[tuple[str, str]]:
    """("before" | "after", event noun): "after the invasion began" -> ("after", "invasion")."""
    found = set()
    for token in doc:
        relation = TIME_RELATIONS.get(token.lower_)
        if relation is None:
            continue
        event = None
        if token.dep_ == "prep" or token.pos_ == "ADP":
            event = next((c for c in token.children if c.dep_ == "pobj"), None)
            if event is not None and event.lower_ == "to":  # "prior to the election"
                event = next((c for c in event.children if c.dep_ == "pobj"), None)
        elif token.dep_ == "mark":
            event = next((c for c in token.head.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        if event is not None and event.pos_ in {"NOUN", "PROPN"}:
            found.add((relation, singular(event.text)))
    return frozenset(found)


def _debunks(doc: Any) -> bool:
    """Whether a sentence calls a story untrue ("Banksy arrest hoax", "Experts debunk spider claims"), other than
    as a denial's own words ("denied it, calling the accusations false": the denial is read as a voice, and a
    denial's content keeps its ", calling ... false" adjunct)."""
    if any(t.lower_ in DENIAL_VERBS for t in doc):
        return False
    in_adjunct: dict[int, bool] = {}  # token index -> within an adverbial clause; each token walked once
    for token in (t for t in doc if t.lower_ in DEBUNKING):
        path, node = [], token
        while node.i not in in_adjunct and node.dep_ != "advcl" and node.head.i != node.i:
            path.append(node.i)
            node = node.head
        inside = in_adjunct.get(node.i, node.dep_ == "advcl")
        in_adjunct.update(dict.fromkeys([*path, node.i], inside))
        if not inside:
            return True
    return False


def read_fact(doc: Any) -> Fact:
    """The fact a parsed sentence asserts (without a main verb, only whether it is negated or debunks)."""
    verb, reporting, hedged = _predicate(doc)
    attribute = ""
    if verb is not None and verb.pos_ == "ADJ" and verb.dep_ in {"ccomp", "xcomp"}:
        attribute = verb.lower_  # a small clause: "The court found the minister innocent"
    elif verb is None or verb.pos_ not in {"VERB", "AUX"}:  # a headline without a verb: "Banksy arrest hoax"
        return Fact(predicate="", negated=any(t.dep_ == "neg" for t in doc), action=False, actor_names=frozenset(),
                    subject_head="", object_heads=frozenset(), theme="", amounts=(), quantifier=None,
                    times=frozenset(), debunked=_debunks(doc))
    elif verb.lower_ in COPULAS:
        attribute = next((c.lower_ for c in verb.children if c.dep_ in {"acomp", "oprd"} or
                          c.dep_ == "attr" and c.pos_ == "ADJ"), "")
    elif verb.lower_ in VERDICT_VERBS:  # "A court found the former minister innocent": the verdict is the fact
        verdict = next((c for c in verb.children if c.dep_ in {"ccomp", "oprd"} and c.pos_ == "ADJ"), None)
        verb, attribute = (verdict, verdict.lower_) if verdict is not None else (verb, "")
    particle = next((c.lower_ for c in verb.children if c.dep_ == "prt"), "")
    children = list(verb.children)
    asks = doc.text.rstrip(QUOTE_CLOSERS).endswith("?")  # "Will Bale play Jobs?" asserts nothing
    according = [p for c in children if c.lower_ == "according" for t in c.children for p in t.children
                 if p.dep_ == "pobj"]  # "according to (media) reports": the pobj of "to"
    acts, exclusive = _acts(verb)
    hedged = hedged or asks or _unnamed_source(according) or any(
        c.dep_ == "aux" and c.lower_ in HEDGING_MODALS or c.dep_ == "advmod" and c.lower_ in HEDGING_ADVERBS
        for c in children)
    verb_negated = any(c.dep_ == "neg" for c in children)
    negated = verb_negated or any(t.dep_ == "neg" for t in doc)
    subjects = [c for c in children if c.dep_ in {"nsubj", "nsubjpass", "csubj"}]
    actors = [c for c in subjects if c.dep_ == "nsubj"]
    actors += [p for c in children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    if reporting is not None and actors and actors[0].lower_ in SPEAKER_PRONOUNS:
        # "Iran admitted that it has sent drones": the pronoun is the speaker
        actors = _speaker(reporting) or actors
    objects = [c for c in children if c.dep_ in {"dobj", "attr", "oprd"}]
    preps = [p for c in children if c.dep_ in {"prep", "dative"} for p in c.children if p.dep_ == "pobj"]
    passive_subject = next((c for c in children if c.dep_ == "nsubjpass"), None)
    theme = objects[0] if objects else passive_subject
    return Fact(
        predicate="is" if verb.pos_ == "ADJ" else f"{verb.lower_} {particle}".strip(), negated=negated,
        action=verb.pos_ == "VERB", attribute=attribute,
        actor_names=_names(t for a in actors for t in _phrase(a)) | {
            party(a.text) for a in actors if a.text[:1].isupper() and a.i > 0 and a.pos_ in {"NOUN", "PROPN"}},
        subject_head=_head_noun(subjects[0]) if subjects else "",
        object_heads=frozenset(h for h in (_head_noun(o) for o in objects + preps) if h),
        theme=_head_noun(theme) if theme is not None else "",
        amounts=_amounts(verb.sent), quantifier=_quantifier(subjects[0]) if subjects else None, times=_times(doc),
        hedged=hedged, debunked=_debunks(doc), acts=acts, exclusive=exclusive,
        verb_negated=verb_negated, excluded=_excluded(doc), **_contest(verb, particle), names=frozenset(
            singular(t.text) for t in doc if t.pos_ == "PROPN" and (t.i > 0 or t.ent_type_)),
        words=frozenset(singular(t.text) for t in doc if t.pos_ in CONTENT_POS and t.i != verb.i
                        and (t.pos_ == "PROPN" or not t.is_stop)))  # "US" is a name, "us" a stop word


def _contest(verb: Any, particle: str) -> dict[str, frozenset[str]]:
    """Who won and who lost, where the main verb states a contest's result: "Spain beat England", "England was
    beaten by Spain", "England lost to Spain", "Spain won against England" (the parties named, as ``_names``)."""
    def named(tokens: Iterable[Any]) -> frozenset[str]:  # a title-case sentence's heads too ("England won ...")
        tokens = list(tokens)
        return _names(t for token in tokens for t in _phrase(token)) | {
            party(t.text) for t in tokens if t.pos_ == "PROPN"}

    word = f"{verb.lower_} {particle}".strip() if particle == "out" else verb.lower_
    children = list(verb.children)
    subjects = [c for c in children if c.dep_ in {"nsubj", "nsubjpass"}]
    if word in BEATING_VERBS and any(c.dep_ == "nsubjpass" for c in children):
        agents = [p for c in children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
        return {"winners": named(agents), "losers": named(subjects)}
    if word in BEATING_VERBS:
        return {"winners": named(subjects), "losers": named(c for c in children if c.dep_ == "dobj")}
    if word in LOSING_VERBS:
        return {"winners": named(o for o in [_object_of(verb, "to")] if o is not None), "losers": named(subjects)}
    if word in WINNING_VERBS:
        against = [o for o in (_object_of(verb, "against"), _object_of(verb, "over")) if o is not None]
        return {"winners": named(subjects), "losers": named(against)}
    return {}


def _excluded(doc: Any) -> frozenset[str]:
    """The nouns a sentence sets aside by a contrast: "Labour, not the Conservatives, ...", "signed not by the mayor
    but by her deputy", "by Finance Minister Chrystia Freeland, not the prime minister" (the phrase after "not", ended
    by punctuation, "but" or "that"); not a negated verb or quantifier ("did not send", "Not all hostages")."""
    found = set()
    for negation in (t for t in doc if t.lower_ == "not"):
        if negation.head.pos_ in {"VERB", "AUX"} and negation.i + 1 < len(doc) and doc[negation.i + 1].pos_ != "ADP":
            continue  # "is not a doctor", "did not send"
        phrase = []
        for token in doc[negation.i + 1:negation.i + 8]:
            if token.pos_ in {"NOUN", "PROPN"}:
                phrase.append(token)
            elif phrase or token.pos_ not in {"DET", "ADJ", "ADP"} or token.lower_ in UNIVERSAL | PARTIAL | NONE:
                break
        end = phrase[-1].i + 1 if phrase else None
        if end is not None and (end == len(doc) or doc[end].lower_ in {",", "but", "that", ".", ";", "who"}):
            found.add(singular(phrase[-1].text))
    return frozenset(found)


def _opposite(a: str, b: str, rows: Sequence[tuple[frozenset[str], frozenset[str]]] = OPPOSITES) -> bool:
    return any((a in up and b in down) or (a in down and b in up) for up, down in rows)


def _opposite_attributes(a: str, b: str) -> bool:
    """Opposite predicative adjectives: a listed pair, or a word and its negative prefix ("legal" / "illegal")."""
    if not a or not b:
        return False
    return _opposite(a, b, ADJECTIVE_OPPOSITES) or any(
        (b == prefix + a or a == prefix + b) and min(len(a), len(b)) >= 4 for prefix in OPPOSITE_PREFIXES)


def _amounts_conflict(statement: Sequence[Amount], claim: Sequence[Amount]) -> bool:
    """Some thing counted on both sides, and no count of it in the claim (nor a number of something unsaid) fits
    one in the statement."""
    loose = [c for c in claim if not c.unit]
    for unit in {a.unit for a in statement} - {""}:
        said = [a for a in statement if a.unit == unit]
        counts = [c for c in claim if c.unit == unit]
        if counts and not any(c.low <= s.high and s.low <= c.high for c in counts + loose for s in said):
            return True
    return False


def numbers_alike(statement: Fact, claim: Fact, text: str) -> str:
    """``text`` (the claim as the model reads it) with a count that entails a bound or an approximation of the same
    thing in the statement written as the statement writes it ("The floods killed 124 people" against "At least
    100 people died" -> "The floods killed at least 100 people"): whether one number entails another is the parse's
    to say, and the model, which reads "124" against "at least 100" as another number, then judges the rest."""
    for said in statement.amounts:  # one count of a thing on each side: which of two is meant is not the parse's
        counts = [c for c in claim.amounts if c.unit == said.unit]
        if len(counts) != 1 or [a.unit for a in statement.amounts].count(said.unit) != 1:
            continue
        inside = counts[0] if counts[0].text.lower() != said.text.lower() and counts[0].within(said) else None
        match = re.search(rf"(?<![\w.,]){re.escape(inside.text)}(?!\w|[.,]\d)", text) if inside else None
        if match is not None:
            first = said.text[0].upper() if match.start() == 0 else said.text[0].lower()  # as the claim's place wants
            text = text[:match.start()] + first + said.text[1:] + text[match.end():]
    return text


def same_verb(a: str, b: str) -> bool:
    """The same verb, perhaps inflected otherwise ("sent" / "send", "banned" / "bans", irregularly: "bought" /
    "buys"); particles must agree."""
    if a.split()[1:] != b.split()[1:]:
        return False
    a, b = (irregular_verbs().get(w, w) for w in (a.split()[0], b.split()[0]))
    return len(os.path.commonprefix([a, b])) >= max(3, min(len(a), len(b)) - 2)


def _among(parties: Iterable[str], others: Iterable[str]) -> bool:
    """Whether one of ``parties`` is one of ``others``, perhaps under another name (``same_party``)."""
    return any(same_party(a, b) for a in parties for b in others)


def negates(negated: Fact, other: Fact) -> bool:
    """Whether ``negated`` is ``other``'s act negated and nothing more: the same main verb, ``other`` not negated,
    and every other content word of ``negated`` said by ``other`` too, a place perhaps by its demonym ("in Ukraine"
    and "Ukrainian cities")."""
    return (negated.negated and not other.negated and negated.action and other.action
            and same_verb(negated.predicate, other.predicate) and bool(negated.words)
            and all(_among([w], other.words) for w in negated.words))


def denies_act(negated: Fact, other: Fact) -> bool:
    """Whether ``negated`` denies an act ``other`` asserts and nothing more: the same act (the same verb, or two verbs
    of handing over) done to the same thing, ``other`` not negated, and every other content word of ``negated`` but
    its actor's and "single" said by ``other`` too ("Iran never sent a single drone to Russia" against "we provided
    Russia a small number of drones"). Not when ``negated`` counts the thing or says "only" ("did not send 2,000
    drones" is no denial of sending 200)."""
    if not negated.verb_negated or other.negated or negated.amounts or negated.exclusive:
        return False
    things = {x for verb_a, x in negated.acts for verb_b, y in other.acts if x == y and same_act(verb_a, verb_b)}
    rest = negated.words - things - NEGATIVE_POLARITY
    return bool(things) and all(_among([w], other.words) for w in rest if not _among([w], negated.actor_names))


def said_too(statement: Fact, claim: Fact) -> bool:
    """Whether the claim names every name and object the statement does (a place, a month, a counterpart): else
    an opposite verb or a contest's result may be another place's, time's or contest's ("Germany's unemployment fell
    in March" against "... rose in February")."""
    named = claim.words | claim.names | claim.object_heads | {claim.subject_head, claim.theme}
    return all(_among([w], named) for w in statement.names | statement.object_heads)


def sets_aside(a: Fact, b: Fact) -> bool:
    """Whether ``a`` sets aside by a contrast the one ``b`` says acted ("It was Labour, not the Conservatives, that
    emerged as the largest party" against "The Conservatives won the most seats")."""
    return _among(a.excluded, b.actor_names | ({b.subject_head} if b.subject_head else set()))


def contest(statement: Fact, claim: Fact) -> str | None:
    """CONFLICT where the claim has the statement's winner lose or its loser win ("England won the 2023 World Cup"
    against "Spain beat England 1-0 to lift the 2023 World Cup"), SAME_FACT where it states the same result the other
    way round ("Manchester City lost to Brentford" against "Brentford beat Manchester City 2-1": another verb, and the
    statement's numbers said too); only where the claim names every name and object of the statement (the same
    contest) and neither side is negated or hedged."""
    if not (statement.winners or statement.losers) or statement.negated or claim.negated or claim.hedged \
            or not said_too(statement, claim):
        return None
    if _among(statement.winners, claim.losers) or _among(statement.losers, claim.winners):
        return CONFLICT
    numbers = {w for w in statement.words if any(ch.isdigit() for ch in w)}  # a score or a year said on both sides
    if statement.winners and statement.losers and _among(statement.winners, claim.winners) \
            and _among(statement.losers, claim.losers) and not same_verb(statement.predicate, claim.predicate) \
            and numbers <= claim.words:
        return SAME_FACT
    return None


def same_act(a: str, b: str) -> bool:
    """The same act: the same verb, or two verbs of handing something over ("supplied", "sent")."""
    return same_verb(a, b) or a in TRANSFER_VERBS and b in TRANSFER_VERBS


def other_thing(a: Fact, b: Fact) -> bool:
    """The same act done to another made thing ("sent tanks" against "sent drones"), neither a kind of the other nor
    named on the other side: every act the two sides share is done to other things. Not when either side rules other
    things out ("only") or both are negated."""
    if a.negated and b.negated or a.exclusive or b.exclusive:
        return False
    shared = [(x, y) for verb_a, x in a.acts for verb_b, y in b.acts if same_act(verb_a, verb_b)]
    return bool(shared) and all(x not in b.words and y not in a.words and artifact_nouns().other_things(x, y)
                                for x, y in shared)


def compare(statement: Fact, claim: Fact) -> str | None:
    """OTHER_FACT, CONFLICT, HEDGED, SAME_FACT or None (the parse settles nothing) for a claim's fact against the
    statement's."""
    other_parties = bool(statement.actor_names and claim.actor_names) and not overlap(statement.actor_names,
                                                                                     claim.actor_names)
    if other_thing(statement, claim):
        return OTHER_FACT  # "Iran sent tanks to Russia" against "Iran admitted that it has sent drones to Russia"
    if not claim.hedged and (sets_aside(claim, statement) or sets_aside(statement, claim)):
        return CONFLICT  # "The order was signed not by the mayor but by her deputy" against "The mayor signed it"
    if (result := contest(statement, claim)) is not None:
        return result  # "England won the World Cup" against "Spain beat England to lift the World Cup"
    if statement.negated or claim.negated:
        if not claim.hedged and not other_parties and any(negates(a, b) or denies_act(a, b)
                                                          for a, b in ((statement, claim), (claim, statement))):
            return CONFLICT  # "The bank did not raise interest rates" against "The bank raised interest rates"
        return None
    if claim.debunked != statement.debunked:
        return CONFLICT  # "Banksy arrest hoax: US website claims street artist caught" against "Banksy arrested"
    if not statement.predicate or not claim.predicate:
        return None  # no main verb on one side: nothing more the parse can compare
    if claim.hedged and not statement.hedged:
        return HEDGED  # "ISIS fighters are said to have contracted Ebola" against "... have contracted Ebola"
    acted = statement.action and claim.action and same_verb(statement.predicate, claim.predicate)
    if acted and other_parties:
        return OTHER_FACT  # another actor doing the same, or the same verb the other way round
    if acted and statement.subject_head and claim.subject_head and statement.subject_head != claim.subject_head \
            and statement.subject_head in claim.object_heads \
            and claim.subject_head in statement.object_heads:
        return OTHER_FACT  # "The student sued the university" against "The university sued the student"
    if other_parties:
        return None  # other parties, other verbs: no detail of one fact to compare
    if _amounts_conflict(statement.amounts, claim.amounts):
        return CONFLICT
    if _opposite(statement.predicate, claim.predicate) and (
            not statement.theme or not claim.theme or statement.theme == claim.theme) and said_too(statement, claim):
        return CONFLICT  # not "The euro rose against the dollar" against "The euro fell against the franc"
    if _opposite_attributes(statement.attribute, claim.attribute) and (
            not statement.subject_head or not claim.subject_head or statement.subject_head == claim.subject_head):
        return CONFLICT  # "The vaccine is safe" against "The vaccine is unsafe for children"
    if statement.quantifier in {"universal", "none"} and claim.quantifier == "partial" \
            or statement.quantifier == "none" and claim.quantifier == "universal":
        return CONFLICT
    if any((("after" if r == "before" else "before"), event) in claim.times for r, event in statement.times):
        return CONFLICT
    return None


class FactReader:
    """Parses sentences into facts with the extraction pipeline's spaCy model, remembering the ``size`` most recent
    stored claims and the last few statements (one check asks for its statement up to three times)."""

    statements_kept = 64

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._facts: OrderedDict[str, Fact | None] = OrderedDict()
        self._statements: OrderedDict[str, Fact | None] = OrderedDict()
        self._lock = threading.Lock()

    def fact(self, text: str) -> Fact | None:
        """A statement's fact."""
        return self._read(self._statements, self.statements_kept, [text])[0]

    def facts(self, texts: Sequence[str]) -> list[Fact | None]:
        """The facts of stored claims, each parsed once while it stays among the ``size`` most recent."""
        return self._read(self._facts, self.size, texts)

    def warm(self, texts: Sequence[str], batch: int = 64) -> int:
        """Parse the stored claims among ``texts`` that are not kept yet, ``batch`` at a time (each batch kept as
        soon as it is parsed, for the checks running meanwhile); the number parsed."""
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._facts))[-self.size:]
        for start in range(0, len(missing), batch):
            self._read(self._facts, self.size, missing[start:start + batch])
        return len(missing)

    def clear(self, claims: bool = True) -> None:
        """Forget the statements' parses, and the stored claims' too unless ``claims`` is false (a benchmark's
        cold start)."""
        with self._lock:
            self._statements.clear()
            if claims:
                self._facts.clear()

    def _read(self, kept: OrderedDict[str, Fact | None], size: int, texts: Sequence[str]) -> list[Fact | None]:
        from ..extraction.spacy_extractor import load_pipeline

        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in kept))
        parsed = dict(zip(missing, (read_fact(doc) for doc in load_pipeline().pipe(missing)))) if missing else {}
        out = []
        with self._lock:
            for text in texts:
                if text in parsed:
                    kept[text] = parsed[text]
                elif text in kept:
                    kept.move_to_end(text)
                out.append(kept.get(text, parsed.get(text)))
            while len(kept) > size:
                kept.popitem(last=False)
        return out
