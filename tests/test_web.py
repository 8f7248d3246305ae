"""The web page in a real Chromium against the real server with the seeds ingested.

Screenshots of the three views go to $FACTCHECK_SCREENSHOT_DIR when it is set (docs/screenshots/ is made so),
else to the test's temporary directory.
"""
from __future__ import annotations

import os
import re
import urllib.parse
from pathlib import Path
from typing import Iterator

import pytest

from .browser import save_screenshot, start_chromium
from .live_server import http_json, running_server
from .test_check_text import TRANSCRIPT

STATEMENT = "Iran sent drones to Russia before the invasion"
BADGE_LABELS = {"Supports", "Refutes", "Both sides", "Neutral", "Unrelated"}
SUMMARY = re.compile(r"^\d+ sources? (supports?|refutes?|reports? both sides|(is|are) neutral)"
                     r"(, \d+ (supports?|refutes?|reports? both sides|(is|are) neutral))*$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(tmp_path_factory.mktemp("web")) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    driver = start_chromium()
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("FACTCHECK_SCREENSHOT_DIR")
    return Path(configured) if configured else tmp_path_factory.mktemp("screenshots")


def wait_for(driver, condition, timeout: float = 120):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def css(driver, selector: str):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def rendered_results(driver) -> bool:
    return bool(css(driver, "#results:not([hidden]) #results-body > *")) or bool(css(driver, "#error:not([hidden])"))


def badge_label(badge) -> str:
    """A badge's words without its symbol and confidence: the label a screen reader reads."""
    return re.sub(r"\s*\(.*\)$", "", badge.text.split(" ", 1)[1] if " " in badge.text else badge.text).strip()


CONTRAST_SCRIPT = """
function luminance(color) {
  const [r, g, b] = color.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => v / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function background(node) {
  for (; node; node = node.parentElement) {
    const color = getComputedStyle(node).backgroundColor;
    if (!/rgba\\(.*, 0\\)$/.test(color) && color !== "transparent") return color;
  }
  return "rgb(255, 255, 255)";
}
return [...document.querySelectorAll(arguments[0])].map((node) => {
  const [a, b] = [luminance(getComputedStyle(node).color), luminance(background(node))].sort((x, y) => y - x);
  return [node.textContent.trim().slice(0, 40), (a + 0.05) / (b + 0.05)];
});
"""
UNLABELLED_SCRIPT = """
return [...document.querySelectorAll("input, textarea, select, button")]
  .filter((node) => !(node.labels && node.labels.length) && !node.textContent.trim() && !node.getAttribute("aria-label"))
  .map((node) => node.outerHTML);
"""


def test_typing_a_statement_renders_matches_grouped_by_source_with_labelled_badges(server, browser, screenshots):
    from selenium.webdriver.common.keys import Keys

    expected = http_json("POST", server + "/v1/check", {"statement": STATEMENT})[1]
    browser.get(server + "/")
    # keyboard only: the skip link comes first, then the form; Enter on the button submits
    body = css(browser, "body")[0]
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to main content"
    box = css(browser, "#statement")[0]
    box.send_keys(STATEMENT)
    box.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Check"
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: css(d, ".source-group"))

    assert urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)["q"] == [STATEMENT]
    rendered = [quote.text for quote in css(browser, ".match .claim-text")]
    assert sorted(rendered) == sorted(m["text"] for m in expected["matches"])
    groups = css(browser, ".source-group")
    articles = {m["source"]["article_id"] for m in expected["matches"]}
    assert len(groups) == len(articles)
    by_text = {m["text"]: m for m in expected["matches"]}
    for item in css(browser, ".match"):
        match = by_text[css(item, ".claim-text")[0].text]
        badge = css(item, ".match-head .badge")[0]
        assert badge_label(badge) == match["stance"]["label"].capitalize()
        assert f"badge-{match['stance']['label']}" in badge.get_attribute("class")
        if match["speaker"]:
            link = css(item, "a.speaker-link")[0]
            assert link.text == match["speaker"]["name"]
            assert link.get_attribute("href").endswith(f"/speakers/{match['speaker']['id']}")
    for group in groups:
        assert badge_label(css(group, ".verdict .badge")[0]) in BADGE_LABELS
    summary = css(browser, "#results-body > .summary")[0].text.removeprefix("Summary: ").rstrip(".")
    assert SUMMARY.match(summary), summary
    assert sum(int(n) for n in re.findall(r"\d+", summary)) == len(groups)
    assert "matches from" in css(browser, "#status")[0].get_attribute("textContent")  # announced by the live region
    assert css(browser, "#status")[0].get_attribute("aria-live") == "polite"
    # every control is labelled; text, badges, links and buttons meet WCAG AA contrast
    assert browser.execute_script(UNLABELLED_SCRIPT) == []
    ratios = browser.execute_script(CONTRAST_SCRIPT, "p, label, .badge, a, button, blockquote, h1, h2, h3")
    assert ratios and all(ratio >= 4.5 for _, ratio in ratios), [r for r in ratios if r[1] < 4.5]

    # the sentence highlighted in its article, on demand
    first = css(browser, ".match")[0]
    match = by_text[css(first, ".claim-text")[0].text]
    toggle = [b for b in css(first, "button") if b.text == "Show in its article"][0]
    toggle.click()
    wait_for(browser, lambda d: css(first, "mark"))
    article = http_json("GET", server + f"/v1/articles/{match['source']['article_id']}")[1]
    assert css(first, "mark")[0].text == article["text"][match["span"]["start"]:match["span"]["end"]]
    assert toggle.get_attribute("aria-expanded") == "true"
    browser.execute_script("window.scrollTo(0, 0)")
    save_screenshot(browser, screenshots / "statement.png")
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false" and not first.find_element(
        "css selector", ".article-region").is_displayed()


def test_a_shared_link_runs_the_check_on_load(server, browser):
    browser.get(server + "/?" + urllib.parse.urlencode({"q": "Iran admitted sending drones to Russia"}))
    wait_for(browser, rendered_results)
    assert css(browser, "#statement")[0].get_attribute("value") == "Iran admitted sending drones to Russia"
    assert css(browser, ".match .badge")
    assert css(browser, "#error")[0].get_attribute("hidden") is not None


def test_an_api_error_is_shown_in_plain_words(server, browser):
    browser.get(server + "/?" + urllib.parse.urlencode({"q": "x" * 2500}))
    wait_for(browser, lambda d: css(d, "#error:not([hidden])"))
    message = css(browser, "#error")[0].text
    assert message == "Error: Please correct the request. Statement: Longer than maximum length 2000."
    assert css(browser, "#results")[0].get_attribute("hidden") is not None
    browser.get(server + "/speakers/999999")
    wait_for(browser, lambda d: css(d, "#error:not([hidden])"))
    assert css(browser, "#error")[0].text == "Error: Not found: no speaker 999999."


def test_the_speaker_page_shows_the_timeline_with_position_changes_marked(server, browser, screenshots):
    found = http_json("GET", server + "/v1/speakers?q=Amirabdollahian")[1]["speakers"][0]
    timeline = http_json("GET", server + f"/v1/speakers/{found['id']}/claims")[1]
    changes = [c for c in timeline["claims"] if c["stance_to_previous"] and c["stance_to_previous"]["position_change"]]
    assert changes, "the seeds hold a denial followed by an admission"
    browser.get(server + f"/speakers/{found['id']}")
    wait_for(browser, lambda d: css(d, ".timeline-item"))
    assert css(browser, "h1")[0].text == found["name"]
    items = css(browser, ".timeline-item")
    assert [css(i, ".claim-text")[0].text for i in items] == [c["text"] for c in timeline["claims"]]
    marked = css(browser, ".timeline-item.changed")
    assert [css(i, ".claim-text")[0].text for i in marked] == [c["text"] for c in changes]
    assert all("Position change" in css(i, ".badge-change")[0].text for i in marked)
    summary = css(browser, "#results-body > .summary")[0].text
    assert summary.startswith(f"{len(changes)} position change")
    assert "said (2022-11), then denied (2023-03-03)" in summary  # denied after saying so, in the Jerusalem Post
    save_screenshot(browser, screenshots / "speaker.png")


def test_a_pasted_transcript_gives_its_check_worthy_sentences_ranked(server, browser, screenshots):
    status, expected = http_json("POST", server + "/v1/check/text", {"text": TRANSCRIPT, "k": 3})
    assert status == 200, expected
    browser.get(server + "/?mode=text")
    css(browser, "#text")[0].send_keys(TRANSCRIPT)
    css(browser, "#text-form button[type=submit]")[0].click()
    wait_for(browser, rendered_results)
    assert css(browser, "#error")[0].get_attribute("hidden") is not None, css(browser, "#error")[0].text
    items = css(browser, ".text-claim")
    assert len(items) == len(expected["claims"]) >= 2
    shown = [css(i, ".claim-text")[0].text for i in items]
    ranked = sorted(expected["claims"], key=lambda c: -c["check_worthiness"])
    assert shown == [c["text"] for c in ranked]  # most check-worthy first
    assert not any(s.startswith(("Good evening", "What a wonderful", "Where do we go")) for s in shown)
    percents = [int(re.search(r"Check-worthiness (\d+) %", css(i, ".worthiness")[0].text).group(1)) for i in items]
    assert percents == sorted(percents, reverse=True)
    assert any(css(i, ".match .badge") for i in items)  # each sentence with its matches
    browser.execute_script("document.getElementById('text').scrollTop = 0; window.scrollTo(0, 0)")
    save_screenshot(browser, screenshots / "text.png")


def test_with_reads_closed_the_page_asks_for_a_key_and_uses_it(tmp_path_factory, browser):
    with running_server(tmp_path_factory.mktemp("web-keys"), api_keys="desk-write-key-61f0",
                        read_api_keys="desk-read-key-93c2", read_requires_key="true") as base:
        browser.get(base + "/?" + urllib.parse.urlencode({"q": STATEMENT}))
        wait_for(browser, lambda d: css(d, "#error:not([hidden])"))
        assert css(browser, "#error")[0].text == ("Error: This service needs an API key. Enter it under “API key” "
                                                  "at the bottom of the page and try again.")
        css(browser, ".api-key summary")[0].click()
        css(browser, "#api-key")[0].send_keys("desk-read-key-93c2")
        css(browser, "#statement-form button[type=submit]")[0].click()
        wait_for(browser, lambda d: css(d, ".source-group"))
        assert css(browser, "#error")[0].get_attribute("hidden") is not None
        browser.refresh()  # the key is kept for the tab's session
        wait_for(browser, lambda d: css(d, ".source-group") or css(d, "#error:not([hidden])"))
        assert css(browser, ".source-group")
