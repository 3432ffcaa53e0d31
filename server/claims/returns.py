"""What old parts coming back mean for claims: a returnable part's line waits for its returns, and flags say why.

A claim line for a returnable part stands behind the returns its job owes for that part (made when the part
was fitted; made here for what the job did not record). The line waits (``awaiting_return``) until the RDC
accepts every one, and one rejected return rejects it (``return_rejected``). The claim carries a flag, with
its evidence, for each return without an old serial (NO_OLD_SERIAL), whose old serial another job recorded or
returned (OLD_PART_REUSED), past its deadline (PART_NOT_RETURNED) or rejected at the RDC (PART_RETURN_REJECTED).
"""

from collections.abc import Iterable
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from server.claims.checks import Flag
from server.claims.models import AWAITING_RETURN
from server.claims.models import LINE_APPROVED
from server.claims.models import LINE_PENDING
from server.claims.models import LINE_REJECTED
from server.claims.models import PENDING_REVIEW
from server.claims.models import REJECTED
from server.claims.models import RETURN_REJECTED
from server.claims.models import Claim
from server.claims.models import ClaimFlag
from server.claims.models import ClaimLine
from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import Job
from server.supply.models import PartReturn
from server.supply.services import returns
from server.users.models import User

# Line statuses no later event changes: the auditor's rejection, the RDC's.
FINAL_LINE_STATUSES = (LINE_REJECTED, RETURN_REJECTED)


def line_status(claim_status: str, line_returns: Sequence[PartReturn]) -> str:
    """A part line's status from its claim's and its returns' (for a line the auditor did not reject)."""
    if claim_status == REJECTED:
        return LINE_REJECTED
    if any(row.status == "rejected" for row in line_returns):
        return RETURN_REJECTED
    if any(row.status != "accepted" for row in line_returns):
        return AWAITING_RETURN
    return LINE_PENDING if claim_status == PENDING_REVIEW else LINE_APPROVED


def returns_of(lines: Iterable[ClaimLine]) -> dict[int, list[PartReturn]]:
    """``{line id: [its returns]}`` in one query."""
    ids = [line.id for line in lines]
    found: dict[int, list[PartReturn]] = {line_id: [] for line_id in ids}
    if ids:
        for row in db.session.scalars(
            select(PartReturn).where(PartReturn.claim_line_id.in_(ids)).order_by(PartReturn.id)
        ):
            found[row.claim_line_id].append(row)  # type: ignore[index]
    return found


def refresh(claim: Claim) -> None:
    """Bring the claim's part lines (other than the finally rejected) in line with its status and returns."""
    by_line = returns_of(claim.lines)
    for line in claim.lines:
        if line.status not in FINAL_LINE_STATUSES:
            line.status = line_status(claim.status, by_line[line.id])


def link(claim: Claim, job: Job | None, now: datetime) -> list[Flag]:
    """Tie each returnable part line of a new claim to the returns it stands behind; answer their flags.

    The job's returns of the part not yet claimed come first; what the job did not owe (a claim without a job,
    or more parts claimed than fitted) is owed from now on, with no old serial.
    """
    flags: list[Flag] = []
    returnable = [line for line in claim.lines if line.part.return_required]
    if not returnable:
        return flags
    province_id = (job.province_id if job is not None else None) or returns.provider_province_id(claim.provider)
    own: list[PartReturn] = []
    for line in returnable:
        found: list[PartReturn] = []
        if job is not None:
            found = list(
                db.session.scalars(
                    select(PartReturn)
                    .where(
                        PartReturn.job_id == job.id,
                        PartReturn.part_id == line.part_id,
                        PartReturn.claim_line_id.is_(None),
                    )
                    .order_by(PartReturn.id)
                    .limit(line.qty)
                    .with_for_update(of=PartReturn)
                )
            )
        if province_id is not None:
            for _ in range(line.qty - len(found)):
                row = PartReturn(
                    job_id=job.id if job is not None else None,
                    part_id=line.part_id,
                    provider_id=claim.provider_id,
                    province_id=province_id,
                    price_cents=line.unit_price_cents,
                    status="owed",
                    fitted_at=now,
                    due_at=now + returns.return_days(),
                    created_at=now,
                )
                db.session.add(row)
                found.append(row)
        for row in found:
            row.claim_line_id = line.id
            row.claim_id = claim.id
        line.status = AWAITING_RETURN if any(row.status != "accepted" for row in found) else line.status
        own.extend(found)
    db.session.flush()
    flags.extend(_serial_flags(claim, own))
    for row in own:
        if row.status == "rejected":
            flags.append(rejected_flag(row))
        elif row.status in returns.ON_THE_WAY and row.due_at < now:
            flags.append(not_returned_flag(row))
    return flags


def _serial_flags(claim: Claim, own: list[PartReturn]) -> list[Flag]:
    flags: list[Flag] = []
    for row in own:
        if row.old_serial is None:
            flags.append(
                (
                    "NO_OLD_SERIAL",
                    f"No serial was recorded for the old {row.part.part_no} ({row.part.name}) of part return "
                    f"{row.number}: nothing ties the part sent back to this repair.",
                    {"part_no": row.part.part_no, "return_id": row.id, "return_number": row.number},
                )
            )
    reused = returns.reused_serials(
        [row.old_serial for row in own if row.old_serial], claim.job_id, own=[row.id for row in own]
    )
    for serial, other in reused.items():
        job_words = f"job {other.job.number}" if other.job is not None else f"part return {other.number}"
        flags.append(
            (
                "OLD_PART_REUSED",
                f"Old part serial {serial} was already recorded on {job_words}: the same old part is claimed twice.",
                {
                    "serial": serial,
                    "other_return_id": other.id,
                    "other_job_id": other.job_id,
                    "other_job_number": other.job.number if other.job is not None else None,
                },
            )
        )
    return flags


def not_returned_flag(row: PartReturn) -> Flag:
    due = row.due_at.date().isoformat()
    return (
        "PART_NOT_RETURNED",
        f"Old part {row.part.part_no} of part return {row.number} was due at the RDC of {row.province.name} by "
        f"{due} and has not arrived.",
        {
            "part_no": row.part.part_no,
            "return_id": row.id,
            "return_number": row.number,
            "due": due,
            "province": row.province.name,
        },
    )


def rejected_flag(row: PartReturn) -> Flag:
    return (
        "PART_RETURN_REJECTED",
        f"The RDC of {row.province.name} inspected old part {row.part.part_no} of part return {row.number} and "
        f"found it {(row.result or '').replace('_', ' ')}: {row.note}",
        {
            "part_no": row.part.part_no,
            "return_id": row.id,
            "return_number": row.number,
            "result": row.result,
            "note": row.note,
            "province": row.province.name,
        },
    )


def _add_flag(line_id: int | None, flag: Flag) -> Claim | None:
    """Put ``flag`` on the claim of ``line_id`` (once per return and code) and refresh its lines."""
    if line_id is None:
        return None
    line = db.session.get(ClaimLine, line_id)
    if line is None:
        return None
    claim: Claim | None = db.session.scalar(select(Claim).where(Claim.id == line.claim_id).with_for_update())
    assert claim is not None
    code, message, facts = flag[0], flag[1], flag[2] if len(flag) > 2 else None
    if not any(
        f.code == code and (f.facts or {}).get("return_id") == (facts or {}).get("return_id") for f in claim.flags
    ):
        claim.flags.append(ClaimFlag(code=code, message=message, facts=facts))
    refresh(claim)
    return claim


def inspect(
    user: User, return_id: int, result: str, note: str, old_serial: str | None, now: datetime | None = None
) -> PartReturn:
    """The RDC's inspection of one returned part, and what it does to the claim line it stands behind."""
    row = returns.inspect(user, return_id, result, note, old_serial, now=now)
    if row.status == "rejected":
        _add_flag(row.claim_line_id, rejected_flag(row))
    elif row.claim_line_id is not None:
        line = db.session.get(ClaimLine, row.claim_line_id)
        if line is not None:
            claim = db.session.scalar(select(Claim).where(Claim.id == line.claim_id).with_for_update())
            assert claim is not None
            refresh(claim)
    db.session.flush()
    return row


def mark_overdue(now: datetime | None = None) -> int:
    """The scheduler's sweep: returns past their deadline marked and penalised, their claims flagged."""
    now = now or utcnow()
    marked = returns.mark_overdue(now)
    for row in marked:
        _add_flag(row.claim_line_id, not_returned_flag(row))
    db.session.flush()
    return len(marked)
