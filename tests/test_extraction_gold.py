"""Extraction measured against the hand-annotated seeds (tests/gold/seed_claims.json).

Prints claim recall and precision, speaker, voice, date and responds_to accuracy and boilerplate claims for both
extractors (the figures in the README come from this output), and asserts the targets. The extra articles
(tests/data/articles/, gold in tests/gold/extra_claims.json) are scored for what a claim answers.
"""
from __future__ import annotations

from datetime import date

import pytest

from service.extraction import load_extractor
from service.extraction.dates import find_time_expression
from service.extraction.evaluation import evaluate, format_figures, load_gold

from .conftest import PROJECT_ROOT, SEEDS

GOLD_PATH = PROJECT_ROOT / "tests" / "gold" / "seed_claims.json"
EXTRA_GOLD_PATH = PROJECT_ROOT / "tests" / "gold" / "extra_claims.json"
EXTRA_ARTICLES = PROJECT_ROOT / "tests" / "data" / "articles"


@pytest.fixture(scope="module")
def gold():
    return load_gold(GOLD_PATH)


@pytest.mark.parametrize("gold_path, folder", [(GOLD_PATH, SEEDS), (EXTRA_GOLD_PATH, EXTRA_ARTICLES)])
def test_gold_texts_are_verbatim_in_the_seeds(gold_path, folder):
    gold = load_gold(gold_path)
    names = {s["name"] for s in gold["speakers"]}
    assert {a["file"] for a in gold["articles"]} == {p.name for p in folder.glob("*.txt")}
    for article in gold["articles"]:
        raw = (folder / article["file"]).read_text(encoding="utf-8")
        texts = {c["text"] for c in article["claims"]} | {n["text"] for n in article["not_claims"]}
        for entry in article["claims"] + article["not_claims"]:
            assert raw[entry["start"]:entry["end"]] == entry["text"]
        for claim in article["claims"]:
            assert claim["responds_to"] is None or claim["responds_to"] in texts
            assert set(claim["speakers"]) <= names
            assert claim["voice"] in {"asserts", "denies", "admits", "alleges", "reports", "refuses_to_confirm"}
            if claim["date"]:
                assert article["published"], "a date is resolved only against an article date"


@pytest.mark.parametrize("name", ["spacy", "rules"])
def test_extraction_meets_the_targets_on_the_seeds(gold, name, capsys):
    extractor = load_extractor(name)
    extractor.extract("The minister said the model is loaded before the timing starts.")
    report = evaluate(extractor, gold, SEEDS)
    figures = report.figures()
    with capsys.disabled():
        print("\n" + format_figures(name, figures))
        for line in report.errors():
            print("   ", line)
    assert figures["speaker_accuracy"] >= 0.95
    assert figures["voice_accuracy"] >= 0.9
    assert figures["boilerplate_claims"] == 0
    assert figures["claim_recall"] >= 0.95
    assert figures["claim_precision"] >= 0.9
    assert figures["date_accuracy"] >= 0.95
    assert figures["responds_to_accuracy"] >= 0.9 and figures["responds_to_pairs"] >= 12


@pytest.mark.parametrize("name", ["spacy", "rules"])
def test_referring_claims_find_what_they_answer_in_the_extra_articles(name, capsys):
    report = evaluate(load_extractor(name), load_gold(EXTRA_GOLD_PATH), EXTRA_ARTICLES)
    figures = report.figures()
    with capsys.disabled():
        print("\n" + format_figures(f"{name} on the extra articles", figures))
    assert figures["claim_recall"] >= 0.9 and figures["boilerplate_claims"] == 0
    assert figures["responds_to_accuracy"] >= 0.9 and figures["responds_to_pairs"] >= 10


def test_the_parser_finds_what_the_rules_miss(gold):
    """'..., he added, although he admitted that X': a second claim, with its own voice, outside the quotation."""
    sentence = ("“We have not provided Russia with any weapons,” he added, although he admitted that the two "
                "countries have cooperative ties.")
    text = "Foreign Minister Hossein Amir-Abdollahian said on Monday that Iran wants talks.\n" + sentence
    by_rules = load_extractor("rules").extract(text).claims
    by_parser = load_extractor("spacy").extract(text).claims
    admitted = [c for c in by_parser if c.voice == "admits"]
    assert admitted and admitted[0].text == "he admitted that the two countries have cooperative ties"
    assert admitted[0].speaker == "Hossein Amir-Abdollahian"
    assert not [c for c in by_rules if c.voice == "admits"]


def test_joint_and_listed_speakers_keep_every_attribution():
    claims = load_extractor("spacy").extract(
        "Moscow and Tehran have repeatedly denied these claims.\n"
        "Iran has denied accusations of arming Russia and Russia maintains that the West wants to pressure Iran."
    ).claims
    assert [s.name for s in claims[0].speakers] == ["Russia", "Iran"]
    assert [(c.speaker, c.voice) for c in claims[1:]] == [("Iran", "denies"), ("Russia", "asserts")]


@pytest.mark.parametrize(
    "sentence, published, expected",
    [
        ("The minister on Friday denied it.", date(2023, 3, 3), "2023-03-03"),  # the article's own Friday
        ("The minister on Monday denied it.", date(2023, 3, 3), "2023-02-27"),
        ("In November, he said so.", date(2023, 3, 3), "2022-11"),
        ("The Post reported in October that ...", date(2023, 3, 3), "2022-10"),
        ("He said so on October 28.", date(2023, 3, 3), "2022-10-28"),
        ("He said so on March 1.", date(2023, 3, 3), "2023-03-01"),
        ("He said so last week.", date(2023, 3, 3), "2023-02"),  # Feb 20-26
        ("He said so last week.", date(2023, 3, 8), None),  # Feb 27 - Mar 5 spans two months: not guessed
        ("He said so today.", date(2023, 3, 3), "2023-03-03"),
        ("He said so on Saturday.", None, None),  # no article date: never guessed
        ("He said so in November 2022.", None, "2022-11"),  # the expression names its year
        ("Kanani denied it – a peninsula annexed in 2014 – on Monday.", None, None),
    ],
)
def test_time_expressions_resolve_only_when_the_article_date_allows(sentence, published, expected):
    found = find_time_expression(sentence, published)
    assert found is not None
    assert found.resolved == expected
