"""Input and output schemas of products and warranty policies."""

import re

import marshmallow as ma

from scanning.serials import CHECK_RULES

CATEGORY = ma.validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$", error="Use a lower-case name such as tv or washing_machine.")
MODEL = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_./+-]{0,63}$", error="Use 1-64 letters, digits or '_./+-'.")


def _compiles(pattern):
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ma.ValidationError(f"Not a valid regular expression: {exc}.") from None


class ProductArgs(ma.Schema):
    model = ma.fields.String(required=True, validate=MODEL)
    category = ma.fields.String(required=True, validate=CATEGORY)
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    serial_pattern = ma.fields.String(
        load_default="",
        allow_none=False,
        validate=[ma.validate.Length(max=255), _compiles],
        metadata={"description": "Regular expression the whole serial must match"},
    )
    serial_check = ma.fields.String(
        load_default="",
        validate=ma.validate.OneOf(("", *CHECK_RULES)),
        metadata={"description": "Check-digit rule of the serial: luhn, gs1, mod37_36, or empty"},
    )


class ProductListArgs(ma.Schema):
    category = ma.fields.String()


class ProductSchema(ma.Schema):
    id = ma.fields.Integer()
    model = ma.fields.String()
    category = ma.fields.String()
    name = ma.fields.String()
    serial_pattern = ma.fields.String()
    serial_check = ma.fields.String()


class WholeNumber(ma.fields.Integer):
    """An integer from JSON or a CSV cell that refuses a fraction instead of truncating it (12.5 is not 12)."""

    def _validated(self, value):
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return super()._validated(value)


class PolicyArgs(ma.Schema):
    category = ma.fields.String(required=True, validate=CATEGORY)
    whole_unit_months = WholeNumber(required=True, validate=ma.validate.Range(min=1, max=240))
    main_part_months = WholeNumber(required=True, validate=ma.validate.Range(min=1, max=240))


class PolicySchema(ma.Schema):
    id = ma.fields.Integer()
    category = ma.fields.String()
    whole_unit_months = ma.fields.Integer()
    main_part_months = ma.fields.Integer()
