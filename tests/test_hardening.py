"""Hostile input: extraction and lexical search stay linear, bad requests get a 4xx (never a 500) and store
nothing, and no secret shows in a repr."""
from __future__ import annotations

import random
import string
import subprocess
import sys
import time
from datetime import date
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.config import PROJECT_ROOT, Config
from service.extraction import RuleExtractor
from service.extraction.attribution import (
    Attributor,
    find_quote_regions,
    has_unclosed_quote,
    organisation_of,
    parse_role_and_name,
)
from service.extraction.cleaning import clean_article
from service.extraction.dates import find_time_expression
from service.extraction.references import content_of, find_reference
from service.extraction.sentences import split_sentences
from service.retrieval import LexicalIndex
from service.stance.claim_model import attributed_content
from service.stance.facts import name_countries_alike

from .test_api import assert_error

PUBLISHED = date(2022, 11, 5)
CAPS = string.ascii_uppercase
# The reported case: one sentence, a closing quotation mark, 60 capital letters (exponential before the fix).
REPORTED = "He said “the drones were sent to the front” " + "A" * 60 + "!"

@pytest.fixture
def engine(make_engine):
    """The shared engine fixture with the rule-based stance model: nothing here is about stance."""
    return make_engine(stance_model="polarity")


# --- extraction on hostile text ----------------------------------------------------------------
QUOTES = "“”\"‘’'«»"
PUNCTUATION = ".,;:!?…()[]—–-/"
REPEATED = [
    "said ", "the ", "A ", "Ab ", "of A ", "of the ", "today ", "and ", "and A ", "in A ", "A. ", "a.", "A, ", ", ",
    "according to ", "was said by ", "quoted ", "on Monday ", "A's ", "In x, ", "– as has ", " – ", " - x",
    "(Photo: x) ", "x, in A", "statements were made by ", "the minister ", "He said that the war is over. ",
    "“a b c d,” ", "A said “", "\x0b", "\u2028", "  ",
]


def _quote_then_caps(parts: tuple[str, str, str, str]) -> str:
    quote, caps, space, end = parts
    return f"He said “the drones were sent to the front{quote} {space}{caps}{end}"


CAPITALS = st.integers(1, 110).flatmap(lambda n: st.text(CAPS, min_size=n, max_size=n))
PIECES = st.one_of(
    st.tuples(st.sampled_from("”\"’,"), CAPITALS, st.sampled_from(["", " "]),
              st.sampled_from(list("!?;)…/") + [" x", ""])).map(_quote_then_caps),
    st.tuples(st.sampled_from(REPEATED), st.integers(1, 200)).map(lambda p: p[0] * p[1]),
    st.tuples(st.sampled_from(QUOTES + PUNCTUATION + " \n"), st.integers(1, 2000)).map(lambda p: p[0] * p[1]),
    st.tuples(st.sampled_from([CAPS, "A ", "Ab", "A.", "A-"]), st.integers(1, 600)).map(lambda p: p[0] * p[1]),
    st.text(st.sampled_from(QUOTES + PUNCTUATION + CAPS + "ab \n"), max_size=300),
    st.text(max_size=100),
)
HOSTILE = st.lists(PIECES, min_size=1, max_size=5).map("".join)
# Generous deadlines: a rule step takes milliseconds on these texts once linear, an exponential one takes hours.
# spaCy's parser alone takes seconds for a few hundred tokens on a loaded CPU, so its step gets more, on less text.
HOSTILE_SETTINGS = dict(derandomize=True, database=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
SPACY_CHARS = 1000


def _attribute(text: str) -> None:
    """Attribution reads cleaned text (white space already one space), paragraph by paragraph."""
    attributor = Attributor()
    for paragraph in clean_article(text).text.split("\n"):
        for region in find_quote_regions(paragraph):
            attributor.attribute_quote(paragraph, region)
        has_unclosed_quote(paragraph)
        for sentence in split_sentences(paragraph):
            attributor.attribute_sentence(sentence.text)
        attributor.speakers_from_phrase(paragraph)
        organisation_of(paragraph)
        parse_role_and_name(paragraph)


def _frame(text: str) -> None:
    """What a statement (at most ``max_statement_chars``) and a stored claim go through before the stance model."""
    from service.stance import framing

    statement = text[:Config().max_statement_chars]
    framing.frame_statement(statement, RuleExtractor())
    for verb in ("denied", "said", "denies"):
        framing._content_clause(text, verb, "Iran", True, typed=True)
        framing._content_clause(text, verb, "Iran", True, named=True)
        framing._statement_content(statement, verb, "denies")
    framing._endorses(text)
    framing.SECOND_ASSERTION.search(text)
    framing.BELIEF.match(statement)
    framing.planned(framing.refusal_negated(statement))
    framing.planned(text)
    for verb in ("said", "denied", None):  # the content under a reporting verb, before or after it
        attributed_content(text, verb)
    name_countries_alike(statement, text)


STEPS: dict[str, Callable[[str], object]] = {
    "cleaning": clean_article,
    "sentences": split_sentences,
    "attribution": _attribute,
    "dates": lambda text: find_time_expression(text, PUBLISHED),
    "rules": lambda text: RuleExtractor().extract(text, PUBLISHED),
    "references": lambda text: (find_reference(text), content_of(text)),
    "stance framing": _frame,
}


@pytest.mark.parametrize("step", list(STEPS))
@settings(deadline=2000, max_examples=40, **HOSTILE_SETTINGS)
@given(text=HOSTILE)
def test_every_extraction_step_is_quick_on_hostile_text(step: str, text: str) -> None:
    STEPS[step](text)


FIRST_USE_RACE = """
import threading
from service.extraction import load_extractor
extractor = load_extractor("spacy")
texts = ["The mayor of Riga said the new bridge will open in May. Ingrid Holm said it cost 3 million euros.",
         "Iran sent drones to Russia."] * 3
barrier, errors = threading.Barrier(len(texts)), []
def extract(text):
    barrier.wait()
    try:
        extractor.extract(text)
    except Exception as error:
        errors.append(repr(error))
threads = [threading.Thread(target=extract, args=(text,)) for text in texts]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(errors)
"""


def test_the_first_extractions_of_a_fresh_worker_may_run_at_once():
    """Request threads of a fresh worker extracting at once (an article's dry run beside a statement's parse) each
    import spaCy on first use. Before its import moved under the pipeline's lock, 6 of 6 such processes failed
    (ImportError from a half-initialised spacy.util, or a _DeadlockError): a 500 in the concurrency test."""
    for _ in range(3):
        run = subprocess.run([sys.executable, "-c", FIRST_USE_RACE], cwd=PROJECT_ROOT, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.strip().splitlines()[-1] == "[]"


@pytest.fixture(scope="module")
def spacy_extractor():
    from service.extraction.spacy_extractor import SpacyExtractor, load_pipeline

    load_pipeline()("Warm up.")
    return SpacyExtractor()


@settings(deadline=10_000, max_examples=15, **HOSTILE_SETTINGS)
@given(text=HOSTILE)
def test_spacy_extraction_is_quick_on_hostile_text(spacy_extractor, text: str) -> None:
    spacy_extractor.extract(text[:SPACY_CHARS], PUBLISHED)


@settings(deadline=10_000, max_examples=15, **HOSTILE_SETTINGS)
@given(text=HOSTILE)
def test_the_stance_fact_checks_are_quick_on_hostile_text(spacy_extractor, text: str) -> None:
    """What the fact checks read of a statement and a stored claim: the parse, and names compared whole."""
    from service.stance.facts import FactReader, compare, numbers_alike, party, same_party

    reader = FactReader()
    statement = reader.fact(text[:Config().max_statement_chars])
    claim, = reader.facts([text[:SPACY_CHARS]])
    if statement is not None and claim is not None:
        compare(statement, claim)
        numbers_alike(statement, claim, text[:SPACY_CHARS])
    same_party(party(text), party(text[::-1]))


def test_the_reported_quotation_followed_by_capitals_is_quick() -> None:
    """Run in a child process: before the fix it did not finish (exponential backtracking)."""
    code = (
        "import time\n"
        "from service.extraction import RuleExtractor\n"
        "from service.extraction.attribution import Attributor, find_quote_regions\n"
        f"text = {REPORTED!r}\n"
        "start = time.perf_counter()\n"
        "for paragraph in (text, text.replace('”', '”,')):\n"
        "    for region in find_quote_regions(paragraph):\n"
        "        Attributor().attribute_quote(paragraph, region)\n"
        "    RuleExtractor().extract(paragraph)\n"
        "print(time.perf_counter() - start)\n"
    )
    try:
        done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                              timeout=30, check=True)
    except subprocess.TimeoutExpired:
        pytest.fail("extraction of a quotation followed by 60 capitals did not finish in 30 s")
    assert float(done.stdout) < 1.0


# The shapes that took quadratic (or exponential) time, at sizes where that took from seconds to hours.
LONG_HOSTILE = {
    "role of capitals": ("attribution", "The minister of " + "A" * 3000 + "!"),
    "abbreviation-like sentences": ("sentences", "He said. " * 5_000),
    "run of end punctuation": ("sentences", "!" * 50_000),
    "unclosed quotation marks": ("quotations", "“" * 50_000),
    "unclosed single quotes": ("quotations", " ‘a" * 30_000),
    "trailing fillers": ("attribution", "today " * 5_000 + "x"),
    "caption places": ("cleaning", "(Photo: x) in A" + " in A" * 10_000),
    "unclosed credits": ("cleaning", "(Photo: x) " + "(Photo: " * 10_000),
    "unclosed e-mail marks": ("cleaning", "a[email " * 20_000),
    "white space run": ("rules", "Iran said" + "\x0b" * 50_000 + "that x y z."),
    "unclosed asides": ("dates", "(" * 100_000 + " on Monday"),
    "a denial's long subject": ("stance framing", "Iran denied " + "a " * 20_000 + "that"),
    "a long belief": ("stance framing", "Iran is " + "really " * 5_000 + "sure"),
    "a long endorsement": ("stance framing", "We stood by " + "x" * 20_000 + "ly this information"),
    "commas before a reporting verb": ("stance framing", "Iran sent drones" + ", a b c d e f" * 3_000 + " said"),
    "capitalised words": ("stance framing", "Tehran " + "Iran Moscow Paris. " * 3_000),
    "reporting verbs before a denial": ("references", "He said that " * 8_000 + "denied these claims"),
    "a quotation at every word": ("references", "“A" * 50_000 + " is false"),
    "a colon at every word": ("references", "said: " * 15_000 + "That is not true."),
}


@pytest.mark.parametrize("step, text", list(LONG_HOSTILE.values()), ids=list(LONG_HOSTILE))
def test_long_hostile_texts_are_linear(step: str, text: str) -> None:
    start = time.perf_counter()
    find_quote_regions(text) if step == "quotations" else STEPS[step](text)
    assert time.perf_counter() - start < 2.0


def test_attribution_is_unchanged_on_ordinary_text() -> None:
    trailer = "“Iran is helping Russia kill Ukrainians and its own people.” US State Department spokesperson Ned Price"
    claims = RuleExtractor().extract(trailer, PUBLISHED).claims
    assert [(c.speaker, c.speaker_role, c.speaker_organisation) for c in claims] == [
        ("Ned Price", "US State Department spokesperson", "US State Department")]
    claims = RuleExtractor().extract(trailer + ".", PUBLISHED).claims
    assert [c.speaker for c in claims] == [None, None]  # a full sentence after the quotation is no attribution
    assert organisation_of("Ministry of Foreign Affairs of Iran") == "Iran"
    assert organisation_of("Spokesman of the Ministry of Foreign Affairs") == "Foreign Affairs"
    assert organisation_of("Minister of Defense and Armed Forces Logistics") is None
    assert parse_role_and_name("Minister of Defense, Mohammad Reza Ashtiani") == ("Minister of Defense",
                                                                                 "Mohammad Reza Ashtiani")


# --- BM25 compound splitting -------------------------------------------------------------------
def _lexical() -> LexicalIndex:
    index = LexicalIndex()
    index.add([(1, "George Soros funds the protests"), (2, "Iran sent drones to Russia"),
               (3, "Australian fires burn millions of hectares")])
    return index


def test_a_long_random_word_does_not_stall_the_lexical_index() -> None:
    statement = "".join(random.Random(7).choice(string.ascii_lowercase) for _ in range(2000))
    index = _lexical()
    start = time.perf_counter()
    index.search(statement, 10)
    index.search(" ".join(statement[i:i + 40] for i in range(0, 2000, 40)), 10)
    assert time.perf_counter() - start < 1.0


def test_run_together_words_still_split_into_indexed_words() -> None:
    top, _ = _lexical().search("georgesoros and australianfires", 10)
    assert {claim_id for claim_id, _ in top} == {1, 3}


def test_a_long_random_statement_through_the_retriever_is_quick(engine) -> None:
    engine.ingest_claims([{"text": "George Soros funds the protests"}, {"text": "Iran sent drones to Russia"}])
    statement = "".join(random.Random(11).choice(string.ascii_lowercase) for _ in range(2000))
    engine.retriever.sync()
    start = time.perf_counter()
    engine.retriever.lexical.search(statement, 50)
    assert time.perf_counter() - start < 1.0
    engine.retriever.search(statement, engine.index, k=5)


# --- bad requests: a 4xx in the one error shape, nothing stored ----------------------------------
@pytest.fixture
def counts(engine) -> Callable[[], dict[str, int]]:
    return engine.store.counts


@pytest.mark.parametrize("path", ["/v1/claims/99999999999999999999", "/v1/speakers/99999999999999999999/claims",
                                  f"/v1/claims/{2 ** 63}", f"/v1/speakers/{2 ** 63}/claims"])
def test_ids_beyond_sqlite_integers_are_404(client, path: str) -> None:
    assert_error(client.get(path), 404, "not_found")


def test_the_largest_sqlite_integer_is_still_a_plain_404(client) -> None:
    assert_error(client.get(f"/v1/claims/{2 ** 63 - 1}"), 404, "not_found")


@pytest.mark.parametrize("path, body", [
    ("/v1/check", '{"statement": "\\ud800 drones"}'),
    ("/v1/check", '{"statement": "drones", "filters": {"speaker": ["\\udfff"]}}'),
    ("/v1/articles", '{"text": "Iran said drones \\udc80 were sent to Russia on Monday."}'),
    ("/v1/articles", '{"text": "Iran said drones were sent to Russia.", "outlet": "\\ud83d"}'),
    ("/v1/claims", '{"claims": [{"text": "Iran sent drones to Russia \\ud800"}]}'),
    ("/v1/claims", '{"claims": [{"text": "Iran sent drones to Russia", "claimant": "\\ud800"}]}'),
])
def test_lone_surrogates_are_422_and_store_nothing(client, counts, path: str, body: str) -> None:
    before = counts()
    error = assert_error(client.post(path, data=body, content_type="application/json"), 422, "validation_error")
    assert "surrogate" in error["message"]
    assert counts() == before


def test_a_proper_surrogate_pair_is_still_accepted(client) -> None:
    response = client.post("/v1/check", data='{"statement": "drones \\ud83d\\ude00"}', content_type="application/json")
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("body", ["[" * 100_000, '{"a":' * 100_000, '{"statement": ' + "[" * 50_000])
def test_deeply_nested_json_is_400_malformed(client, counts, body: str) -> None:
    before = counts()
    for path in ("/v1/check", "/v1/articles", "/v1/claims"):
        assert_error(client.post(path, data=body, content_type="application/json"), 400, "malformed_json")
    assert counts() == before


def test_relative_dates_before_year_one_stay_unresolved(client, engine) -> None:
    """Not a bad request: the article is stored, its claims' relative dates are left unresolved."""
    response = client.post("/v1/articles", json={
        "text": "Iran said yesterday that it has never sent drones to Russia.\n"
                "Russia said last month that the drones were its own.\n"
                "Iran said on Sunday that the war must end soon.",
        "published": "0001-01-01"})
    assert response.status_code == 201, response.get_data(as_text=True)
    rows = engine.store.claims_by_ids([c["claim_id"] for c in response.get_json()["claims"]])
    assert sorted((row["time_text"], row["claim_date"]) for row in rows.values()) == [
        ("last month", None), ("on Sunday", None), ("yesterday", None)]


@pytest.mark.parametrize("text, published, expected", [
    ("It was said yesterday.", date.min, None),
    ("It was said last week.", date.min, None),
    ("It was said two weeks ago.", date(1, 1, 9), None),
    ("It was said in December.", date(1, 6, 1), None),
    ("It was said last month.", date.min, None),
    ("It was said on Sunday.", date.min, None),
    ("It was said yesterday.", date(2022, 11, 5), "2022-11-04"),
    ("It was said on Monday.", date.max, "9999-12-27"),
])
def test_dates_out_of_range_are_none(text: str, published: date, expected: str | None) -> None:
    found = find_time_expression(text, published)
    assert found is not None and found.resolved == expected


# --- secrets -----------------------------------------------------------------------------------
def test_config_repr_hides_the_database_password() -> None:
    config = Config(database_url="postgresql://u:secret@h/db")
    assert "secret" not in repr(config) and "secret" not in str(config)
    assert config.database_url == "postgresql://u:secret@h/db"
