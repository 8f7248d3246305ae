"""Who said it, with which reporting verb, in which voice and polarity: rules over one article."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

# Reporting verbs and what they mean for the claim (its voice).
VOICE_OF_VERB: dict[str, str] = {}
for _voice, _verbs in {
    "denies": "deny denies denied denying reject rejects rejected rejecting refute refutes refuted dismiss dismisses dismissed",
    "admits": "admit admits admitted admitting acknowledge acknowledges acknowledged concede concedes conceded confirm "
    "confirms confirmed",
    "alleges": "allege alleges alleged alleging accuse accuses accused accusing claim claims claimed claiming",
    "reports": "report reports reported reporting suggest suggests suggested",
    "asserts": "say says said saying add adds added stated tell tells told stress stresses stressed "
    "emphasize emphasizes emphasized emphasise emphasised insist insists insisted note notes noted announce "
    "announces announced reiterate reiterates reiterated respond responds responded call calls called describe "
    "describes described maintain maintains maintained warn warns warned argue argues argued explain explains "
    "explained write writes wrote found reaffirm reaffirmed",
}.items():
    for _verb in _verbs.split():
        VOICE_OF_VERB[_verb] = _voice

VERB_PATTERN = "|".join(sorted(VOICE_OF_VERB, key=len, reverse=True))
VERB = re.compile(rf"\b({VERB_PATTERN})\b")
REFUSES_TO_CONFIRM = re.compile(
    r"\b(neither confirmed nor denied|(declined|refused|would not|did not) (to )?(confirm|comment))\b", re.I
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
}
ORG_WORDS = {
    "post", "times", "agency", "ministry", "department", "news", "government", "office", "corps", "union",
    "council", "committee", "army", "forces", "press", "tass", "irna", "reuters", "ap", "afp", "media", "journal",
    "guardian", "bbc", "cnn", "service", "administration", "kremlin", "pentagon", "nato", "un", "eu",
}
PLACES = {
    "iran", "russia", "ukraine", "tehran", "moscow", "kyiv", "kiev", "us", "usa", "washington", "israel", "china",
    "europe", "crimea", "britain", "uk", "france", "germany", "america", "united", "states", "kingdom",
}
NAME_TOKEN = r"[A-Z][\w’'.-]*"
LEADING_ADVERBIAL = re.compile(
    r"^(?:(?:In|On|At|By|During|Earlier|Later|Subsequently|Meanwhile|However|But|And|Also|Only|In turn|"
    r"In response[^,]*|Last \w+|This \w+)[^,]{0,60},\s*)+"
)
TRAILING_FILLER = re.compile(
    r"(\s+(on \w+(day)?|today|yesterday|again|also|has|have|had|was|were|is|repeatedly|long|earlier|later|"
    r"then|now|previously|first|already|once|last week|on [A-Z]\w+ \d+|neither|nor))+$",
    re.I,
)


@dataclass
class Speaker:
    name: str
    role: str | None = None
    is_person: bool = True


@dataclass
class Attribution:
    speaker: Speaker | None
    verb: str | None
    voice: str


@dataclass
class QuoteRegion:
    start: int  # inner span, quotation marks excluded
    end: int
    attribution: Attribution | None = None


@dataclass
class ArticleSpeakers:
    """The speakers named so far in one article, for surnames, pronouns and titles."""

    by_name: dict[str, Speaker] = field(default_factory=dict)
    last_person: Speaker | None = None

    def resolve(self, name: str, role: str | None) -> Speaker:
        """One speaker per person: 'Price' and 'Ned Price' are the same, the longest name wins."""
        key = _compact(name)
        for known in self.by_name.values():
            known_key = _compact(known.name)
            if key == known_key or (len(key) >= 5 and known_key.endswith(key)):
                if role and not known.role:
                    known.role = role
                return known
            if len(known_key) >= 5 and key.endswith(known_key) and len(name) > len(known.name):
                del self.by_name[known.name]
                known.name = name
                known.role = known.role or role
                self.by_name[name] = known
                return known
        speaker = Speaker(name=name, role=role, is_person=_looks_like_person(name))
        self.by_name[name] = speaker
        return speaker

    def by_title(self, title: str) -> Speaker | None:
        """'the minister', 'the spokesman': the last person whose role has that word."""
        words = [_role_word(w) for w in title.split() if _role_word(w) in ROLE_NOUNS]
        for speaker in reversed(list(self.by_name.values())):
            if speaker.is_person and speaker.role and any(w in speaker.role.lower() for w in words):
                return speaker
        return self.last_person if words else None

    def note(self, speaker: Speaker | None) -> None:
        if speaker and speaker.is_person:
            self.last_person = speaker


def _compact(name: str) -> str:
    return re.sub(r"[\s’'-]+", "", name).lower()


def _looks_like_person(name: str) -> bool:
    words = [w.strip(".,’'").lower() for w in name.split()]
    if not words or words[0] == "the" or any(w in ORG_WORDS for w in words):
        return False
    return not all(w in PLACES for w in words)


def parse_role_and_name(phrase: str) -> tuple[str | None, str | None]:
    """Split 'Iranian Foreign Minister Hossein Amirabdollahian' into role and name."""
    phrase = phrase.strip(" ,.;:")
    phrase = re.sub(r"^(the|a|an)\s+", "", phrase, flags=re.I)
    if not phrase:
        return None, None
    # "Minister of Defense ..., Mohammad Reza Ashtiani": an appositive name after a comma.
    if "," in phrase:
        head, _, tail = phrase.rpartition(",")
        if re.fullmatch(rf"(?:{NAME_TOKEN}\s?){{1,4}}", tail.strip()) and _has_role_noun(head):
            return head.strip(), tail.strip()
        phrase = tail.strip() if re.fullmatch(rf"(?:{NAME_TOKEN}\s?){{1,4}}", tail.strip()) else head.strip()
    tokens = phrase.split()
    last_role = max((i for i, t in enumerate(tokens) if _role_word(t) in ROLE_NOUNS), default=-1)
    name_tokens = tokens[last_role + 1:]
    role_tokens = tokens[: last_role + 1]
    # "President of Russia Dmitry Peskov": the place after "of" belongs to the role.
    while len(name_tokens) > 2 and name_tokens[0].lower() in {"of", "the"} | PLACES:
        role_tokens.append(name_tokens.pop(0))
    if name_tokens and not all(re.fullmatch(NAME_TOKEN, t) for t in name_tokens):
        if not role_tokens:
            return None, None
        name_tokens = []
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


def find_quote_regions(paragraph: str) -> list[QuoteRegion]:
    """Quotations in a paragraph: “…”, "…" and ‘…’ (an apostrophe inside a word is not a quote)."""
    regions: list[QuoteRegion] = []
    for pattern in (r"“([^”]*)”", r'"([^"]*)"', r"(?:(?<=^)|(?<=[\s(\[—–-]))‘(.*?)’(?![\w])"):
        for match in re.finditer(pattern, paragraph):
            if len(match.group(1).split()) >= 4:
                regions.append(QuoteRegion(match.start(1), match.end(1)))
    return sorted(regions, key=lambda r: r.start)


def voice_of(verb: str | None, sentence: str) -> str:
    if REFUSES_TO_CONFIRM.search(sentence):
        return "refuses_to_confirm"
    return VOICE_OF_VERB.get(verb.lower(), "asserts") if verb else "asserts"


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


class Attributor:
    """Finds the speaker of each sentence of one article, in reading order."""

    def __init__(self) -> None:
        self.speakers = ArticleSpeakers()

    def speaker_from_phrase(self, phrase: str) -> Speaker | None:
        phrase = TRAILING_FILLER.sub("", phrase.strip(" ,.;:")).strip()
        lowered = phrase.lower()
        if lowered in PRONOUNS:
            return self.speakers.last_person if lowered in {"he", "she"} else None
        if re.fullmatch(r"(the|this|that)\s+[\w\s’'-]{0,40}", lowered) and _has_role_noun(lowered):
            known = self.speakers.by_title(lowered)
            if known:
                return known
        if lowered.startswith(("the ", "a ", "an ")) and not re.search(rf"\s{NAME_TOKEN}", phrase):
            return None
        role, name = parse_role_and_name(phrase)
        if not name:
            return None
        if len(name.split()) > 5:
            return None
        speaker = self.speakers.resolve(name, role)
        return speaker

    def attribute_quote(self, paragraph: str, region: QuoteRegion) -> Attribution | None:
        """The attribution right after a quotation's close, or right before its opening."""
        after = paragraph[region.end + 1: region.end + 120]
        before = paragraph[max(0, region.start - 200): region.start - 1]
        inner = paragraph[region.start: region.end].rstrip()
        same_sentence = inner.endswith((",", "—", "–")) or after.startswith(",")
        match = same_sentence and re.match(rf"^[\s,]*({VERB_PATTERN})\s+((?:[A-Z][\w’'-]*\s?){{1,4}})", after)
        if match:
            return self._attribution(match.group(2), match.group(1), after)
        match = same_sentence and re.match(rf"^[\s,]*(.{{1,90}}?)\s+(?:(?:also|then|had|has)\s+)?({VERB_PATTERN})\b", after)
        if match and "“" not in match.group(1) and '"' not in match.group(1):
            attribution = self._attribution(match.group(1), match.group(2), after)
            if attribution.speaker:
                return attribution
            quoted = re.search(rf"quoted (.{{1,60}}?) as saying", after)
            if quoted:
                return self._attribution(quoted.group(1), "said", after)
        match = re.match(r"^\s*((?:[A-Z][\w’'.-]*\s?){1,8}(?:spokesperson|spokesman|minister)?[\w\s’'.-]{0,40})$", after)
        if match and not after.strip().endswith("."):
            speaker = self.speaker_from_phrase(match.group(1))
            if speaker:
                return Attribution(speaker, None, "asserts")
        match = re.search(
            rf"([\w\s’'.,-]{{1,120}}?)\s+(?:was quoted .{{0,60}}as saying|({VERB_PATTERN})(?: that)?)[,:]?\s*[“\"‘]?$",
            before,
        )
        if match:
            subject = LEADING_ADVERBIAL.sub("", match.group(1).strip())
            subject = subject.rsplit(",", 1)[-1] if subject.count(",") >= 1 and not _has_role_noun(subject) else subject
            return self._attribution(subject, match.group(2) or "said", before)
        return None

    def _attribution(self, phrase: str, verb: str | None, context: str) -> Attribution:
        speaker = self.speaker_from_phrase(phrase)
        return Attribution(speaker, verb.lower() if verb else None, voice_of(verb, context))

    def attribute_sentence(self, sentence: str) -> Attribution:
        """Attribution from the sentence alone: subject + reporting verb, passive 'by X', 'according to X'."""
        passive = re.search(rf"\bwas (?:{VERB_PATTERN}) (?:on \w+ )?by (.+?)\.?$", sentence)
        if passive:
            speaker = self.speaker_from_phrase(passive.group(1))
            if speaker:
                return Attribution(speaker, None, "asserts")
        quoted_as = re.search(r"^(.{1,80}?)\s+was (?:quoted|cited)\b.{0,80}?\bas saying\b", sentence) or re.search(
            r"\b(?:quoted|cited) (.{1,60}?) as saying\b", sentence
        )
        if quoted_as:
            speaker = self.speaker_from_phrase(quoted_as.group(1))
            if speaker:
                return Attribution(speaker, "said", "asserts")
        body = LEADING_ADVERBIAL.sub("", sentence)
        match = VERB.search(body)
        if match:
            verb = match.group(1)
            before = body[: match.start()].strip()
            rest = body[match.end():].strip(" .")
            if before:
                trailing = len(rest.split()) <= 4 and "," in before
                subject = before.rsplit(",", 1)[-1] if trailing else before.split(",", 1)[0]
                subject = re.sub(r"\s+was quoted.*$", "", subject)
                speaker = self.speaker_from_phrase(subject)
                if speaker or trailing or len(subject.split()) <= 6:
                    return Attribution(speaker, verb.lower(), voice_of(verb, sentence))
        according = re.search(r"\b[Aa]ccording to (?:the )?(.{2,80}?)(?:,|\.?$)", sentence)
        if according:
            speaker = self.speaker_from_phrase(according.group(1))
            if speaker:
                return Attribution(speaker, "according to", "reports")
        hearsay = re.search(r"\breports (?:have|had) (suggested|said|claimed)\b", sentence)
        if hearsay:
            return Attribution(None, hearsay.group(1), "reports")
        return Attribution(None, None, voice_of(None, sentence))
