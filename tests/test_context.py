"""Claims in context: what a referring claim answers, stored and shown; one fact reported by several outlets is one
match of /v1/check. Real extractor, model, store and index (fixtures in conftest.py)."""
from __future__ import annotations

import json
import sqlite3

import faiss
import numpy as np
import pytest

from service.extraction import content_hash, load_extractor
from service.extraction.references import find_reference
from service.ingest import ingest_paths
from service.index_lifecycle import IndexKeeper
from service.engine import ArticleInput
from service.stance.framing import frame_statement, planned, refusal_negated, unhedged
from service.store import SQLiteStore

from .conftest import SEEDS, seed_text

ADMISSION = "Iran sent drones to Russia before the invasion"


def claims_of(client, prefix: str) -> list[dict]:
    response = client.get(f"/v1/articles/{content_hash(seed_text(prefix))}")
    assert response.status_code == 200
    return response.get_json()["claims"]


def claim_starting(claims: list[dict], start: str) -> dict:
    return next(c for c in claims if c["text"].startswith(start))


def test_references_are_found_only_where_the_claim_has_no_content_of_its_own():
    for text in ["We strongly reject this information", "Tehran has repeatedly denied these claims.",
                 "The missile part is completely wrong.", "Nordic Air flatly denied it.",
                 "Rusu dismissed the report as “a fabrication”.", "Such reports are false"]:
        assert find_reference(text) is not None, text
    for text in ["Iran has denied accusations of having handed over weapons to Russia",
                 "Kanani denied US accusations that there are Iranian personnel in Crimea.",
                 "He again denied the information about the transfer of drones by Iran.",
                 "The minister again denied his country had supplied missiles, calling the accusations “false”.",
                 "Russia has also denied that it has used Iranian drones in the invasion."]:
        assert find_reference(text) is None, text


def test_kanani_rejects_the_crimea_accusation_and_the_missile_part_is_about_missiles(seeded_client):
    kanani = claim_starting(claims_of(seeded_client, "002"), "We strongly reject this information")
    accusation = claim_starting(claims_of(seeded_client, "002"), "Earlier, Iranian Foreign Ministry spokesman")
    assert "Crimea" in kanani["context"]["text"] and kanani["context"]["claim_id"] == accusation["claim_id"]
    assert accusation["context"] is None

    metro = claims_of(seeded_client, "004")
    missile = claim_starting(metro, "The missile part is completely wrong.")
    assert "missiles" in missile["context"]["text"]
    assert missile["context"]["claim_id"] == claim_starting(metro, "Foreign minister Hossein")["claim_id"]
    # "such reports" after "these claims": both answer the Washington Post's allegation
    tass = claims_of(seeded_client, "001")
    post = claim_starting(tass, "In August, The Washington Post")["claim_id"]
    for start in ("Moscow and Tehran have repeatedly denied", "Press Secretary of the President of Russia"):
        assert claim_starting(tass, start)["context"]["claim_id"] == post


def test_the_resolved_text_stands_alone(seeded_engine):
    article_id = content_hash(seed_text("002"))
    row = next(r for r in seeded_engine.store.claims_of_article(article_id) if r["text"].startswith("We strongly"))
    assert row["resolved_text"].startswith("Nasser Kanani: We strongly reject the information that there are "
                                           "Iranian personnel on the ground in Crimea")


def test_a_claim_in_the_first_person_plural_names_its_party(seeded_engine):
    """"we" is the organisation a person speaks for; the verb agrees; claims without "we" get no second text."""
    rows = {r["text"]: r for r in seeded_engine.store.claims_of_article(content_hash(seed_text("002")))}
    def resolved(start: str) -> str | None:
        return next(row["resolved_text"] for text, row in rows.items() if text.startswith(start))

    assert resolved("We have not provided") == "Iran has not provided Russia with any weapons or drones for use " \
                                               "against Ukraine"
    assert resolved("In the war in Ukraine") == "In the war in Ukraine […] Iran is against arming both Russia and " \
                                                "Ukraine"
    assert resolved("We are not exporting") == "Iranian Foreign Ministry is not exporting weapons to either side " \
                                               "of the conflict for the war in Ukraine"
    assert resolved("Ukrainian President Volodymyr Zelensky") is None


def test_his_country_is_named_as_the_speakers_country(seeded_engine):
    """"his country" is the country of the speaker's organisation or role, or the one the words before it name;
    a claim with no speaker keeps its words."""
    def resolved(prefix: str, start: str) -> str | None:
        rows = seeded_engine.store.claims_of_article(content_hash(seed_text(prefix)))
        return next(r["resolved_text"] for r in rows if r["text"].startswith(start))

    assert resolved("001", "Mohammad Reza Ashtiani also added").startswith(
        "Mohammad Reza Ashtiani also added that Iran has been cooperating with Russia")
    assert resolved("002", "Kanani responded") == "Kanani responded by stating that Iran “does not take sides in " \
                                                  "the war in Ukraine”."
    assert resolved("003", "The Iranian foreign minister again denied").startswith(
        "The Iranian foreign minister again denied Iran had supplied missiles to Russia")
    assert resolved("003", "In September, Kiev decided") is None


def test_stance_is_judged_on_what_an_allegation_or_a_statement_says(seeded_engine):
    """An allegation supports what it alleges; a statement's reporting verb is not part of what is checked; a
    denial agrees with a denial of the same thing."""
    def label(statement: str, start: str) -> str:  # the stance of a claim among the first 15 (not their order)
        matches = seeded_engine.check(statement, k=15, include_sources=False)["matches"]
        shown = {r["text"]: r["stance"]["label"] for m in matches for r in m["reported_by"]}
        return next(value for text, value in shown.items() if text.startswith(start))

    assert label("Russia is using Iranian-made drones to attack Ukraine.",
                 "Ukraine and its Western allies have accused Russia") == "supports"
    assert label("The Revolutionary Guard trained Russians to fly the drones.",
                 "But giving mixed messaging, reports have suggested") == "supports"
    assert label("Israeli analysts say drone parts recovered in Ukraine match Iranian models.",
                 "The Israeli defense establishment found") == "supports"
    assert label("Iran's foreign minister denied that Tehran sent drones to Russia.",
                 "Iranian Foreign Minister Hossein Amirabdollahian on Friday denied") == "supports"
    assert label("Iran sent drones to Russia.",
                 "Iranian Foreign Minister Hossein Amirabdollahian on Friday denied") == "refutes"


def stance_shown(engine, statement: str, start: str, k: int = 10) -> str:
    """The stance /v1/check gives the report starting with ``start`` (a match or one of its reported copies)."""
    matches = engine.check(statement, k=k, include_sources=False)["matches"]
    shown = {r["text"]: r["stance"]["label"] for m in matches for r in m["reported_by"]}
    return next(value for text, value in shown.items() if text.startswith(start))


def test_a_typed_statement_is_read_for_what_it_asserts_denies_or_refers_to(seeded_engine):
    """The real extractor reads the statement; the frame is what the stance model is asked about."""
    def frame(statement: str):
        return frame_statement(statement, seeded_engine.extractor)

    # a belief stated about a party, a present-tense reporting verb, a time phrase before the clause
    assert frame("Washington is sure Tehran gave Moscow the drone technology used in attacks on Ukraine.").text == \
        "Tehran gave Moscow the drone technology used in attacks on Ukraine."
    assert frame("Iran insists it is not taking sides in the Ukraine war.").text == \
        "Iran is not taking sides in the Ukraine war."
    assert frame("The Washington Post alleged in August that Iran was sending drones to Russia.").text == \
        "Iran was sending drones to Russia."
    # what a denial denies: a gerund (its subject the speaker), a noun that names the content
    assert frame("Iran denies selling missiles to Moscow.").denied == "Iran was selling missiles to Moscow"
    assert frame("Tehran denies having sent weapons to Moscow.").denied == "Iran has sent weapons to Moscow"
    assert frame("Iran denied it sent drones to Russia.").denied == "Iran sent drones to Russia."
    assert frame("Dmitry Peskov dismissed reports that the Russian army uses Iranian drones.").denied == \
        "The Russian army uses Iranian drones."
    # a statement that only refers, after its reporting verb
    assert frame("Iran's envoy to the UN said the allegations were baseless.").refers
    # left whole: "sure to" is no belief, a denial of a plain noun names no content
    plain = "Iran is sure to face new sanctions over the drones."
    assert frame(plain).text == plain and frame(plain).denied is None
    assert frame("Iran denies the information about drones.").denied is None


def test_the_drone_admission_takes_no_side_on_missiles(seeded_engine):
    """The product's central example: Iran's admission that it provided drones is on the topic of a statement about
    missiles, not about its fact (the same act done to another made thing), and still supports one about drones."""
    admission = "The drone part is true and we provided Russia a small number of drones"
    assert stance_shown(seeded_engine, "Iran provided missiles to Russia.", admission) == "neutral"
    assert stance_shown(seeded_engine, "Tehran shipped missiles to Moscow.", admission, k=20) == "neutral"
    assert stance_shown(seeded_engine, "Iran provided drones to Russia.", admission) == "supports"


PESKOV = "Press Secretary of the President of Russia Dmitry Peskov called such reports"


def test_stance_of_bare_denials_and_compound_rejections(seeded_engine):
    """Each framing on the real model, store and index, through FactCheckEngine.check."""
    # "denied his country had supplied missiles": a bare clause after the denial, its content compared with the
    # statement's denial; the same denial still refutes the accusation
    denial = "The Iranian foreign minister again denied his country had supplied missiles"
    assert stance_shown(seeded_engine, "Iran denies selling missiles to Moscow.", denial) == "supports"
    assert stance_shown(seeded_engine, "Iran sold missiles to Russia.", denial) == "refutes"
    # a denial of "accusations of having handed over weapons" and of "arming Russia" agree with a denial of that
    handing = "Tehran denies handing weapons to Moscow for use in Ukraine."
    assert stance_shown(seeded_engine, handing, "Iran has denied accusations of having handed over weapons") == \
        "supports"
    # Peskov rejects the drone reports: the rejection refutes the report it answers (his own assertion that
    # follows is judged too: test_peskovs_own_assertion_supports_the_kremlins_line)
    assert stance_shown(seeded_engine, "Iran is supplying its drones to Russia.", PESKOV) == "refutes"


def test_a_statement_that_refers_is_compared_with_the_claims_own_words(seeded_engine):
    """"Said the allegations were baseless" against the ambassador calling the accusations totally unfounded."""
    assert stance_shown(seeded_engine, "Iran's envoy to the UN said the allegations were baseless.",
                        "Only last week did the Middle Eastern country’s UN ambassador") == "supports"


def test_plans_and_refusals_are_read_as_the_act():
    """A plan names its act as done; a refusal of an act (not of a speech act) is the act negated."""
    assert planned("Iran was preparing to ship missiles to Russia") == ("Iran ships missiles to Russia", "missile")
    assert planned("Iran was getting ready to ship missiles to Russia.") == \
        ("Iran ships missiles to Russia.", "missile")
    assert planned("Russia is set to sign the deal.") == ("Russia signs the deal.", "deal")
    assert planned("Iran shipped missiles to Russia.") is None
    assert planned("Russia is poised to attack.") == ("Russia attacks.", "")
    # a threat, a quantity of the thing acted on, a bare gerund cut from "accused X of preparing to"
    assert planned("Park had threatened to quit the national team following a row") == \
        ("Park quits the national team following a row", "team")
    assert planned("The port was preparing to cut the number of daily slots to 24") == \
        ("The port cuts the number of daily slots to 24", "slot")
    assert planned("the government preparing to postpone the elections by a year") == \
        ("the government postpones the elections by a year", "election")
    assert refusal_negated("Tehran refuses to send arms.") == "Tehran does not send arms."
    assert refusal_negated("Iran has refused to hand over the documents.") == "Iran did not hand over the documents."
    for unchanged in ("The minister declined to comment.", "Iran declined to confirm that it sent drones.",
                      "Iran sent arms to Russia."):
        assert refusal_negated(unchanged) == unchanged


def test_a_plan_against_a_plan_agrees_and_a_refusal_is_a_negation(seeded_engine):
    """Through FactCheckEngine.check on the real model: the same plan in other words supports the reported plan,
    which still takes no side on the act done nor on a plan of another thing (the refusal: below)."""
    post = "The Washington Post reported on October 16"
    assert stance_shown(seeded_engine, "Iran was getting ready to ship missiles to Russia.", post) == "supports"
    assert stance_shown(seeded_engine, "Iran shipped missiles to Russia.", post) == "neutral"
    assert stance_shown(seeded_engine, "Iran is preparing to send drones to Russia.", post) == "neutral"  # drones


@pytest.mark.xfail(strict=True, reason="known weakness of the fact model since the written-pairs stage "
                   "(models/claim_stance/MODEL_CARD.md): 'we are not exporting weapons ... for the war in Ukraine' "
                   "against the refusal read as a negation is near even between supports and neutral")
def test_a_refusal_to_send_arms_agrees_with_we_are_not_exporting_weapons(seeded_engine):
    """The refusal, read as "Tehran does not send arms", against the spokesman's first-person denial."""
    assert stance_shown(seeded_engine, "Tehran refuses to send arms to either party in the conflict.",
                        "We are not exporting weapons to either side") == "supports"


def test_a_statement_is_checked_for_the_fact_it_reports():
    """A journalist's own hedge is set aside: checking "X reportedly did P" is checking P."""
    assert unhedged("Chad reportedly agreed to host a Russian base.") == "Chad agreed to host a Russian base."
    assert unhedged("The authorities were reported to be preparing cuts.") == "The authorities were preparing cuts."
    assert unhedged("Iran is said to have sent drones to Russia.") == "Iran has sent drones to Russia."
    assert unhedged("Iran sent drones to Russia.") == "Iran sent drones to Russia."
    assert unhedged("The government is getting ready to delay the vote, according to the opposition leader.") == \
        "The government is getting ready to delay the vote."


def test_an_answer_to_a_reported_plan_is_judged_on_that_plan(engine):
    """Through FactCheckEngine.check on the real model: "That is simply not true" answering a reported plan refutes
    the plan in other words (a plan against a plan is judged as the two acts, for a referring claim too), and a
    denial of a report refutes the statement that it was reportedly so."""
    text = ("HARARE, May 4 (Zambezi Wire) — Ubuntu Mutual Bank was preparing to close 140 rural branches by the end "
            "of the year, a union said on Monday.\n\n“That is simply not true,” chief executive Themba Nkosi told "
            "reporters.\n\nSeparately, Kariba Airways said it had agreed to lease two aircraft from a Turkish "
            "lessor, the weekly Zimbabwe Business Review reported on Tuesday. The lessor denied the report.")
    list(engine.ingest_articles([ArticleInput(text=text, outlet="Zambezi Wire", published="2025-05-04")]))
    assert stance_shown(engine, "Ubuntu Mutual Bank is getting ready to close 140 rural branches.",
                        "That is simply not true") == "refutes"
    assert stance_shown(engine, "Kariba Airways reportedly agreed to lease two aircraft from a Turkish lessor.",
                        "The lessor denied the report") == "refutes"


def test_a_view_withheld_takes_no_side_and_a_group_is_answered_at_its_lead(engine):
    """Through FactCheckEngine.check on the real model: "could not confirm the report" and "was looking into the
    claims" are neutral toward what they answer (they read as support before stop 37), and "These claims have no
    basis" answers a union's lead allegation (told unnamed, then under the union's name) and refutes it."""
    text = ("OAXACA, Mexico — A teachers' union alleged on Monday that the state government had diverted about 850 "
            "million pesos from a pension fund for public school staff.\n\nThe Oaxaca Education Workers' Front said "
            "documents obtained by its members showed that contributions were never deposited in the fund.\n\n"
            "“These claims have no basis,” state finance secretary Julián Barragán said. The federal auditor said it "
            "could not confirm the report. The state congress said it was looking into the claims.")
    list(engine.ingest_articles([ArticleInput(text=text, outlet="Sur Wire", published="2025-03-03")]))
    statement = "Oaxaca's government diverted about 850 million pesos from a teachers' pension fund."
    assert stance_shown(engine, statement, "These claims have no basis") == "refutes"
    assert stance_shown(engine, statement, "The federal auditor said it could not confirm") == "neutral"
    assert stance_shown(engine, statement, "The state congress said it was looking into") == "neutral"


def test_an_endorsement_supports_the_belief_it_confirms(seeded_engine):
    """"We are confident in that information" endorses what it answers, the UAV technology claim."""
    belief = "Washington is sure Tehran gave Moscow the drone technology used in attacks on Ukraine."
    assert stance_shown(seeded_engine, belief, "We are confident in that information.") == "supports"
    assert stance_shown(seeded_engine, belief, "I can tell you that we are confident") == "supports"


def test_peskovs_own_assertion_supports_the_kremlins_line(seeded_engine):
    """Peskov rejects the drone reports and asserts the army's own drones: his own words are judged too."""
    assert stance_shown(seeded_engine, "The Kremlin says the Russian army only uses drones made in Russia.",
                        PESKOV) == "supports"


def test_context_in_get_claim_check_and_speaker_timeline(seeded_client):
    kanani = claim_starting(claims_of(seeded_client, "002"), "We strongly reject this information")
    one = seeded_client.get(f"/v1/claims/{kanani['claim_id']}").get_json()
    assert one["context"] == kanani["context"] and "Crimea" in one["context"]["text"]

    check = seeded_client.post("/v1/check", json={
        "statement": "Iran strongly rejects this information", "k": 10}).get_json()
    assert all("context" in m for m in check["matches"])
    assert kanani["claim_id"] in [m["claim_id"] for m in check["matches"]]
    shown = next(m for m in check["matches"] if m["claim_id"] == kanani["claim_id"])
    assert shown["context"] == kanani["context"]

    speaker = kanani["speaker"]["id"]
    timeline = seeded_client.get(f"/v1/speakers/{speaker}/claims").get_json()["claims"]
    assert all("context" in c for c in timeline)
    assert next(c for c in timeline if c["claim_id"] == kanani["claim_id"])["context"] == kanani["context"]

    spec = seeded_client.get("/openapi.json").get_json()["components"]["schemas"]
    assert "context" in spec["Claim"]["properties"] and "reported_by" in spec["Match"]["properties"]


def test_the_november_admission_is_one_match_with_every_report(seeded_client):
    body = seeded_client.post("/v1/check", json={"statement": ADMISSION}).get_json()
    assert len(body["matches"]) == 5 and sum(body["summary"].values()) == 5  # k and summary count facts
    admission = next(m for m in body["matches"] if m["text"].startswith("In November, Amirabdollahian said"))
    reports = admission["reported_by"]
    # the same speaker's admission in the Jerusalem Post, the Moscow Times and Metro (the seeds hold three)
    assert [r["outlet"] for r in reports] == ["The Jerusalem Post", "The Moscow Times", "Metro.co.uk"]
    assert reports[0]["published"] == "2023-03-03" and reports[0]["claim_id"] == admission["claim_id"]
    assert all(r["stance"]["label"] == "supports" for r in reports)
    shown = [r["claim_id"] for m in body["matches"] for r in m["reported_by"]]
    assert len(shown) == len(set(shown)) > 5  # no claim twice; more reports than facts
    # every reporting article has its per-source verdict
    assert {r["article_id"] for m in body["matches"] for r in m["reported_by"]} == {
        s["article_id"] for s in body["sources"]}


def test_grouping_off_gives_one_match_per_claim(make_engine, tmp_path):
    grouped = make_engine(tmp_path / "data")
    list(ingest_paths(grouped, [SEEDS]))
    plain = make_engine(tmp_path / "data", group_reports=False)
    before = plain.check(ADMISSION)
    after = grouped.check(ADMISSION)
    assert len(before["matches"]) == len(after["matches"]) == 5
    assert all("reported_by" not in m for m in before["matches"])
    ids = [m["claim_id"] for m in before["matches"]]
    assert len(set(ids)) == 5 and sum(before["summary"].values()) == 5
    # without grouping the Iranian admission reported by two outlets takes two of the five places
    by_speaker = [m["speaker"]["name"] for m in before["matches"][:2]]
    assert by_speaker == ["Iran", "Iran"]
    reported = {r["claim_id"] for m in after["matches"] for r in m["reported_by"]}
    assert set(ids) <= reported and ids[0] == after["matches"][0]["claim_id"]


OLD_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE articles (id TEXT PRIMARY KEY, outlet TEXT, title TEXT, url TEXT, published TEXT,
    raw_text TEXT NOT NULL, text TEXT NOT NULL, extractor TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE speakers (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, role TEXT,
    is_person INTEGER NOT NULL DEFAULT 1, organisation TEXT, name_key TEXT);
CREATE TABLE claims (id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT REFERENCES articles(id) ON DELETE CASCADE, text TEXT NOT NULL,
    span_start INTEGER, span_end INTEGER, speaker_id INTEGER REFERENCES speakers(id),
    verb TEXT, voice TEXT, polarity TEXT NOT NULL DEFAULT 'positive', claimant TEXT, rating TEXT,
    source TEXT, url TEXT, published TEXT, external_id TEXT UNIQUE, text_hash TEXT, embedding BLOB NOT NULL,
    created_at TEXT NOT NULL, claim_date TEXT, time_text TEXT, title TEXT);
CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, claim_id INTEGER NOT NULL,
    op TEXT NOT NULL CHECK (op IN ('add', 'delete')));
CREATE TABLE speaker_aliases (speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE,
    alias TEXT NOT NULL, alias_key TEXT NOT NULL, PRIMARY KEY (speaker_id, alias));
CREATE TABLE claim_speakers (claim_id INTEGER NOT NULL REFERENCES claims(id) ON DELETE CASCADE,
    speaker_id INTEGER NOT NULL REFERENCES speakers(id) ON DELETE CASCADE, position INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (claim_id, speaker_id));
CREATE UNIQUE INDEX speakers_name_key ON speakers(name_key);
INSERT INTO articles VALUES ('old', 'Desk', NULL, NULL, '2023-01-02', 'x', 'x', 'spacy-v1', 'now');
INSERT INTO speakers(name, name_key) VALUES ('Ned Price', 'nedprice');
INSERT INTO speaker_aliases VALUES (1, 'Ned Price', 'nedprice');
"""


def test_a_store_from_before_context_is_migrated_in_place_and_keeps_its_data(make_engine, embedder, tmp_path):
    path = tmp_path / "data" / "factcheck.sqlite3"
    path.parent.mkdir()
    conn = sqlite3.connect(path)
    conn.executescript(OLD_SCHEMA)
    texts = ["Iran has provided Russia with drones.", "We are confident in that information."]
    for i, (text, vector) in enumerate(zip(texts, embedder.encode(texts))):
        conn.execute("INSERT INTO claims(article_id, text, span_start, span_end, speaker_id, embedding, created_at) "
                     "VALUES ('old', ?, ?, ?, 1, ?, 'now')", (text, i * 40, i * 40 + len(text),
                                                             np.asarray(vector, np.float32).tobytes()))
        conn.execute("INSERT INTO claim_speakers VALUES (?, 1, 0)", (i + 1,))
        conn.execute("INSERT INTO changes(claim_id, op) VALUES (?, 'add')", (i + 1,))
    conn.commit()
    conn.close()

    SQLiteStore(path).close()  # migrates
    engine = make_engine(tmp_path / "data")  # a second open is a no-op
    columns = {r[1] for r in sqlite3.connect(path).execute("PRAGMA table_info(claims)")}
    assert {"responds_to_claim_id", "responds_to_text", "resolved_text"} <= columns
    old = engine.article("old")
    assert [c["text"] for c in old["claims"]] == texts and all(c["context"] is None for c in old["claims"])
    assert old["claims"][0]["speaker"]["name"] == "Ned Price"
    assert engine.check("Iran provided drones to Russia", k=1)["matches"][0]["claim_id"] == 1

    created = engine.ingest_article(seed_text("002"))
    kanani = next(c for c in engine.article(created.article_id)["claims"] if c["text"].startswith("We strongly"))
    assert "Crimea" in kanani["context"]["text"] and kanani["context"]["claim_id"] > 2
    again = engine.ingest_article(seed_text("002"))  # the same text again changes nothing
    assert not again.created and engine.claim(kanani["claim_id"])["context"] == kanani["context"]
    engine.delete_article(created.article_id)  # ingested anew: the link follows the new claim ids
    anew = engine.ingest_article(seed_text("002"))
    renewed = next(c for c in engine.article(anew.article_id)["claims"] if c["text"].startswith("We strongly"))
    assert renewed["context"]["text"] == kanani["context"]["text"]
    assert renewed["context"]["claim_id"] == renewed["claim_id"] - 1


def test_both_extractors_link_the_same_seeds(seeded_engine):
    rules = load_extractor("rules")
    by_rules = {(c.text, c.responds_to_text) for f in sorted(SEEDS.glob("*.txt"))
                for c in rules.extract(f.read_text(encoding="utf-8")).claims if c.responds_to_text}
    stored = {(r["text"], r["responds_to_text"]) for f in sorted(SEEDS.glob("*.txt"))
              for r in seeded_engine.store.claims_of_article(content_hash(f.read_text(encoding="utf-8")))
              if r["responds_to_text"]}
    assert len(by_rules) == 12 and by_rules == stored


CRIMEA = "Iranian personnel are on the ground in Crimea."


def found_by(engine, statement: str, text: str, k: int = 10) -> dict | None:
    return next((m for m in engine.check(statement, k=k)["matches"] if m["text"] == text), None)


def test_a_store_from_before_second_vectors_gets_them_at_the_next_start(make_engine, embedder, tmp_path):
    """The store and index as the previous version left them (no resolved_embedding column; one vector per claim,
    labelled by claim id): the next start adds the column, encodes the resolved texts and rebuilds the index."""
    data = tmp_path / "data"
    first = make_engine(data)
    list(ingest_paths(first, [SEEDS]))
    seconds = sum(1 for ids, _, slots in first.store.all_index_vectors() for s in slots if s == 1)
    first.close()
    with sqlite3.connect(data / "factcheck.sqlite3") as conn:
        conn.execute("ALTER TABLE claims DROP COLUMN resolved_embedding")
        rows = conn.execute("SELECT id, embedding FROM claims ORDER BY id").fetchall()
        generation = conn.execute("SELECT MAX(seq) FROM changes").fetchone()[0]
    old = faiss.IndexIDMap2(faiss.IndexFlatIP(embedder.dim))
    old.add_with_ids(np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows]),
                     np.array([r[0] for r in rows], dtype=np.int64))
    faiss.write_index(old, str(data / "index.faiss"))
    (data / "index.json").write_text(json.dumps({"generation": generation, "count": len(rows), "model": embedder.name,
                                                 "dim": embedder.dim, "kind": "flat", "params": {}}))

    engine = make_engine(data)
    columns = {r[1] for r in sqlite3.connect(data / "factcheck.sqlite3").execute("PRAGMA table_info(claims)")}
    assert "resolved_embedding" in columns
    stats = engine.stats()["index"]
    # 12 referring claims, 5 in the first person plural ("We do not supply weapons ..." -> "Iran does not ...") and
    # 3 saying "his country"
    assert seconds == 20 and stats["size"] == len(rows) and stats["vectors"] == len(rows) + seconds
    denial = found_by(engine, CRIMEA, "We strongly reject this information")
    assert denial is not None and "Crimea" in denial["context"]["text"]
    assert json.loads((data / "index.json").read_text())["second_vectors"] is True
    assert engine.store.claims_missing_second_vector() == []


def test_a_running_engine_takes_up_second_vectors_encoded_by_another(make_engine, tmp_path, monkeypatch):
    """Claims stored without their resolved text's vector: the engine that encodes them writes them to the change
    log, and an engine already running takes them up on its next catch-up."""
    data = tmp_path / "data"
    first = make_engine(data)
    list(ingest_paths(first, [SEEDS]))
    first.close()
    with sqlite3.connect(data / "factcheck.sqlite3") as conn:
        conn.execute("UPDATE claims SET resolved_embedding = NULL")
    for name in ("index.faiss", "index.json"):
        (data / name).unlink()
    with monkeypatch.context() as patched:  # a process that does not encode them itself
        patched.setattr(IndexKeeper, "embed_resolved_texts", lambda self, batch=256: 0)
        running = make_engine(data)
    assert running.index.vectors == running.index.size
    assert found_by(running, CRIMEA, "We strongly reject this information") is None

    started = make_engine(data)  # encodes the 20 missing vectors at its start (12 referring, 5 "we", 3 "his country")
    assert started.index.vectors == started.index.size + 20
    denial = found_by(running, CRIMEA, "We strongly reject this information")  # check() catches up first
    assert running.index.vectors == running.index.size + 20 and denial is not None
    assert running.readiness()["ready"]


def test_grouping_does_not_depend_on_the_order_in_which_copies_come():
    """A copy close only to a copy ranked below it still joins the fact (the group it would join is merged)."""
    from service.reports import group_reports

    def unit(*values: float) -> np.ndarray:
        vector = np.asarray(values, dtype=np.float32)
        return vector / np.linalg.norm(vector)

    rows = {i: {"article_id": article, "speaker_id": 7, "polarity": "positive"}
            for i, article in [(1, "a"), (2, "b"), (3, "c"), (4, "d")]}
    rows[4]["polarity"] = "negative"
    # 1 and 3 are copies, 2 and 3 are copies, 1 and 2 are not; 4 is close to all but denies
    vectors = {1: unit(1, 0, 0), 2: unit(0, 1, 0), 3: unit(1, 1, 0), 4: unit(1, 1, 0.1)}
    for order in ([1, 2, 3, 4], [2, 1, 3, 4], [1, 4, 2, 3]):
        hits = [(i, 1.0 - n / 10) for n, i in enumerate(order)]
        groups = group_reports(hits, rows, vectors, 0.7)
        assert sorted(sorted(i for i, _ in g) for g in groups) == [[1, 2, 3], [4]]
        assert all([i for i, _ in g] == [i for i in order if i in {j for j, _ in g}] for g in groups)  # rank order
    rows[3]["article_id"] = "a"  # a second claim of one article never joins: 1 and 2 stay apart
    groups = group_reports([(1, 0.9), (2, 0.8), (3, 0.7)], rows, vectors, 0.7)
    assert sorted(sorted(i for i, _ in g) for g in groups) == [[1], [2, 3]]
