"""Newsroom formats on real parts: article HTML pages read by trafilatura, schema.org ClaimReview in and out, and
listings paged by keyset cursors (over a real gunicorn server for the round trip and the concurrent writes)."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.config import PROJECT_ROOT

from .live_server import running_server

PAGES = Path(__file__).parent / "data" / "pages"
BOILERPLATE = ("cookie", "Remind me later", "Read more", "Kremlin says the Russian army uses only", "Most read",
               "Newsletter", "Sign up", "All rights reserved", "Share on", "independent news service",
               "Related", "Reproduction of materials")


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def claim_dates(client, article: dict) -> dict[str, str | None]:
    """Time expression as written ("on Saturday") -> the dates it resolved to in the article's claims, read back
    through GET /v1/claims/<id>."""
    dates: dict[str, set] = {}
    for claim in article["claims"]:
        stored = client.get(f"/v1/claims/{claim['claim_id']}").get_json()
        if stored["time_text"]:
            dates.setdefault(stored["time_text"].lower(), set()).add(stored["date"])
    return dates


# --- HTML pages ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, outlet, title, published, url, author, relative, resolved", [
    ("og_tags_moscow_times.html", "The Moscow Times", "Iran Admits Sending Drones to Russia Before Ukraine War",
     "2022-11-05", "https://www.themoscowtimes.com/2022/11/05/iran-admits-sending-drones-to-russia-a79301", None,
     "on Saturday", "2022-11-05"),
    ("jsonld_newsarticle.html", "Kyiv Daily", "Tehran: Kyiv failed to provide evidence of Russian use of Iranian drones",
     "2022-11-01", "https://kyivdaily.example/world/2022/11/01/tehran-kyiv-evidence-drones", "Olena Kovalenko",
     "on Monday", "2022-10-31"),
    ("byline_only.html", "Gulf Wire", "Iran will not be 'indifferent' if its drones are used in Ukraine",
     "2022-10-24", None, "Karim Haddad", "on Monday", "2022-10-24"),
])
def test_a_page_gives_its_metadata_clean_claims_and_resolved_dates(client, name, outlet, title, published, url,
                                                                    author, relative, resolved):
    response = client.post("/v1/articles", json={"html": page(name)})
    assert response.status_code == 201, response.get_json()
    article = response.get_json()
    assert (article["outlet"], article["title"], article["published"], article["url"], article["author"]) == \
        (outlet, title, published, url, author)
    assert len(article["claims"]) >= 4
    for claim in article["claims"]:  # navigation, banners, related lists and footers never become claims
        assert not any(marker.lower() in claim["text"].lower() for marker in BOILERPLATE), claim["text"]
        assert article["text"][claim["span"]["start"]:claim["span"]["end"]] == claim["text"]
    for marker in BOILERPLATE:
        assert marker.lower() not in article["text"].lower(), marker
    assert claim_dates(client, article).get(relative.lower()) == {resolved}


def test_fields_given_beside_the_page_win_over_its_metadata(client):
    response = client.post("/v1/articles", json={
        "html": page("og_tags_moscow_times.html"), "outlet": "MT Archive", "published": "2022-11-07",
        "title": "Desk title", "author": "Desk Editor"})
    article = response.get_json()
    assert response.status_code == 201
    assert (article["outlet"], article["title"], article["published"], article["author"]) == \
        ("MT Archive", "Desk title", "2022-11-07", "Desk Editor")
    assert claim_dates(client, article)["on saturday"] == {"2022-11-05"}  # counted back from Monday 7 November
    again = client.post("/v1/articles", json={"html": page("og_tags_moscow_times.html")})
    assert again.status_code == 200 and again.get_json()["created"] is False  # same text: same article


@pytest.mark.parametrize("html, code", [
    ("<html><head><title>Nothing</title></head><body><nav><a href='/'>Home</a></nav></body></html>", "empty_page"),
    ("<!DOCTYPE html><html><body></body></html>", "empty_page"),
    ("this is plain text pretending to be a page, the minister said on Monday", "invalid_html"),
    ("\x00\x01\x02\x03<p>binary</p>", "invalid_html"),
])
def test_bad_or_empty_pages_are_a_clear_422_and_store_nothing(client, engine, html, code):
    response = client.post("/v1/articles", json={"html": html})
    body = response.get_json()
    assert response.status_code == 422 and body["error"]["code"] == code, body
    assert engine.store.counts()["articles"] == 0


def test_text_and_html_together_or_neither_is_a_422(client):
    both = client.post("/v1/articles", json={"html": page("byline_only.html"), "text": "The minister said so."})
    neither = client.post("/v1/articles", json={"outlet": "Desk"})
    assert both.status_code == 422 and neither.status_code == 422
    assert set(neither.get_json()["error"]["details"]) == {"text", "html"}


def test_the_cli_ingests_a_folder_of_pages_with_a_manifest_overriding(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in ("jsonld_newsarticle.html", "byline_only.html"):
        (folder / name).write_text(page(name), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"articles": [
        {"file": "byline_only.html", "outlet": "Wire Desk"}]}), encoding="utf-8")
    env = {**os.environ, "FACTCHECK_DATA_DIR": str(tmp_path / "data"), "FACTCHECK_LOG_LEVEL": "WARNING"}
    done = subprocess.run([sys.executable, "-m", "service.cli", "ingest", str(folder)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "2 new article(s), 0 already ingested" in done.stdout
    from service.store import ListingFilters, SQLiteStore

    store = SQLiteStore(tmp_path / "data" / "factcheck.sqlite3")
    outlets = {a["outlet"]: a for a in store.list_articles(ListingFilters(), 10)}
    store.close()
    assert set(outlets) == {"Kyiv Daily", "Wire Desk"}
    assert outlets["Wire Desk"]["published"] == "2022-10-24" and outlets["Wire Desk"]["author"] == "Karim Haddad"
    (folder / "empty.html").write_text("<html><body><nav>Home</nav></body></html>", encoding="utf-8")
    failed = subprocess.run([sys.executable, "-m", "service.cli", "ingest", str(folder / "empty.html")],
                            cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1 and "empty.html: no article text found" in failed.stderr


# --- ClaimReview, listings and cursors over a real server -------------------------------------------------------
FEED = {
    "@context": "https://schema.org",
    "@type": "DataFeed",
    "dataFeedElement": [
        {
            "@type": "ClaimReview",
            "url": "https://factcheck.example.org/2022/11/iran-never-sent-drones",
            "claimReviewed": "Iran has never sent any drones to Russia.",
            "itemReviewed": {"@type": "Claim", "datePublished": "2022-10-24",
                             "author": {"@type": "Person", "name": "Hossein Amir-Abdollahian",
                                        "jobTitle": "Foreign Minister of Iran"}},
            "author": {"@type": "Organization", "name": "Desk Fact Check"},
            "datePublished": "2022-11-07",
            "headline": "Iran did send drones to Russia, its foreign minister later admitted",
            "reviewRating": {"@type": "Rating", "ratingValue": 1, "bestRating": 5, "worstRating": 1,
                             "alternateName": "False"},
        },
        {
            "@type": "DataFeedItem",
            "item": [{
                "@type": "ClaimReview",
                "url": "https://factcheck.example.org/2022/10/russia-uses-only-domestic-drones",
                "claimReviewed": "The Russian army uses only domestically produced drones in Ukraine.",
                "itemReviewed": {"@type": "Claim", "datePublished": "2022-10-18",
                                 "author": {"@type": "Person", "name": "Dmitry Peskov",
                                            "jobTitle": "Kremlin spokesman"}},
                "author": {"@type": "Organization", "name": "Desk Fact Check"},
                "datePublished": "2022-10-20",
                "headline": "Iranian-made drones have been found in Ukraine",
                "reviewRating": {"@type": "Rating", "alternateName": "Misleading"},
            }],
        },
    ],
}


def http(method: str, url: str, body: object | None = None, content_type: str = "application/json",
         accept: str = "application/json") -> tuple[int, dict, str]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": content_type, "Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null"), response.headers.get_content_type()
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read()), error.headers.get_content_type()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """gunicorn with two workers on an empty data directory."""
    with running_server(tmp_path_factory.mktemp("formats"), workers=2, seeds=False) as base:
        yield base


def schema_org_violations(node: object, path: str = "$") -> list[str]:
    """Properties a JSON-LD node uses that its schema.org type does not have (vocabulary of pydantic2-schemaorg,
    generated from schema.org), and types that do not exist, recursively."""
    problems: list[str] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            problems += schema_org_violations(item, f"{path}[{i}]")
    elif isinstance(node, dict) and "@type" in node:
        name = node["@type"]
        try:
            cls = getattr(importlib.import_module(f"pydantic2_schemaorg.{name}"), name)
        except (ImportError, AttributeError):
            return [f"{path}: no schema.org type {name}"]
        for key, value in node.items():
            if key.startswith("@"):
                continue
            if key not in cls.__fields__:
                problems.append(f"{path}.{key}: not a property of {name}")
            problems += schema_org_violations(value, f"{path}.{key}")
    return problems


def test_a_claimreview_datafeed_round_trips_over_http(server):
    status, imported, _ = http("POST", server + "/v1/claims", FEED, content_type="application/ld+json")
    assert status == 200 and imported["created"] == 2, imported
    first, second = imported["claims"]
    assert first["external_id"] == FEED["dataFeedElement"][0]["url"]

    again = http("POST", server + "/v1/claims", FEED, content_type="application/ld+json")[1]
    assert again["created"] == 0 and again["existing"] == 2  # the review's url is the idempotency key

    status, found, _ = http("POST", server + "/v1/check", {"statement": "Iran sent drones to Russia", "k": 5})
    match = next(m for m in found["matches"] if m["claim_id"] == first["claim_id"])
    assert match["rating"] == "False" and match["source"]["outlet"] == "Desk Fact Check"
    assert match["speaker"]["name"] == "Hossein Amir-Abdollahian"
    assert match["speaker"]["role"] == "Foreign Minister of Iran"
    assert match["source"]["title"] == FEED["dataFeedElement"][0]["headline"]

    status, review, content_type = http("GET", server + f"/v1/claims/{first['claim_id']}",
                                        accept="application/ld+json")
    assert status == 200 and content_type == "application/ld+json"
    original = FEED["dataFeedElement"][0]
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    for key in ("url", "claimReviewed", "datePublished", "headline", "author"):
        assert review[key] == original[key], key
    assert review["itemReviewed"] == original["itemReviewed"]
    assert review["reviewRating"] == original["reviewRating"]
    assert schema_org_violations(review) == []

    second_review = http("GET", server + f"/v1/claims/{second['claim_id']}", accept="application/ld+json")[1]
    assert second_review["reviewRating"] == {"@type": "Rating", "alternateName": "Misleading"}
    assert second_review["itemReviewed"]["author"]["name"] == "Dmitry Peskov"

    # a review taken back in is the same record: the JSON-LD we give out is a valid ClaimReview to import
    back = http("POST", server + "/v1/claims", review, content_type="application/ld+json")[1]
    assert back["claims"] == [{"claim_id": first["claim_id"], "external_id": original["url"], "created": False}]

    status, plain, content_type = http("GET", server + f"/v1/claims/{first['claim_id']}")
    assert content_type == "application/json" and plain["numeric_rating"] == {"value": 1.0, "best": 5.0, "worst": 1.0}
    assert plain["date"] == "2022-10-24"


def test_an_article_claim_is_a_schema_org_claim_with_its_appearance(server):
    status, article, _ = http("POST", server + "/v1/articles", {"html": page("og_tags_moscow_times.html")})
    assert status in (200, 201)
    claim = next(c for c in article["claims"] if "on Saturday" in c["text"])
    status, document, content_type = http("GET", server + f"/v1/claims/{claim['claim_id']}",
                                          accept="application/ld+json, application/json;q=0.5")
    assert content_type == "application/ld+json" and document["@type"] == "Claim"
    assert document["text"] == claim["text"] and document["datePublished"] == "2022-11-05"
    assert document["appearance"] == [{
        "@type": "NewsArticle", "url": article["url"], "headline": article["title"], "datePublished": "2022-11-05",
        "publisher": {"@type": "Organization", "name": "The Moscow Times"}}]
    assert schema_org_violations(document) == []


def test_rated_claims_page_out_as_a_claimreview_datafeed_that_imports_back_unchanged(server):
    status, _, _ = http("POST", server + "/v1/claims", FEED, content_type="application/ld+json")  # stored once
    assert status == 200
    elements, url = [], server + "/v1/claims?rated=true&outlet=Desk%20Fact%20Check&limit=1"
    while url:
        request = urllib.request.Request(url, headers={"Accept": "application/ld+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.headers.get_content_type() == "application/ld+json"
            feed = json.loads(response.read())
            link = response.headers.get("Link")
        assert feed["@type"] == "DataFeed" and len(feed["dataFeedElement"]) == 1
        assert schema_org_violations(feed) == []
        elements += feed["dataFeedElement"]
        url = link[1:link.index(">")] if link else None
    assert [e["url"] for e in elements] == [e["url"] for e in reversed(
        [FEED["dataFeedElement"][0], FEED["dataFeedElement"][1]["item"][0]])]  # newest first
    assert all(e["@type"] == "ClaimReview" for e in elements)
    status, again, _ = http("POST", server + "/v1/claims", {"@context": "https://schema.org", "@type": "DataFeed",
                                                           "dataFeedElement": elements},
                            content_type="application/ld+json")
    assert status == 200 and again["created"] == 0 and again["existing"] == 2
    status, error, _ = http("GET", server + "/v1/claims?cursor=nope", accept="application/ld+json")
    assert status == 400 and error["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize("document, field", [
    ({**FEED, "dataFeedElement": [FEED["dataFeedElement"][0],
                                  {k: v for k, v in FEED["dataFeedElement"][0].items() if k != "claimReviewed"}]},
     "dataFeedElement.1.claimReviewed"),
    ({k: v for k, v in FEED["dataFeedElement"][0].items() if k != "reviewRating"}, "reviewRating"),
    ([{**FEED["dataFeedElement"][0], "datePublished": "last week"}], "0.datePublished"),
    ({"@context": "https://schema.org", "@type": "NewsArticle", "headline": "x"}, "@type"),
    ({k: v for k, v in FEED["dataFeedElement"][0].items() if k not in {"@type", "@context"}}, "@type"),
    ({"dataFeedElement": FEED["dataFeedElement"]}, "@type"),
    ({**FEED["dataFeedElement"][0], "url": "not a url"}, "url"),
    ({**FEED["dataFeedElement"][0], "claimReviewed": "Iran sent drones. " * 200}, "claimReviewed"),
    ({**FEED["dataFeedElement"][0], "itemReviewed": {"author": {"name": "x" * 300}}}, "itemReviewed.author.name"),
])
def test_a_claimreview_that_cannot_be_mapped_is_a_422_naming_the_field_and_stores_nothing(server, document, field):
    before = http("GET", server + "/v1/stats")[1]["claims"]
    fresh = json.loads(json.dumps(document).replace("factcheck.example.org", "rejected.example.org"))
    status, body, _ = http("POST", server + "/v1/claims", fresh, content_type="application/ld+json")
    assert status == 422 and list(body["error"]["details"]) == [field], body
    assert http("GET", server + "/v1/stats")[1]["claims"] == before


def page_through(base: str, path: str, key: str, limit: int, params: str = "") -> list[str | int]:
    """Every id a listing gives, page after page, following next_cursor."""
    seen: list = []
    cursor = None
    while True:
        query = f"?limit={limit}{params}" + (f"&cursor={cursor}" if cursor else "")
        status, page_body, _ = http("GET", base + path + query)
        assert status == 200, page_body
        seen += [item[key] for item in page_body[path.rsplit("/", 1)[-1]]]
        cursor = page_body["next_cursor"]
        if cursor is None:
            return seen


def test_pagination_under_concurrent_inserts_returns_every_item_once(server):
    records = [{"text": f"The port authority said cargo volume number {i} rose in the third quarter.",
                "external_id": f"concurrency-{i}", "source": "Port Desk", "rating": "True" if i % 2 else None}
               for i in range(60)]
    assert http("POST", server + "/v1/claims", {"claims": records})[0] == 200
    for i in range(12):
        text = f"The harbour master said ship number {i} will dock at berth {i} on Friday."
        assert http("POST", server + "/v1/articles", {"text": text, "outlet": "Harbour News"})[0] == 201
    claims_before = set(page_through(server, "/v1/claims", "claim_id", 100))
    articles_before = set(page_through(server, "/v1/articles", "id", 100))

    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        n = 0
        while not stop.is_set():
            http("POST", server + "/v1/claims", {"claims": [{"text": f"A later claim number {n} about freight rates.",
                                                              "external_id": f"later-{n}"}]})
            http("POST", server + "/v1/articles", {"text": f"The mayor said tram line {n} opens in spring.",
                                                    "outlet": "Harbour News"})
            written.append(n)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        claims = page_through(server, "/v1/claims", "claim_id", 7)
        articles = page_through(server, "/v1/articles", "id", 3)
        rated = page_through(server, "/v1/claims", "claim_id", 5, "&rated=true&outlet=port%20desk")
    finally:
        stop.set()
        thread.join()
    assert written, "no write happened while paging"
    assert len(claims) == len(set(claims)) and claims_before <= set(claims)
    assert claims == sorted(claims, reverse=True)  # newest first
    assert len(articles) == len(set(articles)) and articles_before <= set(articles)
    assert len(rated) == len(set(rated)) == sum(1 for r in records if r["rating"])


def test_listing_filters_and_cursor_errors(server):
    speaker = http("GET", server + "/v1/speakers?q=Amir%20Abdollahian")[1]["speakers"][0]
    timeline = http("GET", server + f"/v1/speakers/{speaker['id']}/claims")[1]["claims"]
    status, body, _ = http("GET", server + "/v1/claims?speaker=Amir%20Abdollahian&limit=100")
    assert status == 200 and len(timeline) >= 2
    assert {c["claim_id"] for c in body["claims"]} == {c["claim_id"] for c in timeline}
    # the ClaimReview's claimant and the person quoted in the article page are one speaker entity
    assert any(c["source"]["article_id"] is None and c["rating"] == "False" for c in timeline)
    assert any(c["source"]["outlet"] == "The Moscow Times" for c in timeline)
    status, body, _ = http("GET", server + "/v1/articles?outlet=the%20moscow%20times&since=2022-11-01&until=2022-11-30")
    assert status == 200 and [a["outlet"] for a in body["articles"]] == ["The Moscow Times"]
    assert http("GET", server + "/v1/articles?until=2022-10-31&outlet=The%20Moscow%20Times")[1]["articles"] == []
    quoted = http("GET", server + "/v1/articles?speaker=Amirabdollahian&speaker=nobody%20at%20all")[1]["articles"]
    assert [a["outlet"] for a in quoted] == ["The Moscow Times"]  # the only page quoting him, by an alias spelling

    first = http("GET", server + "/v1/claims?limit=2")[1]
    for cursor in ("not-a-cursor", "eyJ2IjoxfQ", "%00%01", first["next_cursor"][:-3]):
        status, error, _ = http("GET", server + f"/v1/claims?cursor={cursor}")
        assert status == 400 and error["error"]["code"] == "invalid_cursor", (cursor, error)
    status, error, _ = http("GET", server + f"/v1/claims?rated=true&cursor={first['next_cursor']}")
    assert status == 400 and "other filters" in error["error"]["message"]
    status, error, _ = http("GET", server + f"/v1/articles?cursor={first['next_cursor']}")
    assert status == 400 and "another listing" in error["error"]["message"]
    for query in ("limit=0", "limit=101", "rated=maybe"):
        status, error, _ = http("GET", server + f"/v1/claims?{query}")
        assert status == 422 and error["error"]["code"] == "validation_error", query
    status, page, _ = http("GET", server + "/v1/claims?since=2022-11-02&until=2022-11-01")  # an empty range
    assert status == 200 and page["claims"] == [] and page["next_cursor"] is None


# --- hostile input -----------------------------------------------------------------------------------------------
SCHEMA_KEYS = st.sampled_from(["@type", "@context", "@graph", "claimReviewed", "itemReviewed", "author", "name",
                               "jobTitle", "reviewRating", "alternateName", "ratingValue", "bestRating", "url",
                               "datePublished", "headline", "dataFeedElement", "item"])
SCHEMA_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
    | st.sampled_from(["ClaimReview", "DataFeed", "DataFeedItem", "Claim", "Rating", "Person", "2022-11-05"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SCHEMA_KEYS | st.text(max_size=6), inner, max_size=6),
    max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=st.dictionaries(SCHEMA_KEYS, SCHEMA_VALUES, max_size=8) | st.lists(SCHEMA_VALUES, max_size=3))
def test_any_claimreview_shaped_document_is_stored_whole_or_refused_with_a_422(client, engine, document):
    before = engine.store.counts()["claims"]
    response = client.post("/v1/claims", data=json.dumps(document), content_type="application/ld+json")
    body = response.get_json()
    assert response.status_code in (200, 422), body
    if response.status_code == 422:
        assert body["error"]["code"] == "validation_error" and body["error"]["details"]
        assert engine.store.counts()["claims"] == before


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=st.text(min_size=1, max_size=80) | st.binary(min_size=1, max_size=60).map(
    lambda raw: __import__("base64").urlsafe_b64encode(raw).decode()))
def test_any_cursor_not_given_by_a_page_is_refused_with_a_4xx(client, cursor):
    for path in ("/v1/claims", "/v1/articles"):
        response = client.get(path, query_string={"cursor": cursor})
        assert response.status_code in (400, 422), response.get_json()
        assert response.get_json()["error"]["code"] in ("invalid_cursor", "validation_error")
