"""Complaints (投诉): recorded from any channel or opened by a callback, assigned, handled with notes,
closed out with the customer's confirmation.

A complaint is repeat when its customer or its unit had another complaint within
``COMPLAINT_REPEAT_DAYS`` before it; both are marked, so either shows in the repeat list.
"""

import uuid
from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from scanning.serials import normalise_serial
from server.care.models import COMPLAINT_CLOSED
from server.care.models import COMPLAINT_OPEN
from server.care.models import Callback
from server.care.models import Complaint
from server.care.models import ComplaintEvent
from server.care.services.scope import WORKERS
from server.care.services.scope import visible
from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.queries import one_or_404
from server.core.reference import invalid
from server.core.roles import TECHNICIAN
from server.errors import Conflict
from server.extensions import db
from server.jobs.models import Customer
from server.jobs.models import Job
from server.jobs.services.dispatch import region_chain
from server.network.deductions import deduct
from server.network.ledger import yuan
from server.network.models import Provider
from server.network.models import Region
from server.notifications.services import notify
from server.products.models import Product
from server.users.models import User


def _event(complaint, kind, actor, now, note="", data=None):
    db.session.add(
        ComplaintEvent(
            complaint_id=complaint.id,
            kind=kind,
            actor_id=actor.id if actor is not None else None,
            at=now,
            note=note,
            data=data,
        )
    )
    db.session.flush()
    # The complaint answered after this step shows it in its history.
    db.session.expire(complaint, ["events"])


# ---------------------------------------------------------------- opening


def open_complaint(
    actor: User, values: Mapping[str, Any], now: datetime | None = None, callback: Callback | None = None
) -> Complaint:
    """Record a complaint against a job and/or a provider, technician or product.

    With a job, its provider, technician, product, region and customer are the
    complaint's; any of them given as well must agree with the job's. Without
    one, a technician implies their provider. Due ``COMPLAINT_DUE_HOURS`` later.
    """
    now = now or utcnow()
    if not values["description"].strip():
        raise invalid("description", "say what the customer complains of")
    target = _target(values)
    complaint = Complaint(
        # Numbered from its id once flushed (CP00000123): a unique stand-in until then.
        number=f"tmp-{uuid.uuid4().hex[:24]}",
        status=COMPLAINT_OPEN,
        channel=values["channel"],
        category=values["category"],
        description=values["description"].strip(),
        callback_id=callback.id if callback is not None else None,
        created_by_id=actor.id,
        created_at=now,
        due_at=now + timedelta(hours=current_app.config["COMPLAINT_DUE_HOURS"]),
        **target,
    )
    _mark_repeats(complaint, now)
    db.session.add(complaint)
    db.session.flush()
    complaint.number = f"CP{complaint.id:08d}"
    _event(
        complaint,
        "opened",
        actor,
        now,
        data={"channel": complaint.channel, "category": complaint.category, "callback_id": complaint.callback_id},
    )
    return complaint


def _target(values):
    """The job, customer, unit, region, provider, technician and product a complaint is about."""
    job = None
    if values.get("job_id") is not None:
        job = db.session.get(Job, values["job_id"])
        if job is None:
            raise invalid("job_id", f"there is no job {values['job_id']}")
    provider = technician = product = customer = region = None
    if values.get("provider_code"):
        provider = db.session.scalar(select(Provider).where(Provider.code == values["provider_code"]))
        if provider is None:
            raise invalid("provider_code", f"unknown provider {values['provider_code']}")
    if values.get("technician_id") is not None:
        technician = db.session.get(User, values["technician_id"])
        if technician is None or technician.role != TECHNICIAN:
            raise invalid("technician_id", f"there is no technician {values['technician_id']}")
        if provider is not None and technician.provider_id != provider.id:
            # Named by id, as asked: a message never hands out another provider's usernames.
            raise invalid("technician_id", f"provider {provider.code} has no technician {technician.id}")
    if values.get("model"):
        product = db.session.scalar(select(Product).where(Product.model == values["model"]))
        if product is None:
            raise invalid("model", f"unknown model {values['model']}")
    if values.get("customer_id") is not None:
        customer = db.session.get(Customer, values["customer_id"])
        if customer is None:
            raise invalid("customer_id", f"there is no customer {values['customer_id']}")
    if values.get("region_code"):
        region = db.session.scalar(select(Region).where(Region.code == values["region_code"]))
        if region is None:
            raise invalid("region_code", f"unknown region {values['region_code']}")
    serial = normalise_serial(values.get("serial") or "")
    if job is not None:
        request = job.request
        for field, given, of_job in (
            ("provider_code", provider, job.provider),
            ("technician_id", technician, job.technician),
            ("model", product, request.product),
            ("customer_id", customer, request.customer),
            ("region_code", region, job.region),
        ):
            if given is not None and given is not of_job:
                raise invalid(field, f"job {job.number} has another one; leave it out or give the job's")
        if serial and serial != request.serial:
            raise invalid("serial", f"job {job.number} is about unit {request.serial or 'unknown'}")
        provider, technician, product = job.provider, job.technician, request.product
        customer, region, serial = request.customer, job.region, request.serial
    elif provider is None and technician is None and product is None:
        raise invalid("job_id", "say what the complaint is against: a job, provider, technician or product model")
    if technician is not None and provider is None:
        provider = technician.provider
    if region is None and customer is not None:
        region = customer.region
    return {
        "job_id": job.id if job is not None else None,
        "customer_id": customer.id if customer is not None else None,
        "serial": serial,
        "region_id": region.id if region is not None else None,
        "province_id": (
            job.province_id if job is not None else region_chain(region)[-1].id if region is not None else None
        ),
        "provider_id": provider.id if provider is not None else None,
        "technician_id": technician.id if technician is not None else None,
        "product_id": product.id if product is not None else None,
        "product_category": product.category if product is not None else None,
    }


def _mark_repeats(complaint, now):
    """Mark the complaint and its customer's or unit's others within the repeat window as repeat."""
    same = []
    keys = []
    if complaint.customer_id is not None:
        same.append(Complaint.customer_id == complaint.customer_id)
        keys.append(f"complaints:customer:{complaint.customer_id}")
    if complaint.serial:
        same.append(Complaint.serial == complaint.serial)
        keys.append(f"complaints:serial:{complaint.serial}")
    if not same:
        return
    # Two complaints of one customer recorded at once must see each other.
    serialise_on(*keys)
    since = now - timedelta(days=current_app.config["COMPLAINT_REPEAT_DAYS"])
    earlier = db.session.scalars(select(Complaint).where(or_(*same), Complaint.created_at >= since)).all()
    if earlier:
        complaint.repeat = True
        for other in earlier:
            other.repeat = True


# ---------------------------------------------------------------- reading


def visible_complaints(user: User) -> Select[Complaint]:
    return visible(select(Complaint), Complaint, user)


def complaint_for(user: User, complaint_id: int, lock: bool = False) -> Complaint:
    """The complaint if the caller may see it, else 404; ``lock`` holds its row for the change to be made."""
    statement = visible_complaints(user).where(Complaint.id == complaint_id)
    message = f"You have no complaint {complaint_id}."
    return one_or_404(statement, Complaint, message, "complaint_not_found", lock=lock)


def is_overdue(complaint: Complaint, now: datetime | None = None) -> bool:
    return complaint.status == COMPLAINT_OPEN and complaint.due_at < (now or utcnow())


def shown_to(user: User, complaint: Complaint, now: datetime | None = None) -> Complaint:
    """``complaint`` with whether it is overdue now, as its schema shows."""
    complaint.overdue = is_overdue(complaint, now)
    return complaint


def list_complaints(user: User, args: Mapping[str, Any], now: datetime | None = None) -> Select[Complaint]:
    """The caller's complaints: open and overdue ones most urgent first, others newest first."""
    now = now or utcnow()
    statement = visible_complaints(user).options(joinedload(Complaint.job), joinedload(Complaint.provider))
    status = args.get("status")
    if status == "open":
        statement = statement.where(Complaint.status == COMPLAINT_OPEN)
    elif status == "overdue":
        statement = statement.where(Complaint.status == COMPLAINT_OPEN, Complaint.due_at < now)
    elif status == "closed":
        statement = statement.where(Complaint.status == COMPLAINT_CLOSED)
    if "repeat" in args:
        statement = statement.where(Complaint.repeat.is_(args["repeat"]))
    if "provider_code" in args:
        statement = statement.join(Provider, Provider.id == Complaint.provider_id).where(
            Provider.code == args["provider_code"]
        )
    if "category" in args:
        statement = statement.where(Complaint.category == args["category"])
    if "job_id" in args:
        statement = statement.where(Complaint.job_id == args["job_id"])
    if status in ("open", "overdue"):
        return statement.order_by(Complaint.due_at, Complaint.id)
    return statement.order_by(Complaint.created_at.desc(), Complaint.id.desc())


# ---------------------------------------------------------------- handling


def _refuse_closed(complaint, action):
    if complaint.status == COMPLAINT_CLOSED:
        raise Conflict(
            f"Complaint {complaint.number} is closed; it cannot be {action}.",
            code="complaint_closed",
            details={"closed_at": complaint.closed_at.isoformat()},
        )


def assign(complaint: Complaint, actor: User, user_id: int, now: datetime | None = None) -> Complaint:
    """Give the complaint to an agent or admin to handle; they are told."""
    now = now or utcnow()
    _refuse_closed(complaint, "assigned")
    assignee = db.session.get(User, user_id)
    if assignee is None or assignee.role not in WORKERS:
        raise invalid("user_id", f"there is no agent or admin {user_id}")
    if not assignee.active:
        raise invalid("user_id", f"{assignee.username} is disabled")
    if assignee.id == complaint.assignee_id:
        raise Conflict(f"Complaint {complaint.number} is with {assignee.username} already.", code="already_assigned")
    previous = complaint.assignee_id
    complaint.assignee_id = assignee.id
    _event(complaint, "assigned", actor, now, data={"user_id": assignee.id, "previous_user_id": previous})
    notify(
        [assignee],
        "complaint_assigned",
        f"Complaint {complaint.number} is yours to handle: {complaint.description[:80]}",
        job=complaint.job,
        data={"complaint_id": complaint.id},
    )
    db.session.flush()
    return complaint


def add_note(complaint: Complaint, actor: User, note: str, now: datetime | None = None) -> Complaint:
    """Record what was done or said while handling the complaint."""
    _refuse_closed(complaint, "noted")
    if not note.strip():
        raise invalid("note", "write what was done or said")
    _event(complaint, "note", actor, now or utcnow(), note=note.strip())
    return complaint


def close(
    complaint: Complaint,
    actor: User,
    resolution: str,
    customer_confirmed: bool,
    now: datetime | None = None,
    upheld: bool = False,
) -> Complaint:
    """Close out the complaint with its resolution, confirmed by the customer; a closed one is never closed again.

    ``upheld``: found to be its provider's fault, which costs the provider COMPLAINT_DEDUCTION_CENTS on its next
    statement.
    """
    now = now or utcnow()
    _refuse_closed(complaint, "closed again")
    if customer_confirmed is not True:
        raise invalid("customer_confirmed", "a complaint is closed out only once the customer confirms the resolution")
    if not resolution.strip():
        raise invalid("resolution", "say how the complaint was resolved")
    complaint.status = COMPLAINT_CLOSED
    complaint.closed_at = now
    complaint.closed_by_id = actor.id
    complaint.resolution = resolution.strip()
    complaint.customer_confirmed = True
    if upheld and complaint.provider_id is None:
        raise invalid("upheld", "the complaint names no provider to hold it against")
    complaint.upheld = upheld
    _event(
        complaint,
        "closed",
        actor,
        now,
        note=complaint.resolution,
        data={"customer_confirmed": True, **({"upheld": True} if upheld else {})},
    )
    if upheld and complaint.provider_id is not None:
        amount = current_app.config["COMPLAINT_DEDUCTION_CENTS"]
        db.session.flush()
        deduct(
            complaint.provider_id,
            "COMPLAINT_DEDUCTION",
            amount,
            f"Complaint {complaint.number} ({complaint.category.replace('_', ' ')}) was upheld against you at its "
            f"close-out on {now.date().isoformat()}: {yuan(amount)} yuan under COMPLAINT_DEDUCTION.",
            when=now,
            created_by_id=actor.id,
            reference=complaint.number,
            complaint_id=complaint.id,
        )
    return complaint
