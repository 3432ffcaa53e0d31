"""Callbacks (回访): opened for completed jobs after a delay, worked by agents, reminded when overdue.

Every completed job gets exactly one callback. The unique job_id is what keeps
it so: the scheduler run twice, two schedulers at once, or an agent opening it
by hand while the scheduler does, all end with one row.
"""

from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from server.care.models import CALLBACK_OPEN
from server.care.models import CALLBACK_REACHED
from server.care.models import CALLBACK_UNREACHABLE
from server.care.models import SCORES
from server.care.models import Callback
from server.care.models import CallbackAttempt
from server.care.services import complaints
from server.care.services.scope import insert_new
from server.care.services.scope import visible
from server.core.clock import utcnow
from server.core.privacy import mask_phone
from server.core.queries import one_or_404
from server.errors import Conflict
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.jobs.services.queries import job_for
from server.network.models import Provider
from server.notifications.services import notify
from server.products.models import Product
from server.users import directory
from server.users.models import User

# Jobs whose work is done: a closed job was completed first.
DONE_STATES = ("completed", "closed")
# The default delay, for a job type the setting leaves out and no "*" covers.
DEFAULT_DELAY_DAYS = 3
# How many callbacks one scheduler run opens or reminds; the next run takes the rest.
BATCH = 1000
# A low score in one of these is a complaint of this category.
SCORE_CATEGORY = {"timeliness": "late_visit", "attitude": "attitude", "quality": "repair_quality"}


def delay_days(job_type: str | None) -> int:
    """Days from a job's completion to its callback: its job type's setting, else "*", else 3."""
    delays: dict[str | None, int] = current_app.config["CALLBACK_DELAY_DAYS"]
    return delays.get(job_type, delays.get("*", DEFAULT_DELAY_DAYS))


def overdue_after() -> timedelta:
    return timedelta(days=current_app.config["CALLBACK_OVERDUE_DAYS"])


def is_overdue(callback: Callback, now: datetime | None = None) -> bool:
    """Open, and not done within the overdue period after it fell due."""
    return callback.status == CALLBACK_OPEN and callback.due_at + overdue_after() < (now or utcnow())


def shown_to(user: User, callback: Callback, now: datetime | None = None) -> Callback:
    """``callback`` with what its schema shows that hangs on the caller and the clock: whether it is
    overdue, and the customer's phone as ``user`` may see it (provider staff: masked)."""
    callback.overdue = is_overdue(callback, now)
    callback.customer_phone = mask_phone(callback.job.request.customer_phone, user.role)
    return callback


# ---------------------------------------------------------------- opening


_FACTS = (
    Job.id,
    Job.job_type,
    Job.completed_at,
    Job.province_id,
    Job.region_id,
    Job.provider_id,
    Job.technician_id,
    ServiceRequest.product_id,
    Product.category,
    ServiceRequest.customer_id,
)


def _facts():
    """The columns a callback copies from its job, its request and its product."""
    return (
        select(*_FACTS)
        .join(ServiceRequest, ServiceRequest.id == Job.request_id)
        .outerjoin(Product, Product.id == ServiceRequest.product_id)
    )


def _row(facts, due_at, now):
    (job_id, job_type, completed_at, province_id, region_id, provider_id, technician_id, product_id, category,
     customer_id) = facts  # fmt: skip
    return {
        "job_id": job_id,
        "status": CALLBACK_OPEN,
        "due_at": due_at,
        "next_attempt_at": due_at,
        "attempts": 0,
        "comments": "",
        "job_type": job_type,
        "job_completed_at": completed_at,
        "province_id": province_id,
        "region_id": region_id,
        "provider_id": provider_id,
        "technician_id": technician_id,
        "product_id": product_id,
        "product_category": category,
        "customer_id": customer_id,
        "created_at": now,
    }


def open_due_callbacks(now: datetime | None = None) -> int:
    """Open the callback of every job completed its job type's delay ago; return how many were opened.

    Jobs completed more than ``CALLBACK_MAX_AGE_DAYS`` ago get none. A job that
    has its callback already is skipped, also when another run opens it at the same moment.
    """
    now = now or utcnow()
    delays = current_app.config["CALLBACK_DELAY_DAYS"]
    named = sorted(job_type for job_type in delays if job_type != "*")
    waited = [
        and_(Job.job_type == job_type, Job.completed_at <= now - timedelta(days=delays[job_type])) for job_type in named
    ]
    waited.append(and_(Job.job_type.not_in(named), Job.completed_at <= now - timedelta(days=delay_days(None))))
    oldest = now - timedelta(days=current_app.config["CALLBACK_MAX_AGE_DAYS"])
    return len(open_for_jobs(Job.completed_at >= oldest, or_(*waited), now=now, limit=BATCH))


def open_for_jobs(*conditions: ColumnElement[bool], now: datetime | None = None, limit: int | None = None) -> list[int]:
    """Open the callbacks, due their job type's delay after completion, of the completed jobs matching
    ``conditions`` that have none; return the ids of those opened, oldest completion first."""
    now = now or utcnow()
    statement = (
        _facts()
        .where(
            Job.state.in_(DONE_STATES),
            Job.completed_at.is_not(None),
            ~select(Callback.id).where(Callback.job_id == Job.id).exists(),
            *conditions,
        )
        .order_by(Job.completed_at, Job.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows = [
        _row(facts, facts.completed_at + timedelta(days=delay_days(facts.job_type)), now)
        for facts in db.session.execute(statement)
    ]
    return insert_new(Callback, rows, "job_id")


def open_callback(actor: User, job_id: int, now: datetime | None = None) -> Callback:
    """Open the callback of a completed job at once (the customer asked, or before the scheduler's delay).

    409 ``job_not_completed`` for a job whose work is not done; 409
    ``callback_exists`` (naming it) when the job has its callback already.
    """
    now = now or utcnow()
    job = job_for(actor, job_id)
    if job.state not in DONE_STATES or job.completed_at is None:
        raise Conflict(
            f"Job {job.number} is {job.state}: only a completed job gets a callback.",
            code="job_not_completed",
            details={"state": job.state},
        )
    facts = db.session.execute(_facts().where(Job.id == job.id)).one()
    created = insert_new(Callback, [_row(facts, now, now)], "job_id")
    if not created:
        existing = db.session.scalar(select(Callback.id).where(Callback.job_id == job.id))
        raise Conflict(
            f"Job {job.number} has its callback already.",
            code="callback_exists",
            details={"callback_id": existing},
        )
    return db.session.get_one(Callback, created[0])


# ---------------------------------------------------------------- reading


def visible_callbacks(user: User) -> Select[Callback]:
    return visible(select(Callback), Callback, user)


def callback_for(user: User, callback_id: int, lock: bool = False) -> Callback:
    """The callback if the caller may see it, else 404; ``lock`` holds its row for the change to be made."""
    statement = visible_callbacks(user).where(Callback.id == callback_id)
    return one_or_404(statement, Callback, f"You have no callback {callback_id}.", "callback_not_found", lock=lock)


def list_callbacks(user: User, args: Mapping[str, Any], now: datetime | None = None) -> Select[Callback]:
    """The caller's callbacks, oldest due first, filtered by status, provider and job.

    ``due``: open and may be tried now; ``waiting``: open, retried later;
    ``overdue``: open past the overdue period; ``done``: reached or unreachable.
    """
    now = now or utcnow()
    statement = visible_callbacks(user).options(
        joinedload(Callback.job), joinedload(Callback.provider), selectinload(Callback.complaint)
    )
    status = args.get("status")
    if status == "due":
        statement = statement.where(Callback.status == CALLBACK_OPEN, Callback.next_attempt_at <= now)
    elif status == "waiting":
        statement = statement.where(Callback.status == CALLBACK_OPEN, Callback.next_attempt_at > now)
    elif status == "overdue":
        statement = statement.where(Callback.status == CALLBACK_OPEN, Callback.due_at < now - overdue_after())
    elif status == "done":
        statement = statement.where(Callback.status.in_((CALLBACK_REACHED, CALLBACK_UNREACHABLE)))
    elif status is not None:
        statement = statement.where(Callback.status == status)
    if "provider_code" in args:
        statement = statement.join(Provider, Provider.id == Callback.provider_id).where(
            Provider.code == args["provider_code"]
        )
    if "job_id" in args:
        statement = statement.where(Callback.job_id == args["job_id"])
    return statement.order_by(Callback.due_at, Callback.id)


# ---------------------------------------------------------------- working


def record_attempt(callback: Callback, agent: User, values: Mapping[str, Any], now: datetime | None = None) -> Callback:
    """Record one try at the callback.

    Not reached: tried again ``CALLBACK_RETRY_HOURS`` later, closed as
    ``unreachable`` at the ``CALLBACK_MAX_ATTEMPTS``-th. Reached: the three scores
    and comments close it; a score at or below ``CALLBACK_LOW_SCORE``, or the
    customer's own complaint, opens a complaint linked to the job.
    """
    now = now or utcnow()
    if callback.status != CALLBACK_OPEN:
        raise Conflict(
            f"Callback {callback.id} is {callback.status} already; it takes no more attempts.",
            code="callback_closed",
            details={"status": callback.status},
        )
    reached = values["reached"]
    scores = {name: values.get(name) for name in SCORES}
    comments = (values.get("comments") or "").strip()
    db.session.add(
        CallbackAttempt(
            callback_id=callback.id, agent_id=agent.id, at=now, reached=reached, comments=comments, **scores
        )
    )
    callback.attempts += 1
    callback.last_attempt_at = now
    if not reached:
        if callback.attempts >= current_app.config["CALLBACK_MAX_ATTEMPTS"]:
            _close(callback, agent, CALLBACK_UNREACHABLE, now)
        else:
            callback.next_attempt_at = now + timedelta(hours=current_app.config["CALLBACK_RETRY_HOURS"])
        db.session.flush()
        return callback
    for name, score in scores.items():
        setattr(callback, name, score)
    callback.comments = comments
    _close(callback, agent, CALLBACK_REACHED, now)
    db.session.flush()
    low = [name for name in SCORES if scores[name] <= current_app.config["CALLBACK_LOW_SCORE"]]
    if values.get("complaint") is not None or low:
        _complain(callback, agent, values.get("complaint"), scores, low, comments, now)
    return callback


def _close(callback, agent, status, now):
    callback.status = status
    callback.closed_at = now
    callback.closed_by_id = agent.id


def _complain(callback, agent, said, scores, low, comments, now):
    """Open the complaint of a callback: in the customer's words when they complained, else from the low scores."""
    marks = ", ".join(f"{name} {scores[name]}" for name in SCORES)
    if said is not None:
        category = said["category"]
        description = said["description"].strip() or comments
    else:
        # The worst-scored aspect names the category; the first of equals in SCORES' order.
        category = SCORE_CATEGORY[min(low, key=lambda name: scores[name])]
        description = comments
    complaints.open_complaint(
        agent,
        {
            "channel": "callback",
            "category": category,
            "description": f"{description}\n(Callback scores: {marks}.)".strip(),
            "job_id": callback.job_id,
        },
        now=now,
        callback=callback,
    )
    db.session.expire(callback, ["complaint"])


# ---------------------------------------------------------------- reminding


def remind_overdue(now: datetime | None = None) -> int:
    """Tell the agents, once per callback, of callbacks not done within the overdue period; return how many.

    With no active agent, the admins are told: an overdue callback must reach someone.
    """
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Callback)
        .options(joinedload(Callback.job))
        .where(
            Callback.status == CALLBACK_OPEN,
            Callback.reminded_at.is_(None),
            Callback.due_at < now - overdue_after(),
        )
        .order_by(Callback.due_at, Callback.id)
        .limit(BATCH)
    ).all()
    if not overdue:
        return 0
    agents = directory.agents() or directory.admins()
    for callback in overdue:
        callback.reminded_at = now
        notify(
            agents,
            "callback_overdue",
            f"The callback for job {callback.job.number} is overdue: "
            f"it was due at {callback.due_at:%Y-%m-%d %H:%M} UTC.",
            job=callback.job,
            data={"callback_id": callback.id, "due_at": callback.due_at.isoformat()},
            dedupe_key=f"callback-overdue:{callback.id}",
        )
    db.session.flush()
    return len(overdue)
