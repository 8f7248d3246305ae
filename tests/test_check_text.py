"""POST /v1/check/text on the real engine: the seeds ingested, the real extraction, check-worthiness and stance
models."""
from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from service.extraction import ExtractedClaim, load_extractor
from service.text_check import locate_spans

from .test_api import assert_error

TRANSCRIPT = """Good evening, everyone, and thank you for coming.

What a wonderful night this is!

Foreign Minister Hossein Amirabdollahian said Iran had supplied a small number of drones to Russia months before the war in Ukraine.

I think we all deserve a better future.

Where do we go from here?

Ukrainian President Volodymyr Zelensky said that Russia had ordered about 2,000 drones from Iran.
"""
NOT_CLAIMS = ("Good evening", "What a wonderful", "I think we all", "Where do we go")


def same_words(a: str, b: str) -> bool:
    return a.split() == b.split()


def test_a_transcript_gives_its_check_worthy_claims_in_text_order_with_spans_speakers_and_matches(seeded_client):
    response = seeded_client.post("/v1/check/text", json={"text": TRANSCRIPT, "k": 3})
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    claims = body["claims"]
    threshold = seeded_client.application.extensions["factcheck"].checkworthiness.threshold
    assert len(claims) == 2 and body["omitted"] == 0 and body["sentences"] >= len(claims)
    assert [c["span"]["start"] for c in claims] == sorted(c["span"]["start"] for c in claims)
    for claim in claims:
        assert same_words(TRANSCRIPT[claim["span"]["start"]:claim["span"]["end"]], claim["text"])
        assert threshold <= claim["check_worthiness"] <= 1
        assert not claim["text"].startswith(NOT_CLAIMS)
        assert 1 <= len(claim["matches"]) <= 3
        assert sum(claim["summary"].values()) == len(claim["matches"])
    minister, president = claims
    assert minister["speaker"]["name"] == "Hossein Amirabdollahian" and minister["verb"] == "said"
    assert president["speaker"]["name"] == "Volodymyr Zelensky"
    # the matches are /v1/check's for the same claim and k
    single = seeded_client.post("/v1/check", json={"statement": minister["text"], "k": 3, "sources": False}).get_json()
    assert minister["matches"] == single["matches"] and minister["summary"] == single["summary"]


def test_the_threshold_keeps_more_or_fewer_claims_and_non_claims_score_low(seeded_client):
    everything = seeded_client.post("/v1/check/text", json={"text": TRANSCRIPT, "k": 1,
                                                            "min_check_worthiness": 0.0}).get_json()["claims"]
    assert len(everything) >= 4  # the questions and greetings of fewer than four words are no claims at all
    score = {c["text"]: c["check_worthiness"] for c in everything}
    factual = [s for t, s in score.items() if "drones" in t]
    others = [s for t, s in score.items() if t.startswith(NOT_CLAIMS)]
    assert factual and others and min(factual) > max(others)
    none = seeded_client.post("/v1/check/text", json={"text": TRANSCRIPT, "min_check_worthiness": 1.0}).get_json()
    assert all(c["check_worthiness"] == 1.0 for c in none["claims"])


def test_a_text_without_claims_gives_an_empty_list(seeded_client):
    response = seeded_client.post("/v1/check/text", json={"text": "Hello! How are you? Thanks."})
    assert response.status_code == 200
    assert response.get_json()["claims"] == []


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "text"),
        ({"text": ""}, "text"),
        ({"text": " \n "}, "text"),
        ({"text": 7}, "text"),
        ({"text": "x" * 200_001}, "text"),
        ({"text": "ok", "k": 0}, "k"),
        ({"text": "ok", "k": 11}, "k"),
        ({"text": "ok", "min_check_worthiness": 1.5}, "min_check_worthiness"),
        ({"text": "ok", "min_check_worthiness": -0.1}, "min_check_worthiness"),
        ({"text": "ok", "statement": "ok"}, "statement"),
    ],
)
def test_invalid_bodies_are_422_with_field_messages(client, body, field):
    error = assert_error(client.post("/v1/check/text", json=body), 422, "validation_error")
    assert field in error["details"]


def test_not_json_is_415_and_broken_json_is_400(client):
    assert_error(client.post("/v1/check/text", data="text=hello", content_type="application/x-www-form-urlencoded"),
                 415)
    assert_error(client.post("/v1/check/text", data='{"text": ', content_type="application/json"), 400,
                 "malformed_json")


def test_the_endpoint_is_in_the_openapi_document(client):
    spec = client.get("/openapi.json").get_json()
    operation = spec["paths"]["/v1/check/text"]["post"]
    assert {"200", "422"} <= set(operation["responses"])
    schema = spec["components"]["schemas"]["TextCheckRequest"]
    assert schema["required"] == ["text"] and schema["properties"]["k"]["maximum"] == 10


def test_spans_refer_to_the_text_as_sent_whatever_its_spacing():
    text = ("  Iran's Foreign Minister   said the country had supplied drones to Russia.\r\n\r\n"
            "Ukraine\u00a0said that Russia had ordered 2,000 drones  from Iran.\n")
    claims = load_extractor("rules").extract(text).claims
    spans = locate_spans(text, claims)
    assert len(claims) == 2 and all(spans)
    for claim, span in zip(claims, spans):
        assert same_words(text[span["start"]:span["end"]], claim.text)
    assert spans[0]["end"] <= spans[1]["start"]


def test_a_claim_after_one_found_out_of_order_never_takes_an_earlier_claims_words():
    """A repeated claim searched after an out-of-order one starts before the words already placed: it gets no span
    rather than the first claim's."""
    admission, reaction = "Iran sent drones to Russia.", "U.S. officials agree."
    claims = [ExtractedClaim(text=t, start=0, end=len(t), speaker=None, speaker_role=None, speaker_is_person=False,
                             verb=None, voice="asserts", polarity="positive") for t in (admission, reaction, admission)]
    assert locate_spans(f"{reaction} {admission}", claims) == [{"start": 22, "end": 49}, {"start": 0, "end": 21},
                                                                None]


def test_with_reads_closed_the_page_stays_open_and_a_read_key_may_check_a_text(make_engine, tmp_path):
    from service.app import create_app

    engine = make_engine(tmp_path / "keys", api_keys="write-key-5d0c", read_api_keys="read-key-77ab",
                         read_requires_key=True, stance_model="polarity")
    client = create_app(engine.config, engine=engine).test_client()
    for path in ("/", "/?mode=text", "/speakers/1", "/static/desk.js", "/static/desk.css"):
        assert client.get(path).status_code == 200, path
    assert_error(client.post("/v1/check/text", json={"text": "ok", "k": 0}), 401, "missing_api_key")
    # a read-only POST: a read key passes (and reaches validation)
    assert_error(client.post("/v1/check/text", json={"text": "ok", "k": 0}, headers={"X-API-Key": "read-key-77ab"}),
                 422, "validation_error")


@settings(max_examples=60, deadline=None)
# found by a CI run: the cleaned text joins "U.S." to the sentence after the photo credit, whose words then came
# back as a span over the first claim's
@example(["U.S.", "\r\n", "The minister said Iran had supplied drones to Russia.", "U.S.", "(Photo: Reuters)",
          "The minister said Iran had supplied drones to Russia."])
@given(st.lists(st.sampled_from([
    "The minister said Iran had supplied drones to Russia.", "“We never sent weapons,” he said.", "Hello!",
    "Is this true?", "Exports rose by 4.5 % in May, the agency reported.", "\u00a0", "  ", "\r\n", "\n\n", "U.S.",
    "Ukraine said that Russia ordered 2,000 drones.", "Tehran denied it again on Monday", "(Photo: Reuters)",
]), min_size=1, max_size=12))
def test_spans_always_hold_the_claim_words_and_never_overlap(pieces):
    text = " ".join(pieces)
    claims = load_extractor("rules").extract(text).claims
    spans = locate_spans(text, claims)
    assert len(spans) == len(claims)
    for claim, span in zip(claims, spans):
        if span is not None:
            assert same_words(text[span["start"]:span["end"]], claim.text)
    found = sorted((span["start"], span["end"]) for span in spans if span is not None)
    assert all(end <= start for (_, end), (start, _) in zip(found, found[1:]))  # each claim its own words


def test_claims_of_a_text_come_back_in_text_order_when_extraction_gives_them_out_of_order(client):
    """"U.S." joins the sentence after it at the end of this text, and extraction lists that claim first."""
    sentence = "The minister said Iran had supplied drones to Russia."
    text = " ".join(["U.S.", "(Photo: Reuters)", sentence, sentence, "U.S.", sentence])
    response = client.post("/v1/check/text", json={"text": text, "min_check_worthiness": 0})
    assert response.status_code == 200
    starts = [claim["span"]["start"] for claim in response.get_json()["claims"]]
    assert len(starts) == 2 and starts == sorted(starts), starts


def test_a_text_with_more_claims_than_the_limit_is_a_clear_422(client, monkeypatch):
    from service import text_check

    monkeypatch.setattr(text_check, "MAX_TEXT_CLAIMS", 1)
    error = assert_error(client.post("/v1/check/text", json={"text": TRANSCRIPT}), 422, "too_many_claims")
    assert error["message"] == "the text holds 5 claims; at most 1 are scored per request: send it in parts"
