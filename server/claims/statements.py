"""Monthly statements (网点结算单): the approved lines paid, the deductions withheld, disputes, and the final word.

A month's statement of a provider takes every approved line not paid yet of its claims repaired by the month's
end (the labour of a claim, and each part line once its old parts are accepted) and every deduction arisen by
then. It is open for ``DISPUTE_DAYS``: the provider's manager may dispute a deduction, with a reason, and an
auditor upholds or reverses it. Once the window has passed (or the provider accepted the statement) and no
dispute is open, it is finalised: its pay credited and its deductions withheld on the provider's account, one
entry each, and it never changes again.

Statements are made set-wise, for one provider or for every provider at once (the scheduler's month end).
"""

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypedDict

from flask import current_app
from sqlalchemy import Column
from sqlalchemy import ColumnElement
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import Select
from sqlalchemy import Table
from sqlalchemy import and_
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload

from server.charges import reconciliation
from server.claims.models import APPROVED
from server.claims.models import AWAITING_RETURN
from server.claims.models import LINE_APPROVED
from server.claims.models import LINE_PENDING
from server.claims.models import PENDING_REVIEW
from server.claims.models import STATEMENT_FINAL
from server.claims.models import STATEMENT_OPEN
from server.claims.models import Claim
from server.claims.models import ClaimLine
from server.claims.models import SettledClaim
from server.claims.models import SettledLine
from server.claims.models import Settlement
from server.claims.services import _month_bounds
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.downloads import csv_text
from server.core.locks import serialise_on
from server.core.reference import invalid
from server.core.roles import PROVIDER_ROLES
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.network import ledger
from server.network.deductions import deduct
from server.network.ledger import yuan
from server.network.models import Deduction
from server.network.models import Provider
from server.notifications.services import notify
from server.parts.models import Part
from server.users.directory import auditors
from server.users.directory import provider_managers
from server.users.models import User


class StatementLine(TypedDict):
    kind: str  # "labor" or "part"
    claim_id: int
    line_id: int | None
    serial: str
    model: str
    repair_date: str
    part_no: str | None
    part_name: str | None
    qty: int
    amount: int  # cents


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def previous_month(now: datetime | None = None) -> str:
    first = local_today(now).replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


# ---------------------------------------------------------------- deductions that arise from claims


def collect_repeat_repairs(month: str, provider_ids: Sequence[int] | None = None, now: datetime | None = None) -> int:
    """Deduct, once, each repeat repair found among the approved claims repaired in ``month`` or the month before.

    A unit repaired again within ``REPEAT_REPAIR_DAYS`` of an approved repair gives back that earlier repair's
    labour, from the provider who did it; keyed by the later claim, so a second sweep deducts nothing more.
    """
    days = current_app.config["REPEAT_REPAIR_DAYS"]
    start, end = _month_bounds(month)
    start = (start - timedelta(days=1)).replace(day=1)
    later = aliased(Claim)
    earlier = aliased(Claim)
    statement = (
        select(later, earlier)
        .join(
            earlier,
            and_(
                earlier.serial == later.serial,
                earlier.id != later.id,
                earlier.status == APPROVED,
                earlier.repair_date <= later.repair_date,
                earlier.repair_date >= later.repair_date - timedelta(days=days)
                if db.session.get_bind().dialect.name == "postgresql"
                else func.julianday(earlier.repair_date) >= func.julianday(later.repair_date) - days,
                earlier.created_at < later.created_at,
                or_(earlier.job_id.is_(None), later.job_id.is_(None), earlier.job_id != later.job_id),
            ),
        )
        .where(
            later.status == APPROVED,
            later.repair_date >= start,
            later.repair_date < end,
            ~exists().where(Deduction.claim_id == later.id),
        )
        .order_by(later.id, earlier.repair_date.desc(), earlier.id.desc())
    )
    if provider_ids is not None:
        statement = statement.where(earlier.provider_id.in_(provider_ids))
    made = 0
    seen: set[int] = set()
    for again, first in db.session.execute(statement).all():
        if again.id in seen:
            continue  # the latest earlier repair is the one redone
        seen.add(again.id)
        gap = (again.repair_date - first.repair_date).days
        if deduct(
            first.provider_id,
            "REPEAT_REPAIR",
            first.labor_fee_cents,
            f"Unit {again.serial} was repaired again on {again.repair_date.isoformat()} (claim {again.id}), {gap} "
            f"day(s) after your repair of {first.repair_date.isoformat()} (claim {first.id}): that repair's labour, "
            f"{yuan(first.labor_fee_cents)} yuan, is given back under REPEAT_REPAIR ({days} days).",
            when=now,
            reference=str(again.id),
            claim_id=again.id,
        ):
            made += 1
    db.session.flush()
    return made


# ---------------------------------------------------------------- making statements


def _payable_labour(end: date) -> ColumnElement[bool]:
    return and_(
        Claim.status == APPROVED,
        Claim.labor_status == LINE_APPROVED,
        Claim.repair_date < end,
        ~exists().where(SettledClaim.claim_id == Claim.id),
    )


def _payable_lines(end: date) -> ColumnElement[bool]:
    return and_(
        ClaimLine.status == LINE_APPROVED,
        Claim.status == APPROVED,
        Claim.repair_date < end,
        ~exists().where(SettledLine.claim_line_id == ClaimLine.id),
    )


def _link(table: Table, key: str, payable: Select[Any]) -> None:
    """Insert ``(key, settlement_id)`` for each row ``payable`` selects.

    Through a temporary table: an INSERT … SELECT that looks (NOT EXISTS) for rows of the table it is inserting
    into misleads PostgreSQL's planner, on a table that was empty when last counted, into rescanning the new
    rows for every row it reads. Staged first, the payable rows are read before the table changes.
    """
    staging = Table(
        f"staging_{table.name}",
        MetaData(),
        Column(key, Integer),
        Column("settlement_id", Integer),
        prefixes=["TEMPORARY"],
    )
    connection = db.session.connection()
    staging.create(connection)
    db.session.execute(insert(staging).from_select([key, "settlement_id"], payable))
    db.session.execute(
        insert(table).from_select([key, "settlement_id"], select(staging.c[key], staging.c.settlement_id))
    )
    staging.drop(connection)


def build(
    month: str, provider_ids: Sequence[int] | None = None, user: User | None = None, now: datetime | None = None
) -> list[int]:
    """Make ``month``'s statement of each provider (of ``provider_ids``, or all) that has something to pay or
    withhold and no statement for the month yet; answers the new statements' ids.

    Each statement takes its provider's approved, unpaid lines of claims repaired by the month's end and its
    deductions arisen by then; a statement racing this one for a provider and month makes this one skip it.
    """
    now = now or utcnow()
    start, end = _month_bounds(month)
    # One maker of statements at a time: what one finds payable, no other takes before it has written it.
    serialise_on("statements:build")
    collect_repeat_repairs(month, provider_ids, now=now)
    reconciliation.collect_owed(month, provider_ids, now=now)

    def among(column):
        return column.in_(provider_ids) if provider_ids is not None else literal(True)

    owed = union(
        select(Claim.provider_id.label("provider_id")).where(_payable_labour(end), among(Claim.provider_id)),
        select(Claim.provider_id)
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .where(_payable_lines(end), among(Claim.provider_id)),
        select(Deduction.provider_id).where(
            Deduction.settlement_id.is_(None), Deduction.month <= month, among(Deduction.provider_id)
        ),
    ).subquery()
    until = now + timedelta(days=current_app.config["DISPUTE_DAYS"])
    rows = select(
        owed.c.provider_id,
        literal(month),
        literal(STATEMENT_OPEN),
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        literal(0),
        literal(user.id if user is not None else None),
        literal(now, Settlement.created_at.type),
        literal(until, Settlement.dispute_until.type),
    ).where(owed.c.provider_id.is_not(None))  # SQLite reads ON CONFLICT after a SELECT only past a WHERE
    columns = [
        "provider_id",
        "month",
        "status",
        "claim_count",
        "line_count",
        "labor_cents",
        "parts_cents",
        "deduction_count",
        "deductions_cents",
        "held_back_count",
        "held_back_cents",
        "created_by_id",
        "created_at",
        "dispute_until",
    ]
    inserted = db.session.execute(
        _insert(Settlement.__table__)
        .from_select(columns, rows)
        .on_conflict_do_nothing(index_elements=["provider_id", "month"])
        .returning(Settlement.__table__.c.id)
    )
    ids = [row[0] for row in inserted]
    if not ids:
        return []
    new = Settlement.__table__.c.id.in_(ids)
    settlement = Settlement.__table__
    # Each claim's labour and each line are paid once: the link rows are keyed by them, and what is payable is
    # found and linked under one lock, so no other statement takes it meanwhile.
    _link(
        SettledClaim.__table__,
        "claim_id",
        select(Claim.id, settlement.c.id)
        .join(settlement, settlement.c.provider_id == Claim.provider_id)
        .where(_payable_labour(end), new),
    )
    _link(
        SettledLine.__table__,
        "claim_line_id",
        select(ClaimLine.id, settlement.c.id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(settlement, settlement.c.provider_id == Claim.provider_id)
        .where(_payable_lines(end), new),
    )
    db.session.execute(
        update(Deduction)
        .where(
            Deduction.settlement_id.is_(None),
            Deduction.month <= month,
            Deduction.provider_id == settlement.c.provider_id,
            new,
        )
        .values(settlement_id=settlement.c.id)
        .execution_options(synchronize_session=False)
    )
    _total(ids, start, end)
    db.session.expire_all()
    return ids


def _total(ids: list[int], start: date, end: date) -> None:
    """Count and sum each new statement's labour, part lines, deductions, and what its month holds back."""
    figures: dict[int | None, dict[str, Any]] = {sid: {"id": sid} for sid in ids}
    for sid, count, cents in db.session.execute(
        select(SettledClaim.settlement_id, func.count(), func.sum(Claim.labor_fee_cents))
        .join(Claim, Claim.id == SettledClaim.claim_id)
        .where(SettledClaim.settlement_id.in_(ids))
        .group_by(SettledClaim.settlement_id)
    ):
        figures[sid].update(claim_count=count, labor_cents=int(cents))
    for sid, count, cents in db.session.execute(
        select(SettledLine.settlement_id, func.count(), func.sum(ClaimLine.qty * ClaimLine.unit_price_cents))
        .join(ClaimLine, ClaimLine.id == SettledLine.claim_line_id)
        .where(SettledLine.settlement_id.in_(ids))
        .group_by(SettledLine.settlement_id)
    ):
        figures[sid].update(line_count=count, parts_cents=int(cents))
    for withheld_by, count, cents in db.session.execute(
        select(Deduction.settlement_id, func.count(), func.sum(Deduction.amount_cents))
        .where(Deduction.settlement_id.in_(ids))
        .group_by(Deduction.settlement_id)
    ):
        figures[withheld_by].update(deduction_count=count, deductions_cents=int(cents))
    # Held back: the month's claims waiting for an auditor (whole), and of its approved claims the part lines
    # still waiting (for their old parts): two groupings of the month's claims, joined to nothing per row.
    settlement = Settlement.__table__
    of_statement: dict[int, int] = dict(
        db.session.execute(select(settlement.c.provider_id, settlement.c.id).where(settlement.c.id.in_(ids))).all()
    )
    in_month = (Claim.repair_date >= start, Claim.repair_date < end, Claim.provider_id.in_(list(of_statement)))
    pending = select(Claim.provider_id, func.count(), func.sum(Claim.labor_fee_cents + Claim.parts_amount_cents)).where(
        Claim.status == PENDING_REVIEW, *in_month
    )
    waiting = (
        select(
            Claim.provider_id,
            func.count(func.distinct(Claim.id)),
            func.sum(ClaimLine.qty * ClaimLine.unit_price_cents),
        )
        .join(ClaimLine, ClaimLine.claim_id == Claim.id)
        .where(Claim.status == APPROVED, ClaimLine.status.in_((AWAITING_RETURN, LINE_PENDING)), *in_month)
    )
    for grouping in (pending, waiting):
        for provider_id, count, cents in db.session.execute(grouping.group_by(Claim.provider_id)):
            held = figures[of_statement[provider_id]]
            held["held_back_count"] = held.get("held_back_count", 0) + count
            held["held_back_cents"] = held.get("held_back_cents", 0) + int(cents or 0)
    db.session.execute(update(Settlement), list(figures.values()))


def settle_month(user: User, provider_id: int, month: str, now: datetime | None = None) -> Settlement:
    """Make one provider's statement for ``month`` (an auditor's request); 409 if it has one or nothing is due."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise invalid("provider_id", f"there is no provider {provider_id}")
    ids = build(month, [provider_id], user=user, now=now)
    if not ids:
        existing = db.session.scalar(
            select(Settlement.id).where(Settlement.provider_id == provider_id, Settlement.month == month)
        )
        if existing is not None:
            raise Conflict(
                f"Provider {provider.code} has a statement for {month} already.",
                code="statement_exists",
                details={"settlement_id": existing},
            )
        raise Conflict(
            f"Provider {provider.code} has nothing to settle for {month}: no approved, unpaid line and no deduction.",
            code="nothing_to_settle",
        )
    settlement = db.session.get(Settlement, ids[0])
    assert settlement is not None
    notify(
        provider_managers(provider_id),
        "statement_issued",
        f"Your statement for {month} is ready: {yuan(settlement.net_cents)} yuan after deductions. Dispute a "
        f"deduction by {settlement.dispute_until.date().isoformat() if settlement.dispute_until else month}.",
        data={"settlement_id": settlement.id},
    )
    return settlement


# ---------------------------------------------------------------- reading


def list_settlements(user: User, args: Mapping[str, Any]) -> Select[Settlement]:
    """The statements the caller may see, newest first: provider staff their own provider's, auditors all."""
    statement = select(Settlement).options(joinedload(Settlement.provider)).order_by(Settlement.id.desc())
    if user.role in PROVIDER_ROLES:
        statement = statement.where(Settlement.provider_id == user.provider_id)
    if "provider_code" in args:
        statement = statement.join(Provider, Settlement.provider_id == Provider.id).where(
            Provider.code == args["provider_code"]
        )
    if "month" in args:
        statement = statement.where(Settlement.month == args["month"])
    if "status" in args:
        statement = statement.where(Settlement.status == args["status"])
    return statement


def get_settlement(user: User, settlement_id: int, lock: bool = False) -> Settlement:
    statement = select(Settlement).where(Settlement.id == settlement_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    settlement: Settlement | None = db.session.scalar(statement)
    if settlement is None or (user.role in PROVIDER_ROLES and settlement.provider_id != user.provider_id):
        raise NotFound(f"There is no settlement {settlement_id}.")
    return settlement


def statement_lines(settlement: Settlement) -> list[StatementLine]:
    """What the statement pays, claim by claim: each claim's labour, then its part lines."""
    lines: list[tuple[int, int, StatementLine]] = []
    for claim_id, serial, model, repair_date, labour in db.session.execute(
        select(Claim.id, Claim.serial, Claim.model, Claim.repair_date, Claim.labor_fee_cents)
        .join(SettledClaim, SettledClaim.claim_id == Claim.id)
        .where(SettledClaim.settlement_id == settlement.id)
    ):
        lines.append(
            (
                claim_id,
                0,
                {
                    "kind": "labor",
                    "claim_id": claim_id,
                    "line_id": None,
                    "serial": serial,
                    "model": model,
                    "repair_date": repair_date.isoformat(),
                    "part_no": None,
                    "part_name": None,
                    "qty": 1,
                    "amount": labour,
                },
            )
        )
    for line_id, claim_id, serial, model, repair_date, part_no, name, qty, price in db.session.execute(
        select(
            ClaimLine.id,
            Claim.id,
            Claim.serial,
            Claim.model,
            Claim.repair_date,
            Part.part_no,
            Part.name,
            ClaimLine.qty,
            ClaimLine.unit_price_cents,
        )
        .join(SettledLine, SettledLine.claim_line_id == ClaimLine.id)
        .join(Claim, Claim.id == ClaimLine.claim_id)
        .join(Part, Part.id == ClaimLine.part_id)
        .where(SettledLine.settlement_id == settlement.id)
    ):
        lines.append(
            (
                claim_id,
                line_id,
                {
                    "kind": "part",
                    "claim_id": claim_id,
                    "line_id": line_id,
                    "serial": serial,
                    "model": model,
                    "repair_date": repair_date.isoformat(),
                    "part_no": part_no,
                    "part_name": name,
                    "qty": qty,
                    "amount": qty * price,
                },
            )
        )
    lines.sort(key=lambda item: (item[0], item[1]))
    return [line for _, _, line in lines]


def statement_deductions(settlement: Settlement) -> Sequence[Deduction]:
    return db.session.scalars(
        select(Deduction).where(Deduction.settlement_id == settlement.id).order_by(Deduction.id)
    ).all()


def statement_view(settlement: Settlement) -> dict[str, Any]:
    """The statement as its page shows it: its figures, the lines it pays and the deductions it withholds."""
    return {
        "settlement": settlement,
        "lines": statement_lines(settlement),
        "deductions": statement_deductions(settlement),
        "charges": reconciliation.figures(settlement.provider, settlement.month),
    }


def settlement_csv(settlement: Settlement) -> str:
    """The statement as CSV: the lines it pays, the deductions it withholds, then the totals and the month's
    charges of paid repairs (collected, due to headquarters, remitted, owed)."""
    header = [
        "section",
        "claim_id",
        "line",
        "serial",
        "model",
        "repair_date",
        "part_no",
        "qty",
        "amount",
        "rule",
        "reason",
        "dispute",
    ]
    rows: list[list[Any]] = [
        [
            "pay",
            line["claim_id"],
            line["kind"] if line["kind"] == "labor" else line["line_id"],
            line["serial"],
            line["model"],
            line["repair_date"],
            line["part_no"] or "",
            line["qty"],
            yuan(line["amount"]),
            "",
            "",
            "",
        ]
        for line in statement_lines(settlement)
    ]
    rows += [
        [
            "deduction",
            deduction.claim_id or "",
            deduction.id,
            "",
            "",
            deduction.month,
            "",
            "",
            yuan(-deduction.amount_cents if deduction.counts else 0),
            deduction.rule,
            deduction.reason,
            deduction.dispute or "",
        ]
        for deduction in statement_deductions(settlement)
    ]
    rows += [
        [],
        ["provider", settlement.provider.code, "month", settlement.month, "status", settlement.status],
        ["claims", settlement.claim_count, "labor", yuan(settlement.labor_cents)],
        ["part_lines", settlement.line_count, "parts", yuan(settlement.parts_cents)],
        ["deductions", settlement.deduction_count, "withheld", yuan(settlement.deductions_cents)],
        ["total", yuan(settlement.total_cents), "net", yuan(settlement.net_cents)],
        ["held_back_claims", settlement.held_back_count, "held_back", yuan(settlement.held_back_cents)],
    ]
    charges = reconciliation.figures(settlement.provider, settlement.month)
    rows.append(
        [
            "charges_collected",
            yuan(charges["collected_cents"]),
            "remit_due",
            yuan(charges["remit_due_cents"]),
            "remitted",
            yuan(charges["remitted_cents"]),
            "owed",
            yuan(charges["owed_cents"]),
        ]
    )
    return csv_text(header, rows)


# ---------------------------------------------------------------- disputes and the final word


def _open(settlement: Settlement) -> None:
    if settlement.status == STATEMENT_FINAL:
        raise Conflict(
            f"The statement for {settlement.month} is final: it never changes.",
            code="statement_final",
        )


def _deduction_of(settlement: Settlement, deduction_id: int) -> Deduction:
    deduction: Deduction | None = db.session.scalar(
        select(Deduction)
        .where(Deduction.id == deduction_id, Deduction.settlement_id == settlement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deduction is None:
        raise NotFound(
            f"The statement for {settlement.month} has no deduction {deduction_id}.", code="deduction_not_found"
        )
    return deduction


def _recount(settlement: Settlement) -> None:
    counted = [d for d in statement_deductions(settlement) if d.counts]
    settlement.deduction_count = len(counted)
    settlement.deductions_cents = sum(d.amount_cents for d in counted)


def window_open(settlement: Settlement, now: datetime) -> bool:
    return settlement.accepted_at is None and settlement.dispute_until is not None and now <= settlement.dispute_until


def dispute(user: User, settlement_id: int, deduction_id: int, reason: str, now: datetime | None = None) -> Deduction:
    """The provider's manager disputes one deduction of an open statement, within the window, with a reason."""
    now = now or utcnow()
    settlement = get_settlement(user, settlement_id, lock=True)
    _open(settlement)
    if not window_open(settlement, now):
        raise Conflict(
            f"Deductions of the statement for {settlement.month} could be disputed until "
            f"{settlement.accepted_at or settlement.dispute_until:%Y-%m-%d %H:%M} UTC; that time has passed.",
            code="dispute_window_closed",
        )
    deduction = _deduction_of(settlement, deduction_id)
    if deduction.dispute is not None:
        raise Conflict(
            f"Deduction {deduction.id} is disputed already ({deduction.dispute}).",
            code="already_disputed",
            details={"dispute": deduction.dispute},
        )
    if not reason.strip():
        raise invalid("reason", "say why the deduction is wrong")
    deduction.dispute = "open"
    deduction.dispute_reason = reason.strip()
    deduction.disputed_by_id = user.id
    deduction.disputed_at = now
    db.session.flush()
    notify(
        auditors(),
        "deduction_disputed",
        f"Provider {settlement.provider.code} disputes a deduction of its statement for {settlement.month}: "
        f"{deduction.dispute_reason}",
        data={"settlement_id": settlement.id, "deduction_id": deduction.id},
    )
    return deduction


def resolve(
    user: User, settlement_id: int, deduction_id: int, decision: str, note: str, now: datetime | None = None
) -> Deduction:
    """The auditor upholds a disputed deduction, or reverses it (the statement no longer withholds it)."""
    now = now or utcnow()
    settlement = get_settlement(user, settlement_id, lock=True)
    _open(settlement)
    deduction = _deduction_of(settlement, deduction_id)
    if deduction.dispute != "open":
        raise Conflict(
            f"Deduction {deduction.id} has no open dispute.",
            code="dispute_not_open",
            details={"dispute": deduction.dispute},
        )
    if not note.strip():
        raise invalid("note", "say why the dispute is upheld or reversed")
    deduction.dispute = "upheld" if decision == "uphold" else "reversed"
    deduction.resolution_note = note.strip()
    deduction.resolved_by_id = user.id
    deduction.resolved_at = now
    _recount(settlement)
    db.session.flush()
    notify(
        provider_managers(settlement.provider_id),
        "dispute_resolved",
        f"Your dispute of a deduction on the statement for {settlement.month} was {deduction.dispute}: "
        f"{deduction.resolution_note}",
        data={"settlement_id": settlement.id, "deduction_id": deduction.id},
    )
    return deduction


def add_deduction(user: User, settlement_id: int, amount_cents: int, reason: str) -> Deduction:
    """An auditor withholds a further amount on an open statement (the MANUAL rule), with its reason."""
    settlement = get_settlement(user, settlement_id, lock=True)
    _open(settlement)
    if amount_cents <= 0:
        raise invalid("amount", "a deduction is more than nothing")
    if not reason.strip():
        raise invalid("reason", "say why the amount is withheld")
    deduction = Deduction(
        provider_id=settlement.provider_id,
        month=settlement.month,
        rule="MANUAL",
        amount_cents=amount_cents,
        reason=reason.strip(),
        created_by_id=user.id,
        settlement_id=settlement.id,
        created_at=utcnow(),
    )
    db.session.add(deduction)
    db.session.flush()
    _recount(settlement)
    db.session.flush()
    return deduction


def accept(user: User, settlement_id: int, now: datetime | None = None) -> Settlement:
    """The provider's manager accepts the statement as it stands: no dispute from now on."""
    now = now or utcnow()
    settlement = get_settlement(user, settlement_id, lock=True)
    _open(settlement)
    if settlement.accepted_at is not None:
        raise Conflict(f"The statement for {settlement.month} was accepted already.", code="statement_accepted")
    settlement.accepted_at = now
    settlement.accepted_by_id = user.id
    db.session.flush()
    return settlement


def finalise(user: User | None, settlement_id: int, now: datetime | None = None) -> Settlement:
    """Close the statement for good: its pay credited and its deductions withheld on the provider's account.

    Only once no dispute is open and the window has passed (or the provider accepted it).
    """
    now = now or utcnow()
    settlement = (
        get_settlement(user, settlement_id, lock=True)
        if user is not None
        else db.session.get(Settlement, settlement_id, with_for_update=True, populate_existing=True)
    )
    if settlement is None:
        raise NotFound(f"There is no settlement {settlement_id}.")
    _open(settlement)
    if any(d.dispute == "open" for d in statement_deductions(settlement)):
        raise Conflict(
            f"The statement for {settlement.month} has disputes waiting for an auditor.", code="disputes_open"
        )
    if window_open(settlement, now):
        raise Conflict(
            f"The provider may dispute the statement for {settlement.month} until "
            f"{settlement.dispute_until:%Y-%m-%d %H:%M} UTC.",
            code="dispute_window_open",
            details={"dispute_until": settlement.dispute_until.isoformat() if settlement.dispute_until else None},
        )
    for deduction in statement_deductions(settlement):
        # Charges remitted since the statement was made are not withheld as well.
        if reconciliation.bring_to_owed(deduction, settlement.provider):
            db.session.delete(deduction)
    db.session.flush()
    _recount(settlement)
    provider = ledger.locked_provider(settlement.provider_id)
    ledger.credit(
        provider,
        settlement.total_cents,
        "settlement",
        f"statement {settlement.month}",
        user=user,
        settlement=settlement,
    )
    ledger.withhold(
        provider, settlement.deductions_cents, f"deductions {settlement.month}", user=user, settlement=settlement
    )
    settlement.status = STATEMENT_FINAL
    settlement.finalised_at = now
    settlement.finalised_by_id = user.id if user is not None else None
    db.session.flush()
    return settlement


def finalise_due(now: datetime | None = None) -> int:
    """The scheduler's: finalise each open statement whose window has passed with no dispute open."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Settlement.id)
        .where(
            Settlement.status == STATEMENT_OPEN,
            or_(Settlement.accepted_at.is_not(None), Settlement.dispute_until < now),
            ~exists().where(Deduction.settlement_id == Settlement.id, Deduction.dispute == "open"),
        )
        .order_by(Settlement.id)
        .limit(5000)
    ).all()
    done = 0
    for settlement_id in due:
        try:
            with db.session.begin_nested():
                finalise(None, settlement_id, now=now)
            done += 1
        except Conflict:
            pass  # a dispute opened meanwhile: the next run
    return done
