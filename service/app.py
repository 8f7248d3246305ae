"""The application factory."""
from __future__ import annotations

from flask import Flask, send_from_directory
from flask_smorest import Api

from .config import Config
from .engine import FactCheckEngine
from .errors import http_error_response, register_error_handlers
from .extensions import FactCheck
from .observability import init_logging, init_observability
from .schemas import ErrorResponseSchema, document_configured_limits, document_cross_field_rules
from .security import init_security

API_TITLE = "Fact-check API"
API_VERSION = "1.0"


class FactCheckApi(Api):
    """flask-smorest's Api with the project's one JSON error shape."""

    ERROR_SCHEMA = ErrorResponseSchema

    def handle_http_exception(self, error):  # noqa: ANN001, ANN201 - flask-smorest hook
        return http_error_response(error)


def create_app(config: Config | None = None, engine: FactCheckEngine | None = None) -> Flask:
    """Build the Flask app; ``engine`` lets tests share one loaded model between apps."""
    config = config or Config.from_env()
    init_logging(config.log_level)
    app = Flask(__name__)
    app.config.update(
        FACTCHECK=config,
        TESTING=config.testing,
        MAX_CONTENT_LENGTH=config.max_content_length,
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/docs/static/",
        JSON_SORT_KEYS=False,
    )
    app.json.sort_keys = False
    FactCheck().init_app(app, engine)
    api = FactCheckApi(app)
    api.ma_plugin.converter.add_attribute_function(document_configured_limits(config))
    init_observability(app)  # first: request id and timing wrap every other hook
    init_security(app, api)
    from .api import articles, check, check_text, claims, speakers, stance, system
    from .web import web

    for module in (check, check_text, articles, claims, speakers, stance, system):
        api.register_blueprint(module.blp)
    document_cross_field_rules(api.spec.components.schemas)
    app.register_blueprint(web)
    _register_docs_assets(app)
    register_error_handlers(app)
    return app


def _register_docs_assets(app: Flask) -> None:
    """Serve Swagger UI's files from the swagger-ui-bundle package, so /docs works offline."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:  # the docs page then has no assets; /openapi.json still works
        return

    @app.get("/docs/static/<path:filename>")
    def swagger_ui_static(filename: str):  # noqa: ANN202 - Flask view
        return send_from_directory(swagger_ui_path, filename)
