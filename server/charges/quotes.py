"""Quotes, the customer's approval, payments and receipts of a paid (out-of-warranty) repair.

The technician builds a quote on the phone, offline, from the fee guide; each save is a new version and makes
the one before ``superseded``, approved or not, so any change after the customer approved needs their approval
again. Saving sends the customer an approval code; the customer approves by giving it to the technician or by
signing on the phone. Payments are recorded against the approved version only, never above its total, each
with a receipt number the phone made offline from the payment's uuid (``receipt_number``).
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func
from sqlalchemy import select

from server.charges import guide
from server.charges.models import APPROVED
from server.charges.models import PENDING_APPROVAL
from server.charges.models import SUPERSEDED
from server.charges.models import Payment
from server.charges.models import Quote
from server.core.clock import utcnow
from server.core.reference import invalid
from server.errors import Conflict
from server.errors import DomainError
from server.errors import Forbidden
from server.errors import NotFound
from server.evidence import signatures
from server.extensions import db
from server.jobs.models import Job
from server.jobs.services import lifecycle
from server.jobs.services.events import record
from server.messaging import gateway
from server.network.ledger import yuan
from server.parts.models import Part
from server.parts.models import part_models
from server.products.models import Product
from server.users.models import User

# Crockford's base32: no I, L, O or U, so a receipt read aloud or copied by hand is not misread.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECEIPT_CHARS = 10  # 50 bits


def receipt_number(payment_ref: str) -> str:
    """The receipt number of the payment whose uuid is ``payment_ref``: the first 50 bits of the SHA-256 of the
    uuid written in lower case with its hyphens (UTF-8), as 10 characters of Crockford base32, most significant
    first. The phone makes the same offline; 50 bits leave nobody a receipt number to guess."""
    digest = hashlib.sha256(payment_ref.lower().encode("utf-8")).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * RECEIPT_CHARS)
    return "".join(CROCKFORD[(bits >> (5 * (RECEIPT_CHARS - 1 - i))) & 31] for i in range(RECEIPT_CHARS))


def code_digest(key: str, quote_ref: str, code: str) -> str:
    """The keyed digest of a quote's approval code: bound to the quote, so one says nothing of another's code."""
    return hmac.new(key.encode(), f"quote-code:{quote_ref}:{code}".encode(), hashlib.sha256).hexdigest()


def _technician_of(job: Job, user: User) -> None:
    if job.technician_id != user.id:
        raise Forbidden(f"Job {job.number} is not assigned to you.", code="not_your_job")


# A job past these takes no new quote or approval: the repair is over. Money may still come in after it (the
# customer pays the next day), but not on a cancelled job.
ENDED = ("completed", "closed", "cancelled")


def _open(job: Job, ended: tuple[str, ...] = ENDED) -> None:
    if job.state in ended:
        raise Conflict(
            f"Job {job.number} is {job.state}: its charges are settled as they stand.",
            code="job_ended",
            details={"state": job.state},
        )


def _paid_job(job: Job) -> None:
    if job.job_type != "paid":
        raise Conflict(
            f"Job {job.number} is a {job.job_type} job: only a paid job is quoted and charged.",
            code="not_a_paid_job",
            details={"job_type": job.job_type},
        )


def latest_quote(job_id: int) -> Quote | None:
    return db.session.scalar(select(Quote).where(Quote.job_id == job_id).order_by(Quote.version.desc()).limit(1))


def _category(job: Job) -> str | None:
    if job.product_id is None:
        return None
    return db.session.scalar(select(Product.category).where(Product.id == job.product_id))


def _model_parts(job: Job) -> set[int] | None:
    """The ids of the parts listed for the job's model, or None when the catalogue lists none for it."""
    if job.product_id is None:
        return None
    ids = set(db.session.scalars(select(part_models.c.part_id).where(part_models.c.product_id == job.product_id)))
    return ids or None


def priced_lines(job: Job, lines: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int, int]:
    """``(lines, guide_total, total before discount)``: each line with its ``name`` and ``guide_price_cents`` from
    the guide (a fee item of the job's category, a part of its model at its customer price, the travel fee of the
    job's area class); 422 naming ``lines.<i>.<field>`` on a negative price or an unknown code."""
    fees = guide.fee_items([line["fee_code"] for line in lines if line["kind"] == "labour" and line["fee_code"]])
    part_nos = [line["part_code"] for line in lines if line["kind"] == "part" and line["part_code"]]
    parts = {}
    if part_nos:
        parts = {part.part_no: part for part in db.session.scalars(select(Part).where(Part.part_no.in_(part_nos)))}
    category = _category(job)
    model_parts = _model_parts(job) if parts else None
    priced = []
    guide_total = total = 0
    for i, line in enumerate(lines):
        field = f"lines.{i}"
        if line["unit_price_cents"] < 0:
            raise invalid(f"{field}.unit_price_cents", "a price may not be negative")
        kind, quantity = line["kind"], line["quantity"]
        out: dict[str, Any] = {"kind": kind, "quantity": quantity, "unit_price_cents": line["unit_price_cents"]}
        if kind == "labour":
            item = fees.get(line["fee_code"] or "")
            if item is None:
                raise invalid(f"{field}.fee_code", f"the fee guide has no item {line['fee_code']}")
            if category is not None and item.category != category:
                raise invalid(f"{field}.fee_code", f"{item.code} is a fee of {item.category}, not of {category}")
            out.update(fee_code=item.code, name=item.name, guide_price_cents=item.labour_cents)
        elif kind == "part":
            part = parts.get(line["part_code"] or "")
            if part is None:
                raise invalid(f"{field}.part_code", f"there is no part {line['part_code']}")
            if model_parts is not None and part.id not in model_parts:
                raise invalid(f"{field}.part_code", f"part {part.part_no} is not on the parts list of the job's model")
            out.update(part_code=part.part_no, name=part.name, guide_price_cents=part.customer_price_cents)
        else:
            area_class = job.region.area_class
            fee = guide.travel_fee_cents(area_class)
            if fee is None:
                raise invalid(f"{field}.kind", f"the fee guide has no travel fee for {area_class} areas")
            quantity = out["quantity"] = 1
            out.update(name="上门费", guide_price_cents=fee)
        guide_total += out["guide_price_cents"] * quantity
        total += out["unit_price_cents"] * quantity
        priced.append(out)
    return priced, guide_total, total


def save(
    job: Job, user: User, args: Mapping[str, Any], device_time: datetime | None = None, now: datetime | None = None
) -> Quote:
    """A new version of the job's quote (``ref``, ``lines``, ``discount_cents``, ``note``); the one before is
    superseded and the customer is sent a code to approve this one. The same ``ref`` again changes nothing."""
    now = now or utcnow()
    _technician_of(job, user)
    _paid_job(job)
    existing = db.session.scalar(select(Quote).where(Quote.ref == args["ref"]))
    if existing is not None:
        if existing.job_id != job.id:
            raise invalid("ref", "this quote ref belongs to another job")
        return existing
    _open(job)
    lines, guide_total, total = priced_lines(job, args["lines"])
    discount = args["discount_cents"]
    if discount < 0:
        raise invalid("discount_cents", "a discount may not be negative")
    if discount > total:
        raise invalid("discount_cents", f"the discount is more than the lines' sum ({total} cents)")
    previous = latest_quote(job.id)
    if previous is not None and previous.status != SUPERSEDED:
        previous.status = SUPERSEDED
    code = f"{secrets.randbelow(1_000_000):06d}"
    quote = Quote(
        job_id=job.id,
        ref=args["ref"],
        version=(previous.version + 1) if previous is not None else 1,
        status=PENDING_APPROVAL,
        lines=lines,
        guide_total_cents=guide_total,
        discount_cents=discount,
        total_cents=total - discount,
        note=args["note"].strip(),
        code_digest=code_digest(current_app.config["SECRET_KEY"], args["ref"], code),
        created_at=now,
        created_by_id=user.id,
    )
    db.session.add(quote)
    db.session.flush()
    gateway.send(
        "quote_code",
        job.request.customer_phone,
        {"job_number": job.number, "total": yuan(quote.total_cents), "code": code},
        job=job,
    )
    record(
        job,
        "quote",
        user,
        from_state=job.state,
        device_time=device_time,
        data={"quote_ref": quote.ref, "version": quote.version, "total_cents": quote.total_cents},
        at=now,
    )
    return quote


def _quote_of(job: Job, ref: str, field: str) -> Quote:
    quote: Quote | None = db.session.scalar(
        select(Quote).where(Quote.ref == ref, Quote.job_id == job.id).with_for_update()
    )
    if quote is None:
        raise DomainError(
            f"Job {job.number} has no quote {ref}.",
            code="quote_not_found",
            status=422,
            details={"fields": {field: ["no such quote on this job"]}},
        )
    return quote


def approve(
    job: Job, user: User, args: Mapping[str, Any], device_time: datetime | None = None, now: datetime | None = None
) -> Quote:
    """The customer approves quote ``ref``: by a signature PNG uploaded first (checked as the completion's) or by
    the code sent to them. A superseded version is a 409; approving again changes nothing."""
    now = now or utcnow()
    _technician_of(job, user)
    _paid_job(job)
    quote = _quote_of(job, args["ref"], "ref")
    if quote.status == APPROVED:
        return quote
    _open(job)
    if quote.status == SUPERSEDED:
        raise Conflict(
            f"Quote version {quote.version} of job {job.number} was replaced by a later one: approve that.",
            code="quote_superseded",
        )
    if args["method"] == "signature":
        if not args["signature_sha256"]:
            raise invalid("signature_sha256", "give the SHA-256 of the customer's signature PNG")
        try:
            signatures.checked_signature(user, args["signature_sha256"])
        except DomainError as error:
            # The same checks as the completion's signature, the field named as this op has it.
            raise DomainError(
                error.message,
                code=error.code,
                status=error.status,
                details={"fields": {"signature_sha256": [error.message]}},
            ) from None
        quote.approval_signature_sha256 = args["signature_sha256"]
    else:
        code = args["code"]
        if not code:
            raise invalid("code", "give the approval code sent to the customer")
        expected = quote.code_digest or ""
        if not hmac.compare_digest(code_digest(current_app.config["SECRET_KEY"], quote.ref, code), expected):
            raise DomainError(
                "The approval code is wrong: ask the customer for the code in the latest message.",
                code="wrong_code",
                status=422,
                details={"fields": {"code": ["wrong code"]}},
            )
    quote.status = APPROVED
    quote.approval_method = args["method"]
    quote.approved_at = now
    record(
        job,
        "quote_approved",
        user,
        from_state=job.state,
        device_time=device_time,
        data={"quote_ref": quote.ref, "version": quote.version, "method": args["method"]},
        at=now,
    )
    return quote


def paid_cents(quote_id: int) -> int:
    return int(db.session.scalar(select(func.sum(Payment.amount_cents)).where(Payment.quote_id == quote_id)) or 0)


def record_payment(
    job: Job, user: User, args: Mapping[str, Any], device_time: datetime | None = None, now: datetime | None = None
) -> Payment:
    """Money collected against the approved quote ``quote_ref``; the same ``ref`` again records nothing more."""
    now = now or utcnow()
    _technician_of(job, user)
    _paid_job(job)
    existing = db.session.scalar(select(Payment).where(Payment.ref == args["ref"]))
    if existing is not None:
        if existing.job_id != job.id:
            raise invalid("ref", "this payment ref belongs to another job")
        return existing
    _open(job, ("cancelled",))
    quote = _quote_of(job, args["quote_ref"], "quote_ref")
    if quote.status == SUPERSEDED:
        raise Conflict(
            f"Quote version {quote.version} of job {job.number} was replaced: take payment against the latest.",
            code="quote_superseded",
        )
    if quote.status != APPROVED:
        raise Conflict(
            f"The customer has not approved quote version {quote.version} of job {job.number} yet.",
            code="quote_not_approved",
        )
    if args["method"] == "qr" and not args["reference"].strip():
        raise invalid("reference", "give the payment's reference from the QR code payment")
    already = paid_cents(quote.id)
    if already + args["amount_cents"] > quote.total_cents:
        raise invalid(
            "amount_cents",
            f"{args['amount_cents']} cents would take the paid total above the quote's {quote.total_cents} "
            f"({already} paid already)",
        )
    number = args["receipt_number"]
    if number != receipt_number(args["ref"]):
        raise invalid("receipt_number", "the receipt number is not the one this payment's ref makes")
    if db.session.scalar(select(Payment.id).where(Payment.receipt_number == number)) is not None:
        raise Conflict(f"Receipt number {number} is taken.", code="receipt_taken")
    payment = Payment(
        ref=args["ref"],
        job_id=job.id,
        quote_id=quote.id,
        method=args["method"],
        reference=args["reference"].strip(),
        amount_cents=args["amount_cents"],
        receipt_number=number,
        technician_id=user.id,
        provider_id=job.provider_id,
        paid_at=min(device_time, now) if device_time is not None else now,
        created_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    record(
        job,
        "payment",
        user,
        from_state=job.state,
        device_time=device_time,
        data={"receipt_number": number, "amount_cents": payment.amount_cents, "method": payment.method},
        at=now,
    )
    return payment


# ---------------------------------------------------------------- close-out


def check_closeout(job: Job, unpaid_reason: str | None) -> None:
    """A job whose latest quote is approved but not fully paid, or still waits for approval, is not completed
    unless the completion says why (``unpaid_reason``): 409 ``payment_missing`` or ``quote_not_approved``."""
    if unpaid_reason is not None and unpaid_reason.strip():
        return
    quote = latest_quote(job.id)
    if quote is None or quote.status == SUPERSEDED:
        return
    if quote.status == PENDING_APPROVAL:
        raise Conflict(
            f"The customer has not approved the quote of job {job.number}: have it approved, or give unpaid_reason.",
            code="quote_not_approved",
        )
    paid = paid_cents(quote.id)
    if paid < quote.total_cents:
        raise Conflict(
            f"Job {job.number} has {quote.total_cents - paid} cents of its approved quote unpaid: record the "
            "payment, or give unpaid_reason.",
            code="payment_missing",
            details={"total_cents": quote.total_cents, "paid_cents": paid},
        )


# ---------------------------------------------------------------- reading


def payments_of(job_ids: Sequence[int]) -> dict[int, list[Payment]]:
    found: dict[int, list[Payment]] = {job_id: [] for job_id in job_ids}
    if job_ids:
        for payment in db.session.scalars(
            select(Payment).where(Payment.job_id.in_(job_ids)).order_by(Payment.created_at, Payment.id)
        ):
            found[payment.job_id].append(payment)
    return found


def quote_data(quote: Quote) -> dict[str, Any]:
    """A quote as the phone and the API read it (never its code's digest)."""
    return {
        "id": quote.id,
        "ref": quote.ref,
        "version": quote.version,
        "status": quote.status,
        "lines": quote.lines,
        "guide_total_cents": quote.guide_total_cents,
        "discount_cents": quote.discount_cents,
        "total_cents": quote.total_cents,
        "note": quote.note,
        "approval_method": quote.approval_method,
        "approval_signature_sha256": quote.approval_signature_sha256,
        "approved_at": quote.approved_at,
        "created_at": quote.created_at,
        "created_by": quote.created_by_id,
    }


def payment_data(payment: Payment, quote_ref: str) -> dict[str, Any]:
    return {
        "id": payment.id,
        "ref": payment.ref,
        "quote_ref": quote_ref,
        "method": payment.method,
        "reference": payment.reference,
        "amount_cents": payment.amount_cents,
        "receipt_number": payment.receipt_number,
        "technician_id": payment.technician_id,
        "paid_at": payment.paid_at,
    }


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` as the feeds keep it (JSON): times in ISO 8601."""
    return {key: value.isoformat() if isinstance(value, datetime) else value for key, value in data.items()}


def on_devices(job_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What the phone holds of each job's charges: ``{job_id: {"quote": latest or None, "payments": [...]}}``."""
    found: dict[int, dict[str, Any]] = {job_id: {"quote": None, "payments": []} for job_id in job_ids}
    if not job_ids:
        return found
    refs: dict[int, str] = {}
    for quote in db.session.scalars(select(Quote).where(Quote.job_id.in_(job_ids)).order_by(Quote.version)):
        refs[quote.id] = quote.ref
        found[quote.job_id]["quote"] = _plain(quote_data(quote))
    for job_id, payments in payments_of(job_ids).items():
        found[job_id]["payments"] = [
            _plain(payment_data(payment, refs.get(payment.quote_id, ""))) for payment in payments
        ]
    return found


def job_charges(job: Job) -> dict[str, Any]:
    """A job's charges: its type and area class, its latest quote and every version, payments and what is owed."""
    quotes = db.session.scalars(select(Quote).where(Quote.job_id == job.id).order_by(Quote.version.desc())).all()
    refs = {quote.id: quote.ref for quote in quotes}
    payments = payments_of([job.id])[job.id]
    latest = quotes[0] if quotes else None
    paid = sum(payment.amount_cents for payment in payments)
    approved_paid = sum(p.amount_cents for p in payments if latest is not None and p.quote_id == latest.id)
    outstanding = latest.total_cents - approved_paid if latest is not None and latest.status == APPROVED else 0
    return {
        "job_id": job.id,
        "job_number": job.number,
        "job_type": job.job_type,
        "area_class": job.region.area_class,
        "quote": quote_data(latest) if latest is not None else None,
        "quotes": [quote_data(quote) for quote in quotes],
        "payments": [payment_data(payment, refs.get(payment.quote_id, "")) for payment in payments],
        "paid_cents": paid,
        "outstanding_cents": max(outstanding, 0),
    }


def receipt(number: str) -> dict[str, Any]:
    """What a customer reads of a receipt at its public address; 404 ``receipt_not_found`` otherwise."""
    # Crockford's reading of what a person may type: lower case, O for 0, I or L for 1.
    typed = number.upper().replace("O", "0").replace("I", "1").replace("L", "1")
    payment = db.session.scalar(select(Payment).where(Payment.receipt_number == typed))
    if payment is None:
        raise NotFound(f"There is no receipt {number}.", code="receipt_not_found")
    job = payment.job
    return {
        "receipt_number": payment.receipt_number,
        "amount_cents": payment.amount_cents,
        "method": payment.method,
        "paid_at": payment.paid_at,
        "job_number": "*" * max(len(job.number) - 4, 0) + job.number[-4:],
        "provider_name": job.provider.name if job.provider is not None else None,
        "status": "recorded",
    }


def complete(
    job: Job,
    user: User,
    summary: str,
    confirmed_by: str,
    device_time: datetime | None = None,
    fault_code: str | None = None,
    confirmation: dict[str, Any] | None = None,
    position: Mapping[str, Any] | None = None,
    unpaid_reason: str | None = None,
) -> Job:
    """Complete the job (``signatures.complete``) once its charges allow it (``check_closeout``).

    The step's own rules come first, as for every step: a job that cannot be completed is a 409 whatever its
    charges."""
    lifecycle.check_step(job, user, "complete")
    check_closeout(job, unpaid_reason)
    return signatures.complete(
        job,
        user,
        summary,
        confirmed_by,
        device_time=device_time,
        fault_code=fault_code,
        confirmation=confirmation,
        position=position,
        unpaid_reason=unpaid_reason,
    )
