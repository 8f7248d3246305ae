"""One blueprint per resource."""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from flask import Request, request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser, abort

from ..errors import error_response

if TYPE_CHECKING:
    from ..store import ListingFilters

JSON_METHODS = {"POST", "PUT", "PATCH"}
# A stored id in a URL: beyond SQLite's (and PostgreSQL's bigint) range it names nothing, so the route answers 404.
ROW_ID = f"int(max={2 ** 63 - 1})"
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
SURROGATE_MESSAGE = ("the request body holds a lone surrogate (an escaped '\\ud800' to '\\udfff' without its pair), "
                     "which is not Unicode text")


def require_json() -> tuple | None:
    """415 for a request body that is not JSON (checked before the body is parsed)."""
    if request.method in JSON_METHODS and not request.is_json:
        return error_response(415, f"expected Content-Type application/json, got {request.mimetype or 'none'}")
    return None


def _lone_surrogate_at(data: Any) -> str | None:
    """The path ('claims.0.text') of the first string, or key, holding half a surrogate pair ('\\ud800'), or None."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str) and LONE_SURROGATE.search(value):
            return path or "body"
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            if isinstance(key, str) and LONE_SURROGATE.search(key):
                return path or "body"
            stack.append((f"{path}.{key}" if path else str(key), item))
    return None


class JsonParser(FlaskParser):
    """webargs' parser, strict on what JSON allows but no text can hold: a body nested too deeply for the parser
    is malformed (400), and an escaped lone surrogate ('\\ud800', not Unicode text) is invalid (422)."""

    def _raw_load_json(self, req: Request) -> Any:
        try:
            data = super()._raw_load_json(req)
        except RecursionError as error:
            raise json.JSONDecodeError("nested too deeply", "[", 0) from error
        path = _lone_surrogate_at(data)
        if path is not None:
            abort(422, message=SURROGATE_MESSAGE, messages={"json": {path: ["Not valid Unicode text."]}})
        return data


class JsonBlueprint(Blueprint):
    ARGUMENTS_PARSER = JsonParser()


def json_blueprint(name: str, import_name: str, **kwargs: object) -> Blueprint:
    blueprint = JsonBlueprint(name, import_name, **kwargs)
    blueprint.before_request(require_json)
    return blueprint


def listing_filters(args: dict) -> ListingFilters:
    """The listing filters of a request's query arguments."""
    from ..store import ListingFilters

    return ListingFilters(
        outlets=tuple(args.get("outlet") or ()), speakers=tuple(args.get("speaker") or ()),
        since=args["since"].isoformat() if args.get("since") else None,
        until=args["until"].isoformat() if args.get("until") else None,
        rated=args.get("rated"),
    )


def listing_page(lister: Any, filters: Any, args: dict) -> dict:
    """One page of a listing; 400 ``invalid_cursor`` for a cursor that does not decode or fits other filters."""
    from ..cursors import CursorError
    from ..extensions import current_engine

    try:
        return lister(current_engine(), filters, args["limit"], args.get("cursor"))
    except CursorError as error:
        abort(400, message=str(error), code="invalid_cursor")
    raise AssertionError("unreachable")
