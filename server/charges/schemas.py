"""Input and output schemas of charges: the fee guide, quotes, payments, remittances and statistics."""

import marshmallow as ma

from server.charges.models import APPROVAL_METHODS
from server.charges.models import LINE_KINDS
from server.charges.models import PAYMENT_METHODS
from server.core.schemas import MONTH
from server.core.schemas import Day
from server.core.schemas import PageArgs
from server.network.models import AREA_CLASSES

CODE = ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", error="Use 1-32 letters, digits, '-', '_' or '.'.")
# The most one price or amount may be: ten million yuan, far above any repair and far inside a BigInteger.
MAX_CENTS = 1_000_000_000
CENTS = ma.validate.Range(min=0, max=MAX_CENTS, error="Give whole cents from 0 to 1000000000.")
UUID = ma.validate.Regexp(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", error="Give a UUID."
)
HEX64 = ma.validate.Regexp(r"^[0-9a-f]{64}$", error="Give 64 hex digits.")
RECEIPT = ma.validate.Regexp(r"^[0-9A-HJKMNP-TV-Z]{10}$", error="Give 10 characters of Crockford base32.")


# ---------------------------------------------------------------- the fee guide


class FeeItemArgs(ma.Schema):
    code = ma.fields.String(required=True, validate=CODE)
    category = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    repair_type = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128))
    labour_cents = ma.fields.Integer(required=True, validate=CENTS, metadata={"description": "Labour, cents"})


class FeeItemSchema(ma.Schema):
    id = ma.fields.Integer()
    code = ma.fields.String()
    category = ma.fields.String()
    repair_type = ma.fields.String()
    name = ma.fields.String()
    labour_cents = ma.fields.Integer()


class TravelFeeArgs(ma.Schema):
    area_class = ma.fields.String(required=True, validate=ma.validate.OneOf(AREA_CLASSES))
    fee_cents = ma.fields.Integer(required=True, validate=CENTS, metadata={"description": "Travel fee, cents"})


class TravelFeeSchema(ma.Schema):
    id = ma.fields.Integer()
    area_class = ma.fields.String()
    fee_cents = ma.fields.Integer()


# ---------------------------------------------------------------- quotes and payments


class QuoteLineArgs(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(LINE_KINDS))
    fee_code = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=32))
    part_code = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=64))
    quantity = ma.fields.Integer(load_default=1, strict=True, validate=ma.validate.Range(min=1, max=1000))
    # A negative price is refused by the rules (charges.quotes), naming the line, as the issue asks.
    unit_price_cents = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(max=MAX_CENTS))


class QuoteArgs(ma.Schema):
    ref = ma.fields.String(required=True, validate=UUID, metadata={"description": "The phone's uuid of the version"})
    lines = ma.fields.List(ma.fields.Nested(QuoteLineArgs), required=True, validate=ma.validate.Length(min=1, max=100))
    discount_cents = ma.fields.Integer(load_default=0, strict=True, validate=ma.validate.Range(max=MAX_CENTS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class ApproveArgs(ma.Schema):
    ref = ma.fields.String(required=True, validate=UUID)
    method = ma.fields.String(required=True, validate=ma.validate.OneOf(APPROVAL_METHODS))
    signature_sha256 = ma.fields.String(load_default=None, validate=HEX64)
    code = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^\d{6}$", error="Give six digits."))


class PaymentArgs(ma.Schema):
    ref = ma.fields.String(required=True, validate=UUID)
    quote_ref = ma.fields.String(required=True, validate=UUID)
    method = ma.fields.String(required=True, validate=ma.validate.OneOf(PAYMENT_METHODS))
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))
    amount_cents = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_CENTS, error="Give cents above 0.")
    )
    receipt_number = ma.fields.String(required=True, validate=RECEIPT)


class QuoteLineSchema(ma.Schema):
    kind = ma.fields.String()
    fee_code = ma.fields.String()
    part_code = ma.fields.String()
    name = ma.fields.String()
    quantity = ma.fields.Integer()
    unit_price_cents = ma.fields.Integer()
    guide_price_cents = ma.fields.Integer()


class QuoteSchema(ma.Schema):
    id = ma.fields.Integer()
    ref = ma.fields.String()
    version = ma.fields.Integer()
    status = ma.fields.String()
    lines = ma.fields.List(ma.fields.Nested(QuoteLineSchema))
    guide_total_cents = ma.fields.Integer()
    discount_cents = ma.fields.Integer()
    total_cents = ma.fields.Integer()
    note = ma.fields.String()
    approval_method = ma.fields.String(allow_none=True)
    approval_signature_sha256 = ma.fields.String(allow_none=True)
    approved_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    created_by = ma.fields.Integer(metadata={"description": "The technician's user id"})


class PaymentSchema(ma.Schema):
    id = ma.fields.Integer()
    ref = ma.fields.String()
    quote_ref = ma.fields.String()
    method = ma.fields.String()
    reference = ma.fields.String()
    amount_cents = ma.fields.Integer()
    receipt_number = ma.fields.String()
    technician_id = ma.fields.Integer()
    paid_at = ma.fields.DateTime()


class JobChargesSchema(ma.Schema):
    job_id = ma.fields.Integer()
    job_number = ma.fields.String()
    job_type = ma.fields.String()
    area_class = ma.fields.String()
    quote = ma.fields.Nested(QuoteSchema, allow_none=True, metadata={"description": "The latest version, or null"})
    quotes = ma.fields.List(ma.fields.Nested(QuoteSchema), metadata={"description": "Every version, newest first"})
    payments = ma.fields.List(ma.fields.Nested(PaymentSchema))
    paid_cents = ma.fields.Integer()
    outstanding_cents = ma.fields.Integer(metadata={"description": "The approved total not paid yet (0 if none)"})


class ReceiptSchema(ma.Schema):
    receipt_number = ma.fields.String()
    amount_cents = ma.fields.Integer()
    method = ma.fields.String()
    paid_at = ma.fields.DateTime()
    job_number = ma.fields.String(metadata={"description": "Masked to its last four characters"})
    provider_name = ma.fields.String(allow_none=True)
    status = ma.fields.String()


# ---------------------------------------------------------------- reconciliation


class RemittanceArgs(ma.Schema):
    month = ma.fields.String(required=True, validate=MONTH)
    amount_cents = ma.fields.Integer(
        required=True, strict=True, validate=ma.validate.Range(min=1, max=MAX_CENTS, error="Give cents above 0.")
    )
    reference = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class RemittanceListArgs(PageArgs):
    month = ma.fields.String(validate=MONTH)
    provider_code = ma.fields.String(validate=ma.validate.Length(max=32))


class RemittanceSchema(ma.Schema):
    id = ma.fields.Integer()
    provider_id = ma.fields.Integer()
    provider_code = ma.fields.Function(lambda remittance: remittance.provider.code)
    month = ma.fields.String()
    amount_cents = ma.fields.Integer()
    reference = ma.fields.String()
    recorded_by = ma.fields.Integer(attribute="recorded_by_id")
    created_at = ma.fields.DateTime()


class TechnicianChargesSchema(ma.Schema):
    technician_id = ma.fields.Integer()
    name = ma.fields.String()
    payments = ma.fields.Integer()
    collected_cents = ma.fields.Integer()


class StatementChargesSchema(ma.Schema):
    collected_cents = ma.fields.Integer()
    remit_due_cents = ma.fields.Integer()
    remitted_cents = ma.fields.Integer()
    owed_cents = ma.fields.Integer()
    by_technician = ma.fields.List(ma.fields.Nested(TechnicianChargesSchema))


# ---------------------------------------------------------------- statistics

GROUPS = ("category", "province", "provider", "technician")


class ChargeReportArgs(ma.Schema):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First local day (default: 30 days ago)"})
    to = Day(metadata={"description": "Last local day, included (default: today)"})
    group = ma.fields.String(load_default="provider", validate=ma.validate.OneOf(GROUPS))


class ChargeRowSchema(ma.Schema):
    key = ma.fields.String(allow_none=True)
    label = ma.fields.String(allow_none=True)
    jobs = ma.fields.Integer()
    quoted_cents = ma.fields.Integer()
    guide_cents = ma.fields.Integer()
    discount_cents = ma.fields.Integer()
    paid_cents = ma.fields.Integer()
    outstanding_cents = ma.fields.Integer()


class ChargeReportSchema(ma.Schema):
    group = ma.fields.String()
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    rows = ma.fields.List(ma.fields.Nested(ChargeRowSchema))
    totals = ma.fields.Nested(ChargeRowSchema)
