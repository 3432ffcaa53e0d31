"""Output schemas of a unit's view."""

import marshmallow as ma

from server.cards.schemas import CardBriefSchema
from server.claims.schemas import ClaimSchema
from server.installbase.schemas import WarrantySchema


class SaleRecordSchema(ma.Schema):
    serial = ma.fields.String()
    model = ma.fields.String()
    category = ma.fields.String()
    sale_date = ma.fields.Date()
    store = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    customer_phone = ma.fields.String(
        metadata={
            "description": "Masked to its last four digits for provider staff, and for a provincial dispatcher "
            "or parts clerk when the unit was sold in another province"
        }
    )
    source_file = ma.fields.String()


class UnitJobSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    state = ma.fields.String()
    job_type = ma.fields.String()
    provider_code = ma.fields.Function(lambda job: job.provider.code if job.provider else None)
    created_at = ma.fields.DateTime()


class UnitSchema(ma.Schema):
    sale = ma.fields.Nested(SaleRecordSchema)
    warranty = ma.fields.Nested(WarrantySchema)
    cards = ma.fields.List(
        ma.fields.Nested(CardBriefSchema), metadata={"description": "The service cards covering it today"}
    )
    claims = ma.fields.List(ma.fields.Nested(ClaimSchema))
    jobs = ma.fields.List(ma.fields.Nested(UnitJobSchema))
