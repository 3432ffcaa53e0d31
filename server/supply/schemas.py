"""Schemas of parts supply."""

import marshmallow as ma

from scanning.serials import normalise_serial
from scanning.serials import valid_serial
from server.core.schemas import AwareTime
from server.core.schemas import Day
from server.core.schemas import Id
from server.core.schemas import Money
from server.core.schemas import PageArgs
from server.core.schemas import page_schema
from server.parts.schemas import PART_NO
from server.supply.models import INSPECTION_RESULTS
from server.supply.models import RETURN_LIST_STATUSES
from server.supply.models import SHIPMENT_STATUSES


class PartLineArgs(ma.Schema):
    part_no = ma.fields.String(required=True, validate=PART_NO)
    # Strict: a JSON 1.5 is refused, never truncated into a part nobody fitted.
    qty = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10_000))


class PartLinesArgs(ma.Schema):
    """``{"parts": [{"part_no", "qty"}], ...}``, or the bare list of parts."""

    parts = ma.fields.List(ma.fields.Nested(PartLineArgs), required=True, validate=ma.validate.Length(min=1, max=100))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    device_time = AwareTime(
        load_default=None,
        allow_none=True,
        metadata={"description": "The phone's clock when it was recorded (ISO 8601 with offset); kept as a fact"},
    )

    @ma.pre_load
    def bare_list(self, data, **kwargs):
        return {"parts": data} if isinstance(data, list) else data


class UsageLineArgs(PartLineArgs):
    """A part fitted; for a returnable part on a warranty job, the serial of the old part it replaced."""

    old_serial = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={
            "description": "The replaced part's serial or barcode, scanned or typed (a line with one fits one part); "
            "its old part is owed to the RDC"
        },
    )

    @ma.validates_schema
    def one_part_per_serial(self, data, **kwargs):
        serial = data.get("old_serial")
        if serial is None:
            return
        if not valid_serial(normalise_serial(serial)):
            raise ma.ValidationError("A serial has 1 to 64 characters and no spaces.", "old_serial")
        if data["qty"] != 1:
            raise ma.ValidationError("A line with an old serial fits one part: one line per old part.", "qty")

    @ma.post_load
    def normalised(self, data, **kwargs):
        if data.get("old_serial") is not None:
            data["old_serial"] = normalise_serial(data["old_serial"])
        return data


class UsageArgs(PartLinesArgs):
    """Parts fitted; ``sales_order_id`` when they are parts that arrived for the job on that order."""

    parts = ma.fields.List(ma.fields.Nested(UsageLineArgs), required=True, validate=ma.validate.Length(min=1, max=100))

    @ma.validates_schema
    def each_old_part_once(self, data, **kwargs):
        seen: set[str] = set()
        for index, line in enumerate(data.get("parts", [])):
            serial = line.get("old_serial")
            if serial is not None and serial in seen:
                raise ma.ValidationError({"parts": {index: {"old_serial": ["This old part is named twice."]}}})
            if serial is not None:
                seen.add(serial)

    sales_order_id = Id(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={"description": "The received order of this job they came on: no more is fitted than arrived"},
    )


class ReceiptOpArgs(ma.Schema):
    """The phone's ``parts.receive``: the order of the job whose parts have arrived."""

    sales_order_id = Id(required=True, strict=True)


class PartUsageSchema(ma.Schema):
    id = ma.fields.Integer()
    job_id = ma.fields.Integer()
    part_no = ma.fields.Function(lambda usage: usage.part.part_no)
    name = ma.fields.Function(lambda usage: usage.part.name)
    qty = ma.fields.Integer()
    shortfall = ma.fields.Integer(metadata={"description": "How many the provider's stock lacked when recorded"})
    recorded_by = ma.fields.Function(lambda usage: usage.recorded_by.username)
    sales_order_id = ma.fields.Integer(allow_none=True)
    device_time = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


REQUISITION_STATUS = ma.validate.OneOf(("pending", "approved", "rejected", "received"))


ORDER_STATUS = ma.validate.OneOf(("created", "shipped", "received"))


class RequisitionListArgs(PageArgs):
    status = ma.fields.List(ma.fields.String(validate=REQUISITION_STATUS))
    job_id = Id()
    province = ma.fields.String(metadata={"description": "Province code"})


class ApprovalArgs(ma.Schema):
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))


class RejectArgs(ma.Schema):
    reason = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=500, error="Say why, in at most 500 characters.")
    )


class RequisitionLineSchema(ma.Schema):
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    name = ma.fields.Function(lambda line: line.part.name)
    qty = ma.fields.Integer()
    price = Money(attribute="price_cents")
    amount = Money(attribute="amount_cents", metadata={"description": "Quantity × price"})
    rdc_qty = ma.fields.Integer(metadata={"description": "Covered from the RDC's stock at approval"})
    hq_qty = ma.fields.Integer(metadata={"description": "Waiting for the headquarters plan"})
    received_qty = ma.fields.Integer()
    rdc_available = ma.fields.Integer(
        allow_none=True,
        dump_default=None,
        metadata={"description": "Free RDC stock now, on one requisition's view; null in lists"},
    )


class RequisitionOrderLineSchema(ma.Schema):
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    name = ma.fields.Function(lambda line: line.part.name)
    qty = ma.fields.Integer()


class RequisitionOrderSchema(ma.Schema):
    """A sales order as its requisition shows it: where the parts are, for the phone to receive them."""

    id = ma.fields.Integer()
    number = ma.fields.String()
    source = ma.fields.String()
    status = ma.fields.String()
    shipped_at = ma.fields.DateTime(allow_none=True)
    received_at = ma.fields.DateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(RequisitionOrderLineSchema))
    fitted = ma.fields.Method("dump_fitted", metadata={"description": "Parts fitted from it: [{part_no, qty}]"})

    def dump_fitted(self, order):
        fitted: dict[str, int] = {}
        for usage in order.usages:
            fitted[usage.part.part_no] = fitted.get(usage.part.part_no, 0) + usage.qty
        return [{"part_no": part_no, "qty": qty} for part_no, qty in sorted(fitted.items())]


class RequisitionSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    job_id = ma.fields.Integer()
    provider_code = ma.fields.Function(lambda r: r.provider.code)
    provider_name = ma.fields.Function(lambda r: r.provider.name)
    province_code = ma.fields.Function(lambda r: r.province.code)
    status = ma.fields.String()
    path = ma.fields.String(allow_none=True)
    amount = Money(
        attribute="lines_amount_cents",
        metadata={"description": "The sum of its lines (quantity × price), pending or decided; charged at approval"},
    )
    note = ma.fields.String()
    raised_by = ma.fields.Function(lambda r: r.raised_by.username)
    raised_by_name = ma.fields.Function(
        lambda r: r.raised_by.display_name or r.raised_by.username, metadata={"description": "Who raised it, by name"}
    )
    raised_at = ma.fields.DateTime()
    device_time = ma.fields.DateTime(allow_none=True)
    decided_by = ma.fields.Function(lambda r: r.decided_by.username if r.decided_by else None)
    approved_at = ma.fields.DateTime(allow_none=True)
    rejected_at = ma.fields.DateTime(allow_none=True)
    decision_note = ma.fields.String(metadata={"description": "The clerk's note on approval, or reason of rejection"})
    reject_reason = ma.fields.Function(lambda r: r.decision_note if r.status == "rejected" else "")
    shipped_at = ma.fields.DateTime(allow_none=True)
    received_at = ma.fields.DateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(RequisitionLineSchema))
    orders = ma.fields.List(
        ma.fields.Nested(RequisitionOrderSchema),
        metadata={"description": "Its sales orders: created, shipped, received"},
    )


class SalesOrderListArgs(PageArgs):
    status = ma.fields.List(ma.fields.String(validate=ORDER_STATUS))
    requisition_id = Id()
    newest_first = ma.fields.Boolean(
        load_default=False, metadata={"description": "Newest first (the latest received, say) instead of oldest"}
    )


class OrderLineSchema(ma.Schema):
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    name = ma.fields.Function(lambda line: line.part.name)
    qty = ma.fields.Integer()
    price = Money(attribute="price_cents")


class SalesOrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    requisition_id = ma.fields.Integer()
    requisition_number = ma.fields.Function(lambda o: o.requisition.number)
    job_id = ma.fields.Function(lambda o: o.requisition.job_id, metadata={"description": "The job the parts are for"})
    job_number = ma.fields.Function(lambda o: o.requisition.job.number)
    provider_code = ma.fields.Function(lambda o: o.provider.code)
    provider_name = ma.fields.Function(lambda o: o.provider.name)
    warehouse = ma.fields.Function(lambda o: o.warehouse.code)
    warehouse_region = ma.fields.Function(
        lambda o: o.warehouse.region.name if o.warehouse.region else None,
        metadata={"description": "The name of the region whose RDC ships the order (none for headquarters)"},
    )
    source = ma.fields.String()
    status = ma.fields.String()
    amount = Money(attribute="amount_cents")
    created_at = ma.fields.DateTime()
    shipped_at = ma.fields.DateTime(allow_none=True)
    received_at = ma.fields.DateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(OrderLineSchema))


class JobPartsSchema(ma.Schema):
    job_id = ma.fields.Integer()
    used = ma.fields.List(ma.fields.Nested(PartUsageSchema))
    requisitions = ma.fields.List(ma.fields.Nested(RequisitionSchema))


class PlanRowSchema(ma.Schema):
    part_no = ma.fields.String()
    name = ma.fields.String()
    waiting = ma.fields.Integer(metadata={"description": "Needed by requisitions, not yet sent to their RDC"})
    on_order = ma.fields.Integer(metadata={"description": "On purchase orders not yet received"})
    to_order = ma.fields.Integer(metadata={"description": "Waiting beyond what is on order: the next roll-up's"})
    lines = ma.fields.Integer()
    oldest_raised_at = ma.fields.DateTime()


class PlanSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PlanRowSchema))


class PlanNeedArgs(PageArgs):
    part_no = ma.fields.List(
        ma.fields.String(validate=PART_NO), metadata={"description": "Only these parts (repeatable)"}
    )


class PlanNeedSchema(ma.Schema):
    """One part of a requisition waiting on headquarters."""

    requisition_id = ma.fields.Function(lambda line: line.requisition_line.requisition_id)
    requisition_number = ma.fields.Function(lambda line: line.requisition_line.requisition.number)
    job_id = ma.fields.Function(lambda line: line.requisition_line.requisition.job_id)
    job_number = ma.fields.Function(lambda line: line.requisition_line.requisition.job.number)
    provider_code = ma.fields.Function(lambda line: line.requisition_line.requisition.provider.code)
    provider_name = ma.fields.Function(lambda line: line.requisition_line.requisition.provider.name)
    province_code = ma.fields.Function(lambda line: line.requisition_line.requisition.province.code)
    province_name = ma.fields.Function(lambda line: line.requisition_line.requisition.province.name)
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    name = ma.fields.Function(lambda line: line.part.name)
    qty = ma.fields.Integer(metadata={"description": "Sent to headquarters' plan at approval"})
    waiting = ma.fields.Function(
        lambda line: line.qty - line.allocated, metadata={"description": "Not yet sent on to its RDC"}
    )
    raised_at = ma.fields.DateTime()


class OrderNeedSchema(PlanNeedSchema):
    on_receipt = ma.fields.Integer(metadata={"description": "Sent on to its RDC if the order arrives in full now"})


class OrderNeedsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(OrderNeedSchema))
    beyond = ma.fields.Integer(metadata={"description": "More requisition lines waiting for these parts"})


class PurchaseOrderListArgs(PageArgs):
    status = ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(("ordered", "received"))))


class PurchaseOrderLineSchema(ma.Schema):
    part_no = ma.fields.Function(lambda line: line.part.part_no)
    name = ma.fields.Function(lambda line: line.part.name)
    qty = ma.fields.Integer()
    received_qty = ma.fields.Integer()


class PurchaseOrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    received_at = ma.fields.DateTime(allow_none=True)
    lines = ma.fields.List(ma.fields.Nested(PurchaseOrderLineSchema))


class RollUpSchema(ma.Schema):
    purchase_order = ma.fields.Nested(PurchaseOrderSchema, allow_none=True)
    sales_orders = ma.fields.List(
        ma.fields.Nested(SalesOrderSchema), metadata={"description": "Filled from HQ stock before ordering"}
    )


class ReceiptLineArgs(ma.Schema):
    part_no = ma.fields.String(required=True, validate=PART_NO)
    qty = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=10_000_000))


class ReceiptArgs(ma.Schema):
    lines = ma.fields.List(
        ma.fields.Nested(ReceiptLineArgs),
        load_default=list,
        metadata={"description": "Quantities received, by part; a part not listed arrived in full"},
    )

    @ma.validates("lines")
    def one_line_per_part(self, lines, **kwargs):
        # Marshmallow hands this the lines' valid parts too: one refused for its own fields (no part number,
        # a bad qty) may lack ``part_no``, and its error is reported already.
        part_nos = [line["part_no"] for line in lines if isinstance(line, dict) and "part_no" in line]
        if len(part_nos) != len(set(part_nos)):
            raise ma.ValidationError("Give each part once.")


class AccountEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    deposit_change = Money(attribute="deposit_delta", metadata={"description": "Signed"})
    credit_change = Money(attribute="credit_delta", metadata={"description": "Signed change of credit in use"})
    reference = ma.fields.String()
    requisition_id = ma.fields.Integer(allow_none=True)
    settlement_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()


class AccountSchema(ma.Schema):
    provider_code = ma.fields.String()
    deposit = Money()
    credit_limit = Money()
    credit_used = Money()
    credit_available = Money()
    available = Money(metadata={"description": "Deposit plus credit still available: the largest order approvable"})
    entries = ma.fields.Nested(page_schema(AccountEntrySchema, "AccountEntryPage"))


class DepositArgs(ma.Schema):
    amount = Money(required=True, metadata={"description": "Paid in, yuan"})
    reference = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))

    @ma.validates("amount")
    def positive(self, amount, **kwargs):
        if amount <= 0:
            raise ma.ValidationError("The amount must be more than zero.")


class CycleArgs(ma.Schema):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First day (local)"})
    to = Day(metadata={"description": "Last day (local), included; default today"})
    province = ma.fields.String(metadata={"description": "Province code"})


class CycleFiguresSchema(ma.Schema):
    requisitions = ma.fields.Integer()
    mean_days = ma.fields.Float(allow_none=True)
    median_days = ma.fields.Float(allow_none=True)
    p90_days = ma.fields.Float(allow_none=True)


class ProvinceCycleSchema(CycleFiguresSchema):
    province_code = ma.fields.String()
    province_name = ma.fields.String()


class PathCycleSchema(CycleFiguresSchema):
    path = ma.fields.String()


class StageSchema(ma.Schema):
    stage = ma.fields.String()
    mean_days = ma.fields.Float(allow_none=True)


class ReverseFiguresSchema(ma.Schema):
    returns = ma.fields.Integer()
    mean_days = ma.fields.Float(allow_none=True)
    median_days = ma.fields.Float(allow_none=True)
    p90_days = ma.fields.Float(allow_none=True)


class ProvinceReverseSchema(ReverseFiguresSchema):
    province_code = ma.fields.String()
    province_name = ma.fields.String()


class CycleReportSchema(ma.Schema):
    from_ = ma.fields.Date(data_key="from", attribute="from")
    to = ma.fields.Date()
    target_days = ma.fields.Integer()
    overall = ma.fields.Nested(CycleFiguresSchema)
    by_province = ma.fields.List(ma.fields.Nested(ProvinceCycleSchema))
    by_path = ma.fields.List(ma.fields.Nested(PathCycleSchema))
    stages = ma.fields.List(ma.fields.Nested(StageSchema))
    reverse = ma.fields.Nested(
        ReverseFiguresSchema,
        metadata={"description": "Old parts received at the RDC in the period: days from the repair"},
    )
    reverse_by_province = ma.fields.List(ma.fields.Nested(ProvinceReverseSchema))


class ReturnListArgs(ma.Schema):
    status = ma.fields.String(
        validate=ma.validate.OneOf(RETURN_LIST_STATUSES),
        metadata={"description": "owed, shipped, received, accepted, rejected, or overdue (owed or shipped, past due)"},
    )
    provider_code = ma.fields.String(validate=ma.validate.Length(max=32))
    job_id = Id()
    claim_id = Id()
    shipment_id = Id()


class PartReturnSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    overdue = ma.fields.Function(
        lambda row: row.status in ("owed", "shipped") and row.late,
        metadata={"description": "On its way past its deadline"},
    )
    late = ma.fields.Boolean(metadata={"description": "Not at the RDC by its deadline (now or when it arrived)"})
    job_id = ma.fields.Integer(allow_none=True)
    job_number = ma.fields.Function(lambda row: row.job.number if row.job is not None else None, allow_none=True)
    provider_code = ma.fields.Function(lambda row: row.provider.code)
    provider_name = ma.fields.Function(lambda row: row.provider.name)
    province_code = ma.fields.Function(lambda row: row.province.code)
    province_name = ma.fields.Function(lambda row: row.province.name)
    part_no = ma.fields.Function(lambda row: row.part.part_no)
    part_name = ma.fields.Function(lambda row: row.part.name)
    price = Money(attribute="price_cents")
    old_serial = ma.fields.String(allow_none=True, metadata={"description": "As the technician recorded it"})
    claim_line_id = ma.fields.Integer(allow_none=True)
    claim_id = ma.fields.Integer(allow_none=True)
    fitted_at = ma.fields.DateTime()
    due_at = ma.fields.DateTime()
    shipment_id = ma.fields.Integer(allow_none=True)
    shipped_at = ma.fields.DateTime(allow_none=True)
    received_at = ma.fields.DateTime(allow_none=True)
    inspected_at = ma.fields.DateTime(allow_none=True)
    result = ma.fields.String(allow_none=True, metadata={"description": "accepted, wrong_part, not_faulty or missing"})
    note = ma.fields.String()
    returned_serial = ma.fields.String(allow_none=True, metadata={"description": "As the RDC scanned it"})


class ShipArgs(ma.Schema):
    lines = ma.fields.List(
        Id(strict=True),
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={"description": "Return ids"},
    )
    tracking = ma.fields.String(load_default="", validate=ma.validate.Length(max=64))


class ShipmentListArgs(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(SHIPMENT_STATUSES))


class ShipmentSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    provider_code = ma.fields.Function(lambda shipment: shipment.provider.code)
    provider_name = ma.fields.Function(lambda shipment: shipment.provider.name)
    province_code = ma.fields.Function(lambda shipment: shipment.province.code)
    province_name = ma.fields.Function(lambda shipment: shipment.province.name)
    tracking = ma.fields.String()
    line_count = ma.fields.Function(lambda shipment: len(shipment.lines))
    created_at = ma.fields.DateTime()
    received_at = ma.fields.DateTime(allow_none=True)


class ShipmentDetailSchema(ShipmentSchema):
    lines = ma.fields.List(ma.fields.Nested(PartReturnSchema))


class InspectionArgs(ma.Schema):
    result = ma.fields.String(required=True, validate=ma.validate.OneOf(INSPECTION_RESULTS))
    note = ma.fields.String(load_default="", validate=ma.validate.Length(max=2000))
    old_serial = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=1, max=64),
        metadata={"description": "The serial scanned off the part that arrived (not for a missing part)"},
    )

    @ma.post_load
    def normalised(self, data, **kwargs):
        if data.get("old_serial") is not None:
            data["old_serial"] = normalise_serial(data["old_serial"])
            if not valid_serial(data["old_serial"]):
                raise ma.ValidationError("A serial has 1 to 64 characters and no spaces.", "old_serial")
        return data
