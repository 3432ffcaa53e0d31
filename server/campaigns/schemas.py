"""Input and output schemas of message templates, campaigns and their previews."""

import marshmallow as ma

from server.campaigns.audience import CARD_STATES
from server.campaigns.audience import WARRANTY_STATES
from server.campaigns.models import CAMPAIGN_STATUSES
from server.core.schemas import CodeList
from server.core.schemas import Day
from server.core.schemas import Id
from server.core.schemas import PageArgs

TEMPLATE_CODE = ma.validate.Regexp(
    r"^[a-z0-9][a-z0-9_.-]{0,63}$", error="Use 1-64 lower-case letters, digits or '_.-'."
)
BODY = ma.validate.Length(min=1, max=1000)
# The fastest a campaign may go: what an SMS channel of a large sender carries.
MAX_RATE = 100_000


class TemplateArgs(ma.Schema):
    code = ma.fields.String(required=True, validate=TEMPLATE_CODE)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    body = ma.fields.String(
        required=True,
        validate=BODY,
        metadata={
            "description": "The text, with {placeholders} (model, category, product_name, sale_date, province, "
            "city, serial_tail, hotline); the opt-out wording is added when sent"
        },
    )


class TemplatePatchArgs(ma.Schema):
    code = ma.fields.String(validate=TEMPLATE_CODE)
    name = ma.fields.String(validate=ma.validate.Length(min=1, max=128))
    body = ma.fields.String(validate=BODY)


class TemplateSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    body = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class TemplateListSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TemplateSchema))
    placeholders = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), metadata={"description": "Each placeholder and its meaning"}
    )


class FiltersArgs(ma.Schema):
    """Who a campaign goes to; each filter given narrows, an empty one does not."""

    categories = CodeList(metadata={"description": "Product lines (product categories)"})
    models = CodeList(metadata={"description": "Product models"})
    sold_from = Day(allow_none=True, metadata={"description": "Sold on this day or later"})
    sold_to = Day(allow_none=True, metadata={"description": "Sold on this day or earlier"})
    province_codes = CodeList(metadata={"description": "Sold in these provinces"})
    region_codes = CodeList(metadata={"description": "Sold in these provinces or cities"})
    warranty = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf(WARRANTY_STATES),
        metadata={"description": "in or out of the whole-unit factory warranty today, by the category's policy"},
    )
    card = ma.fields.String(
        allow_none=True,
        validate=ma.validate.OneOf(CARD_STATES),
        metadata={
            "description": "Units under a service card valid today (valid, or of one type: extended_warranty, "
            "service_contract), or under none"
        },
    )


class FiltersSchema(ma.Schema):
    categories = ma.fields.List(ma.fields.String())
    models = ma.fields.List(ma.fields.String())
    sold_from = ma.fields.String()
    sold_to = ma.fields.String()
    province_codes = ma.fields.List(ma.fields.String())
    region_codes = ma.fields.List(ma.fields.String())
    warranty = ma.fields.String()
    card = ma.fields.String()


class PreviewArgs(ma.Schema):
    filters = ma.fields.Nested(FiltersArgs, load_default=dict)
    template_id = Id(allow_none=True, metadata={"description": "The template whose text to send"})
    body = ma.fields.String(validate=BODY, allow_none=True, metadata={"description": "Or the text itself"})


class SampleSchema(ma.Schema):
    phone = ma.fields.String(metadata={"description": "Masked: its last four digits"})
    body = ma.fields.String()


class PreviewSchema(ma.Schema):
    count = ma.fields.Integer(metadata={"description": "Customers (phones) the campaign would be sent to"})
    opted_out = ma.fields.Integer(metadata={"description": "Customers the filters reach who opted out"})
    sample = ma.fields.List(ma.fields.Nested(SampleSchema))


class CampaignArgs(PreviewArgs):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    rate_per_minute = ma.fields.Integer(
        required=True,
        strict=True,
        validate=ma.validate.Range(min=1, max=MAX_RATE),
        metadata={"description": "Messages sent a minute at most"},
    )


class CampaignPutArgs(CampaignArgs):
    pass


class CampaignListArgs(PageArgs):
    status = ma.fields.String(validate=ma.validate.OneOf(CAMPAIGN_STATUSES))


class ResultsSchema(ma.Schema):
    planned = ma.fields.Integer(metadata={"description": "Recipients queued at planning"})
    sent = ma.fields.Integer(metadata={"description": "Handed to the message gateway and not failed"})
    failed = ma.fields.Integer(metadata={"description": "Messages the gateway gave up on"})
    opted_out = ma.fields.Integer(metadata={"description": "Left out at planning, or skipped after opting out"})
    pending = ma.fields.Integer(metadata={"description": "Still to send"})


class CampaignSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    template_id = ma.fields.Integer(allow_none=True)
    body = ma.fields.String()
    filters = ma.fields.Nested(FiltersSchema)
    status = ma.fields.String(metadata={"description": "draft, planned, sending, paused, done or cancelled"})
    rate_per_minute = ma.fields.Integer()
    created_by_id = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    planned_at = ma.fields.DateTime(allow_none=True)
    started_at = ma.fields.DateTime(allow_none=True)
    finished_at = ma.fields.DateTime(allow_none=True)
    results = ma.fields.Nested(ResultsSchema)
    actions = ma.fields.List(ma.fields.String(), metadata={"description": "What its state allows: plan, edit, start…"})
