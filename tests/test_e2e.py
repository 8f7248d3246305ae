"""End to end: the real server process (gunicorn) on a free loopback port, spoken to over HTTP."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from .conftest import seed_text
from .live_server import running_server


def http(method: str, url: str, body: object | None = None, content_type: str = "application/json"):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = response.read()
            return response.status, json.loads(payload) if payload else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    with running_server(tmp_path_factory.mktemp("e2e"), workers=2) as base:
        yield base


def test_seeds_are_ingested_and_check_answers_over_http(server):
    status, stats = http("GET", server + "/v1/stats")
    assert status == 200 and stats["articles"] == 5 and stats["index"]["size"] == stats["claims"]
    status, body = http("POST", server + "/v1/check", {"statement": "Iran sent drones to Russia before the invasion"})
    assert status == 200 and len(body["matches"]) == 5
    assert any(m["source"]["outlet"] for m in body["matches"])


def test_a_denial_and_an_admission_come_back_with_opposite_stances(server):
    status, body = http("POST", server + "/v1/check",
                        {"statement": "Iran sent drones to Russia before the invasion", "k": 20})
    assert status == 200
    reports = [r for m in body["matches"] for r in m["reported_by"]]  # every report of the facts shown
    by_text = {http("GET", server + f"/v1/claims/{r['claim_id']}")[1]["text"]: r["stance"]["label"] for r in reports}
    admission = next(t for t in by_text if t.startswith("We supplied Russia with a limited number of drones"))
    denial = next(t for t in by_text if "on Friday denied that Iran has supplied drones" in t)
    assert by_text[admission] == "supports"
    assert by_text[denial] == "refutes"


def test_errors_over_http_are_json(server):
    status, body = http("POST", server + "/v1/check", b"{not json")
    assert status == 400 and body["error"]["code"] == "malformed_json"
    status, body = http("POST", server + "/v1/check", b"statement", content_type="text/plain")
    assert status == 415 and body["error"]["status"] == 415
    status, body = http("POST", server + "/v1/check", {"statement": ""})
    assert status == 422 and "statement" in body["error"]["details"]
    status, body = http("GET", server + "/v1/articles/does-not-exist")
    assert status == 404 and body["error"]["code"] == "not_found"


def test_an_article_ingested_through_one_worker_is_searchable_through_all(server):
    status, article = http("POST", server + "/v1/articles",
                           {"text": "Officials in Oslo said the fjord ferry will run twice a day from Monday.",
                            "outlet": "Test Gazette"})
    assert status == 201
    # Two workers: repeated checks land on both, and every one must see the new claim.
    for _ in range(6):
        status, body = http("POST", server + "/v1/check", {"statement": "fjord ferry runs twice a day", "k": 1})
        assert status == 200 and body["matches"][0]["source"]["article_id"] == article["id"]
    assert http("DELETE", server + f"/v1/articles/{article['id']}")[0] == 204
    for _ in range(6):
        body = http("POST", server + "/v1/check", {"statement": "fjord ferry runs twice a day", "k": 1})[1]
        assert all(m["source"]["article_id"] != article["id"] for m in body["matches"])


def test_existing_data_survives_a_bad_request(server):
    before = http("GET", server + "/v1/stats")[1]
    http("POST", server + "/v1/articles", {"text": seed_text("000"), "published": "not-a-date"})
    http("POST", server + "/v1/claims", {"claims": [{"text": "ok"}, {"nope": 1}]})
    after = http("GET", server + "/v1/stats")[1]
    assert after["claims"] == before["claims"] and after["articles"] == before["articles"]


def test_an_accusation_finds_the_denial_that_answers_it(server):
    """"We strongly reject this information" names nothing it rejects: it is found by its resolved text."""
    status, body = http("POST", server + "/v1/check", {"statement": "Iranian personnel are on the ground in Crimea.",
                                                       "k": 10})
    assert status == 200
    denial = next(m for m in body["matches"] if m["text"] == "We strongly reject this information")
    assert "Crimea" in denial["context"]["text"] and denial["context"]["claim_id"] is not None
    assert denial["speaker"]["name"] == "Nasser Kanani"
    status, claim = http("GET", server + f"/v1/claims/{denial['claim_id']}")
    assert status == 200 and claim["context"] == denial["context"]
    status, stats = http("GET", server + "/v1/stats")  # one more vector per claim that answers something
    assert stats["index"]["second_vectors"] and stats["index"]["size"] == stats["claims"] < stats["index"]["vectors"]


def test_a_missile_accusation_finds_the_missile_denial_refuting_it(server):
    status, body = http("POST", server + "/v1/check", {"statement": "Iran provided missiles to Russia."})
    assert status == 200 and len(body["matches"]) == 5
    denial = next(m for m in body["matches"] if m["text"] == "The missile part is completely wrong.")
    assert denial["stance"]["label"] == "refutes" and "missiles" in denial["context"]["text"]
    assert [m["claim_id"] for m in body["matches"]].count(denial["claim_id"]) == 1


def test_the_missile_denial_refutes_a_missile_statement(server):
    # By its own words the claim is far from the statement (cosine 0.44: short, no country named); its resolved
    # text ("The missile part of the claim that Iran has provided missiles ... is completely wrong") is close.
    status, body = http("POST", server + "/v1/check", {"statement": "Iran supplied missiles to Russia", "k": 50,
                                                       "min_similarity": 0.3})
    assert status == 200
    labels = {m["text"]: m["stance"]["label"] for m in body["matches"]}
    assert labels.get("The missile part is completely wrong.") == "refutes"


def test_a_denial_and_an_endorsement_are_judged_on_what_they_deny_and_endorse(server):
    """"Iran denies selling missiles" agrees with "denied his country had supplied missiles"; "We are confident in
    that information" is judged on the accusation it answers, which its context names (its label toward this
    statement is a known weakness: tests/test_context.py)."""
    status, body = http("POST", server + "/v1/check", {"statement": "Iran denies selling missiles to Moscow."})
    assert status == 200
    labels = {r["text"]: r["stance"]["label"] for m in body["matches"] for r in m["reported_by"]}
    denial = next(t for t in labels if t.startswith("The Iranian foreign minister again denied his country"))
    assert labels[denial] == "supports"
    status, body = http("POST", server + "/v1/check", {
        "statement": "Washington is sure Tehran gave Moscow the drone technology used in attacks on Ukraine."})
    assert status == 200
    shown = {r["claim_id"]: r for m in body["matches"] for r in m["reported_by"]}
    confident = next(m for m in body["matches"] if m["text"] == "We are confident in that information.")
    assert confident["stance"]["label"] != "refutes" and "UAV technology" in confident["context"]["text"]
    assert shown[confident["claim_id"]]["stance"] == confident["stance"]


def test_article_stance_over_http(server):
    status, body = http("POST", server + "/v1/stance",
                        {"statement": "Iran admitted sending drones to Russia", "text": seed_text("003")})
    assert status == 200 and body["label"] in {"agree", "disagree", "discuss"} and body["evidence"]


def test_one_articles_restatements_of_a_denial_are_one_match(server):
    """Metro's "The missile part is completely wrong." and "described the accusations as a ‘fuss’" answer the same
    quotation with the same side: one fact, both reports listed with their words, so that another outlet's denial
    fits in the top 5."""
    status, body = http("POST", server + "/v1/check", {"statement": "Iran provided missiles to Russia."})
    assert status == 200 and len(body["matches"]) == 5
    shown = [m["claim_id"] for m in body["matches"]]
    denial = next(m for m in body["matches"] if m["text"] == "The missile part is completely wrong.")
    reports = {r["text"]: r for r in denial["reported_by"]}
    fuss = next(r for text, r in reports.items() if text.startswith("The country’s foreign minister described"))
    assert fuss["article_id"] == denial["source"]["article_id"] and fuss["stance"]["label"] == "refutes"
    assert fuss["claim_id"] not in shown and len(set(shown)) == 5  # k counts facts
    status, ungrouped = http("POST", server + "/v1/check", {"statement": "Iran provided missiles to Russia.", "k": 20})
    texts = [m["text"] for m in ungrouped["matches"]]
    assert not any(t.startswith("The country’s foreign minister described") for t in texts)


def test_a_party_and_its_spokesman_answering_one_report_are_one_match(server):
    """"Moscow and Tehran have repeatedly denied these claims." and Peskov's "called such reports a stuffing" (the
    Kremlin's press secretary, for Russia) both answer the Washington Post's report: one match, both refuting."""
    status, body = http("POST", server + "/v1/check", {"statement": "Iran is supplying its drones to Russia."})
    assert status == 200
    denial = "Moscow and Tehran have repeatedly denied these claims."
    match = next(m for m in body["matches"] if any(r["text"] == denial for r in m["reported_by"]))
    texts = {r["text"].split(" called ")[0]: r["stance"]["label"] for r in match["reported_by"]}
    assert texts == {denial: "refutes", "Press Secretary of the President of Russia Dmitry Peskov": "refutes"}
    assert len({r["article_id"] for r in match["reported_by"]}) == 1


def test_a_denial_agrees_with_a_denial_of_the_same_thing(server):
    status, body = http("POST", server + "/v1/check",
                        {"statement": "Moscow denies that its forces use Iranian drones."})
    assert status == 200
    labels = {m["text"]: m["stance"]["label"] for m in body["matches"]}
    assert labels["Russia has also denied that it has used Iranian drones in the invasion."] == "supports"
    accusation = next(t for t in labels if t.startswith("Ukraine and its Western allies have repeatedly accused"))
    assert labels[accusation] == "refutes"


def test_a_quotation_in_the_first_person_is_found_by_its_party(server):
    """"We do not supply weapons to either side" never names Iran; its resolved text does. (Its stance is not
    asserted: a negated claim against a negated statement is a near-even call for the stance model, 0.50 / 0.49
    here, that tips with the onnxruntime build; see the model card's known weaknesses.)"""
    status, body = http("POST", server + "/v1/check",
                        {"statement": "Iran says it does not arm either side in the Ukraine war.", "k": 5})
    assert status == 200
    assert any(m["text"] == "We do not supply weapons to either side [of the conflict]" for m in body["matches"])
