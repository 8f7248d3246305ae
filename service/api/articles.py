"""Articles: ingest, read, delete."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from ..extensions import current_engine
from ..schemas import ArticleRequestSchema, ArticleSchema
from . import json_blueprint

blp = json_blueprint("articles", __name__, url_prefix="/v1/articles", description="News articles and their claims")


@blp.route("")
class Articles(MethodView):
    @blp.arguments(ArticleRequestSchema)
    @blp.response(201, ArticleSchema, description="Ingested: the article with its extracted claims")
    @blp.alt_response(200, schema=ArticleSchema, description="The same text was already ingested; nothing changed")
    def post(self, body: dict) -> tuple[dict, int]:
        """Ingest an article: boilerplate dropped, claims extracted, embedded and indexed."""
        engine = current_engine()
        result = engine.ingest_article(
            body["text"], outlet=body.get("outlet"), title=body.get("title"), url=body.get("url"),
            published=body.get("published"),
        )
        article = engine.article(result.article_id)
        article["created"] = result.created
        return article, 201 if result.created else 200


@blp.route("/<string:article_id>")
class ArticleById(MethodView):
    @blp.response(200, ArticleSchema)
    def get(self, article_id: str) -> dict:
        """An article with its claims."""
        article = current_engine().article(article_id)
        if article is None:
            abort(404, message=f"no article {article_id}")
        return article

    @blp.response(204)
    def delete(self, article_id: str) -> None:
        """Delete an article; its claims leave the store and the index."""
        if not current_engine().delete_article(article_id):
            abort(404, message=f"no article {article_id}")
