"""Arguments and rows of the service reports."""

import marshmallow as ma

from server.core.schemas import Day
from server.core.schemas import Money
from server.reports.services import LEVELS
from server.reports.services import WORKLOAD_LEVELS
from server.reports.trends import BY


class ReportArgs(ma.Schema):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First local day (default: 30 days ago)"})
    to = Day(metadata={"description": "Last local day, included (default: today)"})
    province = ma.fields.String(validate=ma.validate.Length(min=1, max=16), metadata={"description": "Province code"})
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))
    limit = ma.fields.Integer(
        load_default=100,
        validate=ma.validate.Range(min=1, max=10_000),
        metadata={"description": "Rows shown, worst first (the total counts every group; the CSV has them all)"},
    )

    @ma.validates_schema
    def range_in_order(self, data, **kwargs):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ma.ValidationError("The range ends before it starts.", "to")


class LevelArgs(ReportArgs):
    level = ma.fields.String(
        load_default="province",
        validate=ma.validate.OneOf(LEVELS),
        metadata={"description": "Group by province, provider or technician (drill down with the filters)"},
    )


class WorkloadArgs(ReportArgs):
    level = ma.fields.String(
        load_default="province", validate=ma.validate.OneOf(WORKLOAD_LEVELS), metadata={"description": "Group by"}
    )
    product_line = ma.fields.String(validate=ma.validate.Length(min=1, max=32))


def _report(name, row_fields, total_fields, **extra):
    group = {"level": ma.fields.String(), "code": ma.fields.String(allow_none=True), "name": ma.fields.String()}
    row = ma.Schema.from_dict({**group, **row_fields}, name=f"{name}Row")
    total = ma.Schema.from_dict(total_fields, name=f"{name}Total")
    return ma.Schema.from_dict(
        {
            "from": ma.fields.Date(),
            "to": ma.fields.Date(),
            "level": ma.fields.String(),
            "groups": ma.fields.Integer(metadata={"description": "Groups in the report, shown or not"}),
            "rows": ma.fields.List(ma.fields.Nested(row)),
            "total": ma.fields.Nested(total),
            **extra,
        },
        name=name,
    )


_Int = ma.fields.Integer
_Num = ma.fields.Float

COMPLAINT_FIELDS = {
    "jobs": _Int(),
    "complaints": _Int(),
    "rate_per_100": _Num(allow_none=True),
    "open": _Int(),
    "overdue": _Int(),
    "repeat": _Int(),
}
ComplaintRateSchema = _report("ComplaintRate", COMPLAINT_FIELDS, COMPLAINT_FIELDS)

SATISFACTION_FIELDS = {
    "reached": _Int(),
    "unreachable": _Int(),
    "reach_rate_pct": _Num(allow_none=True),
    "timeliness": _Num(allow_none=True),
    "attitude": _Num(allow_none=True),
    "quality": _Num(allow_none=True),
    "overall": _Num(allow_none=True),
    "low_scores": _Int(),
}
SatisfactionSchema = _report("Satisfaction", SATISFACTION_FIELDS, SATISFACTION_FIELDS, low_score=_Int())

SLA_FIELDS = {"jobs": _Int()}
for _stage in ("contact", "arrive", "complete"):
    SLA_FIELDS |= {f"{_stage}_due": _Int(), f"{_stage}_met": _Int(), f"{_stage}_pct": _Num(allow_none=True)}
SLA_FIELDS["compliance_pct"] = _Num(allow_none=True)
SlaSchema = _report("SlaCompliance", SLA_FIELDS, SLA_FIELDS)

WORKLOAD_FIELDS = {
    "jobs": _Int(),
    "technicians": _Int(),
    "jobs_per_technician": _Num(allow_none=True),
    "jobs_per_technician_day": _Num(allow_none=True),
    "technicians_needed": _Int(),
    "suggestion": _Int(),
}
WorkloadSchema = _report(
    "Workload",
    WORKLOAD_FIELDS,
    {"jobs": _Int(), "technicians": _Int(), "technicians_needed": _Int(), "suggestion": _Int()},
    days=_Int(),
    target_per_technician_day=_Num(),
    product_line=ma.fields.String(
        allow_none=True, metadata={"description": "The product line the report is narrowed to; null for all"}
    ),
    product_lines=ma.fields.List(
        ma.fields.String(), metadata={"description": "The product lines of the jobs finished in the range"}
    ),
)


class FaultCodeReportArgs(ma.Schema):
    # "from" is a Python keyword: the field is read from the query as ``from``.
    start = Day(data_key="from", metadata={"description": "First day, YYYY-MM-DD (local)"})
    end = Day(data_key="to", metadata={"description": "Last day, YYYY-MM-DD (local), included"})
    model = ma.fields.String(validate=ma.validate.Length(min=1, max=64))
    by = ma.fields.String(load_default="month", validate=ma.validate.OneOf(("month", "year")))
    top = ma.fields.Integer(
        load_default=10,
        validate=ma.validate.Range(min=1, max=1000),
        metadata={"description": "The most frequent codes kept per period and model"},
    )

    @ma.validates_schema
    def range_in_order(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ma.ValidationError("The range ends before it starts.", "to")


class FaultCodeRowSchema(ma.Schema):
    period = ma.fields.String()
    model = ma.fields.String()
    fault_code = ma.fields.String()
    title = ma.fields.String(allow_none=True)
    jobs = ma.fields.Integer()
    claims = ma.fields.Integer()
    total = ma.fields.Integer(metadata={"description": "Repairs: jobs, and claims naming no job with a code"})
    rank = ma.fields.Integer()


class FaultCodeReportSchema(ma.Schema):
    start = ma.fields.Date(data_key="from")
    end = ma.fields.Date(data_key="to")
    by = ma.fields.String()
    rows = ma.fields.List(ma.fields.Nested(FaultCodeRowSchema))


# ---------------------------------------------------------------- trends


class _TrendRange(ma.Schema):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First local day (default: 30 days ago)"})
    to = Day(metadata={"description": "Last local day, included (default: today)"})
    by = ma.fields.String(
        validate=ma.validate.OneOf(BY),
        metadata={"description": "A point per day or per week (Monday to Sunday); by default days up to 62 days"},
    )

    @ma.validates_schema
    def range_in_order(self, data, **kwargs):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ma.ValidationError("The range ends before it starts.", "to")


class TrendArgs(_TrendRange):
    province = ma.fields.String(validate=ma.validate.Length(min=1, max=16), metadata={"description": "Province code"})
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))


class WorkloadTrendArgs(TrendArgs):
    product_line = ma.fields.String(validate=ma.validate.Length(min=1, max=32))


class ClaimsTrendArgs(_TrendRange):
    provider_code = ma.fields.String(validate=ma.validate.Length(min=1, max=32))


class CycleTrendArgs(_TrendRange):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First local day (default: 90 days ago)"})
    province = ma.fields.String(validate=ma.validate.Length(min=1, max=16), metadata={"description": "Province code"})


def _trend(name, point_fields):
    period = {
        "start": ma.fields.Date(metadata={"description": "The period's first local day"}),
        "end": ma.fields.Date(metadata={"description": "The period's last local day, included"}),
    }
    point = ma.Schema.from_dict({**period, **point_fields}, name=f"{name}Point")
    return ma.Schema.from_dict(
        {
            "from": ma.fields.Date(),
            "to": ma.fields.Date(),
            "by": ma.fields.String(),
            "points": ma.fields.List(ma.fields.Nested(point), metadata={"description": "Every period of the range"}),
        },
        name=name,
    )


ComplaintTrendSchema = _trend(
    "ComplaintTrend", {"jobs": _Int(), "complaints": _Int(), "rate_per_100": _Num(allow_none=True)}
)
SatisfactionTrendSchema = _trend("SatisfactionTrend", SATISFACTION_FIELDS)
SlaTrendSchema = _trend("SlaTrend", SLA_FIELDS)
WorkloadTrendSchema = _trend(
    "WorkloadTrend", {"jobs": _Int(), "technicians": _Int(), "jobs_per_technician_day": _Num(allow_none=True)}
)
CycleTrendSchema = _trend("CycleTrend", {"requisitions": _Int(), "mean_days": _Num(allow_none=True)})
ClaimsTrendSchema = _trend(
    "ClaimsTrend",
    {
        "claims": _Int(),
        "amount": Money(attribute="amount_cents"),
        "held_back_claims": _Int(),
        "held_back": Money(attribute="held_back_cents", metadata={"description": "Yuan waiting for an auditor"}),
        "rejected_claims": _Int(),
        "rejected": Money(attribute="rejected_cents"),
    },
)


# ---------------------------------------------------------------- request volume


class VolumeArgs(ma.Schema):
    from_ = Day(data_key="from", attribute="from", metadata={"description": "First local day (default: 83 days ago)"})
    to = Day(metadata={"description": "Last local day, included (default: today)"})
    province = ma.fields.String(validate=ma.validate.Length(min=1, max=16), metadata={"description": "Province code"})
    product_line = ma.fields.String(
        validate=ma.validate.Length(min=1, max=32), metadata={"description": "Product category"}
    )

    @ma.validates_schema
    def range_in_order(self, data, **kwargs):
        if "from" in data and "to" in data and data["to"] < data["from"]:
            raise ma.ValidationError("The range ends before it starts.", "to")


_VolumeWeek = ma.Schema.from_dict(
    {
        "week": ma.fields.String(metadata={"description": "ISO year and week, e.g. 2026-W49"}),
        "start": ma.fields.Date(),
        "end": ma.fields.Date(),
        "requests": ma.fields.Integer(),
        "last_year_start": ma.fields.Date(allow_none=True),
        "last_year_end": ma.fields.Date(allow_none=True),
        "last_year": ma.fields.Integer(
            allow_none=True, metadata={"description": "The same weekdays of the same ISO week a year earlier"}
        ),
    },
    name="VolumeWeek",
)
VolumeSchema = ma.Schema.from_dict(
    {
        "from": ma.fields.Date(),
        "to": ma.fields.Date(),
        "province": ma.fields.String(allow_none=True),
        "product_line": ma.fields.String(allow_none=True),
        "total": ma.fields.Integer(),
        "last_year_total": ma.fields.Integer(allow_none=True),
        "weekday_days": ma.fields.List(
            ma.fields.Integer(), metadata={"description": "How many Mondays…Sundays the range holds"}
        ),
        "weekday_hour": ma.fields.List(
            ma.fields.List(ma.fields.Integer()),
            metadata={"description": "Requests by local weekday (Monday first) and hour (0-23)"},
        ),
        "weekday_hour_mean": ma.fields.List(
            ma.fields.List(ma.fields.Float()), metadata={"description": "The same, per such day of the range"}
        ),
        "peak": ma.fields.Dict(allow_none=True, metadata={"description": "The busiest weekday and hour on average"}),
        "weeks": ma.fields.List(ma.fields.Nested(_VolumeWeek)),
        "provinces": ma.fields.List(ma.fields.Dict()),
        "product_lines": ma.fields.List(ma.fields.Dict()),
    },
    name="RequestVolume",
)
