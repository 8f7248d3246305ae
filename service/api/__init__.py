"""One blueprint per resource."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from ..errors import error_response

JSON_METHODS = {"POST", "PUT", "PATCH"}


def require_json() -> tuple | None:
    """415 for a request body that is not JSON (checked before the body is parsed)."""
    if request.method in JSON_METHODS and not request.is_json:
        return error_response(415, f"expected Content-Type application/json, got {request.mimetype or 'none'}")
    return None


def json_blueprint(name: str, import_name: str, **kwargs: object) -> Blueprint:
    blueprint = Blueprint(name, import_name, **kwargs)
    blueprint.before_request(require_json)
    return blueprint
