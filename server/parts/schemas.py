"""Input and output schemas of parts, warehouses and stock."""

import marshmallow as ma

from server.core.schemas import CodeList
from server.core.schemas import Money

PART_NO = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,63}$", error="Use 1-64 letters, digits or '_./-'.")


class PartArgs(ma.Schema):
    part_no = ma.fields.String(required=True, validate=PART_NO)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    price = Money(required=True, metadata={"description": "Unit price, yuan"})
    models = CodeList(load_default=list, metadata={"description": "Product models the part fits"})
    claimable = ma.fields.Boolean(load_default=True)
    key_part = ma.fields.Boolean(load_default=False)
    main_part = ma.fields.Boolean(load_default=False)
    return_required = ma.fields.Boolean(
        load_default=False,
        metadata={"description": "The old part replaced on a warranty repair must be returned to the RDC"},
    )
    customer_price_cents = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(min=0, max=100_000_000),
        metadata={"description": "What a customer pays for it on a paid repair, cents"},
    )


class PartListArgs(ma.Schema):
    model = ma.fields.String(metadata={"description": "Parts that fit this model"})


class PartSchema(ma.Schema):
    id = ma.fields.Integer()
    part_no = ma.fields.String()
    name = ma.fields.String()
    price = Money(attribute="price_cents")
    models = ma.fields.List(ma.fields.String())
    claimable = ma.fields.Boolean()
    key_part = ma.fields.Boolean()
    main_part = ma.fields.Boolean()
    return_required = ma.fields.Boolean()
    customer_price_cents = ma.fields.Integer()


class StockArgs(ma.Schema):
    warehouse = ma.fields.String(required=True, metadata={"description": "HQ, RDC-<province> or PROV-<provider>"})
    part_no = ma.fields.String(required=True)
    qty = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=10_000_000))


class StockChangeArgs(ma.Schema):
    # Strict: a lenient Integer would truncate a JSON 1.5 to 1 and store a count nobody made.
    qty = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=10_000_000))
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=120))


class StockListArgs(ma.Schema):
    warehouse = ma.fields.String()
    part_no = ma.fields.String()


class StockSchema(ma.Schema):
    warehouse = ma.fields.Function(lambda level: level.warehouse.code)
    part_no = ma.fields.Function(lambda level: level.part.part_no)
    on_hand = ma.fields.Integer()
    reserved = ma.fields.Integer()
    available = ma.fields.Function(lambda level: level.on_hand - level.reserved)


class WarehouseSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    kind = ma.fields.String()
    region_code = ma.fields.Function(lambda w: w.region.code if w.region else None)
    provider_code = ma.fields.Function(lambda w: w.provider.code if w.provider else None)


# ---------------------------------------------------------------- parts on jobs


# ---------------------------------------------------------------- requisitions and orders


# ---------------------------------------------------------------- headquarters plan


# ---------------------------------------------------------------- provider account


# ---------------------------------------------------------------- supply cycle report
