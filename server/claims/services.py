"""Rules of warranty claims: submission with automatic checks, audit, settlement and the fraud report."""

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from decimal import Decimal
from typing import Any
from typing import TypedDict

from flask import current_app
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select

from scanning.serials import normalise_serial
from scanning.serials import valid_serial
from server.cards.services import CardTerms
from server.cards.services import card_terms
from server.claims import returns as claim_returns
from server.claims.checks import ClaimFacts
from server.claims.checks import run_checks
from server.claims.models import APPROVED
from server.claims.models import LINE_APPROVED
from server.claims.models import LINE_PENDING
from server.claims.models import LINE_REJECTED
from server.claims.models import PENDING_REVIEW
from server.claims.models import REJECTED
from server.claims.models import RETURN_REJECTED
from server.claims.models import Claim
from server.claims.models import ClaimFlag
from server.claims.models import ClaimLine
from server.core.clock import latest_local_day
from server.core.locks import serialise_on
from server.core.reference import invalid
from server.core.roles import ADMIN
from server.core.roles import AUDITOR
from server.core.roles import PROVIDER_ROLES
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Job
from server.jobs.models import Scan
from server.knowledge.services import require_fault_code
from server.network.models import Provider
from server.parts.models import Part
from server.products.models import Product
from server.users.models import User


class FlagRow(TypedDict):
    flag: str
    provider_code: str
    provider_name: str
    month: str
    claims: int
    amount: str  # yuan


class StatusRow(TypedDict):
    status: str
    provider_code: str
    provider_name: str
    month: str
    claims: int
    amount: str  # yuan


class ClaimsReport(TypedDict):
    by_flag: list[FlagRow]
    by_status: list[StatusRow]
    held_back: str  # yuan of the claims waiting for an auditor: not paid until one approves them
    held_back_claims: int
    rejected: str  # yuan refused: never paid
    rejected_claims: int


def _lock_unit(serial: str, job_id: int | None) -> None:
    """Serialise claims on one unit or one job, so two arriving together cannot both pass the duplicate check."""
    serialise_on(f"serial:{serial}", *([f"job:{job_id}"] if job_id is not None else []))


def _claimed_parts(lines: Sequence[Mapping[str, Any]]) -> list[tuple[Part, int]]:
    """``[(Part, qty)]`` of a claim's lines, found in one query; InvalidInput naming the bad line."""
    wanted = {line["part_no"] for line in lines}
    catalogue = (
        {p.part_no: p for p in db.session.scalars(select(Part).where(Part.part_no.in_(wanted)))} if wanted else {}
    )
    parts = []
    for index, line in enumerate(lines):
        part = catalogue.get(line["part_no"])
        if part is None:
            raise invalid(f"parts.{index}.part_no", f"unknown part {line['part_no']}")
        if not part.claimable:
            raise invalid(f"parts.{index}.part_no", f"part {part.part_no} is not claimable under warranty")
        parts.append((part, line["qty"]))
    return parts


def submit_claim(
    user: User, values: Mapping[str, Any], today: date | None = None, now: datetime | None = None
) -> Claim:
    """File a claim for the caller's provider, run every check, and decide its status.

    No flags: ``approved``. Any flag: ``pending_review`` until an auditor decides. ``now``: when it was
    filed, if not at this moment (a history replayed).
    """
    today = today or datetime.now(UTC).date()
    serial = normalise_serial(values["serial"])
    if not valid_serial(serial):
        raise invalid("serial", "a serial has 1 to 64 characters and no spaces")
    if values["repair_date"] < values["failure_date"]:
        raise invalid("repair_date", "the repair cannot precede the failure")
    if values["repair_date"] > latest_local_day(today):
        raise invalid("repair_date", "the repair date is in the future")
    product: Product | None = db.session.scalar(select(Product).where(Product.model == values["model"]))
    if product is None:
        raise invalid("model", f"unknown model {values['model']}")
    # A code withdrawn since the repair still names what was found then: known is enough here.
    require_fault_code(values["fault_code"], active=False)
    parts = _claimed_parts(values["parts"])
    job_id = values.get("job_id")
    job = None
    if job_id is not None:
        job = db.session.get(Job, job_id)
        if job is None or job.provider_id != user.provider_id:
            raise invalid("job_id", f"your provider has no job {job_id}")

    scan = _claimed_scan(user, values.get("scan_id"))
    customer_phone = job.request.customer_phone if job is not None else None
    card_number = values.get("card_number")
    card = _cited_card(card_number, serial, customer_phone)
    if card_number is None and job is not None and job.card_number is not None:
        # The card the job relied on; one removed since is cited still, and covers nothing.
        card_number = job.card_number
        card = card_terms(card_number, serial, customer_phone)
    _lock_unit(serial, job_id)
    sale = db.session.scalar(select(SaleRecord).where(SaleRecord.serial == serial))
    claim = Claim(
        provider_id=user.provider_id,
        submitted_by_id=user.id,
        serial=serial,
        model=product.model,
        failure_date=values["failure_date"],
        repair_date=values["repair_date"],
        fault_code=values["fault_code"],
        job_id=job_id,
        scan_id=values.get("scan_id"),
        card_number=card_number,
        sale_record_id=sale.id if sale else None,
        labor_fee_cents=values["labor_fee"],
        parts_amount_cents=sum(part.price_cents * qty for part, qty in parts),
        status=PENDING_REVIEW,
        created_at=now or datetime.now(UTC),
    )
    claim.lines = [ClaimLine(part=part, qty=qty, unit_price_cents=part.price_cents) for part, qty in parts]
    claim.flags = []  # loaded and empty, so adding flags later reads nothing back
    # Flushed before it is checked: the duplicate check knows it by its id.
    db.session.add(claim)
    db.session.flush()

    flags = claim_returns.link(claim, job, claim.created_at)
    with db.session.no_autoflush:
        facts = claim_facts(user.provider, serial, product, parts, values, sale=sale, claim_id=claim.id)
        facts.scan = scan
        facts.card_number, facts.card = card_number, card
        facts.customer_phone = customer_phone
        flags = run_checks(facts) + flags
    claim.flags.extend(
        ClaimFlag(code=flag[0], message=flag[1], facts=flag[2] if len(flag) > 2 else None) for flag in flags
    )
    claim.status = PENDING_REVIEW if flags else APPROVED
    claim.labor_status = LINE_PENDING if flags else LINE_APPROVED
    claim_returns.refresh(claim)
    db.session.flush()
    return claim


def _cited_card(number: str | None, serial: str, phone: str | None) -> CardTerms | None:
    """The service card a claim cites, as its checks read it; InvalidInput on ``card_number`` when there is
    no such card."""
    if number is None:
        return None
    card = card_terms(number.strip(), serial, phone)
    if card is None:
        raise invalid("card_number", f"there is no service card {number}")
    return card


def _claimed_scan(user: User, scan_id: int | None) -> Scan | None:
    """The scan a claim cites: one made on a job of the caller's provider, or by its own staff."""
    if scan_id is None:
        return None
    scan = db.session.get(Scan, scan_id)
    if scan is not None:
        job = db.session.get(Job, scan.job_id) if scan.job_id else None
        author = db.session.get(User, scan.created_by_id) if scan.created_by_id else None
        if (job and job.provider_id == user.provider_id) or (author and author.provider_id == user.provider_id):
            return scan
    raise invalid("scan_id", f"your provider has no scan {scan_id}")


def claim_facts(
    provider: Provider,
    serial: str,
    product: Product,
    parts: list[tuple[Part, int]],
    values: Mapping[str, Any],
    sale: SaleRecord | None = None,
    claim_id: int | None = None,
) -> ClaimFacts:
    """What the checks need: the claim as submitted and the sale record of its serial (looked up if not given)."""
    if sale is None:
        sale = db.session.scalar(select(SaleRecord).where(SaleRecord.serial == serial))
    return ClaimFacts(
        serial=serial,
        model=product.model,
        failure_date=values["failure_date"],
        repair_date=values["repair_date"],
        provider=provider,
        product=product,
        sale=sale,
        parts=parts,
        job_id=values.get("job_id"),
        claim_id=claim_id,
        duplicate_window_days=current_app.config["CLAIM_DUPLICATE_WINDOW_DAYS"],
    )


def visible_claims(user: User) -> Select[Claim]:
    """The claims ``user`` may see: provider staff their own provider's, auditors and admins all."""
    statement = select(Claim)
    if user.role in PROVIDER_ROLES:
        statement = statement.where(Claim.provider_id == user.provider_id)
    return statement


def _month_of(column):
    if db.session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column, type_=String)


def _month_bounds(month: str) -> tuple[date, date]:
    year, mon = (int(part) for part in month.split("-"))
    start = date(year, mon, 1)
    end = date(year + (mon == 12), mon % 12 + 1, 1)
    return start, end


def list_claims(user: User, args: Mapping[str, Any]) -> Select[Claim]:
    """The claims the caller may see, filtered, in the order ``args["sort"]`` names (newest first by default)."""
    sort = args.get("sort", "-created")
    statement = visible_claims(user)
    if "provider_code" in args or sort.lstrip("-") == "provider":
        statement = statement.join(Provider, Claim.provider_id == Provider.id)
    statement = statement.order_by(*_claim_order(sort))
    if "status" in args:
        statement = statement.where(Claim.status == args["status"])
    if "provider_code" in args:
        statement = statement.where(Provider.code == args["provider_code"])
    if "flag" in args:
        statement = statement.where(Claim.flags.any(ClaimFlag.code == args["flag"]))
    if "month" in args:
        start, end = _month_bounds(args["month"])
        statement = statement.where(Claim.repair_date >= start, Claim.repair_date < end)
    if "serial" in args:
        statement = statement.where(Claim.serial == normalise_serial(args["serial"]))
    return statement


def _claim_order(sort: str) -> list[Any]:
    """ORDER BY of a claim list (the provider's table joined for ``provider``), the id breaking ties.

    ``queue`` is the auditor's: the claims waiting for review, the longest waiting first, then the decided
    ones, the latest first (the history an auditor looks back on).
    """
    if sort == "queue":
        waiting = Claim.status == PENDING_REVIEW
        return [case((waiting, 0), else_=1), case((waiting, Claim.id), else_=-Claim.id)]
    key = sort.lstrip("-")
    columns: dict[str, Any] = {
        "created": Claim.id,
        "amount": Claim.labor_fee_cents + Claim.parts_amount_cents,
        "repair_date": Claim.repair_date,
        "provider": Provider.name,
    }
    column = columns[key]
    if sort.startswith("-"):
        return [column.desc(), Claim.id.desc()]
    return [column.asc(), Claim.id.asc()]


def get_claim(user: User, claim_id: int) -> Claim:
    """One claim the caller may see; 404 for others, so their existence does not leak."""
    claim: Claim | None = db.session.scalar(visible_claims(user).where(Claim.id == claim_id))
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    return claim


def decide_claim(
    user: User,
    claim_id: int,
    decision: str,
    reason: str,
    now: datetime | None = None,
    labor: Mapping[str, Any] | None = None,
    lines: Sequence[Mapping[str, Any]] = (),
) -> Claim:
    """An auditor decides a claim waiting for review, line by line; who, when and why are kept.

    Rejecting the claim rejects every line. Approving it approves its labour and each part line unless
    ``labor`` or ``lines`` (``{"id", "decision", "reason"}``) reject them, each with its reason; a part line
    approved still waits for its old parts, and the claim's approved amount is the sum of its approved lines.
    """
    claim: Claim | None = db.session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update())
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    if claim.status != PENDING_REVIEW:
        raise Conflict(
            f"Claim {claim_id} is {claim.status}; only claims waiting for review are decided.",
            code="claim_not_pending",
        )
    if decision == "reject" and not reason.strip():
        raise invalid("reason", "say why the claim is rejected")
    rejected_lines = _rejected_lines(claim, decision, labor, lines)
    labor_rejected = decision == "approve" and labor is not None and labor["decision"] == "reject"
    refused = {line.id for line in claim.lines if line.status == RETURN_REJECTED} | set(rejected_lines)
    if decision == "approve" and labor_rejected and len(refused) == len(claim.lines):
        raise invalid("decision", "every line is rejected: reject the claim instead")
    claim.status = APPROVED if decision == "approve" else REJECTED
    claim.decided_by_id = user.id
    claim.decided_at = now or datetime.now(UTC)
    claim.decision_reason = reason.strip()
    if decision == "reject":
        claim.labor_status, claim.labor_reason = LINE_REJECTED, reason.strip()
    elif labor_rejected:
        claim.labor_status, claim.labor_reason = LINE_REJECTED, labor["reason"].strip()  # type: ignore[index]
    else:
        claim.labor_status = LINE_APPROVED
    for line in claim.lines:
        if line.id in rejected_lines:
            line.status, line.reason = LINE_REJECTED, rejected_lines[line.id]
        elif decision == "reject":
            line.reason = reason.strip()
    claim_returns.refresh(claim)
    db.session.flush()
    return claim


def _rejected_lines(
    claim: Claim, decision: str, labor: Mapping[str, Any] | None, lines: Sequence[Mapping[str, Any]]
) -> dict[int, str]:
    """``{line id: reason}`` of the part lines the auditor rejects; InvalidInput naming a line that is wrong."""
    if decision == "reject" and (labor is not None or lines):
        raise invalid("lines", "a rejected claim rejects every line: decide lines only when approving")
    if labor is not None and labor["decision"] == "reject" and not labor["reason"].strip():
        raise invalid("labor.reason", "say why the labour is rejected")
    own = {line.id for line in claim.lines}
    rejected: dict[int, str] = {}
    seen: set[int] = set()
    for index, line in enumerate(lines):
        if line["id"] not in own:
            raise invalid(f"lines.{index}.id", f"claim {claim.id} has no line {line['id']}")
        if line["id"] in seen:
            raise invalid(f"lines.{index}.id", f"line {line['id']} is decided twice")
        seen.add(line["id"])
        if line["decision"] == "reject":
            if not line["reason"].strip():
                raise invalid(f"lines.{index}.reason", "say why the line is rejected")
            rejected[line["id"]] = line["reason"].strip()
    return rejected


def _yuan(cents: int | Decimal) -> str:
    cents = int(cents)  # PostgreSQL sums bigints into Decimals
    return f"{cents // 100}.{cents % 100:02d}"


# ---------------------------------------------------------------- report


def claims_report(user: User, args: Mapping[str, Any]) -> ClaimsReport:
    """Claims and amounts by flag, provider and month, and by status, so money held back is visible.

    Held back is the money of the claims waiting for an auditor: flagged, not paid until approved. A
    rejected claim is not held but refused, and is counted apart. ``month``, or ``from`` and ``to``
    (days), narrow it by repair date.
    """
    month = _month_of(Claim.repair_date).label("month")
    amount = func.sum(Claim.labor_fee_cents + Claim.parts_amount_cents)
    scope: list[ColumnElement[bool]] = []
    if user.role not in (ADMIN, AUDITOR):
        scope.append(Claim.provider_id == user.provider_id)
    if "month" in args:
        start, end = _month_bounds(args["month"])
        scope += [Claim.repair_date >= start, Claim.repair_date < end]
    if "from" in args:
        scope.append(Claim.repair_date >= args["from"])
    if "to" in args:
        scope.append(Claim.repair_date <= args["to"])
    if "provider_code" in args:
        scope.append(Provider.code == args["provider_code"])
    # A claim may carry one code twice (two earlier claims): count it, and its money, once per code.
    flagged = select(ClaimFlag.claim_id, ClaimFlag.code).distinct().subquery()
    by_flag = db.session.execute(
        select(flagged.c.code, Provider.code, Provider.name, month, func.count(), amount)
        .join(Claim, flagged.c.claim_id == Claim.id)
        .join(Provider, Claim.provider_id == Provider.id)
        .where(*scope)
        .group_by(flagged.c.code, Provider.code, Provider.name, literal_column("month"))
        .order_by(literal_column("month"), Provider.code, flagged.c.code)
    ).all()
    by_status = db.session.execute(
        select(Claim.status, Provider.code, Provider.name, month, func.count(), amount)
        .join(Provider, Claim.provider_id == Provider.id)
        .where(*scope)
        .group_by(Claim.status, Provider.code, Provider.name, literal_column("month"))
        .order_by(literal_column("month"), Provider.code, Claim.status)
    ).all()

    def of_status(status: str) -> tuple[int, int]:
        rows = [(count, cents) for each, _, _, _, count, cents in by_status if each == status]
        return sum(count for count, _ in rows), sum(int(cents) for _, cents in rows)

    held_count, held_cents = of_status(PENDING_REVIEW)
    rejected_count, rejected_cents = of_status(REJECTED)
    return {
        "by_flag": [
            {"flag": f, "provider_code": p, "provider_name": name, "month": m, "claims": n, "amount": _yuan(a)}
            for f, p, name, m, n, a in by_flag
        ],
        "by_status": [
            {"status": s, "provider_code": p, "provider_name": name, "month": m, "claims": n, "amount": _yuan(a)}
            for s, p, name, m, n, a in by_status
        ],
        "held_back": _yuan(held_cents),
        "held_back_claims": held_count,
        "rejected": _yuan(rejected_cents),
        "rejected_claims": rejected_count,
    }
