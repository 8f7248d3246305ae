"""Extraction on the seeds: boilerplate, sentences, spans, speakers, voice and polarity."""
from __future__ import annotations

import pytest

from service.extraction import content_hash, load_extractor
from service.extraction.cleaning import clean_article
from service.extraction.sentences import split_sentences

from .conftest import SEEDS, seed_text

BOILERPLATE = [
    "Keep reading", "Remind me later", "Dear readers", "A Message from The Moscow Times", "pdm/pjm/jvb-an",
    "(Pictures: AP / Reuters)", "(Picture: AP)", "(credit: GLEB GARANICH/REUTERS)", "contributed to this report",
    "Get in touch with our news team", "For more stories like this", "please support us monthly",
    "Thank you for standing with us", "[email protected]",
]


@pytest.fixture(scope="module", params=["rules", "spacy"])
def extracted(request):
    extractor = load_extractor(request.param)
    return {path.name[:3]: extractor.extract(path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))}


def claim_with(article, fragment: str):
    found = [c for c in article.claims if fragment in c.text]
    assert found, f"no claim contains {fragment!r}: {[c.text for c in article.claims]}"
    return found[0]


def test_boilerplate_is_gone_from_text_and_claims(extracted):
    for article in extracted.values():
        for marker in BOILERPLATE:
            assert marker.lower() not in article.text.lower()
            assert all(marker.lower() not in c.text.lower() for c in article.claims)


def test_date_marker_becomes_the_article_date(extracted):
    assert str(extracted["000"].stated_date) == "2023-03-03"
    assert not extracted["000"].text.startswith("date")
    assert extracted["003"].stated_date is None


def test_headline_is_the_title_and_not_a_claim(extracted):
    article = extracted["001"]
    assert article.title == "Tehran: Kyiv failed to provide evidence of Russian use of Iranian drones"
    assert all(c.text != article.title for c in article.claims)


def test_every_claim_span_points_at_its_text(extracted):
    for article in extracted.values():
        assert article.claims
        for claim in article.claims:
            assert article.text[claim.start:claim.end] == claim.text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The U.S. said so. Iran denied it.", ["The U.S. said so.", "Iran denied it."]),
        ("Mr. Price spoke at 5 p.m. on Monday. Then he left.", ["Mr. Price spoke at 5 p.m. on Monday.", "Then he left."]),
        ('"We agree," he said. "It is done." She left.', ['"We agree," he said.', '"It is done."', "She left."]),
        ("He said it was J. R. Smith. Nobody else.", ["He said it was J. R. Smith.", "Nobody else."]),
        ("Officials of the U.S. Navy said 2.5 percent. Iran denied it.",
         ["Officials of the U.S. Navy said 2.5 percent.", "Iran denied it."]),
    ],
)
def test_sentence_splitter(text, expected):
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == expected
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_ned_price_quote_is_attributed_to_ned_price(extracted):
    article = extracted["000"]
    for fragment in ("we are confident that Iran has provided Russia", "We are confident in that information",
                     "Iran has denied this before", "Ukraine has supplied to the world evidence"):
        claim = claim_with(article, fragment)
        assert claim.speaker == "Ned Price", (fragment, claim)
        assert claim.speaker_role == "US State Department spokesperson"


def test_he_said_is_resolved_to_the_last_named_speaker(extracted):
    claim = claim_with(extracted["000"], "He said that photographs of drones")
    assert claim.speaker == "Hossein Amirabdollahian"


def test_surnames_resolve_to_the_full_name_used_earlier(extracted):
    assert claim_with(extracted["000"], "We do not supply weapons").speaker == "Hossein Amirabdollahian"
    assert claim_with(extracted["002"], "We strongly reject this information").speaker == "Nasser Kanani"
    assert claim_with(extracted["002"], "not exporting weapons").speaker == "Nasser Kanani"  # "the spokesman"
    assert claim_with(extracted["001"], "According to Abdollahian").speaker == "Hossein Amir Abdollahian"


def test_quoted_words_are_the_claim_and_attribution_is_kept_apart(extracted):
    claim = claim_with(extracted["003"], "We supplied Russia with a limited number of drones")
    assert claim.text == "We supplied Russia with a limited number of drones months before the war in Ukraine"
    assert claim.speaker == "Hossein Amir-Abdollahian" and claim.speaker_role == "Foreign Minister"


def test_quotation_running_over_two_paragraphs_keeps_its_speaker(extracted):
    claim = claim_with(extracted["004"], "The missile part is completely wrong")
    assert claim.speaker == "Hossein Amirabdollahian"
    assert claim.polarity == "negative"


@pytest.mark.parametrize(
    "prefix, fragment, voice, polarity",
    [
        ("000", "on Friday denied that Iran has supplied drones", "denies", "negative"),
        ("003", "Iran admitted for the first time", "admits", "positive"),
        ("003", "We supplied Russia with a limited number", "asserts", "positive"),
        ("002", "We have not provided Russia with any weapons", "asserts", "negative"),
        ("003", "again denied his country had supplied missiles", "denies", "negative"),
        ("004", "neither confirmed nor denied", "refuses_to_confirm", "positive"),
        ("004", "reports have suggested", "reports", "positive"),
        ("003", "The Washington Post reported on October 16", "reports", "positive"),
    ],
)
def test_voice_and_polarity(extracted, prefix, fragment, voice, polarity):
    claim = claim_with(extracted[prefix], fragment)
    assert (claim.voice, claim.polarity) == (voice, polarity)


def test_roles_come_from_the_text(extracted):
    # "This was stated on Monday by ... Ashtiani." attributes the sentence before it and is no claim itself.
    assert claim_with(extracted["001"], "Kyiv did not provide Tehran").speaker == "Mohammad Reza Ashtiani"
    assert not [c for c in extracted["001"].claims if "This was stated" in c.text]
    assert claim_with(extracted["001"], "Press Secretary").speaker_role == "Press Secretary of the President of Russia"
    assert claim_with(extracted["002"], "Tehran is now directly involved").speaker == "John Kirby"


def test_pull_quote_repeated_in_the_body_is_one_claim(extracted):
    texts = [c.text for c in extracted["000"].claims]
    assert texts.count("Iran has denied this before.") == 1


def test_content_hash_ignores_spacing_and_case():
    text = seed_text("002")
    assert content_hash(text) == content_hash("  " + text.replace(" ", "   ").upper() + "\n\n")
    assert content_hash(text) != content_hash(text + " More.")


def test_clean_article_keeps_caption_content_but_drops_credit():
    article = clean_article("Kyiv has described some drones as Iranian-made (Picture: AP)\nIran denied it on Monday.")
    assert article.text.split("\n\n")[0] == "Kyiv has described some drones as Iranian-made."
