"""Input and output schemas of regions and providers."""

import marshmallow as ma

from server.core.schemas import CodeList
from server.core.schemas import Money
from server.network.models import AREA_CLASSES
from server.network.models import LEVELS

CODE = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", error="Use 1-32 letters, digits, '-', '_' or '.'.")
NAME = ma.validate.Length(min=1, max=128)


class RegionArgs(ma.Schema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=NAME)
    parent_code = ma.fields.String(load_default=None, allow_none=True)
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS))
    area_class = ma.fields.String(required=True, validate=ma.validate.OneOf(AREA_CLASSES))


class RegionListArgs(ma.Schema):
    level = ma.fields.String(validate=ma.validate.OneOf(LEVELS))
    parent_code = ma.fields.String()


class RegionSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    parent_code = ma.fields.String(allow_none=True)
    level = ma.fields.String()
    area_class = ma.fields.String()


class ProviderArgs(ma.Schema):
    code = ma.fields.String(required=True, validate=CODE)
    name = ma.fields.String(required=True, validate=NAME)
    region_codes = CodeList(load_default=list, metadata={"description": "Regions the provider covers"})
    deposit = Money(load_default=0, metadata={"description": "Parts deposit, yuan"})
    credit_limit = Money(load_default=0, metadata={"description": "Parts credit limit, yuan"})
    active = ma.fields.Boolean(load_default=True)
    charges_remit_percent = ma.fields.Integer(
        load_default=100,
        validate=ma.validate.Range(min=0, max=100),
        metadata={"description": "The part of the charges collected from customers it remits to headquarters, %"},
    )


class ProviderListArgs(ma.Schema):
    region_code = ma.fields.String(metadata={"description": "Providers covering this region"})


NO_MONEY = "Yuan; null to the call centre and dispatch, who do not read providers' accounts"


class ProviderSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    name = ma.fields.String()
    region_codes = ma.fields.List(ma.fields.String())
    deposit = Money(
        attribute="deposit_cents", allow_none=True, metadata={"description": "Null to the call centre and dispatch"}
    )
    credit_limit = Money(
        attribute="credit_limit_cents",
        allow_none=True,
        metadata={"description": "Null to the call centre and dispatch"},
    )
    active = ma.fields.Boolean()
    charges_remit_percent = ma.fields.Integer()
