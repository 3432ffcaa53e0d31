"""Output schemas of the install base."""

import marshmallow as ma

from server.claims.schemas import ClaimSchema


class PeriodSchema(ma.Schema):
    months = ma.fields.Integer()
    ends_on = ma.fields.Date()
    active = ma.fields.Boolean()


class WarrantySchema(ma.Schema):
    policy = ma.fields.String(allow_none=True)
    whole_unit = ma.fields.Nested(PeriodSchema, allow_none=True)
    main_parts = ma.fields.Nested(PeriodSchema, allow_none=True)


class SaleRecordSchema(ma.Schema):
    serial = ma.fields.String()
    model = ma.fields.String()
    category = ma.fields.String()
    sale_date = ma.fields.Date()
    store = ma.fields.String()
    province = ma.fields.String(allow_none=True)
    city = ma.fields.String(allow_none=True)
    customer_phone = ma.fields.String(metadata={"description": "Masked to its last four digits for provider staff"})
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
    claims = ma.fields.List(ma.fields.Nested(ClaimSchema))
    jobs = ma.fields.List(ma.fields.Nested(UnitJobSchema))
