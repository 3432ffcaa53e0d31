"""Deductions from a provider's statement (网点结算扣款): each with its rule, its amount and the reason it reads.

A deduction arises once from what it names (a late or rejected old-part return, an upheld complaint, a repeat
repair): ``deduct`` records it unless that source already has one, so the scheduler's sweeps and the events
that raise it at once never deduct twice. It waits, unsettled, for the provider's next statement.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from server.core.clock import local_offset
from server.core.clock import utcnow
from server.extensions import db
from server.network.models import Deduction

# The source column each rule's deductions are keyed by (MANUAL ones name none).
SOURCES = ("part_return_id", "complaint_id", "claim_id")


def month_of(moment: datetime) -> str:
    """The users' calendar month of ``moment``, YYYY-MM."""
    return (moment + local_offset()).strftime("%Y-%m")


def return_penalty_cents(price_cents: int) -> int:
    """What a late or rejected return costs under ``RETURN_PENALTY``: the part's price, or a fixed amount."""
    rule = str(current_app.config["RETURN_PENALTY"]).strip()
    if rule == "price":
        return price_cents
    if rule.isdigit():
        return int(rule)
    raise RuntimeError(f"RETURN_PENALTY must be 'price' or an amount in cents, not {rule!r}")


def deduct(
    provider_id: int,
    rule: str,
    amount_cents: int,
    reason: str,
    when: datetime | None = None,
    created_by_id: int | None = None,
    reference: str = "",
    **source: int,
) -> Deduction | None:
    """Record a deduction of ``amount_cents`` from the provider's next statement; None if its source has one.

    ``source``: at most one of ``SOURCES`` naming what it arises from. The caller holds that source's row (or
    its lock), so two callers never both find none; the unique columns back that.
    """
    (column, source_id), *more = source.items() if source else ((None, None),)
    if more or (column is not None and column not in SOURCES):
        raise ValueError(f"one source of {SOURCES}, not {sorted(source)}")
    if amount_cents <= 0:
        return None
    if column is not None:
        with db.session.no_autoflush:
            taken = db.session.scalar(select(Deduction.id).where(getattr(Deduction, column) == source_id))
        if taken is not None:
            return None
    deduction = Deduction(
        provider_id=provider_id,
        month=month_of(when or utcnow()),
        rule=rule,
        amount_cents=amount_cents,
        reason=reason[:2000],
        reference=reference[:32],
        created_by_id=created_by_id,
        created_at=utcnow(),
        **({column: source_id} if column is not None else {}),
    )
    db.session.add(deduction)
    return deduction
