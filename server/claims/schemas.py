"""Input and output schemas of claims, decisions, settlements and the claims report."""

import marshmallow as ma

from server.charges.schemas import StatementChargesSchema
from server.claims.models import CLAIM_SORTS
from server.claims.models import FLAG_CODES
from server.claims.models import STATEMENT_FINAL
from server.claims.models import STATEMENT_OPEN
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
    card_number = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(min=1, max=32),
        metadata={"description": "The service card the claim cites; by default its job's"},
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


class LaborDecisionArgs(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("approve", "reject")))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class LineDecisionArgs(LaborDecisionArgs):
    id = Id(required=True, strict=True, metadata={"description": "The claim's part line"})


class DecisionArgs(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("approve", "reject")))
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    labor = ma.fields.Nested(
        LaborDecisionArgs,
        load_default=None,
        allow_none=True,
        metadata={"description": "Approving: the labour line's own decision (a rejection with its reason)"},
    )
    lines = ma.fields.List(
        ma.fields.Nested(LineDecisionArgs),
        load_default=list,
        validate=ma.validate.Length(max=50),
        metadata={"description": "Approving: part lines rejected (or approved) one by one, each with its reason"},
    )


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
    id = ma.fields.Integer()
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    name = ma.fields.Function(lambda line: line.part.name)
    qty = ma.fields.Integer()
    unit_price = Money(attribute="unit_price_cents")
    amount = Money(attribute="amount_cents")
    return_required = ma.fields.Function(lambda line: line.part.return_required)
    status = ma.fields.String(
        metadata={
            "description": "pending (the audit), approved, rejected, awaiting_return (paid once the RDC accepts its "
            "old parts) or return_rejected"
        }
    )
    reason = ma.fields.String(metadata={"description": "Why the auditor or the RDC rejected it"})
    settlement_id = ma.fields.Integer(allow_none=True, metadata={"description": "The statement that paid it"})


class ClaimSchema(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()
    amount = Money(attribute="amount_cents")
    labor_fee = Money(attribute="labor_fee_cents")
    parts_amount = Money(attribute="parts_amount_cents")
    approved_amount = Money(
        attribute="approved_cents", metadata={"description": "The approved lines' sum: what the claim pays"}
    )
    labor_status = ma.fields.String(metadata={"description": "pending, approved or rejected"})
    labor_reason = ma.fields.String()
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
    card_number = ma.fields.String(allow_none=True, metadata={"description": "The service card the claim cites"})
    sale_record_id = ma.fields.Integer(allow_none=True)
    decided_by_id = ma.fields.Integer(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)
    decision_reason = ma.fields.String()
    settlement_id = ma.fields.Integer(allow_none=True, metadata={"description": "The statement that paid its labour"})
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
    status = ma.fields.String(validate=ma.validate.OneOf((STATEMENT_OPEN, STATEMENT_FINAL)))


class SettlementRowSchema(ma.Schema):
    """A statement in a list: its figures without its lines."""

    id = ma.fields.Integer()
    provider_code = ma.fields.Function(lambda s: s.provider.code)
    provider_name = ma.fields.Function(lambda s: s.provider.name)
    month = ma.fields.String()
    status = ma.fields.String(metadata={"description": "open (disputes may be raised) or final (credited)"})
    claim_count = ma.fields.Integer(metadata={"description": "Claims whose labour it pays"})
    line_count = ma.fields.Integer(metadata={"description": "Part lines it pays"})
    labor = Money(attribute="labor_cents")
    parts = Money(attribute="parts_cents")
    total = Money(attribute="total_cents", metadata={"description": "What its lines pay, before deductions"})
    deduction_count = ma.fields.Integer()
    deductions = Money(attribute="deductions_cents", metadata={"description": "Withheld (reversed ones excluded)"})
    net = Money(attribute="net_cents", metadata={"description": "Paid into the provider's account when final"})
    held_back_count = ma.fields.Integer()
    held_back = Money(
        attribute="held_back_cents",
        metadata={"description": "Of the month's claims: waiting for an auditor or for their old parts"},
    )
    created_at = ma.fields.DateTime()
    dispute_until = ma.fields.DateTime(allow_none=True)
    accepted_at = ma.fields.DateTime(allow_none=True)
    finalised_at = ma.fields.DateTime(allow_none=True)


class StatementLineSchema(ma.Schema):
    kind = ma.fields.String(metadata={"description": "labor or part"})
    claim_id = ma.fields.Integer()
    line_id = ma.fields.Integer(allow_none=True)
    serial = ma.fields.String()
    model = ma.fields.String()
    repair_date = ma.fields.String()
    part_no = ma.fields.String(allow_none=True)
    part_name = ma.fields.String(allow_none=True)
    qty = ma.fields.Integer()
    amount = Money()


class DeductionSchema(ma.Schema):
    id = ma.fields.Integer()
    rule = ma.fields.String(metadata={"description": "RETURN_PENALTY, COMPLAINT_DEDUCTION, REPEAT_REPAIR or MANUAL"})
    month = ma.fields.String(metadata={"description": "When it arose"})
    amount = Money(attribute="amount_cents")
    reason = ma.fields.String(metadata={"description": "The evidence, in English"})
    reference = ma.fields.String(
        metadata={"description": "The number of what it arises from: a part return, a complaint, a claim's id"}
    )
    part_return_id = ma.fields.Integer(allow_none=True)
    complaint_id = ma.fields.Integer(allow_none=True)
    claim_id = ma.fields.Integer(allow_none=True)
    counts = ma.fields.Boolean(metadata={"description": "Withheld: false once the auditor reversed it"})
    dispute = ma.fields.String(allow_none=True, metadata={"description": "null, open, upheld or reversed"})
    dispute_reason = ma.fields.String()
    disputed_at = ma.fields.DateTime(allow_none=True)
    resolution_note = ma.fields.String()
    resolved_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class SettlementSchema(SettlementRowSchema):
    claim_ids = ma.fields.Function(lambda s: [claim.id for claim in s.claims])


class StatementSchema(ma.Schema):
    """A statement with the lines it pays and the deductions it withholds."""

    settlement = ma.fields.Nested(SettlementRowSchema)
    lines = ma.fields.List(ma.fields.Nested(StatementLineSchema))
    deductions = ma.fields.List(ma.fields.Nested(DeductionSchema))
    charges = ma.fields.Nested(
        StatementChargesSchema,
        metadata={
            "description": "The month's charges of paid repairs: collected by the provider's technicians, the share "
            "due to headquarters, remitted, still owed (withheld as a CHARGES_OWED deduction), and per technician"
        },
    )


class DisputeArgs(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class ResolutionArgs(ma.Schema):
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(("uphold", "reverse")))
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


class DeductionArgs(ma.Schema):
    amount = Money(required=True, metadata={"description": "Yuan withheld, more than nothing"})
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))


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


class ReturnsReportArgs(ma.Schema):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First deadline day (local)"})
    to = Day(metadata={"description": "Last deadline day (local), included; default today"})
    province = ma.fields.String(validate=ma.validate.Length(max=32), metadata={"description": "Province code"})


class OnTimeSchema(ma.Schema):
    code = ma.fields.String()
    name = ma.fields.String()
    due = ma.fields.Integer(metadata={"description": "Returns whose deadline falls in the period"})
    on_time = ma.fields.Integer(metadata={"description": "At the RDC by their deadline"})
    late = ma.fields.Integer(metadata={"description": "Arrived after it, or still away past it"})
    outstanding = ma.fields.Integer(metadata={"description": "Deadline still ahead"})
    on_time_rate = ma.fields.Float(allow_none=True, metadata={"description": "on_time / (on_time + late)"})


class WithheldSchema(ma.Schema):
    status = ma.fields.String(metadata={"description": "awaiting_return or return_rejected"})
    lines = ma.fields.Integer()
    amount = ma.fields.String()


class DeductedSchema(ma.Schema):
    rule = ma.fields.String()
    deductions = ma.fields.Integer()
    amount = ma.fields.String()


class ReturnsReportSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    overall = ma.fields.Nested(OnTimeSchema)
    by_province = ma.fields.List(ma.fields.Nested(OnTimeSchema))
    by_provider = ma.fields.List(ma.fields.Nested(OnTimeSchema))
    withheld = ma.fields.List(ma.fields.Nested(WithheldSchema))
    deducted = ma.fields.List(ma.fields.Nested(DeductedSchema))
