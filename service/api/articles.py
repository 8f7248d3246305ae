"""Articles: ingest (plain text or an HTML page), list, read, delete."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort

from ..extensions import current_engine
from ..listings import list_articles
from ..schemas import ArticleListSchema, ArticleRequestSchema, ArticleSchema, ListingArgsSchema
from . import json_blueprint, listing_filters, listing_page

blp = json_blueprint("articles", __name__, url_prefix="/v1/articles", description="News articles and their claims")


@blp.route("")
class Articles(MethodView):
    @blp.arguments(ListingArgsSchema, location="query")
    @blp.response(200, ArticleListSchema)
    def get(self, args: dict) -> dict:
        """Articles, newest ingested first, one page at a time: pass next_cursor back as cursor for the next page
        (with the same filters); null on the last page."""
        return listing_page(list_articles, listing_filters(args), args)

    @blp.arguments(ArticleRequestSchema)
    @blp.response(201, ArticleSchema, description="Ingested: the article with its extracted claims")
    @blp.alt_response(200, schema=ArticleSchema, description="The same text was already ingested; nothing changed")
    def post(self, body: dict) -> tuple[dict, int]:
        """Ingest an article, as plain text or as its HTML page: boilerplate dropped, claims extracted, embedded and
        indexed. From a page, outlet, title, published date, URL and author come from its metadata unless given."""
        engine = current_engine()
        fields = {name: body.get(name) for name in ("outlet", "title", "url", "published", "author")}
        if "html" in body:
            result = engine.ingest_html(body["html"], **fields)
        else:
            result = engine.ingest_article(body["text"], **fields)
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
