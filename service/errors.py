"""Every error as one JSON shape: ``{"error": {"status", "code", "message", "details"}}``."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
    507: "insufficient_storage",
}


def error_response(status: int, message: str, code: str | None = None, details: Any = None,
                   headers: dict | None = None) -> tuple[Response, int]:
    body = {"error": {"status": status, "code": code or CODES.get(status, "error"), "message": message,
                      "details": details}}
    response = jsonify(body)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response, status


def http_error_response(error: HTTPException) -> tuple[Response, int]:
    """Render a werkzeug / webargs HTTP error; never HTML, never a stack trace."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    details = data.get("errors") or data.get("messages")
    message = data.get("message") or error.description or error.name
    code = data.get("code")
    where = "request body"
    if isinstance(details, dict) and set(details) == {"json"}:
        details = details["json"]  # webargs nests body errors under their location
    elif isinstance(details, dict) and set(details) == {"query"}:
        where = "query string"
    if status == 422 and "message" not in data:
        message = f"the {where} did not validate; see details"
    if status == 400 and details == ["Invalid JSON body."]:
        code, message, details = "malformed_json", "the request body is not valid JSON", None
    if status == 500:
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.error("unhandled error", exc_info=original)
        message, details = "internal server error", None
    headers = dict(data.get("headers") or {})
    if status == 405 and error.get_response().headers.get("Allow"):
        headers["Allow"] = error.get_response().headers["Allow"]
    return error_response(status, message, code, details, headers)


def register_error_handlers(app: Flask) -> None:
    from .engine import EngineError
    from .store import StoreUnavailable

    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable):  # noqa: ANN202 - Flask handler
        log.warning("store unavailable: %s", error.message, exc_info=error.__cause__)
        return error_response(error.status, error.message, error.code, headers={"Retry-After": str(error.retry_after)})

    @app.errorhandler(EngineError)
    def engine_error(error: EngineError):  # noqa: ANN202 - Flask handler
        return error_response(error.status, error.message, error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):  # noqa: ANN202 - Flask handler
        if isinstance(error, HTTPException):
            return http_error_response(error)
        return http_error_response(InternalServerError(original_exception=error))
