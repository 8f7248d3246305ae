"""Score HTML page ingestion: real news bodies (FNC-1) inside article pages of three shapes real outlets use.

    python scripts/evaluate_pages.py [--bodies 100] [--extractor spacy|rules]

Each body is put into three page shapes (metadata in og: tags, in a JSON-LD NewsArticle, or only in the byline
and <title>), each page with a cookie banner, navigation, a related-articles list, a newsletter box, reader
comments and a footer whose sentences read like claims. Every page is read two ways: by the service
(trafilatura, ``service.pages.read_page``) and by a baseline that keeps all text of the page with its block
boundaries (lxml). Both texts go through the same claim extractor, compared with the claims extracted from the
plain body. Prints per way: body-claim recall, claims from boilerplate, metadata accuracy, and ms per page.
"""
from __future__ import annotations

import argparse
import csv
import html
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.extraction import load_extractor  # noqa: E402
from service.pages import read_page  # noqa: E402

BODIES = ROOT.parent / "shared" / "data" / "fnc1" / "train_bodies.csv"
OUTLETS = ["The Daily Ledger", "Northern Courier", "Metro Wire", "The Evening Post", "Harbour News"]
AUTHORS = ["Anna Lindqvist", "Rafael Ortega", "Mei Tanaka", "Samuel Okafor", "Claire Dubois"]
BLOCK_TAGS = {"p", "div", "li", "h1", "h2", "h3", "h4", "section", "article", "header", "footer", "nav", "aside",
              "br", "ul", "ol", "form", "time", "blockquote"}


def boilerplate(outlet: str) -> dict[str, str]:
    """Page furniture whose sentences read like claims, so that text taken from it shows up as claims."""
    return {
        "cookie": ('<div class="cookie-banner"><p>We use cookies to personalise content and ads. Our partners said '
                   'they may combine this data with other information you have provided.</p><button>Accept</button>'
                   '</div>'),
        "nav": ('<nav class="site-nav"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
                '<li><a href="/politics">Politics</a></li><li><a href="/business">Business</a></li></ul></nav>'),
        "related": ('<section class="related"><h3>Related stories</h3><ul><li><a href="/r1">Officials said the '
                    'investigation will be completed by the end of the year</a></li><li><a href="/r2">The minister '
                    'denied that the government had received any warnings</a></li></ul></section>'),
        "newsletter": ('<div class="newsletter"><h3>Newsletter</h3><p>Sign up to get the day\'s top stories. Editors '
                       'said it is the best way to stay informed.</p><form><input type="email"><button>Subscribe'
                       '</button></form></div>'),
        "comments": ('<section id="comments" class="comments"><h3>Comments</h3><div class="comment"><p class="who">'
                     'jsmith42</p><p>The police said nothing about this on the radio, which proves it never '
                     'happened.</p></div><div class="comment"><p class="who">reader_77</p><p>My neighbour said the '
                     'same thing happened in our town last year.</p></div></section>'),
        "footer": (f'<footer class="site-footer"><p>{html.escape(outlet)} said it is committed to accurate reporting. '
                   'All rights reserved.</p><ul><li><a href="/about">About</a></li><li><a href="/privacy">Privacy'
                   '</a></li></ul></footer>'),
    }


def page_html(shape: str, body_id: int, paragraphs: list[str], meta: dict) -> str:
    furniture = boilerplate(meta["outlet"])
    text = "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    title = html.escape(meta["title"])
    head = f"<title>{title}</title>"
    byline = ""
    if shape == "og":
        head = (f'<title>{title} - {html.escape(meta["outlet"])}</title>'
                f'<meta property="og:type" content="article"><meta property="og:site_name" content="{meta["outlet"]}">'
                f'<meta property="og:title" content="{title}"><meta property="og:url" content="{meta["url"]}">'
                f'<meta property="article:published_time" content="{meta["published"]}T08:30:00+00:00">'
                f'<meta name="author" content="{meta["author"]}"><link rel="canonical" href="{meta["url"]}">')
    elif shape == "jsonld":
        ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": meta["title"],
              "datePublished": f"{meta['published']}T08:30:00Z", "author": {"@type": "Person", "name": meta["author"]},
              "publisher": {"@type": "Organization", "name": meta["outlet"]}, "url": meta["url"]}
        head = f'<title>{title}</title><script type="application/ld+json">{json.dumps(ld)}</script>'
    else:  # byline only: outlet in the <title>, author and date in the byline
        head = f"<title>{title} | {html.escape(meta['outlet'])}</title>"
        byline = (f'<p class="byline">By <a rel="author" class="author" href="/authors/{body_id}">{meta["author"]}</a>'
                  f' | <time datetime="{meta["published"]}">{meta["published"]}</time></p>')
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{head}</head><body>{furniture["cookie"]}'
            f'{furniture["nav"]}<main><article><h1>{title}</h1>{byline}<div class="article-body">{text}</div>'
            f'</article>{furniture["related"]}{furniture["newsletter"]}{furniture["comments"]}</main>'
            f'{furniture["footer"]}</body></html>')


EXPECTED_FIELDS = {"og": ("outlet", "title", "published", "url", "author"),
                   "jsonld": ("outlet", "title", "published", "url", "author"),
                   "byline": ("outlet", "title", "published", "author")}


def naive_text(page: str) -> str:
    """All text of the page, one line per block element (what a tag stripper without boilerplate removal keeps)."""
    import lxml.html

    document = lxml.html.fromstring(page)
    for element in document.iter():
        if isinstance(element.tag, str) and element.tag in BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    body = document.find("body")
    lines = [" ".join(line.split()) for line in (body if body is not None else document).text_content().split("\n")]
    return "\n".join(line for line in lines if line)


def squash(text: str) -> str:
    return " ".join(text.split()).casefold()


def load_bodies(count: int) -> list[tuple[int, list[str]]]:
    csv.field_size_limit(10_000_000)
    bodies = []
    with BODIES.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            paragraphs = [" ".join(p.split()) for p in row["articleBody"].split("\n") if p.strip()]
            if 3 <= len(paragraphs) and 600 <= sum(map(len, paragraphs)) <= 6000:
                bodies.append((int(row["Body ID"]), paragraphs))
            if len(bodies) == count:
                break
    return bodies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bodies", type=int, default=100)
    parser.add_argument("--extractor", default="spacy", choices=["spacy", "rules"])
    args = parser.parse_args()
    extractor = load_extractor(args.extractor)
    bodies = load_bodies(args.bodies)
    ways = ("baseline (all page text)", "service (trafilatura)")
    totals = {way: {"reference": 0, "found": 0, "boilerplate": 0, "ms": 0.0} for way in ways}
    fields = {shape: {name: [0, 0] for name in names} for shape, names in EXPECTED_FIELDS.items()}
    pages = 0
    extractor.extract("Warm-up: the minister said the bridge will reopen in May.")
    for body_id, paragraphs in bodies:
        plain = "\n\n".join(paragraphs)
        reference = {squash(c.text) for c in extractor.extract(plain).claims}
        plain_squashed = squash(plain)
        words = paragraphs[0].split()[:9]
        meta = {"outlet": OUTLETS[body_id % len(OUTLETS)], "author": AUTHORS[body_id % len(AUTHORS)],
                "title": " ".join(words).rstrip(".,;:"), "url": f"https://news.example/{body_id}/story",
                "published": (date(2014, 1, 1) + timedelta(days=body_id % 900)).isoformat()}
        for shape in EXPECTED_FIELDS:
            page = page_html(shape, body_id, paragraphs, meta)
            pages += 1
            for way in ways:
                started = time.perf_counter()
                if way.startswith("service"):
                    read = read_page(page)
                    text, published = read.text, read.published
                else:
                    text, published = naive_text(page), None
                totals[way]["ms"] += (time.perf_counter() - started) * 1000
                claims = {squash(c.text) for c in extractor.extract(text, published=published).claims}
                totals[way]["reference"] += len(reference)
                totals[way]["found"] += len(reference & claims)
                totals[way]["boilerplate"] += sum(1 for c in claims if c not in plain_squashed)
                if way.startswith("service"):
                    got = {"outlet": read.outlet, "title": read.title, "url": read.url, "author": read.author,
                           "published": read.published.isoformat() if read.published else None}
                    for name in EXPECTED_FIELDS[shape]:
                        fields[shape][name][0] += got[name] == meta[name]
                        fields[shape][name][1] += 1
    print(f"{len(bodies)} FNC-1 bodies x {len(EXPECTED_FIELDS)} page shapes = {pages} pages; "
          f"extractor {args.extractor}")
    print("| way | body-claim recall | claims from boilerplate (per page) | ms per page (text only) |")
    print("|---|---|---|---|")
    for way in ways:
        t = totals[way]
        print(f"| {way} | {t['found'] / max(t['reference'], 1):.3f} ({t['found']}/{t['reference']}) | "
              f"{t['boilerplate']} ({t['boilerplate'] / pages:.2f}) | {t['ms'] / pages:.1f} |")
    print("\nmetadata accuracy of the service, per page shape:")
    print("| shape | " + " | ".join(("outlet", "title", "published", "url", "author")) + " |")
    print("|---|---|---|---|---|---|")
    for shape, names in fields.items():
        cells = [f"{names[n][0] / names[n][1]:.3f}" if n in names else "n/a (not on the page)"
                 for n in ("outlet", "title", "published", "url", "author")]
        print(f"| {shape} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
