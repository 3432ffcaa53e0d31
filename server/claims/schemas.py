"""Input and output schemas of claims, decisions, settlements and the claims report."""

import marshmallow as ma

from server.claims.models import CLAIM_SORTS
from server.claims.models import FLAG_CODES
from server.claims.models import STATUSES
from server.core.schemas import MONTH
from server.core.schemas import Day
from server.core.schemas import Id
from server.core.schemas import Money

SERIAL = ma.validate.Length(min=1, max=64, error="A serial has 1 to 64 characters.")


class ClaimPartArgs(ma.Schema):
    part_no = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    qty = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=1000))


class ClaimArgs(ma.Schema):
    serial = ma.fields.String(required=True, validate=SERIAL)
    model = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=64))
    failure_date = Day(required=True)
    repair_date = Day(required=True)
    fault_code = ma.fields.String(
        required=True,
        validate=ma.validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$", error="Use 1-32 letters, digits or '_.-'."),
    )
    parts = ma.fields.List(ma.fields.Nested(ClaimPartArgs), load_default=list, validate=ma.validate.Length(max=50))
    labor_fee = Money(required=True, metadata={"description": "Labour fee, yuan"})
    job_id = Id(strict=True, allow_none=True, load_default=None)
    scan_id = Id(
        strict=True, allow_none=True, load_default=None, metadata={"description": "The serial scan backing the claim"}
    )


class ClaimListArgs(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(STATUSES))
    provider_code = ma.fields.String(validate=ma.validate.Length(max=32))
    flag = ma.fields.String(validate=ma.validate.OneOf(FLAG_CODES))
    month = ma.fields.String(validate=MONTH, metadata={"description": "Repair month, YYYY-MM"})
    serial = ma.fields.String(validate=SERIAL)
    sort = ma.fields.String(
        load_default="-created",
        validate=ma.validate.OneOf(CLAIM_SORTS),
        metadata={
            "description": "queue: waiting for review first, oldest first, then the decided, newest first; "
            "created, amount, repair_date or provider (by name), a leading '-' for descending"
        },
    )


class DecisionArgs(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("approve", "reject")))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class FlagSchema(ma.Schema):
    code = ma.fields.String()
    message = ma.fields.String(metadata={"description": "The evidence, in English"})
    data = ma.fields.Dict(
        allow_none=True,
        metadata={
            "description": "The facts the message names (earlier claim, scan, dates, province), for a client to "
            "word them in its language and follow them; null for a wording the server cannot read back"
        },
    )


class ClaimLineSchema(ma.Schema):
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    qty = ma.fields.Integer()
    unit_price = Money(attribute="unit_price_cents")


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    amount = Money(attribute="amount_cents")
    labor_fee = Money(attribute="labor_fee_cents")
    parts_amount = Money(attribute="parts_amount_cents")
    flags = ma.fields.List(ma.fields.Nested(FlagSchema))
    provider_code = ma.fields.Function(lambda claim: claim.provider.code)
    serial = ma.fields.String()
    model = ma.fields.String()
    failure_date = ma.fields.Date()
    repair_date = ma.fields.Date()
    fault_code = ma.fields.String()
    parts = ma.fields.List(ma.fields.Nested(ClaimLineSchema), attribute="lines")
    job_id = ma.fields.Integer(allow_none=True)
    scan_id = ma.fields.Integer(allow_none=True)
    sale_record_id = ma.fields.Integer(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String()
    settlement_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class UnclaimedArgs(ma.Schema):
    job_id = Id(metadata={"description": "Only this job (to open its claim form)"})


class DraftClaimSchema(ma.Schema):
    """A claim as the job suggests it: what ``POST /api/claims`` takes, ready to check and send."""

    job_id = ma.fields.Integer()
    serial = ma.fields.String()
    scan_id = ma.fields.Integer(allow_none=True)
    model = ma.fields.String()
    failure_date = ma.fields.Date()
    repair_date = ma.fields.Date()
    fault_code = ma.fields.String()
    parts = ma.fields.List(ma.fields.Nested(ClaimPartArgs))
    labor_fee = Money(attribute="labor_fee_cents")


class UnclaimedJobSchema(ma.Schema):
    job_id = ma.fields.Integer()
    job_number = ma.fields.String()
    customer_name = ma.fields.String()
    technician = ma.fields.String(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    completion_summary = ma.fields.String()
    claim = ma.fields.Nested(DraftClaimSchema)


class SettlementArgs(ma.Schema):
    provider_id = Id(required=True, strict=True)
    month = ma.fields.String(required=True, validate=MONTH)


class SettlementListArgs(ma.Schema):
    provider_code = ma.fields.String(validate=ma.validate.Length(max=32))
    month = ma.fields.String(validate=MONTH, metadata={"description": "The month settled, YYYY-MM"})


class SettlementRowSchema(ma.Schema):
    """A statement in a list: its figures without its claims."""

    id = ma.fields.Integer()
    provider_code = ma.fields.Function(lambda s: s.provider.code)
    month = ma.fields.String()
    claim_count = ma.fields.Integer()
    labor = Money(attribute="labor_cents")
    parts = Money(attribute="parts_cents")
    total = Money(attribute="total_cents")
    held_back_count = ma.fields.Integer()
    held_back = Money(attribute="held_back_cents")
    created_at = ma.fields.DateTime()


class SettlementSchema(SettlementRowSchema):
    claim_ids = ma.fields.Function(lambda s: [claim.id for claim in s.claims])


class ClaimsReportArgs(ma.Schema):
    month = ma.fields.String(validate=MONTH)
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First repair day"})
    to = Day(metadata={"description": "Last repair day, included"})
    provider_code = ma.fields.String(validate=ma.validate.Length(max=32))

    @ma.validates_schema
    def range_in_order(self, data, **kwargs):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ma.ValidationError("The range ends before it starts.", "to")


class ReportRowSchema(ma.Schema):
    flag = ma.fields.String()
    status = ma.fields.String()
    provider_code = ma.fields.String()
    provider_name = ma.fields.String()
    month = ma.fields.String()
    claims = ma.fields.Integer()
    amount = ma.fields.String()


class ClaimsReportSchema(ma.Schema):
    by_flag = ma.fields.List(ma.fields.Nested(ReportRowSchema))
    by_status = ma.fields.List(ma.fields.Nested(ReportRowSchema))
    held_back = ma.fields.String(metadata={"description": "Yuan of the claims waiting for an auditor"})
    held_back_claims = ma.fields.Integer()
    rejected = ma.fields.String(metadata={"description": "Yuan of the rejected claims"})
    rejected_claims = ma.fields.Integer()
