"""Fault-code statistics for product engineering: the most frequent codes per model and month or year, from
completed jobs and claims."""

from collections.abc import Iterator
from collections.abc import Mapping
from datetime import date
from typing import Any
from typing import Literal
from typing import TypedDict

from flask import current_app
from sqlalchemy import String
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import union_all

from server.claims.models import REJECTED
from server.claims.models import Claim
from server.core.clock import local_day_bounds
from server.core.clock import local_today
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.core.roles import AUDITOR
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import PROVIDER_ROLES
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.knowledge.models import Article
from server.knowledge.services import DEFECT
from server.knowledge.services import known_model
from server.products.models import Product
from server.users.models import User

# Product engineering's figures: headquarters (admins, auditors) and each provider's manager for its own work.
READERS = (ADMIN, AUDITOR, PROVIDER_MANAGER)


class FaultCodeRow(TypedDict):
    period: str  # YYYY-MM or YYYY
    model: str
    fault_code: str
    title: str | None  # its knowledge-base entry's
    jobs: int
    claims: int
    total: int
    rank: int


class FaultCodeReport(TypedDict):
    start: date
    end: date
    by: str  # month or year
    rows: list[FaultCodeRow]


def _offset_minutes():
    return int(current_app.config["LOCAL_UTC_OFFSET_MINUTES"])


def _period_of_instant(column, by):
    """The users' local month (or year) of a UTC timestamp, as text, in SQL."""
    minutes = _offset_minutes()
    if db.session.get_bind().dialect.name == "postgresql":
        local = func.timezone("UTC", column) + func.make_interval(0, 0, 0, 0, 0, minutes)
        return func.to_char(local, "YYYY-MM" if by == "month" else "YYYY")
    return func.strftime("%Y-%m" if by == "month" else "%Y", column, f"{minutes:+d} minutes", type_=String)


def _period_of_day(column, by):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM" if by == "month" else "YYYY")
    return func.strftime("%Y-%m" if by == "month" else "%Y", column, type_=String)


def _default_range(args: Mapping[str, Any]) -> tuple[date, date]:
    """The range asked for; by default the twelve months up to today (local)."""
    end = args.get("end") or local_today()
    start = args.get("start")
    if start is None:
        year, month = divmod(end.year * 12 + end.month - 1 - 11, 12)
        start = date(year, month + 1, 1)
        start = min(start, end)
    if end < start:
        raise invalid("to", "the range ends before it starts")
    return start, end


def fault_code_report(user: User, args: Mapping[str, Any]) -> FaultCodeReport:
    """The most frequent fault codes per model and month (or year).

    Counted from two sources: completed jobs with a fault code (by the local day they were completed; the
    model is the request's) and claims not rejected (by repair date; the model claimed). ``total`` counts
    each repair once: a claim naming a job that recorded a fault code is already counted with the job.
    Each period and model keeps its ``top`` codes by total. Provider staff see their provider's only.
    """
    start, end = _default_range(args)
    by = args["by"]
    first_instant, _ = local_day_bounds(start)
    _, last_instant = local_day_bounds(end)
    model = known_model(args["model"]).model if "model" in args else None
    scoped = user.role in PROVIDER_ROLES

    job_period = _period_of_instant(Job.completed_at, by).label("period")
    jobs = (
        select(
            job_period,
            Product.model.label("model"),
            Job.fault_code.label("code"),
            func.count().label("jobs"),
            literal_column("0").label("claims"),
            func.count().label("total"),
        )
        .join(ServiceRequest, Job.request_id == ServiceRequest.id)
        .join(Product, ServiceRequest.product_id == Product.id)
        .where(
            Job.fault_code.is_not(None),
            Job.completed_at.is_not(None),
            Job.completed_at >= first_instant,
            Job.completed_at < last_instant,
            *([Product.model == model] if model else []),
            *([Job.provider_id == user.provider_id] if scoped else []),
        )
        .group_by(literal_column("period"), Product.model, Job.fault_code)
    )
    claimed_job = select(Job.id).where(Job.id == Claim.job_id, Job.fault_code.is_not(None)).exists()
    claim_period = _period_of_day(Claim.repair_date, by).label("period")
    claims = (
        select(
            claim_period,
            Claim.model.label("model"),
            Claim.fault_code.label("code"),
            literal_column("0").label("jobs"),
            func.count().label("claims"),
            func.sum(case((claimed_job, 0), else_=1)).label("total"),
        )
        .where(
            Claim.status != REJECTED,
            Claim.repair_date >= start,
            Claim.repair_date <= end,
            *([Claim.model == model] if model else []),
            *([Claim.provider_id == user.provider_id] if scoped else []),
        )
        .group_by(literal_column("period"), Claim.model, Claim.fault_code)
    )
    both = union_all(jobs, claims).subquery()
    summed = (
        select(
            both.c.period,
            both.c.model,
            both.c.code,
            func.sum(both.c.jobs).label("jobs"),
            func.sum(both.c.claims).label("claims"),
            func.sum(both.c.total).label("total"),
        )
        .group_by(both.c.period, both.c.model, both.c.code)
        .subquery()
    )
    ranked = select(
        summed,
        func.row_number()
        .over(partition_by=(summed.c.period, summed.c.model), order_by=(summed.c.total.desc(), summed.c.code))
        .label("rank"),
    ).subquery()
    rows = db.session.execute(
        select(ranked, Article.title)
        .outerjoin(Article, and_(Article.fault_code == ranked.c.code, Article.type == DEFECT))
        .where(ranked.c.rank <= args["top"])
        .order_by(ranked.c.period, ranked.c.model, ranked.c.rank)
    ).all()
    return {
        "start": start,
        "end": end,
        "by": by,
        "rows": [
            {
                "period": row.period,
                "model": row.model,
                "fault_code": row.code,
                "title": row.title,
                "jobs": int(row.jobs),
                "claims": int(row.claims),
                "total": int(row.total),
                "rank": int(row.rank),
            }
            for row in rows
        ],
    }


Column = Literal["period", "model", "rank", "fault_code", "title", "total", "jobs", "claims"]
FAULT_CODE_COLUMNS: tuple[Column, ...] = ("period", "model", "rank", "fault_code", "title", "total", "jobs", "claims")


def fault_code_rows(report: FaultCodeReport) -> Iterator[list[object]]:
    """The statistics as CSV rows, one per period, model and code, in FAULT_CODE_COLUMNS order."""
    return ([row[name] for name in FAULT_CODE_COLUMNS] for row in report["rows"])


def file_name(report: FaultCodeReport) -> str:
    return f"fault-codes-{report['start']:%Y%m%d}-{report['end']:%Y%m%d}.csv"
