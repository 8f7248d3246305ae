"""Opaque keyset cursors for listings: the sort key of the last item shown, bound to the listing and its filters.

A cursor is URL-safe base64 of a small JSON object. It names the position after which the next page starts (a
keyset, not an offset), so items written between two requests neither repeat nor push others off a page.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

CURSOR_VERSION = 1


class CursorError(ValueError):
    """A cursor that does not decode, or that belongs to another listing or other filters."""


def filters_fingerprint(filters: dict[str, Any]) -> str:
    """A short digest of the filters a listing was asked with (order and absent values ignored)."""
    canonical = json.dumps({k: v for k, v in sorted(filters.items()) if v not in (None, (), [])},
                           sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def encode_cursor(listing: str, key: list[Any], filters: dict[str, Any]) -> str:
    payload = {"v": CURSOR_VERSION, "l": listing, "k": key, "f": filters_fingerprint(filters)}
    raw = json.dumps(payload, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str, listing: str, filters: dict[str, Any], key_types: tuple[type, ...]) -> list[Any]:
    """The keyset in ``cursor``; CursorError when it does not decode or was made for another listing or filters."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise CursorError("the cursor does not decode; pass next_cursor exactly as a previous page gave it") from error
    if not isinstance(payload, dict) or payload.get("v") != CURSOR_VERSION or not isinstance(payload.get("k"), list):
        raise CursorError("the cursor does not decode; pass next_cursor exactly as a previous page gave it")
    if payload.get("l") != listing:
        raise CursorError(f"the cursor belongs to another listing, not {listing}")
    if payload.get("f") != filters_fingerprint(filters):
        raise CursorError("the cursor was made with other filters; repeat the filters of the first page with it")
    key = payload["k"]
    if len(key) != len(key_types) or not all(isinstance(v, t) and not isinstance(v, bool) for v, t in zip(key, key_types)):
        raise CursorError("the cursor does not decode; pass next_cursor exactly as a previous page gave it")
    return key
