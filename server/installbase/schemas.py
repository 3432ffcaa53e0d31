"""Output schemas of the install base."""

import marshmallow as ma


class PeriodSchema(ma.Schema):
    months = ma.fields.Integer()
    ends_on = ma.fields.Date()
    active = ma.fields.Boolean()


class WarrantySchema(ma.Schema):
    policy = ma.fields.String(allow_none=True)
    whole_unit = ma.fields.Nested(PeriodSchema, allow_none=True)
    main_parts = ma.fields.Nested(PeriodSchema, allow_none=True)
