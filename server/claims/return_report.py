"""The old-parts return report (旧件返还及时率): on-time rate per province and provider, money withheld, deducted.

A return counts in the period its deadline falls in: on time when it reached the RDC by its deadline, late when
it arrived after it or is still away past it, outstanding when its deadline is still ahead. Withheld is what
claim lines wait for or lost through their old parts now; deducted is what the deductions that arose in the
period's months take (reversed ones excluded), by rule.
"""

from collections.abc import Mapping
from datetime import date
from typing import Any
from typing import TypedDict

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from server.claims.models import APPROVED
from server.claims.models import AWAITING_RETURN
from server.claims.models import RETURN_REJECTED
from server.claims.models import Claim
from server.claims.models import ClaimLine
from server.core.clock import local_range
from server.core.clock import utcnow
from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_ROLES
from server.extensions import db
from server.network.ledger import yuan
from server.network.models import Deduction
from server.network.models import Provider
from server.network.models import Region
from server.supply.models import PartReturn
from server.users.models import User


class OnTime(TypedDict):
    code: str
    name: str
    due: int
    on_time: int
    late: int
    outstanding: int
    on_time_rate: float | None  # of the returns decided (on time or late); None when none is


class Withheld(TypedDict):
    status: str
    lines: int
    amount: str


class Deducted(TypedDict):
    rule: str
    deductions: int
    amount: str


ReturnsReport = TypedDict(
    "ReturnsReport",
    {
        "from": date,
        "to": date,
        "overall": OnTime,
        "by_province": list[OnTime],
        "by_provider": list[OnTime],
        "withheld": list[Withheld],
        "deducted": list[Deducted],
    },
)


def _rate(on_time: int, late: int) -> float | None:
    return round(on_time / (on_time + late), 4) if on_time + late else None


def _row(code: str, name: str, due: int, on_time: int, late: int) -> OnTime:
    return {
        "code": code,
        "name": name,
        "due": due,
        "on_time": on_time,
        "late": late,
        "outstanding": due - on_time - late,
        "on_time_rate": _rate(on_time, late),
    }


def _scope(user: User) -> list[ColumnElement[bool]]:
    if user.role in PROVIDER_ROLES:
        return [PartReturn.provider_id == user.provider_id]
    if user.role == PARTS_CLERK:
        return [PartReturn.province_id == user.province_id]
    return []


def returns_report(user: User, args: Mapping[str, Any]) -> ReturnsReport:
    """Returns due between ``from`` and ``to`` (local days, both included; the last 90 days by default)."""
    first, last, start, end = local_range(args, 90)
    now = utcnow()
    scope = [PartReturn.due_at >= start, PartReturn.due_at < end, *_scope(user)]
    if "province" in args:
        scope.append(PartReturn.province_id.in_(select(Region.id).where(Region.code == args["province"])))
    on_time = PartReturn.received_at.is_not(None) & (PartReturn.received_at <= PartReturn.due_at)
    late = or_(
        PartReturn.received_at > PartReturn.due_at,
        and_(PartReturn.received_at.is_(None), PartReturn.due_at < now),
    )
    figures = (
        func.count(),
        func.sum(case((on_time, 1), else_=0)),
        func.sum(case((late, 1), else_=0)),
    )

    def grouped(key_columns: list[Any], join_table: Any, join_on: ColumnElement[bool]) -> list[Any]:
        return list(
            db.session.execute(
                select(*key_columns, *figures)
                .join(join_table, join_on)
                .where(*scope)
                .group_by(*key_columns)
                .order_by(key_columns[0])
            )
        )

    by_province = grouped([Region.code, Region.name], Region, Region.id == PartReturn.province_id)
    by_provider = grouped([Provider.code, Provider.name], Provider, Provider.id == PartReturn.provider_id)
    totals = [sum(int(row[index] or 0) for row in by_province) for index in (2, 3, 4)]
    return {
        "from": first,
        "to": last,
        "overall": _row("", "", *totals),
        "by_province": [
            _row(code, name, int(due), int(o or 0), int(late or 0)) for code, name, due, o, late in by_province
        ],
        "by_provider": [
            _row(code, name, int(due), int(o or 0), int(late or 0)) for code, name, due, o, late in by_provider
        ],
        "withheld": _withheld(user),
        "deducted": _deducted(user, first, last),
    }


def _withheld(user: User) -> list[Withheld]:
    """Claim lines whose old parts hold their money now: waiting for them, or lost through a rejected one."""
    statement = (
        select(ClaimLine.status, func.count(), func.sum(ClaimLine.qty * ClaimLine.unit_price_cents))
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .where(ClaimLine.status.in_((AWAITING_RETURN, RETURN_REJECTED)), Claim.status == APPROVED)
        .group_by(ClaimLine.status)
    )
    if user.role in PROVIDER_ROLES:
        statement = statement.where(Claim.provider_id == user.provider_id)
    elif user.role == PARTS_CLERK:
        statement = statement.where(
            ClaimLine.id.in_(select(PartReturn.claim_line_id).where(PartReturn.province_id == user.province_id))
        )
    found = {status: (int(count), int(cents or 0)) for status, count, cents in db.session.execute(statement)}
    return [
        {"status": status, "lines": found.get(status, (0, 0))[0], "amount": yuan(found.get(status, (0, 0))[1])}
        for status in (AWAITING_RETURN, RETURN_REJECTED)
    ]


def _deducted(user: User, first: date, last: date) -> list[Deducted]:
    """The deductions that arose in the period's months, by rule (reversed ones give their money back)."""
    statement = (
        select(Deduction.rule, func.count(), func.sum(Deduction.amount_cents))
        .where(
            Deduction.month >= first.strftime("%Y-%m"),
            Deduction.month <= last.strftime("%Y-%m"),
            or_(Deduction.dispute.is_(None), Deduction.dispute != "reversed"),
        )
        .group_by(Deduction.rule)
        .order_by(Deduction.rule)
    )
    if user.role in PROVIDER_ROLES:
        statement = statement.where(Deduction.provider_id == user.provider_id)
    elif user.role == PARTS_CLERK:
        statement = statement.where(
            Deduction.part_return_id.in_(select(PartReturn.id).where(PartReturn.province_id == user.province_id))
        )
    return [
        {"rule": rule, "deductions": int(count), "amount": yuan(int(cents or 0))}
        for rule, count, cents in db.session.execute(statement)
    ]


CSV_HEADER = ("section", "code", "name", "due", "on_time", "late", "outstanding", "on_time_rate", "amount")


def csv_rows(report: ReturnsReport) -> list[tuple[Any, ...]]:
    def on_time_row(section: str, row: OnTime) -> tuple[Any, ...]:
        rate = "" if row["on_time_rate"] is None else row["on_time_rate"]
        return (
            section,
            row["code"],
            row["name"],
            row["due"],
            row["on_time"],
            row["late"],
            row["outstanding"],
            rate,
            "",
        )

    rows = [on_time_row("overall", report["overall"])]
    rows += [on_time_row("province", row) for row in report["by_province"]]
    rows += [on_time_row("provider", row) for row in report["by_provider"]]
    rows += [("withheld", row["status"], "", row["lines"], "", "", "", "", row["amount"]) for row in report["withheld"]]
    rows += [
        ("deducted", row["rule"], "", row["deductions"], "", "", "", "", row["amount"]) for row in report["deducted"]
    ]
    return rows
