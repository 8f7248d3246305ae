"""The journalist's desk: the web page at ``/`` and the speaker page at ``/speakers/<id>``.

The HTML only lays the page out; its script (static/desk.js) talks to the same JSON API as any other client
(POST /v1/check, POST /v1/check/text, GET /v1/articles/<id>, GET /v1/speakers/<id>/claims).
"""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from .extensions import current_config

web = Blueprint("web", __name__)

# Everything the page loads comes from this server; no inline script, no framing by other sites.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
MODES = ("statement", "text")


def _page(template: str, **context: object) -> Response:
    config = current_config()
    html = render_template(template, max_statement_chars=config.max_statement_chars,
                           max_text_chars=config.max_article_chars, **context)
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@web.get("/")
def desk() -> Response:
    """Check a statement (``?q=STATEMENT`` runs it on load) or, with ``?mode=text``, a whole draft or transcript."""
    mode = request.args.get("mode", "statement")
    return _page("desk.html", mode=mode if mode in MODES else "statement", statement=request.args.get("q", ""))


@web.get("/speakers/<int:speaker_id>")
def speaker(speaker_id: int) -> Response:
    """One speaker's claims in date order, position changes marked."""
    return _page("speaker.html", speaker_id=speaker_id)
