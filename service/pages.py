"""Article HTML pages: the main text and the page's own metadata, read by trafilatura.

trafilatura keeps the article body and drops navigation, cookie banners, related-article lists, comments and
footers; its metadata reader covers ``og:`` tags, ``article:published_time``, JSON-LD ``NewsArticle``,
``<title>``, the canonical link and the byline. The text it returns is what the claim extractor reads, so claim
spans refer to it as they refer to a plain-text article.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

JSON_LD = re.compile(r"<script[^>]+type=[\"']application/ld\+json[\"'][^>]*>(.*?)</script>", re.I | re.S)
ARTICLE_TYPES = {"Article", "NewsArticle", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting", "Report"}
TITLE_ELEMENT = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
TITLE_SEPARATOR = re.compile(r"\s+[|\u2013\u2014-]\s+")
MARKUP = re.compile(r"<\s*(?:!doctype|html|head|body|article|main|div|p|section|h[1-6])\b", re.I)
# Only what the page says of itself: no guessing a date from the running text.
DATE_PARAMS = {"extensive_search": False, "original_date": True}
# Main text shorter than this is a menu or a label ("Home"), not an article: the page counts as empty.
MIN_ARTICLE_CHARS = 25


def _trafilatura_config():  # noqa: ANN202 - configparser.ConfigParser
    from copy import deepcopy

    from trafilatura.settings import DEFAULT_CONFIG

    config = deepcopy(DEFAULT_CONFIG)
    config["DEFAULT"]["MIN_OUTPUT_SIZE"] = str(MIN_ARTICLE_CHARS)
    config["DEFAULT"]["EXTENSIVE_DATE_SEARCH"] = "off"
    return config


class PageError(ValueError):
    """A page that cannot be read as an article: not HTML, or without any article text."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True)
class Page:
    """What a page holds: its main text and its metadata (None where the page does not say)."""

    text: str
    title: str | None = None
    outlet: str | None = None
    published: date | None = None
    url: str | None = None
    author: str | None = None


def read_page(html: str, url: str | None = None) -> Page:
    """The article in ``html``: main text and metadata. PageError when it is no HTML or has no article text."""
    import trafilatura

    if "\x00" in html or not MARKUP.search(html):
        raise PageError("invalid_html", "the html field is not an HTML document (no <html>, <body> or text elements)")
    try:
        document = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=False, include_images=False,
            favor_precision=True, date_extraction_params=DATE_PARAMS, config=_trafilatura_config())
    except (ValueError, TypeError) as error:  # lxml refuses what it cannot parse at all
        raise PageError("invalid_html", f"the page could not be parsed as HTML: {error}") from error
    text = (getattr(document, "text", None) or "").strip() if document is not None else ""
    if len(text) < MIN_ARTICLE_CHARS:
        raise PageError("empty_page", "no article text found in the page (only navigation, boilerplate or nothing)")
    title = _clean(document.title)
    site = _clean(document.sitename)
    if site and title and site.casefold() == title.casefold():  # the headline taken for the site name
        site = None
    return Page(
        text=text,
        title=title,
        outlet=site or outlet_from_title(html, title),
        published=_date(document.date),
        url=_clean(document.url) or url or url_from_json_ld(html),
        author=_clean(document.author),
    )


def url_from_json_ld(html: str) -> str | None:
    """The article's own URL from a JSON-LD NewsArticle (``url``, else ``mainEntityOfPage``), which trafilatura's
    metadata does not read; None when the page has none."""
    import json

    for block in JSON_LD.findall(html)[:20]:
        try:
            data = json.loads(block)
        except ValueError:
            continue
        nodes = data if isinstance(data, list) else data.get("@graph", [data]) if isinstance(data, dict) else []
        for node in nodes if isinstance(nodes, list) else []:
            types = node.get("@type") if isinstance(node, dict) else None
            if not set(types if isinstance(types, list) else [types]) & ARTICLE_TYPES:
                continue
            page = node.get("mainEntityOfPage")
            for candidate in (node.get("url"), page.get("@id") if isinstance(page, dict) else page):
                if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
                    return candidate.strip()
    return None


def outlet_from_title(html: str, headline: str | None) -> str | None:
    """The site name a ``<title>`` adds to the headline ("Headline | Outlet", "Headline - Outlet"), for pages
    that name their outlet nowhere else; None when the title is only the headline."""
    import html as entities

    found = TITLE_ELEMENT.search(html)
    if not found or not headline:
        return None
    title = " ".join(entities.unescape(found.group(1)).split())
    separators = list(TITLE_SEPARATOR.finditer(title))
    if not separators or title[:separators[-1].start()].casefold() != headline.casefold():
        return None
    outlet = title[separators[-1].end():].strip()
    return outlet if 0 < len(outlet.split()) <= 6 else None


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
