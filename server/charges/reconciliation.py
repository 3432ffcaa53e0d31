"""Reconciling the charges technicians collect (收费对账): what each provider collected in a month, the share of
it its contract has it remit to headquarters, what it remitted, and what it still owes.

What a provider owes for a month when its statement is made becomes a ``CHARGES_OWED`` deduction, once per
provider and month, so the statement withholds it from the warranty money headquarters pays.
"""

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from typing import Any

from sqlalchemy import Select
from sqlalchemy import column
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import table

from server.charges.models import Payment
from server.charges.models import Remittance
from server.core.clock import local_day_bounds
from server.core.clock import utcnow
from server.core.roles import PROVIDER_ROLES
from server.errors import Conflict
from server.errors import Forbidden
from server.extensions import db
from server.network.ledger import yuan
from server.network.models import Deduction
from server.network.models import Provider
from server.users.models import User

RULE = "CHARGES_OWED"

# The statements as far as remittances need them (whether a month is settled for good), without importing the
# claims domain, which sits above this one.
_SETTLEMENTS = table("settlements", column("provider_id"), column("month"), column("status"))
_FINAL = "final"


def month_range(month: str) -> tuple[datetime, datetime]:
    """The UTC instants where the users' calendar month ``month`` (YYYY-MM) starts and ends."""
    year, mon = (int(part) for part in month.split("-"))
    start, _ = local_day_bounds(date(year, mon, 1))
    end, _ = local_day_bounds(date(year + (mon == 12), mon % 12 + 1, 1))
    return start, end


def remit_due(collected_cents: int, percent: int) -> int:
    """The share of ``collected_cents`` a provider remitting ``percent`` owes, to the nearest cent (half up)."""
    return (collected_cents * percent + 50) // 100


def figures(provider: Provider, month: str) -> dict[str, Any]:
    """``{collected_cents, remit_due_cents, remitted_cents, owed_cents, by_technician}`` of ``provider``'s month:
    collected is what its technicians recorded in the month."""
    start, end = month_range(month)
    rows = db.session.execute(
        select(Payment.technician_id, User.display_name, User.username, func.count(), func.sum(Payment.amount_cents))
        .join(User, User.id == Payment.technician_id)
        .where(Payment.provider_id == provider.id, Payment.created_at >= start, Payment.created_at < end)
        .group_by(Payment.technician_id, User.display_name, User.username)
        .order_by(Payment.technician_id)
    ).all()
    by_technician = [
        {"technician_id": tid, "name": display or username, "payments": count, "collected_cents": int(cents or 0)}
        for tid, display, username, count, cents in rows
    ]
    collected = sum(row["collected_cents"] for row in by_technician)
    remitted = int(
        db.session.scalar(
            select(func.sum(Remittance.amount_cents)).where(
                Remittance.provider_id == provider.id, Remittance.month == month
            )
        )
        or 0
    )
    due = remit_due(collected, provider.charges_remit_percent)
    return {
        "collected_cents": collected,
        "remit_due_cents": due,
        "remitted_cents": remitted,
        "owed_cents": due - remitted,
        "by_technician": by_technician,
    }


def collect_owed(month: str, provider_ids: Sequence[int] | None = None, now: datetime | None = None) -> int:
    """Deduct what each provider (of ``provider_ids``, or all) still owes of ``month``'s charges, once per provider
    and month; the number of deductions made. Run as the month's statements are made, under their lock."""
    start, end = month_range(month)
    statement = select(Payment.provider_id).where(
        Payment.created_at >= start, Payment.created_at < end, Payment.provider_id.is_not(None)
    )
    if provider_ids is not None:
        statement = statement.where(Payment.provider_id.in_(provider_ids))
    charged = set(db.session.scalars(statement.distinct()))
    taken = set(
        db.session.scalars(select(Deduction.provider_id).where(Deduction.rule == RULE, Deduction.month == month))
    )
    made = 0
    for provider in db.session.scalars(select(Provider).where(Provider.id.in_(charged - taken)).order_by(Provider.id)):
        owed = figures(provider, month)
        if owed["owed_cents"] <= 0:
            continue
        db.session.add(
            Deduction(
                provider_id=provider.id,
                month=month,
                rule=RULE,
                amount_cents=owed["owed_cents"],
                reason=_owed_words(month, owed),
                reference=f"CH-{month}",
                created_at=now or utcnow(),
            )
        )
        made += 1
    db.session.flush()
    return made


def bring_to_owed(deduction: Deduction, provider: Provider) -> bool:
    """A ``CHARGES_OWED`` deduction about to be withheld, brought to what its month still owes: a remittance
    recorded after the statement was made lowers it. One the provider disputed stands as the auditor left it.
    True when it is to be dropped, nothing being owed any more (the caller removes it)."""
    if deduction.rule != RULE or deduction.dispute is not None:
        return False
    owed = figures(provider, deduction.month)
    if owed["owed_cents"] <= 0:
        return True
    deduction.amount_cents = owed["owed_cents"]
    deduction.reason = _owed_words(deduction.month, owed)
    return False


def _owed_words(month: str, owed: Mapping[str, Any]) -> str:
    return (
        f"{month} 收费未上缴：收取 {yuan(owed['collected_cents'])} 元，应上缴 "
        f"{yuan(owed['remit_due_cents'])} 元，已上缴 {yuan(owed['remitted_cents'])} 元。"
    )


def record_remittance(user: User, args: Mapping[str, Any], now: datetime | None = None) -> Remittance:
    """A provider's manager records charges paid over to headquarters for a month."""
    if user.provider_id is None:
        raise Forbidden("Only a provider's manager records its remittances.", code="no_provider")
    settled = select(_SETTLEMENTS.c.status).where(
        _SETTLEMENTS.c.provider_id == user.provider_id, _SETTLEMENTS.c.month == args["month"]
    )
    if db.session.scalar(settled) == _FINAL:
        # What it owed of that month was withheld from the final statement: it owes nothing more.
        raise Conflict(
            f"The statement for {args['month']} is final: the charges still owed were withheld from it.",
            code="statement_final",
        )
    remittance = Remittance(
        provider_id=user.provider_id,
        month=args["month"],
        amount_cents=args["amount_cents"],
        reference=args["reference"].strip(),
        recorded_by_id=user.id,
        created_at=now or utcnow(),
    )
    db.session.add(remittance)
    db.session.flush()
    return remittance


def list_remittances(user: User, args: Mapping[str, Any]) -> Select[Any]:
    """Remittances, newest first: a provider's staff their own provider's, auditors and admins all."""
    statement = select(Remittance).order_by(Remittance.created_at.desc(), Remittance.id.desc())
    if user.role in PROVIDER_ROLES:
        statement = statement.where(Remittance.provider_id == user.provider_id)
    if "month" in args:
        statement = statement.where(Remittance.month == args["month"])
    if "provider_code" in args:
        statement = statement.join(Provider, Provider.id == Remittance.provider_id).where(
            Provider.code == args["provider_code"]
        )
    return statement
