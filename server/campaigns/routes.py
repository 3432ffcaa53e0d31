"""API of customer-care campaigns (客户关怀) and their message templates, for the call centre's supervisors."""

from flask.views import MethodView

from server.api import Blueprint
from server.campaigns import schemas
from server.campaigns import services
from server.campaigns.placeholders import PLACEHOLDERS
from server.core import roles
from server.core.access import current_user
from server.core.access import roles_required
from server.core.schemas import each_shown
from server.core.schemas import page_schema
from server.core.schemas import paginate

blp = Blueprint("campaigns", __name__, url_prefix="/api/campaigns", description="Customer-care campaigns")

WRITERS = (roles.SUPERVISOR, roles.ADMIN)


@blp.route("/templates")
class Templates(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.TemplateListSchema)
    def get(self):
        """The message templates, by name, and the placeholders a text may use."""
        return {"items": services.all_templates(), "placeholders": PLACEHOLDERS}

    @roles_required(*WRITERS)
    @blp.arguments(schemas.TemplateArgs)
    @blp.response(201, schemas.TemplateSchema)
    def post(self, values):
        """A new template: an unknown placeholder or a lone brace is a 422 naming ``body`` (``details.placeholder``
        the one at fault); a code another template has is a 409 ``template_code_taken``."""
        return services.create_template(values)


@blp.route("/templates/<id:template_id>")
class TemplateItem(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.TemplateSchema)
    def get(self, template_id):
        """One template."""
        return services.get_template(template_id)

    @roles_required(*WRITERS)
    @blp.arguments(schemas.TemplatePatchArgs)
    @blp.response(200, schemas.TemplateSchema)
    def patch(self, values, template_id):
        """Change a template; campaigns written from it keep the text they copied."""
        return services.update_template(services.get_template(template_id), values)

    @roles_required(*WRITERS)
    @blp.response(204)
    def delete(self, template_id):
        """Remove a template; campaigns written from it keep their text."""
        services.delete_template(services.get_template(template_id))


@blp.route("/preview")
class Preview(MethodView):
    @roles_required(*WRITERS)
    @blp.arguments(schemas.PreviewArgs)
    @blp.response(200, schemas.PreviewSchema)
    def post(self, values):
        """How many customers the filters reach, how many of them opted out, and up to 5 of their messages as sent
        (phones masked). Bad filters (a sale-date range ending before it starts, an unknown category, model or
        region) are a 422 naming ``filters.<name>``."""
        return services.preview(values)


@blp.route("")
class Campaigns(MethodView):
    @roles_required(*WRITERS)
    @blp.arguments(schemas.CampaignListArgs, location="query")
    @blp.response(200, page_schema(schemas.CampaignSchema, "CampaignPage"))
    def get(self, args):
        """The campaigns, newest first, with their state and results."""
        return each_shown(paginate(services.list_campaigns(args), args), services.shown)

    @roles_required(*WRITERS)
    @blp.arguments(schemas.CampaignArgs)
    @blp.response(201, schemas.CampaignSchema)
    def post(self, values):
        """A draft campaign: its text copied from the template (or ``body``), its filters and rate."""
        return services.shown(services.create_campaign(current_user(), values))


@blp.route("/<id:campaign_id>")
class CampaignItem(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.CampaignSchema)
    def get(self, campaign_id):
        """One campaign with its results: planned, sent, failed, opted out, pending."""
        return services.shown(services.get_campaign(campaign_id))

    @roles_required(*WRITERS)
    @blp.arguments(schemas.CampaignPutArgs)
    @blp.response(200, schemas.CampaignSchema)
    def put(self, values, campaign_id):
        """Rewrite a draft (409 ``campaign_not_draft`` once planned)."""
        return services.shown(services.update_campaign(services.get_campaign(campaign_id), values))


@blp.route("/<id:campaign_id>/plan")
class CampaignPlan(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.CampaignSchema)
    def post(self, campaign_id):
        """Choose and queue the recipients: each phone the filters reach once, opted-out phones left out and
        counted. A campaign is planned once (409 ``campaign_not_draft`` again)."""
        return services.shown(services.plan(services.get_campaign(campaign_id)))


@blp.route("/<id:campaign_id>/start")
class CampaignStart(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.CampaignSchema)
    def post(self, campaign_id):
        """Start sending a planned or paused campaign at its rate (409 ``campaign_state`` from another state)."""
        return services.shown(services.act(services.get_campaign(campaign_id), "start"))


@blp.route("/<id:campaign_id>/pause")
class CampaignPause(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.CampaignSchema)
    def post(self, campaign_id):
        """Pause a sending campaign; started again, it goes on with the recipients still pending."""
        return services.shown(services.act(services.get_campaign(campaign_id), "pause"))


@blp.route("/<id:campaign_id>/cancel")
class CampaignCancel(MethodView):
    @roles_required(*WRITERS)
    @blp.response(200, schemas.CampaignSchema)
    def post(self, campaign_id):
        """Stop a campaign for good (before it is done); what was sent stays sent."""
        return services.shown(services.act(services.get_campaign(campaign_id), "cancel"))
