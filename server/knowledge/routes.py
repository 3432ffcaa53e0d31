"""API of the knowledge base (FAQ and defect entries), the fault codes, and the fault-code statistics."""

from flask.views import MethodView

from server.api import Blueprint
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import page_schema
from server.core.schemas import paginate
from server.knowledge import schemas
from server.knowledge import services

blp = Blueprint("knowledge", __name__, url_prefix="/api", description="Knowledge base and fault codes")


@blp.route("/knowledge")
class Articles(MethodView):
    @roles_required(*roles.ROLES)
    @blp.arguments(schemas.ArticleListArgs, location="query")
    @blp.response(200, page_schema(schemas.ArticleSchema, "ArticlePage"))
    def get(self, args):
        """Search the entries: every word of ``q`` must appear (any case; Chinese matches inside words),
        narrowed by type and by model (entries listing the model or its whole category)."""
        return paginate(services.search(current_user(), args), args)

    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.ArticleArgs)
    @blp.response(201, schemas.ArticleSchema)
    def post(self, values):
        """Add an FAQ or a defect entry; a defect carries a fault code no other entry has (409 otherwise)."""
        return services.create_article(current_user(), values)


@blp.route("/knowledge/<id:article_id>")
class ArticleItem(MethodView):
    @roles_required(*roles.ROLES)
    @blp.response(200, schemas.ArticleSchema)
    def get(self, article_id):
        """One entry with its models, categories and parts; a withdrawn one is seen by admins only."""
        return services.get_article(current_user(), article_id)

    @roles_required(roles.ADMIN)
    @blp.arguments(schemas.ArticlePatchArgs)
    @blp.response(200, schemas.ArticleSchema)
    def patch(self, values, article_id):
        """Change some fields of an entry; with ``version``, a stale edit is refused (409)."""
        return services.update_article(services.get_article(current_user(), article_id), values)


@blp.route("/knowledge/<id:article_id>/deactivate")
class ArticleDeactivation(MethodView):
    @roles_required(roles.ADMIN)
    @blp.response(200, schemas.ArticleSchema)
    def post(self, article_id):
        """Withdraw an entry: it leaves searches and the phones, and its fault code takes no new jobs or claims."""
        return services.deactivate_article(services.get_article(current_user(), article_id))


@blp.route("/fault-codes")
class FaultCodes(MethodView):
    @roles_required(*roles.ROLES)
    @blp.arguments(schemas.FaultCodeListArgs, location="query")
    @blp.response(200, schemas.FaultCodeListSchema)
    def get(self, args):
        """The fault codes jobs and claims may record (active defect entries), with title and models."""
        return services.fault_codes(args.get("model"))
