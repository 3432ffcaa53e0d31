"""The service reports: complaint rate, satisfaction, SLA compliance and workload with its staffing suggestion.

Every figure is aggregated by the database (GROUP BY over the jobs, callbacks and complaints in the range),
never by looping over rows in Python: a year of a national network is millions of jobs. Python only names
the groups and divides. Callbacks and complaints carry their job's province, provider, technician and
product line, so their reports need no join back to the jobs.

Scope: admins and auditors see the whole network, a provincial dispatcher their province, a provider
manager their own provider. Drilling down is a filter plus a level: the provinces, then one province's
providers, then one provider's technicians.
"""

import math
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import CALLBACK_REACHED
from server.care.models import CALLBACK_UNREACHABLE
from server.care.models import COMPLAINT_OPEN
from server.care.models import Callback
from server.care.models import Complaint
from server.core.clock import local_range
from server.core.clock import utcnow
from server.core.roles import DISPATCHER
from server.core.roles import PROVIDER_ROLES
from server.extensions import db
from server.jobs.models import DUE_AT
from server.jobs.models import REACHED_AT
from server.jobs.models import SLA_STAGES
from server.jobs.models import Job
from server.network.models import Provider
from server.network.models import Region
from server.products.models import Product
from server.users.models import User

DEFAULT_DAYS = 30
FINISHED = ("completed", "closed")
LEVELS = ("province", "provider", "technician")
WORKLOAD_LEVELS = ("province", "region", "provider")
# A report: "from" and "to" (the local days), "level", "groups" (how many), "rows" (each named by "level",
# "code" and "name", with the report's own figures), "total", and what else the report adds. The figures
# differ from report to report, so it is typed as a plain dict; each report's docstring says what it counts.
Report = dict[str, Any]
_COLUMNS = {"province": "province_id", "region": "region_id", "provider": "provider_id", "technician": "technician_id"}


def date_range(args: Mapping[str, Any]) -> tuple[date, date, datetime, datetime]:
    """``(first, last, start, end)``: the local days asked for (the last 30 by default) and their UTC bounds."""
    return local_range(args, DEFAULT_DAYS)


def in_slice(model: Any, user: User, args: Mapping[str, Any]) -> list[Any]:
    """Conditions on ``model``'s province_id/provider_id columns: the caller's slice, then the filters."""
    conditions = []
    if user.role in PROVIDER_ROLES:
        conditions.append(model.provider_id == user.provider_id)
    elif user.role == DISPATCHER and user.province_id is not None:
        conditions.append(model.province_id == user.province_id)
    if args.get("province"):
        conditions.append(model.province_id.in_(select(Region.id).where(Region.code == args["province"])))
    if args.get("provider_code"):
        conditions.append(model.provider_id.in_(select(Provider.id).where(Provider.code == args["provider_code"])))
    return conditions


def _names(level, ids):
    """``{id: (code, name)}`` of the groups of ``level`` (one query for all of them)."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    if level in ("province", "region"):
        rows = db.session.execute(select(Region.id, Region.code, Region.name).where(Region.id.in_(ids)))
    elif level == "provider":
        rows = db.session.execute(select(Provider.id, Provider.code, Provider.name).where(Provider.id.in_(ids)))
    else:
        rows = db.session.execute(select(User.id, User.username, User.display_name).where(User.id.in_(ids)))
    return {row[0]: (row[1], row[2]) for row in rows}


def _named(level, rows, args):
    """The first ``limit`` rows (all of them when the limit is None), each named: ``level``, ``code``, ``name``.

    Names are looked up after the cut: a report by technician has thousands of groups, a page shows the worst.
    """
    limit = args.get("limit")
    shown = rows if limit is None else rows[:limit]
    names = _names(level, [row["key"] for row in shown])
    for row in shown:
        # Jobs not yet given to a provider or technician form a group of their own.
        code, name = names.get(row.pop("key"), (None, None))
        row.update(level=level, code=code, name=name or "")
    return shown


def _order(key):
    """Ties in a report's order go by the group's id, the unassigned group last."""
    return (key is None, key or 0)


def ratio(part: float, whole: float, scale: float = 100.0) -> float | None:
    """``part`` per hundred (or ``scale``) of ``whole``, to two decimals; None when there is no whole."""
    return round(part * scale / whole, 2) if whole else None


def _finished_jobs(user, args, start, end, *groups):
    """``{group key: finished jobs}``: jobs completed in the range, grouped by the given columns."""
    columns = [getattr(Job, _COLUMNS[g]) for g in groups]
    statement = (
        select(*columns, func.count())
        .where(Job.completed_at >= start, Job.completed_at < end, Job.state.in_(FINISHED), *in_slice(Job, user, args))
        .group_by(*columns)
    )
    return {tuple(row[:-1]) if len(groups) > 1 else row[0]: row[-1] for row in db.session.execute(statement)}


def _header(
    first: date,
    last: date,
    level: str,
    rows: list[dict[str, Any]],
    total: dict[str, Any],
    args: Mapping[str, Any],
    **extra: Any,
) -> Report:
    return {
        "from": first,
        "to": last,
        "level": level,
        "groups": len(rows),
        "rows": _named(level, rows, args),
        "total": total,
        **extra,
    }


def complaint_rate(user: User, args: Mapping[str, Any]) -> Report:
    """Complaints per 100 finished jobs, by province, provider or technician.

    Jobs are those completed in the range; complaints those received in it, counted against the province,
    provider and technician they were made about. Open and overdue complaints are counted too.
    """
    first, last, start, end = date_range(args)
    level = args.get("level") or "province"
    column = getattr(Complaint, _COLUMNS[level])
    now = utcnow()
    jobs = _finished_jobs(user, args, start, end, level)
    complaints = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                column,
                func.count(),
                func.sum(case((Complaint.status == COMPLAINT_OPEN, 1), else_=0)),
                func.sum(case((and_(Complaint.status == COMPLAINT_OPEN, Complaint.due_at < now), 1), else_=0)),
                func.sum(case((Complaint.repeat.is_(True), 1), else_=0)),
            )
            .where(Complaint.created_at >= start, Complaint.created_at < end, *in_slice(Complaint, user, args))
            .group_by(column)
        )
    }
    rows = []
    totals = [0, 0, 0, 0, 0]
    for key in set(jobs) | set(complaints):
        finished = jobs.get(key, 0)
        count, still_open, overdue, repeat = (int(v or 0) for v in complaints.get(key, (0, 0, 0, 0)))
        for i, value in enumerate((finished, count, still_open, overdue, repeat)):
            totals[i] += value
        rows.append(
            {
                "key": key,
                "jobs": finished,
                "complaints": count,
                "rate_per_100": ratio(count, finished),
                "open": still_open,
                "overdue": overdue,
                "repeat": repeat,
            }
        )
    # Worst first: the highest rate, then the most complaints.
    rows.sort(key=lambda row: (-(row["rate_per_100"] or 0), -row["complaints"], _order(row["key"])))
    total = dict(
        zip(("jobs", "complaints", "open", "overdue", "repeat"), totals, strict=True),
        rate_per_100=ratio(totals[1], totals[0]),
    )
    return _header(first, last, level, rows, total, args)


def satisfaction(user: User, args: Mapping[str, Any]) -> Report:
    """Callbacks done in the range: how many reached the customer, and the mean of each score (1-5)."""
    first, last, start, end = date_range(args)
    level = args.get("level") or "province"
    column = getattr(Callback, _COLUMNS[level])
    low = current_app.config["CALLBACK_LOW_SCORE"]
    statement = (
        select(column, *satisfaction_measures(low))
        .where(Callback.closed_at >= start, Callback.closed_at < end, *in_slice(Callback, user, args))
        .group_by(column)
    )
    found = db.session.execute(statement).all()
    rows = []
    sums = {"reached": 0, "unreachable": 0, "low_scores": 0, "timeliness": 0.0, "attitude": 0.0, "quality": 0.0}
    for key, got, missed, timeliness, attitude, quality, lows in found:
        got, missed, lows = int(got or 0), int(missed or 0), int(lows or 0)
        means = [None if m is None else float(m) for m in (timeliness, attitude, quality)]
        sums["reached"] += got
        sums["unreachable"] += missed
        sums["low_scores"] += lows
        for name, mean in zip(("timeliness", "attitude", "quality"), means, strict=True):
            sums[name] += (mean or 0) * got
        rows.append(satisfaction_row({"key": key}, got, missed, lows, means))
    # Least satisfied first; groups never reached last.
    rows.sort(key=lambda row: (row["overall"] is None, row["overall"] or 0, _order(row["key"])))
    got = sums["reached"]
    means = [sums[name] / got if got else None for name in ("timeliness", "attitude", "quality")]
    total = satisfaction_row({}, got, sums["unreachable"], sums["low_scores"], means)
    return _header(first, last, level, rows, total, args, low_score=low)


def satisfaction_measures(low: int) -> list[ColumnElement[Any]]:
    """Callbacks reached and not reached, the mean of each score of those reached, and how many scored
    ``low`` or less in any."""
    worst: ColumnElement[Any] = func.min(Callback.timeliness, Callback.attitude, Callback.quality)
    if db.session.get_bind().dialect.name == "postgresql":
        worst = func.least(Callback.timeliness, Callback.attitude, Callback.quality)
    reached = Callback.status == CALLBACK_REACHED
    return [
        func.sum(case((reached, 1), else_=0)),
        func.sum(case((Callback.status == CALLBACK_UNREACHABLE, 1), else_=0)),
        func.avg(case((reached, Callback.timeliness))),
        func.avg(case((reached, Callback.attitude))),
        func.avg(case((reached, Callback.quality))),
        func.sum(case((and_(reached, worst <= low), 1), else_=0)),
    ]


def satisfaction_row(
    group: Mapping[str, Any], reached: float, unreachable: float, lows: float, means: Sequence[float | None]
) -> dict[str, Any]:
    """The satisfaction figures of one group: reach rate, each score's mean and their overall mean."""
    timeliness, attitude, quality = (None if m is None else round(m, 2) for m in means)
    scored = [m for m in means if m is not None]
    return {
        **group,
        "reached": reached,
        "unreachable": unreachable,
        "reach_rate_pct": ratio(reached, reached + unreachable),
        "timeliness": timeliness,
        "attitude": attitude,
        "quality": quality,
        "overall": round(sum(scored) / len(scored), 2) if scored else None,
        "low_scores": lows,
    }


def sla(user: User, args: Mapping[str, Any]) -> Report:
    """SLA compliance of the jobs opened in the range, stage by stage (contact, arrive, complete).

    A stage counts once its deadline has passed or it was reached; it is met when reached by the deadline.
    Cancelled jobs do not count.
    """
    first, last, start, end = date_range(args)
    level = args.get("level") or "province"
    column = getattr(Job, _COLUMNS[level])
    statement = sla_grouped(
        column, Job.created_at >= start, Job.created_at < end, Job.state != "cancelled", *in_slice(Job, user, args)
    )
    found = db.session.execute(statement).all()
    rows = []
    totals = [0] * (1 + 2 * len(SLA_STAGES))
    for key, *figures in found:
        figures = [int(f or 0) for f in figures]
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        rows.append({"key": key, **sla_figures(figures)})
    # Lowest compliance first; groups with no deadline passed yet last.
    rows.sort(key=lambda row: (row["compliance_pct"] is None, row["compliance_pct"] or 0, _order(row["key"])))
    return _header(first, last, level, rows, sla_figures(totals), args)


def sla_grouped(key: ColumnElement[Any], *where: ColumnElement[bool]) -> Select[Any]:
    """Per value of ``key`` among the jobs ``where`` finds: the key, the jobs, then for each stage the deadlines
    counted (passed or reached) and those met.

    Each job's stages are worked out first, as ones and noughts in a subquery, and summed per group after.
    SQLite groups by sorting, and sorted each job with every time its stages read: over a year of a million
    jobs, that sort was half of the report. It would fold a plain subquery back into the grouping; with a
    LIMIT (-1: none) it keeps it apart. PostgreSQL aggregates by hashing, and folds the subquery either way.
    """
    now = utcnow()
    flags: list[ColumnElement[Any]] = []
    for stage in SLA_STAGES:
        due = getattr(Job, DUE_AT[stage])
        reached = getattr(Job, REACHED_AT[stage])
        counted = and_(due.is_not(None), (reached.is_not(None)) | (due < now))
        met = and_(due.is_not(None), reached.is_not(None), reached <= due)
        flags.append(case((counted, 1), else_=0).label(f"{stage}_due"))
        flags.append(case((met, 1), else_=0).label(f"{stage}_met"))
    inner = select(key.label("key"), *flags).where(*where)
    if db.session.get_bind().dialect.name == "sqlite":
        inner = inner.limit(-1)
    jobs = inner.subquery()
    sums = [func.sum(jobs.c[flag.name]) for flag in flags]
    return select(jobs.c.key, func.count(), *sums).group_by(jobs.c.key)


def sla_figures(figures: list[int]) -> dict[str, Any]:
    """The SLA figures of one group from its ``sla_grouped`` sums: per stage counted, met and the share met."""
    out: dict[str, Any] = {"jobs": figures[0]}
    met_all = due_all = 0
    for i, stage in enumerate(SLA_STAGES):
        due, met = figures[1 + 2 * i], figures[2 + 2 * i]
        out[f"{stage}_due"] = due
        out[f"{stage}_met"] = met
        out[f"{stage}_pct"] = ratio(met, due)
        met_all += met
        due_all += due
    out["compliance_pct"] = ratio(met_all, due_all)
    return out


def workload(user: User, args: Mapping[str, Any]) -> Report:
    """Jobs finished per technician by region (one product line with ``product_line``), and the staffing
    that load implies.

    Each group's load is its finished jobs per day of the range; at the target of
    ``STAFFING_JOBS_PER_TECHNICIAN_DAY`` a day, it needs ``ceil(load / target)`` technicians. The
    suggestion is that minus the technicians who worked its jobs (positive: hire or lend; negative: spare).
    One row per group, whatever its jobs' product lines (a job of no known product counts too): the same
    technicians repair both lines of a region, so splitting a region by line would count them twice. The
    lines the range holds are listed, to narrow the report to one of them.
    """
    first, last, start, end = date_range(args)
    level = args.get("level") or "province"
    column = getattr(Job, _COLUMNS[level])
    in_range = [Job.completed_at >= start, Job.completed_at < end, Job.state.in_(FINISHED), *in_slice(Job, user, args)]
    line = args.get("product_line")
    finished = in_range
    if line:
        finished = [*in_range, Job.product_id.in_(select(Product.id).where(Product.category == line))]
    # Jobs per technician first, then per group: counting the technicians of each group is then a count of
    # rows, where COUNT(DISTINCT) would sort a year of jobs.
    inner = (
        select(column.label("key"), Job.technician_id, func.count().label("jobs"))
        .where(*finished)
        .group_by(column, Job.technician_id)
        .subquery()
    )
    found = db.session.execute(
        select(inner.c.key, func.sum(inner.c.jobs), func.count(inner.c.technician_id)).group_by(inner.c.key)
    ).all()
    days = (last - first).days + 1
    target = current_app.config["STAFFING_JOBS_PER_TECHNICIAN_DAY"]
    rows = []
    total_jobs = total_needed = total_staff = 0
    for key, jobs, technicians in found:
        jobs = int(jobs)
        row = {"key": key, **_staffing(jobs, technicians, days, target)}
        total_jobs += jobs
        total_needed += row["technicians_needed"]
        total_staff += technicians
        rows.append(row)
    # Most short-handed first.
    rows.sort(key=lambda row: (-row["suggestion"], _order(row["key"])))
    total = {
        "jobs": total_jobs,
        "technicians": total_staff,
        "technicians_needed": total_needed,
        "suggestion": total_needed - total_staff,
    }
    lines = db.session.scalars(
        select(Product.category)
        .where(Product.id.in_(select(Job.product_id).where(*in_range)))
        .distinct()
        .order_by(Product.category)
    ).all()
    return _header(
        first,
        last,
        level,
        rows,
        total,
        args,
        days=days,
        target_per_technician_day=target,
        product_line=line,
        product_lines=list(lines),
    )


def _staffing(jobs, technicians, days, target):
    per_day = jobs / days
    needed = math.ceil(round(per_day / target, 6))
    return {
        "jobs": jobs,
        "technicians": technicians,
        "jobs_per_technician": round(jobs / technicians, 2) if technicians else None,
        "jobs_per_technician_day": round(per_day / technicians, 2) if technicians else None,
        "technicians_needed": needed,
        "suggestion": needed - technicians,
    }
