"""Who said it, with which reporting verb, in which voice and polarity: rules over one article."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

from .verbs import REPORTING_VERBS, VOICE_OF_VERB

VERB_PATTERN = "|".join(sorted((v for v in VOICE_OF_VERB if v != "according"), key=len, reverse=True))
VERB = re.compile(rf"\b({VERB_PATTERN})\b")
# No answer to a request for comment, a refusal to comment as "declined to comment" is: "did not immediately respond
# to a request for comment", "could not be reached for comment" (references.py reads it too).
NO_RESPONSE = (r"(?:did\s+not|didn[’']t)\s+(?:immediately\s+)?(?:respond|reply)\s+to\s+(?:a\s+|an\s+|several\s+|"
               r"repeated\s+)?(?:\w+\s+)?requests?\s+(?:for|seeking)\s+comment|"
               r"could\s+not\s+(?:immediately\s+)?be\s+reached\s+for\s+comment")
# "said it was looking into the claims": a view of them withheld until then (references.py reads it too).
LOOKING_INTO = (r"(?:look(?:s|ed|ing)?\s+into|review(?:s|ed|ing)?|investigat(?:e|es|ed|ing)|examin(?:e|es|ed|ing))"
                r"(?=\s+(?:\w+ly\s+)?(?:the|these|those|such|its|their)\s+(?:\w+\s+)?"
                r"(?:claims?|allegations?|accusations?|reports?|complaints?|information|charges?)\b)")
REFUSES_TO_CONFIRM = re.compile(
    rf"\b(neither confirmed nor denied|(declined|refused|would not|did not) (to )?(confirm|comment)|{NO_RESPONSE}|"
    rf"(?:is|are|was|were|would\s+be|will\s+be)\s+{LOOKING_INTO})\b", re.I)
# "called the accusations ‘totally unfounded’", "described the accusations as a ‘fuss’": a denial.
DISMISSAL = re.compile(
    r"\b(?:call|calls|called|calling|describe|describes|described|describing|brand|branded|label|labelled|labeled)\b"
    r"[^.;]{0,40}?\b(?:accusations?|allegations?|claims?|reports?|information|charges?|rumou?rs?)\b[^.;]{0,30}?"
    r"\b(?:false|untrue|unfounded|baseless|groundless|fuss|stuffing|lies?|fake|nonsense|absurd|propaganda|"
    r"fabricat\w*|speculation|hoax|ridiculous)\b",
    re.I,
)
NEGATION = re.compile(
    r"\b(not|no|never|nothing|none|neither|nor|without|cannot|deny|denies|denied|reject|rejects|rejected|"
    r"false|untrue|unfounded|baseless|wrong|fake|hoax)\b|n['’]t\b",
    re.I,
)
PRONOUNS = {"he", "she", "they", "it"}
ROLE_NOUNS = {
    "minister", "spokesperson", "spokesman", "spokeswoman", "adviser", "advisor", "president", "secretary",
    "ambassador", "chief", "head", "official", "officer", "director", "commander", "envoy", "leader", "governor",
    "mayor", "senator", "general", "premier", "chancellor", "diplomat", "counterpart", "analyst", "expert",
    # the titles of news prose beyond diplomacy: lawmakers, executives, courts, science, sport, civil society
    "lawmaker", "legislator", "congressman", "congresswoman", "representative", "deputy", "mp", "mep",
    "councillor", "councilor", "councilman", "councilwoman", "commissioner", "ombudsman", "ombudsperson",
    "executive", "ceo", "cfo", "chairman", "chairwoman", "chairperson", "chair", "founder", "owner", "manager",
    "prosecutor", "attorney", "lawyer", "judge", "investigator", "inspector", "auditor", "detective", "sheriff",
    "professor", "researcher", "scientist", "economist", "epidemiologist", "virologist", "physician", "doctor",
    "surgeon", "nurse", "teacher", "historian", "strategist", "negotiator", "mediator", "campaigner", "activist",
    "candidate", "correspondent", "reporter", "journalist", "editor", "coach", "captain", "striker", "player",
    "colonel", "lieutenant", "sergeant", "admiral", "marshal", "superintendent",
}
# Words that say a name belongs to a body, not a person: "Consumer group Fair Skies", "the investigative
# newspaper Ziarul Nord", "chipmaker Solara", "a spokesperson for the Chinese embassy in Astana".
ORG_DESCRIPTORS = {
    "group", "newspaper", "daily", "weekly", "magazine", "tabloid", "broadcaster", "channel", "network", "outlet",
    "website", "agency", "company", "firm", "carrier", "airline", "retailer", "lender", "bank", "insurer", "operator",
    "regulator", "watchdog", "charity", "organisation", "organization", "ngo", "union", "party", "movement",
    "coalition", "alliance", "association", "federation", "club", "team", "university", "institute", "court",
    "commission", "authority", "council", "board", "body", "platform", "startup", "giant", "producer",
    "manufacturer", "developer", "supplier", "utility", "embassy", "consulate", "ministry", "department",
    "government", "administration", "office", "police", "army", "military", "hospital", "school", "foundation",
    "fund", "trust", "exchange", "tribunal", "parliament", "assembly", "senate", "congress", "cabinet", "think-tank",
}
# People spoken of as a group: "Residents of the Vake district", "Local farmers", "Police in Lagos".
GROUP_NOUNS = {
    "residents", "witnesses", "villagers", "protesters", "demonstrators", "farmers", "workers", "employees",
    "teachers", "nurses", "doctors", "parents", "students", "activists", "survivors", "families", "relatives",
    "neighbours", "neighbors", "shopkeepers", "fishermen", "voters", "passengers", "fans", "locals", "police",
    "firefighters", "rescuers", "medics", "miners", "drivers", "traders", "investors", "scientists", "researchers",
    "prosecutors", "investigators", "analysts", "economists", "experts", "exporters", "importers", "lawmakers",
    "diplomats", "campaigners", "unions", "airlines", "banks", "companies", "manufacturers", "retailers",
}
ORG_WORDS = {
    "post", "times", "agency", "ministry", "department", "news", "government", "office", "corps", "union",
    "council", "committee", "army", "forces", "press", "tass", "irna", "reuters", "ap", "afp", "media", "journal",
    "guardian", "bbc", "cnn", "service", "administration", "kremlin", "pentagon", "nato", "un", "eu",
    "establishment", "military", "intelligence", "authorities", "officials",
}
PLACES = {
    "iran", "russia", "ukraine", "tehran", "moscow", "kyiv", "kiev", "us", "usa", "washington", "israel", "china",
    "europe", "crimea", "britain", "uk", "france", "germany", "america", "united", "states", "kingdom",
}
# A country's capital or seat of government used for its government, and other names of one body.
BODY_NAMES: dict[str, str] = {}
for _canonical, _names in {
    "Iran": "iran|tehran|islamic republic|islamic republic of iran",
    "Russia": "russia|moscow|kremlin|the kremlin|russian federation",
    "Ukraine": "ukraine|kyiv|kiev",
    "United States": "united states|the united states|us|u.s.|u.s|usa|america|washington|white house|the white house",
    "United Kingdom": "united kingdom|the united kingdom|uk|u.k.|u.k|britain|great britain|london",
    "European Union": "european union|the european union|eu|e.u.|brussels",
    "Israel": "israel",
    "China": "china|beijing",
}.items():
    for _name in _names.split("|"):
        BODY_NAMES[_name] = _canonical
DEMONYMS = {
    "iranian": "Iran", "iran’s": "Iran", "iran's": "Iran", "russian": "Russia", "ukrainian": "Ukraine",
    "american": "United States", "us": "United States", "u.s.": "United States", "british": "United Kingdom",
    "israeli": "Israel", "chinese": "China",
}
GOVERNMENT_WORDS = {"government", "administration", "officials", "authorities", "leadership", "side"}
GROUP_PREFIX = re.compile(r"^(?:the\s+)?(?:representatives|officials|members|spokespeople|sources)\s+(?:of|from)\s+", re.I)
GROUP_OF_PEOPLE = re.compile(
    r"^(?:(?:local|some|many|several|angry|other|two|three|four|five|dozens of|hundreds of)\s+)?"
    r"(?:[A-Z][a-z]+\s+)?(?P<noun>[A-Za-z]+)(?:\s+(?:of|in|at|from|near|across)\s+[\w\s’'.-]{1,60})?$", re.I)
# "a spokesperson for the Chinese embassy in Astana": the body speaks.
VOICE_OF_A_BODY = r"(?:spokes(?:person|man|woman)|representative|official|source)"
SPOKESPERSON_FOR = re.compile(
    rf"^(?:an?|the|one)\s+(?:[\w-]+\s+){{0,2}}?{VOICE_OF_A_BODY}\s+"
    r"(?:for|of|at|from)\s+(?P<body>[\w\s’'.-]{2,80})$", re.I)
# "Pfizer's spokesman", "a Belgrave Pharmaceuticals spokesman", "a senior Airbus official", "the ministry's
# spokeswoman": an unnamed voice of a body, so the body speaks.
SPOKESPERSON_OF = re.compile(
    r"^(?:(?i:an?|one|the)\s+)?(?:(?:senior|top|chief|local|regional|federal)\s+)?"
    r"(?P<body>(?!(?:A|An|The|One)\b)[A-Z][\w\s’'.&-]{0,60}?|(?i:the)\s+[a-z][\w\s-]{1,40}?)(?:[’']s)?\s+"
    rf"(?:(?:senior|chief|top|press|deputy|media)\s+)?{VOICE_OF_A_BODY}$")
NOT_IN_A_NAME = {"the", "a", "an", "whether", "would", "will", "that", "which", "who", "if", "and", "or", "to", "of",
                 "in", "on", "at", "for", "by", "with", "was", "were", "is", "are", "has", "have", "had", "asked"}
HONORIFICS = {"dr", "mr", "mrs", "ms", "prof", "sir", "dame", "rev"}
# Role words that say the same thing in other words.
ROLE_SYNONYMS = [
    (re.compile(r"\bhead of (?:the )?(\w+\s+)?diplomacy\b", re.I), r"\1foreign minister"),
    (re.compile(r"\btop diplomat\b", re.I), "foreign minister"),
    (re.compile(r"\bhead of (?:the )?ministry\b", re.I), "minister"),
    (re.compile(r"\bspokes(?:man|woman)\b", re.I), "spokesperson"),
    (re.compile(r"\bdefence\b", re.I), "defense"),
]
ROLE_STOPWORDS = {"the", "of", "and", "a", "an", "his", "her", "its", "their", "this", "that", "country’s", "country's",
                  "for", "in", "on", "islamic", "republic"}
NAME_TOKEN = r"[A-Z][\w’'.-]*"
# A name word with its space, atomic: a run of capitals is one word, never split every way (linear matching).
NAME_WORD = rf"(?>{NAME_TOKEN}\s?)"
# "Andrei Popescu, the mayor of Cluj-Napoca, said": a name with its role between commas.
APPOSITION = re.compile(rf"^(?P<name>{NAME_WORD}{{1,4}}),\s+(?P<role>(?:(?:the|a|an)\s+)?[^,]{{2,80}}),\s*$")
# The other order: "Banco Meridional's chief financial officer, Rodrigo Salas, told ..."
ROLE_APPOSITION = re.compile(rf"^(?P<role>[^,]{{2,80}}),\s+(?P<name>{NAME_WORD}{{1,4}}),\s*$")
LEADING_ADVERBIAL = re.compile(
    r"^(?:(?:In|On|At|By|During|Earlier|Later|Subsequently|Meanwhile|However|But|And|Also|Only|In turn|Separately|"
    r"Elsewhere|Still|Instead|Similarly|Likewise|Moreover|Nonetheless|Nevertheless|Again|"
    r"In response[^,]*+|Last \w+|This \w+)\b[^,]{0,60},\s*)+"
)
TRAILING_FILLER = re.compile(
    r"(\s+(on \w+(day)?|today|yesterday|again|also|has|have|had|was|were|is|repeatedly|long|earlier|later|"
    r"then|now|previously|first|already|once|last week|on [A-Z]\w+ \d+|neither|nor|appeared to|appears to|"
    r"seemed to|seems to))+$",
    re.I,
)
FILLER_WINDOW = 200  # a trailing filler is searched for in the phrase's last characters only (linear time)
# "The Washington Post published an article alleging ...": the outlet is the subject of the allegation.
PUBLISHED_PIECE = re.compile(
    r"(?<!\s)\s++(?:published|ran|carried|released|issued)\s+(?:an?|its|the)\s+(?:\w+\s+)?"
    r"(?:article|report|story|investigation|statement|analysis)$",
    re.I,
)
# "– as has the Ukrainian government –": one more speaker of the same claim.
AS_HAS = re.compile(r"[–—-]\s*as (?:has|have|had|did|does|do) (.{2,60}?)\s*[–—-]")
# "This was stated on Monday by the Minister ...": the attribution of the sentence before, not a claim.
ATTRIBUTION_ONLY = re.compile(
    rf"^(?:This|That|It|These|Those)\s+(?:was|were|has been|had been|is)\s+(?:also\s+)?({VERB_PATTERN}|announced)\b"
    r"(.*?)\s+by\s+(.+?)\.?$"
)
STATEMENTS_BY = re.compile(
    r"\b(statements?|remarks?|comments?|claims?|accusations?|allegations?)\s+(?:was|were|have been|had been|has been)\s+"
    r"(?:made|issued|voiced|repeated)\s+(?:\w+\s+)?by\s+(.+?)\.?$",
    re.I,
)


# What a body publishes and news reports as speaking for it: "The regulator's report ... found", "A United Nations
# report found", "a study by the University of Oslo found", "According to a report by Amnesty International".
DOCUMENT_NOUNS = {
    "report", "study", "survey", "audit", "review", "investigation", "inquiry", "analysis", "assessment", "findings",
    "poll", "census", "ruling", "judgment", "judgement", "filing", "paper", "memo", "document", "forecast",
    "estimate", "estimates", "statistics", "figures", "data",
}
DOCUMENT_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her", "this", "that", "these"}
# Bodies spoken of by what they do, not by a word of their name: "the regulator" for a Civil Aviation Authority.
DESCRIPTION_KINDS = {
    kind: {"authority", "commission", "agency", "office", "board", "administration", "regulator", "watchdog"}
    for kind in ("regulator", "watchdog")
}

# Words for a business or organisation that an article uses for the one it last named, even when the name did not
# say what it is: "Nordkraft said ... the utility said", "Shares in Bergmann Versicherung rose ... the insurer said".
# A body named without saying what it is may be any of the OPEN_BODY_WORDS ("Nordkraft" is "the utility"); for the
# other GENERIC_BODY_WORDS ("the newspaper", "the charity") it must have been named as one. A body named as a kind
# is only that kind, or a business for "the company"; "the carrier" is an airline and "the lender" a bank.
BUSINESS_WORDS = {
    "company", "firm", "group", "giant", "carrier", "airline", "retailer", "lender", "bank", "insurer", "operator",
    "utility", "manufacturer", "producer", "developer", "supplier", "startup", "automaker", "carmaker", "chipmaker",
    "drugmaker",
}
OPEN_BODY_WORDS = BUSINESS_WORDS | {"party", "club", "team"}
GENERIC_BODY_WORDS = OPEN_BODY_WORDS | {
    "broadcaster", "network", "newspaper", "charity", "platform", "organisation", "organization", "union"}
BROAD_BUSINESS_WORDS = {"company", "firm", "group", "giant"}
SAME_KIND = [{"carrier", "airline"}, {"lender", "bank"}]


@dataclass(eq=False)
class Speaker:
    name: str
    role: str | None = None
    is_person: bool = True
    organisation: str | None = None
    aliases: set[str] = field(default_factory=set)  # other forms of the name used in the article
    placeholder: bool = False  # a title whose holder is named later in the article ("Iran's Foreign Minister")
    office: Speaker | None = None  # a placeholder's speaker when never named: the office ("Chile's finance minister")


@dataclass
class Attribution:
    speaker: Speaker | None
    verb: str | None
    voice: str
    also: list[Speaker] = field(default_factory=list)  # further speakers of the same claim ("Moscow and Tehran")

    @property
    def speakers(self) -> list[Speaker]:
        return ([self.speaker] if self.speaker else []) + [s for s in self.also if s is not self.speaker]


@dataclass
class QuoteRegion:
    start: int  # inner span, quotation marks excluded
    end: int
    attribution: Attribution | None = None


def strip_trailing_filler(phrase: str) -> str:
    """The phrase without trailing words such as 'on Monday', 'also', 'has' ('Iran has' -> 'Iran')."""
    head, tail = phrase[:-FILLER_WINDOW], phrase[-FILLER_WINDOW:]
    return head + TRAILING_FILLER.sub("", tail)


def canonical_body(phrase: str) -> tuple[str, str] | None:
    """(canonical name, form used) of a country or union named by itself, its capital or its government."""
    text = GROUP_PREFIX.sub("", phrase.strip(" ,.;:"))
    lowered = text.lower()
    if lowered in BODY_NAMES:
        return BODY_NAMES[lowered], re.sub(r"^the\s+", "", text, flags=re.I)
    words = re.sub(r"^the\s+", "", lowered).split()
    if len(words) == 2 and words[0] in DEMONYMS and words[1] in GOVERNMENT_WORDS:
        return DEMONYMS[words[0]], re.sub(r"^the\s+", "", text, flags=re.I)
    return None


def role_words(text: str) -> set[str]:
    """Content words of a role or title, with synonyms and demonyms unified ('Iran's' = 'Iranian')."""
    for pattern, replacement in ROLE_SYNONYMS:
        text = pattern.sub(replacement, text)
    words = set()
    for word in re.findall(r"[\w’'-]+", text.lower()):
        word = re.sub(r"[’']s$", "", word)
        if word in ROLE_STOPWORDS:
            continue
        country = DEMONYMS.get(word) or BODY_NAMES.get(word)
        if country:
            word = next((d for d, c in DEMONYMS.items() if c == country and d.isalpha()), word)
        words.add(word)
    return words


def organisation_of(role: str | None) -> str | None:
    """'US State Department spokesperson' -> 'US State Department'; 'Iranian Foreign Minister' -> 'Iran'."""
    if not role:
        return None
    of_part = re.search(r"\bof (?:the )?((?>[A-Z][\w’'-]*\s?)+)$", role)
    if of_part:
        return of_part.group(1).strip()
    tokens = role.split()
    head = max((i for i, t in enumerate(tokens) if _role_word(t) in ROLE_NOUNS), default=-1)
    before = tokens[:head] if head >= 0 else []
    if before and _role_word(before[-1]) in ORG_WORDS | {"ministry"}:
        return " ".join(before)
    for token in before:
        lowered = token.lower().strip(",.")
        if lowered in DEMONYMS:
            return DEMONYMS[lowered]
        if token.isupper() and len(token) >= 2:
            return BODY_NAMES.get(lowered, token)
    return None


@dataclass
class ArticleSpeakers:
    """The speakers named so far in one article, for surnames, pronouns and titles."""

    by_name: dict[str, Speaker] = field(default_factory=dict)
    last_person: Speaker | None = None
    recent_bodies: list[Speaker] = field(default_factory=list)  # bodies named so far, speaking or not, latest last

    def resolve(self, name: str, role: str | None, is_person: bool | None = None) -> Speaker:
        """One speaker per person: 'Price' and 'Ned Price' are the same, the longest name wins."""
        key = _compact(name)
        for known in list(self.by_name.values()):
            known_key = _compact(known.name)
            if key == known_key or (len(key) >= 5 and known_key.endswith(key)):
                if role and not known.role:
                    known.role = role
                if name != known.name:
                    known.aliases.add(name)
                return known
            if len(known_key) >= 5 and key.endswith(known_key) and len(name) > len(known.name):
                del self.by_name[known.name]
                known.aliases.add(known.name)
                known.name = name
                known.role = known.role or role
                self.by_name[name] = known
                return known
        person = _looks_like_person(name) if is_person is None else is_person
        speaker = Speaker(name=name, role=role, is_person=person)
        self.by_name[name] = speaker
        return speaker

    def by_title(self, title: str) -> Speaker | None:
        """'the minister', 'the spokesman': the person whose role shares most words with the title, latest first."""
        words = role_words(title)
        nouns = {w for w in words if w in ROLE_NOUNS | {"spokesperson"}}
        if not nouns:
            return None
        best, best_score = None, 0
        for speaker in reversed(list(self.by_name.values())):
            if not speaker.is_person or not speaker.role or speaker.placeholder:
                continue
            held = role_words(speaker.role)
            if not nouns & held:
                continue
            score = len(words & held)
            if score > best_score:
                best, best_score = speaker, score
        return best

    def by_description(self, noun: str) -> Speaker | None:
        """'the authority', 'the ministry': the latest body whose name or descriptor has that word; 'the regulator',
        'the watchdog', when none has: the latest authority, commission, agency, office or board."""
        for kinds in ({noun}, DESCRIPTION_KINDS.get(noun, set())):  # "the regulator": a named one first
            for speaker in reversed(list(self.by_name.values())):
                words = re.findall(r"[\w-]+", f"{speaker.name} {speaker.role or ''}".lower())
                if not speaker.is_person and kinds & set(words):
                    return speaker
        if noun in GENERIC_BODY_WORDS:  # "the company": the body named last that can be one
            for speaker in reversed(self.recent_bodies):
                if fits_description(speaker, noun):
                    return speaker
        return None

    def note(self, speaker: Speaker | None) -> None:
        """A speaker named in the text (of a claim or not): the latest person for 'he' and 'she', the latest
        body for 'the company'."""
        if speaker and speaker.is_person and not speaker.placeholder:
            self.last_person = speaker
        elif speaker and not speaker.is_person:
            if speaker in self.recent_bodies:
                self.recent_bodies.remove(speaker)
            self.recent_bodies.append(speaker)


def fits_description(body: Speaker, noun: str) -> bool:
    """Whether a body the article named can be the one it now calls "the <noun>" ("the company", "the carrier")."""
    if body.is_person or canonical_body(body.name):
        return False
    kinds = [w for w in re.findall(r"[\w-]+", f"{body.name} {body.role or ''}".lower()) if _org_descriptor(w)]
    if not kinds:
        return noun in OPEN_BODY_WORDS
    return any(kind == noun or {kind, noun} in SAME_KIND or (noun in BROAD_BUSINESS_WORDS and kind in BUSINESS_WORDS)
               for kind in kinds)


def _compact(name: str) -> str:
    return re.sub(r"[\s’'-]+", "", name).lower()


def _looks_like_person(name: str) -> bool:
    words = [w.strip(".,’'").lower() for w in name.split()]
    if not words or words[0] == "the" or any(w in ORG_WORDS or _org_descriptor(w) for w in words):
        return False
    return not all(w in PLACES for w in words)


def _org_descriptor(word: str) -> bool:
    word = word.lower().strip(",.;:")
    return word in ORG_DESCRIPTORS or (word.endswith("maker") and len(word) > 5)


def described_body(phrase: str) -> tuple[str, str] | None:
    """(name, descriptor) of a body introduced by what it is: "Consumer group Fair Skies" -> ("Fair Skies",
    "Consumer group"); "the investigative newspaper Ziarul Nord" -> ("Ziarul Nord", "investigative newspaper")."""
    tokens = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(), flags=re.I).split()
    for i in range(len(tokens) - 2, -1, -1):
        if _org_descriptor(tokens[i]) and (i == 0 or tokens[i].islower()):
            name = tokens[i + 1:]
            if 1 <= len(name) <= 5 and all(re.fullmatch(NAME_TOKEN, t) for t in name):
                return " ".join(name), " ".join(tokens[:i + 1])
            return None
    return None


def named_body(phrase: str) -> str | None:
    """A body named by a phrase that says what it is, with a proper name in it: "the Chinese embassy in Astana"
    -> "Chinese embassy in Astana"."""
    text = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(" ,.;:"), flags=re.I)
    words = text.split()
    head = next((i for i, w in enumerate(words) if w.islower() and _org_descriptor(w)), None)
    if head is None or not 1 <= len(words) <= 8:
        return None
    before, after = words[:head], words[head + 1:]
    if len(before) > 3 or any(w.lower() in NOT_IN_A_NAME for w in before):
        return None
    if after and not (after[0] in {"in", "of", "at", "for", "on"} and 1 <= len(after) <= 5
                      and all(re.fullmatch(NAME_TOKEN, w) or w == "the" for w in after[1:])):
        return None
    return text if any(re.fullmatch(NAME_TOKEN, w) for w in before + after) else None


def body_named_with_of(phrase: str) -> str | None:
    """A body whose name says what it is and whose it is: "The Bank of England" -> "Bank of England"; "the
    Ministry of Defence", "the University of Oslo", "the Department for Education"."""
    words = re.sub(r"^(?:the|a|an)\s+", "", phrase.strip(" ,.;:"), flags=re.I).split()
    link = next((i for i, w in enumerate(words) if w in {"of", "for"}), None)
    if link is None or not 1 <= link <= 4:
        return None
    head, tail = words[:link], words[link + 1:]
    tail_names = tail[1:] if tail[:1] == ["the"] else tail
    if not (1 <= len(tail_names) <= 4 and all(re.fullmatch(NAME_TOKEN, w) for w in head + tail_names)):
        return None
    return " ".join(words) if any(_org_descriptor(w) or w.lower() in ORG_WORDS for w in head) else None


def document_author(phrase: str) -> str | None:
    """Who speaks through a document named as a subject: "The regulator's report" -> "The regulator"; "A United
    Nations report" -> "United Nations"; "a study by the University of Oslo" -> "the University of Oslo". None when
    the phrase is not a document, or names none ("a new study")."""
    words = phrase.split()
    if not 1 < len(words) <= 16:
        return None
    noun = next((i for i, w in enumerate(words) if w in DOCUMENT_NOUNS), None)
    if noun is None:
        return None
    before, after = words[:noun], words[noun + 1:]
    if after:  # "a study by the University of Oslo", "the report from the ministry"
        return " ".join(after[1:]) if after[0] in {"by", "from"} and len(after) > 1 else None
    owner = next((j for j in range(len(before) - 1, -1, -1) if re.search(r"(?:[’']s|s[’'])$", before[j])), None)
    if owner is not None and noun - owner <= 3:  # "The regulator's report", "the ministry's final audit"
        return " ".join(before[:owner] + [re.sub(r"(?:[’']s|[’'])$", "", before[owner])])
    if not before or before[0].lower() not in DOCUMENT_DETERMINERS:  # "Officials report that": a verb
        return None
    names = [w for w in before[1:] if re.fullmatch(NAME_TOKEN, w)]
    if names and names == [w for w in before[1:] if w[:1].isupper()] and len(names) <= 5:
        start = before.index(names[0], 1)
        if before[start:start + len(names)] == names:  # one run of names: "A United Nations report"
            return " ".join(names)
    return None


def office_holder(title: str) -> Speaker | None:
    """The office as the speaker when its holder is never named: "Portugal's finance minister" (role "finance
    minister", organisation "Portugal"), "central bank's chief economist"; None for a title without a named
    possessor ("his lawyer", "the minister")."""
    possessed = re.fullmatch(r"(?P<owner>(?:[Tt]he\s+)?(?:[\w.&-]+\s){0,2}[\w.&-]+)[’']s\s+"
                             r"(?P<title>[\w-]+(?:\s[\w-]+){0,3}?)(?:\s(?:for|of|on)(?:\s[\w-]+){1,3})?", title.strip())
    if not possessed or _role_word(possessed.group("title").split()[-1]) not in ROLE_NOUNS:
        return None
    owner = possessed.group("owner").split()
    if any(w[:1].islower() for w in owner) and owner[0].lower() != "the":  # "... come as Iraq's prime minister"
        return None
    if owner[-1].lower() in {"his", "her", "its", "their", "our", "my", "your", "country", "company", "firm"}:
        return None
    role = title.strip()[possessed.start("title"):]
    return Speaker(re.sub(r"^[Tt]he\s+", "", title.strip()), role, is_person=True,
                   organisation=organisation_of(role) or re.sub(r"^[Tt]he\s+", "", possessed.group("owner")))


def parse_role_and_name(phrase: str) -> tuple[str | None, str | None]:
    """Split 'Iranian Foreign Minister Hossein Amirabdollahian' into role and name."""
    phrase = phrase.strip(" ,.;:")
    phrase = re.sub(r"^(the|a|an)\s+", "", phrase, flags=re.I)
    if not phrase:
        return None, None
    # "Minister of Defense ..., Mohammad Reza Ashtiani": an appositive name after a comma.
    if "," in phrase:
        head, _, tail = phrase.rpartition(",")
        if re.fullmatch(rf"{NAME_WORD}{{1,4}}", tail.strip()) and _has_role_noun(head):
            titled, named = parse_role_and_name(tail)  # "head of ..., General Lloyd Austin": the name only
            return head.strip(), named if titled and named else tail.strip()
        phrase = tail.strip() if re.fullmatch(rf"{NAME_WORD}{{1,4}}", tail.strip()) else head.strip()
    tokens = phrase.split()
    last_role = max((i for i, t in enumerate(tokens) if _role_word(t) in ROLE_NOUNS), default=-1)
    name_tokens = tokens[last_role + 1:]
    role_tokens = tokens[: last_role + 1]
    # "President of Russia Dmitry Peskov", "Secretary of State Antony Blinken": what follows "of" belongs to the
    # role, up to the last two words
    linked = False
    while len(name_tokens) > 2 and (linked or name_tokens[0].lower() in {"of", "for", "the"} | PLACES):
        linked = linked or (name_tokens[0] in {"of", "for"}
                            and all(re.fullmatch(NAME_TOKEN, t) for t in name_tokens[1:]))
        role_tokens.append(name_tokens.pop(0))
    if name_tokens and not all(re.fullmatch(NAME_TOKEN, t) for t in name_tokens):
        if not role_tokens:
            return None, None
        name_tokens = []
    while len(name_tokens) > 1 and name_tokens[0].lower().rstrip(".") in HONORIFICS:  # "Dr. Lena Vogt"
        role_tokens.append(name_tokens.pop(0))
    role = " ".join(role_tokens) or None
    name = " ".join(name_tokens) or None
    if role:
        # "Only last week did the Middle Eastern country’s UN ambassador" -> "UN ambassador"
        role = re.sub(r"^.*\b(?:did|does|do|was|is)\s+", "", role)
        role = re.sub(r"^(?:(?:the|a|an|his|her|their|its)\s+)?(?:[\w ]*?\bcountry[’']s\s+)?", "", role, flags=re.I)
        role = role or None
    return role, name


def _role_word(token: str) -> str:
    word = re.sub(r"[’']s$", "", token.lower().strip(",.;:"))
    return word[:-1] if word.endswith("s") and word[:-1] in ROLE_NOUNS else word


def _has_role_noun(text: str) -> bool:
    return any(_role_word(t) in ROLE_NOUNS for t in text.split())


OPENERS = re.compile(r"(?:^|(?<=[\s(\[:—–-]))[“‘\"]")
CLOSERS = re.compile(r"[”’\"](?=$|[\s,.;:!?)\]—–-])")


def has_unclosed_quote(paragraph: str) -> bool:
    """A quotation opened in this paragraph and continued in the next one."""
    return len(OPENERS.findall(paragraph)) > len(CLOSERS.findall(paragraph))


# Quotation marks as (opening, closing): “…”, "…" and ‘…’ (an apostrophe inside a word is not a quote; ‘…’ never
# spans a line break: its closing pattern stops there).
QUOTATION_MARKS = [
    (re.compile("“"), re.compile("”")),
    (re.compile('"'), re.compile('"')),
    (re.compile(r"(?:(?<=^)|(?<=[\s(\[—–-]))‘"), re.compile(r"\n|’(?![\w])")),
]


def _quotations(paragraph: str, opening: re.Pattern[str], closing: re.Pattern[str]) -> Iterator[tuple[int, int]]:
    """Inner spans, each opening mark paired with the first closing mark after it: what ``re.finditer`` of
    'opening, anything lazily, closing' finds, in linear time (an opening mark never closed is read once)."""
    position = 0
    while opened := opening.search(paragraph, position):
        closed = closing.search(paragraph, opened.end())
        if closed is None:
            return
        if closed.group() != "\n":
            yield opened.end(), closed.start()
        position = closed.end()


def find_quote_regions(paragraph: str) -> list[QuoteRegion]:
    """Quotations in a paragraph: “…”, "…" and ‘…’ (an apostrophe inside a word is not a quote)."""
    regions: list[QuoteRegion] = []
    for opening, closing in QUOTATION_MARKS:
        for start, end in _quotations(paragraph, opening, closing):
            if len(paragraph[start:end].split()) >= 4:
                regions.append(QuoteRegion(start, end))
    return sorted(regions, key=lambda r: r.start)


# What may stand between two quotations of one speaker: the first one's attribution and nothing else
# ("“A,” ministry spokesman Arman Seitkali said. “B.”"): no sentence of its own, a few words.
BETWEEN_QUOTATIONS_WORDS = 16


def continue_quotations(paragraph: str, regions: list[QuoteRegion]) -> None:
    """A quotation with no speaker of its own that follows an attributed one in the same paragraph, with only
    that attribution between them, is the same speaker's: "“A,” X said. “B.”" -> B is X's."""
    for previous, region in zip(regions, regions[1:]):
        if region.attribution and region.attribution.speaker:
            continue
        if not (previous.attribution and previous.attribution.speaker):
            continue
        between = paragraph[previous.end:region.start].strip(" \t,.;:“”\"‘’")
        if len(between.split()) <= BETWEEN_QUOTATIONS_WORDS and not re.search(r"[.!?;]", between):
            region.attribution = previous.attribution


def voice_of(verb: str | None, sentence: str) -> str:
    """What the reporting verb, or the construction around it, means for the claim."""
    if REFUSES_TO_CONFIRM.search(sentence):
        return "refuses_to_confirm"
    if not verb:
        return "asserts"
    voice = VOICE_OF_VERB.get(verb.lower().split()[0], "asserts")
    if voice == "asserts" and DISMISSAL.search(sentence):
        return "denies"
    return voice


def polarity_of(claim_text: str, voice: str, verb: str | None) -> str:
    """'negative' when the claim denies or negates what it is about, 'positive' otherwise."""
    content = claim_text
    if verb:
        content = re.sub(rf"\b{re.escape(verb)}\b", " ", content, count=1, flags=re.I)
    negated = bool(NEGATION.search(content))
    if voice == "refuses_to_confirm":
        return "positive"
    # "denied ..., calling the accusations false": words of rejection inside a denial reinforce it.
    return "negative" if voice == "denies" or negated else "positive"


# A determiner (any case: "The report says") or a possessive just before a verb's word makes it a noun or a
# participle; a word that is also a noun may have one of the usual adjectives between ("A new report claims"), a
# verb's past may not ("the official said" is a verb).
DETERMINER = r"(?:[’']s|\b(?i:the|an?|of|its|their|his|her|our))"
DETERMINED = re.compile(rf"{DETERMINER}\s+$")
DETERMINED_NOUN = re.compile(rf"{DETERMINER}\s+(?i:new|latest|recent|earlier|previous|separate|same|original|leaked|"
                             r"official|internal|fake|phony)\s+$")
NOUN_FORMS = {"report", "reports", "claim", "claims", "note", "notes", "pledge", "pledges", "vow", "vows", "call",
              "calls", "finding"}


# A reporting verb's word in another sense, told by the words after it: "added 300 jobs", "add to the pressure",
# "claimed 20 lives", "claimed the title". Reporting uses take a clause, a quotation or a speaker after them.
OTHER_SENSE = {
    "add": re.compile(r"\s+(?:\d|(?:to|up|more|new|another|some|about|nearly|almost|over|around|roughly)\b"
                      r"|an?\s+\w)", re.I),
    "claim": re.compile(r"\s+(?:(?:(?:at least|more than|nearly|about|some|over)\s+)?[\d,.]+\s+(?:\w+\s+)?lives\b"
                        r"|(?:(?:the|a|an|his|her|their|its|another)\s+(?:[\w-]+\s+){0,2})?"
                        r"(?:lives?|title|victory|win|crown|trophy|medal|gold|silver|bronze|seats?|championship|"
                        r"prize|record|pole|lead)\b)", re.I),
}
SENSE_OF_FORM = {form: lemma for lemma in OTHER_SENSE for form in REPORTING_VERBS[lemma][2].split()}


def in_another_sense(text: str, start: int, end: int) -> bool:
    """Whether the reporting verb's word at ``text[start:end]`` is used in a sense that reports nothing."""
    lemma = SENSE_OF_FORM.get(text[start:end].lower())
    return lemma is not None and OTHER_SENSE[lemma].match(text, end, end + 60) is not None


def _adjectival(text: str, match: re.Match[str]) -> bool:
    """'an arms firm accused of supplying', 'Tehran's alleged arms supply': a participle, not a reporting verb;
    'added 300 jobs': another sense of the word."""
    if in_another_sense(text, match.start(1), match.end(1)):
        return True
    after = text[match.end():match.end() + 4]
    before = text[max(0, match.start() - 24):match.start()]
    if after.startswith(" of") and not re.search(r"\b(?:has|have|had|was|were|is|are|been|be)\s+$", before):
        return True
    if DETERMINED.search(before):  # "the alleged supply", "The report says": a noun's words, not a verb
        return True
    if match.group(1).lower() in NOUN_FORMS and (DETERMINED_NOUN.search(before) or re.match(
            r"\s+(?:had|have|has|were|was|are|is|will|would|rose|fell)\b", text[match.end():match.end() + 8])):
        return True  # "the latest report", "Storm claims had been higher": nouns
    # "A United Nations report found": the document, not the verb
    phrase = text[max(0, match.start() - 120):match.end()].split(",")[-1]  # a subject's words, not the sentence's
    return match.group(1) in DOCUMENT_NOUNS and document_author(phrase) is not None


def split_coordination(phrase: str) -> list[str] | None:
    """'Moscow and Tehran' -> ['Moscow', 'Tehran']; 'Ukraine and its Western allies' -> ['Ukraine']; None when
    the phrase is not a list of bodies or short names (a role such as 'Minister of Defense and Logistics')."""
    parts = [p.strip() for p in re.split(r",\s*(?:and\s+)?|(?<!\s)\s++and\s+", phrase.strip(" ,.")) if p.strip()]
    if len(parts) < 2:
        return None
    kept = []
    for part in parts:
        if re.match(r"^(?:its|their|his|her|other|some|several)\b", part):
            continue  # "its Western allies": not named
        bare = re.sub(r"^the\s+", "", part, flags=re.I)
        if canonical_body(part) or (re.fullmatch(rf"{NAME_WORD}{{1,3}}", bare) and not _has_role_noun(bare)):
            kept.append(part)
        else:
            return None
    return kept or None


class Attributor:
    """Finds the speaker of each sentence of one article, in reading order."""

    def __init__(self, find_mention: Callable[[Attributor, str, str], Speaker | None] | None = None) -> None:
        self.speakers = ArticleSpeakers()
        self.sentences_read: list[tuple[int, int]] = []  # offsets of the sentences read so far; the last is current
        # (attributor, "body" or "person", the phrase that refers to it) -> the latest body or person the text
        # names before the phrase without making it a speaker ("Shares in Bergmann rose ... the insurer said")
        self._find_mention = find_mention

    def mentioned(self, kind: str, phrase: str) -> Speaker | None:
        return self._find_mention(self, kind, phrase) if self._find_mention else None

    def speaker_from_phrase(self, phrase: str, is_person: bool | None = None) -> Speaker | None:
        phrase = strip_trailing_filler(phrase.strip(" ,.;:")).strip()
        phrase = PUBLISHED_PIECE.sub("", phrase)
        lowered = phrase.lower()
        if lowered in PRONOUNS:
            if lowered not in {"he", "she"}:
                return None
            return self.speakers.last_person or self.mentioned("person", phrase)
        author = document_author(phrase)
        if author:
            return self.speaker_from_phrase(author, is_person)
        body = canonical_body(phrase)
        if body:
            speaker = self.speakers.resolve(body[0], None, is_person=False)
            if body[1] != body[0]:
                speaker.aliases.add(body[1])
            return speaker
        group = GROUP_PREFIX.sub("", phrase)
        if group != phrase:
            return self.speaker_from_phrase(group, is_person)
        owned = re.fullmatch(r"(?P<body>(?:[A-Z][\w.&-]*\s){0,2}[A-Z][\w.&-]*)[’']s\s+"
                             r"(?P<name>[A-Z][\w.-]*(?:\s[A-Z][\w.-]*){1,2})", phrase)  # "Piper Jaffray's Gene Munster"
        if owned and not _has_role_noun(phrase) and is_person is not False and _looks_like_person(owned.group("name")):
            speaker = self.speakers.resolve(owned.group("name"), None, is_person=True)
            speaker.organisation = speaker.organisation or owned.group("body").strip()
            return speaker
        possessive_title = re.fullmatch(r"((?:[A-Z][\w.&-]*\s){0,3}[A-Z][\w.&-]*)[’']s\s+([\w\s-]{2,40})", phrase)
        definite = re.fullmatch(r"(the|this|that)\s+[\w\s’'-]{0,80}", lowered)
        if (definite or possessive_title) and _has_role_noun(lowered):
            _, name = parse_role_and_name(phrase)
            if not name or not _looks_like_person(name):
                known = self.speakers.by_title(phrase)
                if known:
                    return known
                spokesperson = SPOKESPERSON_OF.match(phrase)
                if spokesperson:  # "Pfizer's spokesman": the body speaks, or no one known ("the company's")
                    return self.speaker_from_phrase(spokesperson.group("body"), is_person=False)
                role = re.sub(r"^(the|this|that)\s+", "", phrase, flags=re.I)
                return Speaker(name=role, role=role, is_person=True, placeholder=True, office=office_holder(phrase))
        spokesperson = SPOKESPERSON_FOR.match(phrase) or (
            re.match(r"^(?:an?|one)\s", phrase, re.I) and SPOKESPERSON_OF.match(phrase))
        if spokesperson:  # the body's own phrase decides: its name, or what it is ("the Chinese embassy in Astana")
            return self.speaker_from_phrase(spokesperson.group("body"), is_person=False)
        name_of_body = re.sub(r"^[Tt]he\s+", "", phrase)
        words = name_of_body.split()
        if is_person is False and re.fullmatch(rf"{NAME_WORD}{{1,6}}", name_of_body) and any(
                not _org_descriptor(w) and w.lower() not in ROLE_NOUNS | NOT_IN_A_NAME for w in words) and (
                _org_descriptor(words[-1]) or not _has_role_noun(name_of_body)):  # not "Prime Minister Stephen Harper"
            return self._body(name_of_body, None)  # "Northfield General Hospital", not "Department"
        the_noun = re.fullmatch(r"the\s+([a-z-]+)", lowered)
        if the_noun and _org_descriptor(the_noun.group(1)):
            noun = the_noun.group(1)
            known = self.speakers.by_description(noun)
            if known or noun not in GENERIC_BODY_WORDS:
                return known
            mentioned = self.mentioned("body", phrase)
            return mentioned if mentioned and fits_description(mentioned, noun) else None
        of_name = body_named_with_of(phrase)
        if of_name:
            return self._body(of_name, None)
        if lowered.startswith(("the ", "a ", "an ")) and not re.search(rf"\s{NAME_TOKEN}", phrase):
            return None
        group = GROUP_OF_PEOPLE.fullmatch(phrase)
        if group and group.group("noun").lower() in GROUP_NOUNS:
            return self._body(phrase, None)
        if not _has_role_noun(lowered):
            described = described_body(phrase)
            if described:
                return self._body(*described)
        demonym_body = re.fullmatch(r"(?:[Tt]he\s+)?([A-Z]\w+)\s+((?:[a-z]+\s+){0,2}[a-z]+)", phrase)
        if demonym_body and demonym_body.group(1).lower() in DEMONYMS and demonym_body.group(2).split()[-1] in ORG_WORDS:
            return self.speakers.resolve(f"{demonym_body.group(1)} {demonym_body.group(2)}", None, is_person=False)
        role, name = parse_role_and_name(phrase)
        if not name:
            return self._body(named_body(phrase), None)  # "Brazil's central bank"
        if len(name.split()) > 5:
            return None
        speaker = self.speakers.resolve(name, role, is_person)
        if speaker.role and not speaker.organisation:
            speaker.organisation = organisation_of(speaker.role)
        return speaker

    def _body(self, name: str | None, descriptor: str | None) -> Speaker | None:
        """A body (or a group of people) speaking, with what it is as its role."""
        if not name:
            return None
        speaker = self.speakers.resolve(name, descriptor, is_person=False)
        speaker.is_person = False
        return speaker

    def speakers_from_phrase(self, phrase: str) -> list[Speaker]:
        """Every speaker of a subject: one, or each named part of 'Moscow and Tehran'."""
        parts = split_coordination(strip_trailing_filler(phrase.strip(" ,.;:")))
        found = [self.speaker_from_phrase(p) for p in (parts or [phrase])]
        unique: list[Speaker] = []
        for speaker in found:
            if speaker and speaker not in unique:
                unique.append(speaker)
        return unique

    def attribute_quote(self, paragraph: str, region: QuoteRegion) -> Attribution | None:
        """The attribution right after a quotation's close, or right before its opening. Quotations are read
        before their paragraph's sentences, so names mentioned earlier are not looked up for them."""
        finder, self._find_mention = self._find_mention, None
        try:
            return self._attribute_quote(paragraph, region)
        finally:
            self._find_mention = finder

    def _attribute_quote(self, paragraph: str, region: QuoteRegion) -> Attribution | None:
        after = paragraph[region.end + 1: region.end + 120]
        before = paragraph[max(0, region.start - 200): region.start - 1]
        inner = paragraph[region.start: region.end].rstrip()
        same_sentence = inner.endswith((",", "—", "–")) or after.startswith(",")
        # "said Vestrand's chief financial officer, Ingrid Solberg, who ...": a title, then the name set off
        match = same_sentence and re.match(
            rf"^[\s,]*({VERB_PATTERN})\s+([^,.;“”\"]{{2,60}}?,\s+{NAME_WORD}{{1,4}})(?=[,.;]|$)", after)
        if match and _has_role_noun(match.group(2).split(",")[0]):
            return self._attribution(match.group(2), match.group(1), after)
        match = same_sentence and re.match(rf"^[\s,]*({VERB_PATTERN})\s+((?:[A-Z][\w’'-]*\s?){{1,4}})", after)
        if match:
            return self._attribution(match.group(2), match.group(1), after)
        match = same_sentence and re.match(rf"^[\s,]*(.{{1,90}}?)\s+(?:(?:also|then|had|has)\s+)?({VERB_PATTERN})\b", after)
        if match and "“" not in match.group(1) and '"' not in match.group(1):
            attribution = self._attribution(match.group(1), match.group(2), after)
            if attribution.speaker:
                return attribution
            quoted = re.search(r"quoted (.{1,60}?) as saying", after)
            if quoted:
                return self._attribution(quoted.group(1), "said", after)
        match = re.match(rf"^\s*({NAME_WORD}{{1,8}}(?:spokesperson|spokesman|minister)?[\w\s’'.-]{{0,40}})$", after)
        if match and not after.strip().endswith("."):
            speaker = self.speaker_from_phrase(match.group(1))
            if speaker:
                return Attribution(speaker, None, "asserts")
        # "X said:", "X said that", and before a colon the verb's object or time ("X told reporters on Monday:")
        match = re.search(
            rf"([\w\s’'.,-]{{1,120}}?)\s+(?:was quoted .{{0,60}}as saying|({VERB_PATTERN})(?: that)?|"
            rf"({VERB_PATTERN})\s[^“”\"‘.;:]{{1,60}}?:)[,:]?\s*[“\"‘]?$",
            before,
        )
        if match:
            subject = LEADING_ADVERBIAL.sub("", match.group(1).strip())
            if "," in subject and not _has_role_noun(subject):  # "In a statement, X", "X, speaking in Y,"
                parts = [part.strip() for part in subject.split(",") if part.strip()]
                subject = next((part for part in reversed(parts) if part[0].isupper()), parts[-1] if parts else "")
            return self._attribution(subject, match.group(2) or match.group(3) or "said", before)
        return None

    def _attribution(self, phrase: str, verb: str | None, context: str) -> Attribution:
        speakers = self.speakers_from_phrase(phrase)
        return Attribution(speakers[0] if speakers else None, verb.lower() if verb else None, voice_of(verb, context),
                           speakers[1:])

    def attribute_sentence(self, sentence: str) -> Attribution:
        """Attribution from the sentence alone: subject + reporting verb, passive 'by X', 'according to X'."""
        attribution = self._attribute_sentence(sentence)
        also = AS_HAS.search(sentence)
        if also and attribution.speaker:
            extra = self.speaker_from_phrase(also.group(1))
            if extra and extra not in attribution.speakers:
                attribution.also.append(extra)
        return attribution

    def _attribute_sentence(self, sentence: str) -> Attribution:
        passive = re.search(rf"\bwas (?:{VERB_PATTERN}) (?:on \w+ )?by (.+?)\.?$", sentence)
        if passive:
            speaker = self.speaker_from_phrase(passive.group(1))
            if speaker:
                return Attribution(speaker, None, "asserts")
        statements = STATEMENTS_BY.search(sentence)
        if statements:
            speakers = self.speakers_from_phrase(statements.group(2))
            if speakers:
                voice = "alleges" if statements.group(1).lower().startswith(("claim", "accusation", "allegation")) else "asserts"
                return Attribution(speakers[0], None, voice, speakers[1:])
        quoted_as = re.search(r"^(.{1,80}?)\s+was (?:quoted|cited)\b.{0,80}?\bas saying\b", sentence) or re.search(
            r"\b(?:quoted|cited) (.{1,60}?) as saying\b", sentence
        )
        if quoted_as:
            speaker = self.speaker_from_phrase(quoted_as.group(1))
            if speaker:
                return Attribution(speaker, "said", "asserts")
        according = re.match(rf"^[Aa]ccording to ([^,]{{2,80}}?,\s+{NAME_WORD}{{1,4}}),", sentence)
        if not (according and _has_role_noun(according.group(1).split(",")[0])):  # "According to X's chairman, Y,"
            according = re.match(r"^[Aa]ccording to (.{2,80}?),", sentence)
        body = LEADING_ADVERBIAL.sub("", sentence)
        match = next((m for m in VERB.finditer(body) if not _adjectival(body, m)), None)
        if match and not according:
            verb = match.group(1)
            before = body[: match.start()].strip()
            rest = body[match.end():].strip(" .")
            if before:
                trailing = len(rest.split()) <= 4 and "," in before
                # "The settlement, the company said, will be paid ...": the attribution set off by commas
                aside = "," in before and body[match.end():].startswith(",")
                subject = before.rsplit(",", 1)[-1] if trailing or aside else before.split(",", 1)[0]
                # "..., said Rami Abdulrahman, who runs ...": the speaker after the verb
                inverted = before.endswith(",") and re.match(
                    rf"^((?:{NAME_WORD}){{1,4}}|(?:the|a|an)\s+[^,.;“”\"]{{2,60}}?)(?=\s*(?:,|\.|$))", rest)
                speakers = self.speakers_from_phrase(inverted.group(1)) if inverted else []
                if speakers:
                    return Attribution(speakers[0], verb.lower(), voice_of(verb, sentence), speakers[1:])
                apposition = APPOSITION.match(before)
                apposition = apposition or ROLE_APPOSITION.match(before)
                if not (trailing or aside) and apposition and _has_role_noun(apposition.group("role")):
                    subject = f"{apposition.group('role')}, {apposition.group('name')}"  # parsed as role, name
                listed = re.match(r"^(.+?)\s+(?:have|has|had|are|is|were|was|will|would)\b", before)
                if not (trailing or aside) and listed and split_coordination(listed.group(1)):
                    subject = listed.group(1)
                subject = re.sub(r"\s+was quoted.*$", "", subject)
                speakers = self.speakers_from_phrase(subject)
                if speakers or trailing or len(subject.split()) <= 6:
                    return Attribution(speakers[0] if speakers else None, verb.lower(), voice_of(verb, sentence),
                                       speakers[1:])
        according = according or re.search(r"\b[Aa]ccording to (?:the )?(.{2,80}?)(?:,|\.?$)", sentence)
        if according:
            speaker = self.speaker_from_phrase(according.group(1))
            if speaker:
                return Attribution(speaker, "according to", "asserts")
        refusal = REFUSES_TO_CONFIRM.search(body)
        if refusal and refusal.start() > 0:  # "A spokesperson for the Chinese embassy declined to comment"
            speaker = self.speaker_from_phrase(body[:refusal.start()])
            if speaker:
                return Attribution(speaker, None, voice_of(None, sentence))
        hearsay = re.search(r"\breports (?:have|had) (suggested|said|claimed)\b", sentence)
        if hearsay:
            return Attribution(None, hearsay.group(1), "reports")
        if re.match(r"^(?:[\w-]+\s+){0,2}reports\s+(?:are|were|have|had)\b", body, re.I):  # "Unconfirmed reports
            return Attribution(None, None, "reports")                                     # are circulating that"
        return Attribution(None, None, voice_of(None, sentence))
