"""API of the knowledge base (FAQ and defect entries), the fault codes, and the fault-code statistics."""

from flask.views import MethodView

from server.accounts import models as roles
from server.accounts.access import current_user
from server.accounts.access import roles_required
from server.api import Blueprint
from server.downloads import csv_response
from server.knowledge import schemas
from server.knowledge import services
from server.schemas import page_schema
from server.schemas import paginate

blp = Blueprint("knowledge", __name__, url_prefix="/api", description="Knowledge base and fault codes")

# Product engineering's figures: headquarters (admins, auditors) and each provider's manager for its own work.
_STATISTICS_READERS = (roles.ADMIN, roles.AUDITOR, roles.PROVIDER_MANAGER)


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


@blp.route("/knowledge/<int:article_id>")
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


@blp.route("/knowledge/<int:article_id>/deactivate")
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


@blp.route("/reports/fault-codes")
class FaultCodeReport(MethodView):
    @roles_required(*_STATISTICS_READERS)
    @blp.arguments(schemas.FaultCodeReportArgs, location="query")
    @blp.response(200, schemas.FaultCodeReportSchema)
    def get(self, args):
        """The most frequent fault codes per model and month (``by=year`` for years), from completed jobs
        and claims not rejected; ``total`` counts a repair on both once. Defaults to the last twelve months."""
        return services.fault_code_report(current_user(), args)


@blp.route("/reports/fault-codes.csv")
class FaultCodeReportCsv(MethodView):
    @roles_required(*_STATISTICS_READERS)
    @blp.arguments(schemas.FaultCodeReportArgs, location="query")
    @blp.response(200, content_type="text/csv")
    def get(self, args):
        """The fault-code statistics as a CSV download."""
        report = services.fault_code_report(current_user(), args)
        name = f"fault-codes-{report['start']:%Y%m%d}-{report['end']:%Y%m%d}.csv"
        return csv_response(name, services.FAULT_CODE_COLUMNS, services.fault_code_rows(report))
