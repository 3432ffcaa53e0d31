"""Each report's headline figures over time: by the users' local day, or by week, across the range.

A trend answers "is it getting better?": complaints per 100 jobs, satisfaction, SLA compliance, the load
per technician, the parts supply cycle and the claims, period by period. The database groups the rows by
the period they fall in (the local day, or the Monday of its week); Python only divides and lays the
periods out, every one of them, so a day without jobs is a zero on the chart rather than a gap. A week
cut by the range's ends counts only the range's days of it.

Each trend reads the same rows, in the same slice of the caller, as its report: summed over the periods,
its counts are the report's total.
"""

from collections.abc import Callable
from collections.abc import Mapping
from datetime import date
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Date
from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import cast
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import Complaint
from server.claims.models import PENDING_REVIEW
from server.claims.models import REJECTED
from server.claims.models import Claim
from server.core.clock import local_day_bounds
from server.core.clock import local_today
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.core.roles import AUDITOR
from server.extensions import db
from server.jobs.models import Job
from server.network.models import Provider
from server.network.models import Region
from server.products.models import Product
from server.reports.services import FINISHED
from server.reports.services import date_range
from server.reports.services import in_slice
from server.reports.services import ratio
from server.reports.services import satisfaction_measures
from server.reports.services import satisfaction_row
from server.reports.services import sla_figures
from server.reports.services import sla_grouped
from server.supply.models import Requisition
from server.users.models import User

BY = ("day", "week")
# A range up to this many days is drawn day by day unless a week is asked for; a longer one week by week.
DAILY_UP_TO = 62
# Day by day, a chart of more than a year's days is a smear: such a range is asked for by week.
MOST_DAYS = 366
# The parts supply cycle is measured over a quarter by default, as its report is.
CYCLE_DEFAULT_DAYS = 90
DAY_SECONDS = 86400.0

# A trend: "from", "to", "by" and "points", each point its period's "start" and "end" (local days, both
# included) and the report's figures for it.
Trend = dict[str, Any]


def periods(first: date, last: date, by: str) -> list[tuple[date, date]]:
    """The periods of the range ``first``..``last``: its days, or its weeks (Monday to Sunday, the first and
    the last cut to the range)."""
    if by == "day":
        return [(first + timedelta(days=n), first + timedelta(days=n)) for n in range((last - first).days + 1)]
    found = []
    start = first
    while start <= last:
        sunday = start + timedelta(days=6 - start.weekday())
        found.append((start, min(sunday, last)))
        start = sunday + timedelta(days=1)
    return found


def chosen_by(first: date, last: date, asked: str | None) -> str:
    """``day`` or ``week``: as asked, else by the range's length; a day-by-day chart of years is refused."""
    days = (last - first).days + 1
    by = asked or ("day" if days <= DAILY_UP_TO else "week")
    if by == "day" and days > MOST_DAYS:
        raise invalid("by", f"a range of {days} days is shown by week; by day it covers at most {MOST_DAYS} days")
    return by


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _period_of_instant(column: Any, by: str) -> Any:
    """The local day of a UTC timestamp, or the Monday of its week, in SQL."""
    minutes = int(current_app.config["LOCAL_UTC_OFFSET_MINUTES"])
    if _dialect() == "postgresql":
        local = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, minutes)
        return cast(func.date_trunc("week", local) if by == "week" else local, Date)
    shift = f"{minutes:+d} minutes"
    if by == "week":
        # SQLite's "weekday 0" moves on to the Sunday ending the week; six days back is its Monday.
        return func.date(column, shift, "weekday 0", "-6 days", type_=String)
    return func.date(column, shift, type_=String)


def _period_of_day(column: Any, by: str) -> Any:
    """A calendar day, or the Monday of its week, in SQL."""
    if by == "day":
        return column
    if _dialect() == "postgresql":
        return cast(func.date_trunc("week", column), Date)
    return func.date(column, "weekday 0", "-6 days", type_=String)


def _day(value: date | str) -> date:
    # SQLite answers dates as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _laid_out(
    first: date, last: date, by: str, found: Mapping[date, Any], figures: Callable[[Any, int], dict[str, Any]]
) -> list[dict[str, Any]]:
    """A point for every period of the range: ``figures(what was found for it or None, its days)``."""
    points = []
    for start, end in periods(first, last, by):
        # A week cut by the range's start was grouped under its Monday, before the range.
        key = start - timedelta(days=start.weekday()) if by == "week" else start
        points.append({"start": start, "end": end, **figures(found.get(key), (end - start).days + 1)})
    return points


def _grouped(statement: Any) -> dict[date, tuple[Any, ...]]:
    """``{period start: the other columns}`` of a statement whose first column is the period."""
    return {_day(row[0]): tuple(row[1:]) for row in db.session.execute(statement)}


def _trend(first: date, last: date, by: str, points: list[dict[str, Any]]) -> Trend:
    return {"from": first, "to": last, "by": by, "points": points}


# ---------------------------------------------------------------- the service reports


def complaints_trend(user: User, args: Mapping[str, Any]) -> Trend:
    """Finished jobs, complaints and complaints per 100 jobs, period by period (as the complaint-rate report
    counts them: jobs by the day they were completed, complaints by the day they were received)."""
    first, last, start, end = date_range(args)
    by = chosen_by(first, last, args.get("by"))
    finished_in = _period_of_instant(Job.completed_at, by)
    jobs = _grouped(
        select(finished_in, func.count())
        .where(Job.completed_at >= start, Job.completed_at < end, Job.state.in_(FINISHED), *in_slice(Job, user, args))
        .group_by(finished_in)
    )
    received_in = _period_of_instant(Complaint.created_at, by)
    complaints = _grouped(
        select(received_in, func.count())
        .where(Complaint.created_at >= start, Complaint.created_at < end, *in_slice(Complaint, user, args))
        .group_by(received_in)
    )
    found = {key: (jobs.get(key, (0,))[0], complaints.get(key, (0,))[0]) for key in set(jobs) | set(complaints)}

    def figures(row, _days):
        finished, count = (int(v) for v in (row or (0, 0)))
        return {"jobs": finished, "complaints": count, "rate_per_100": ratio(count, finished)}

    return _trend(first, last, by, _laid_out(first, last, by, found, figures))


def satisfaction_trend(user: User, args: Mapping[str, Any]) -> Trend:
    """Callbacks done, customers reached, the mean of each score and the low scores, period by period."""
    first, last, start, end = date_range(args)
    by = chosen_by(first, last, args.get("by"))
    closed_in = _period_of_instant(Callback.closed_at, by)
    found = _grouped(
        select(closed_in, *satisfaction_measures(current_app.config["CALLBACK_LOW_SCORE"]))
        .where(Callback.closed_at >= start, Callback.closed_at < end, *in_slice(Callback, user, args))
        .group_by(closed_in)
    )

    def figures(row, _days):
        got, missed, timeliness, attitude, quality, lows = row or (0, 0, None, None, None, 0)
        means = [None if m is None else float(m) for m in (timeliness, attitude, quality)]
        return satisfaction_row({}, int(got or 0), int(missed or 0), int(lows or 0), means)

    return _trend(first, last, by, _laid_out(first, last, by, found, figures))


def sla_trend(user: User, args: Mapping[str, Any]) -> Trend:
    """SLA compliance of the jobs opened in each period, stage by stage and overall."""
    first, last, start, end = date_range(args)
    by = chosen_by(first, last, args.get("by"))
    opened_in = _period_of_instant(Job.created_at, by)
    found = _grouped(
        sla_grouped(
            opened_in,
            Job.created_at >= start,
            Job.created_at < end,
            Job.state != "cancelled",
            *in_slice(Job, user, args),
        )
    )

    def figures(row, _days):
        return sla_figures([int(f or 0) for f in row] if row else [0] * 7)

    return _trend(first, last, by, _laid_out(first, last, by, found, figures))


def workload_trend(user: User, args: Mapping[str, Any]) -> Trend:
    """Jobs finished, the technicians who finished them and the jobs per technician a day, period by period
    (one product line with ``product_line``)."""
    first, last, start, end = date_range(args)
    by = chosen_by(first, last, args.get("by"))
    finished_in = _period_of_instant(Job.completed_at, by)
    conditions = [Job.completed_at >= start, Job.completed_at < end, Job.state.in_(FINISHED)]
    conditions += in_slice(Job, user, args)
    if args.get("product_line"):
        conditions.append(Job.product_id.in_(select(Product.id).where(Product.category == args["product_line"])))
    # Distinct per period: a technician working every day of a week is one technician that week.
    found = _grouped(
        select(finished_in, func.count(), func.count(Job.technician_id.distinct()))
        .where(*conditions)
        .group_by(finished_in)
    )

    def figures(row, days):
        jobs, technicians = (int(v) for v in (row or (0, 0)))
        return {
            "jobs": jobs,
            "technicians": technicians,
            "jobs_per_technician_day": round(jobs / technicians / days, 2) if technicians else None,
        }

    return _trend(first, last, by, _laid_out(first, last, by, found, figures))


# ---------------------------------------------------------------- parts and claims


def parts_cycle_trend(user: User, args: Mapping[str, Any]) -> Trend:
    """Requisitions whose parts arrived in each period and their mean days from shortage to arrival (the
    last 90 days by default, as the supply-cycle report)."""
    last = args.get("to") or local_today()
    first = args.get("from") or last - timedelta(days=CYCLE_DEFAULT_DAYS - 1)
    if last < first:
        raise invalid("to", f"the range ends ({last}) before it starts ({first})")
    by = chosen_by(first, last, args.get("by"))
    start, _ = local_day_bounds(first)
    _, end = local_day_bounds(last)
    conditions = [Requisition.received_at >= start, Requisition.received_at < end]
    if user.province_id is not None:  # a provincial clerk or dispatcher sees their province
        conditions.append(Requisition.province_id == user.province_id)
    if args.get("province"):
        conditions.append(Requisition.province_id.in_(select(Region.id).where(Region.code == args["province"])))
    if _dialect() == "postgresql":
        days = func.extract("epoch", Requisition.received_at - Requisition.raised_at) / DAY_SECONDS
    else:
        days = func.julianday(Requisition.received_at) - func.julianday(Requisition.raised_at)
    received_in = _period_of_instant(Requisition.received_at, by)
    found = _grouped(select(received_in, func.count(), func.avg(days)).where(*conditions).group_by(received_in))

    def figures(row, _days):
        count, mean = row or (0, None)
        return {"requisitions": int(count), "mean_days": None if mean is None else round(float(mean), 2)}

    return _trend(first, last, by, _laid_out(first, last, by, found, figures))


def claims_trend(user: User, args: Mapping[str, Any]) -> Trend:
    """Claims and their money by repair day, period by period: all claimed, held back (waiting for an
    auditor) and rejected; the last 30 days by default. Provider staff see their own provider's."""
    first, last, _, _ = date_range(args)
    by = chosen_by(first, last, args.get("by"))
    conditions = [Claim.repair_date >= first, Claim.repair_date <= last]
    if user.role not in (ADMIN, AUDITOR):
        conditions.append(Claim.provider_id == user.provider_id)
    if args.get("provider_code"):
        conditions.append(Claim.provider_id.in_(select(Provider.id).where(Provider.code == args["provider_code"])))
    cents = Claim.labor_fee_cents + Claim.parts_amount_cents
    pending = Claim.status == PENDING_REVIEW
    rejected = Claim.status == REJECTED
    repaired_in = _period_of_day(Claim.repair_date, by)
    found = _grouped(
        select(
            repaired_in,
            func.count(),
            func.sum(cents),
            func.sum(case((pending, 1), else_=0)),
            func.sum(case((pending, cents), else_=0)),
            func.sum(case((rejected, 1), else_=0)),
            func.sum(case((rejected, cents), else_=0)),
        )
        .where(*conditions)
        .group_by(repaired_in)
    )

    def figures(row, _days):
        count, amount, held, held_cents, refused, refused_cents = (int(v or 0) for v in (row or (0,) * 6))
        return {
            "claims": count,
            "amount_cents": amount,
            "held_back_claims": held,
            "held_back_cents": held_cents,
            "rejected_claims": refused,
            "rejected_cents": refused_cents,
        }

    return _trend(first, last, by, _laid_out(first, last, by, found, figures))
