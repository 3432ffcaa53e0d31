"""SLA deadlines per area class, and the scheduler's work on them: overdue stages and today's appointments.

Deadlines are fixed when a job is created, from the policy of the area class
of the job's region; an admin may change a policy, which affects later jobs only.
"""

from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any
from typing import TypedDict

from sqlalchemy import and_
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from server.core.clock import local_day_bounds
from server.core.clock import local_offset
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.reference import invalid
from server.errors import NotFound
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import REACHED_AT
from server.jobs.models import SLA_STAGES
from server.jobs.models import Job
from server.jobs.models import SlaPolicy
from server.jobs.services.events import record
from server.network.models import AREA_CLASSES
from server.notifications.services import notify
from server.users.directory import dispatchers_for
from server.users.directory import provider_managers
from server.users.models import User


class Minutes(TypedDict):
    """Deadlines of an area class, in minutes from a job's creation."""

    contact_minutes: int
    arrive_minutes: int
    complete_minutes: int


class PolicyView(Minutes):
    area_class: str
    default: bool  # no admin has set this class's deadlines: the defaults apply


class Deadlines(TypedDict):
    contact_due_at: datetime
    arrive_due_at: datetime
    complete_due_at: datetime


# Minutes from a job's creation to contact the customer, to arrive, to complete; an admin overrides them.
DEFAULT_MINUTES: dict[str, Minutes] = {
    "city": {"contact_minutes": 2 * 60, "arrive_minutes": 24 * 60, "complete_minutes": 48 * 60},
    "county": {"contact_minutes": 4 * 60, "arrive_minutes": 48 * 60, "complete_minutes": 96 * 60},
    "remote": {"contact_minutes": 8 * 60, "arrive_minutes": 72 * 60, "complete_minutes": 168 * 60},
}
STAGE_WORDS = {"contact": "contact the customer", "arrive": "arrive on site", "complete": "complete the repair"}
# How many overdue jobs one scheduler run handles; the next run takes the rest.
OVERDUE_BATCH = 500


def policies() -> list[PolicyView]:
    """The policy of every area class: the admin's where one is set, the default otherwise."""
    stored = {policy.area_class: policy for policy in db.session.scalars(select(SlaPolicy))}
    return [_policy_view(area_class, stored.get(area_class)) for area_class in AREA_CLASSES]


def policy(area_class: str) -> PolicyView:
    return _policy_view(area_class, db.session.get(SlaPolicy, area_class))


def _policy_view(area_class: str, stored: SlaPolicy | None) -> PolicyView:
    minutes: Minutes = (
        {
            "contact_minutes": stored.contact_minutes,
            "arrive_minutes": stored.arrive_minutes,
            "complete_minutes": stored.complete_minutes,
        }
        if stored
        else DEFAULT_MINUTES[area_class]
    )
    return {"area_class": area_class, **minutes, "default": stored is None}


def set_policy(area_class: str, values: Mapping[str, Any]) -> PolicyView:
    """Set the deadlines of one area class; they must run contact ≤ arrive ≤ complete."""
    if area_class not in AREA_CLASSES:
        raise NotFound(f"There is no area class {area_class}.", code="area_class_not_found")
    if not values["contact_minutes"] <= values["arrive_minutes"] <= values["complete_minutes"]:
        raise invalid("arrive_minutes", "deadlines must run contact ≤ arrive ≤ complete")
    stored = db.session.get(SlaPolicy, area_class) or SlaPolicy(area_class=area_class)
    for key in DEFAULT_MINUTES[area_class]:
        setattr(stored, key, values[key])
    db.session.add(stored)
    db.session.flush()
    return policy(area_class)


def deadlines(area_class: str, created_at: datetime, preferred_start: datetime | None = None) -> Deadlines:
    """``{contact_due_at, arrive_due_at, complete_due_at}`` of a job created at ``created_at``
    in a region of ``area_class``, under that class's policy now."""
    return deadlines_from(policy(area_class), created_at, preferred_start)


def deadlines_from(minutes: Minutes, created_at: datetime, preferred_start: datetime | None = None) -> Deadlines:
    """The deadlines of a job created at ``created_at`` under ``minutes``, a policy's
    ``{contact_minutes, arrive_minutes, complete_minutes}``: the rule apart from the policy's lookup.

    When the customer asked for a visit later than the arrival deadline, waiting
    for them is no breach: arrival and completion move back by the difference.
    """
    contact = created_at + timedelta(minutes=minutes["contact_minutes"])
    arrive = created_at + timedelta(minutes=minutes["arrive_minutes"])
    complete = created_at + timedelta(minutes=minutes["complete_minutes"])
    if preferred_start is not None and preferred_start > arrive:
        shift = preferred_start - arrive
        arrive, complete = arrive + shift, complete + shift
    return {"contact_due_at": contact, "arrive_due_at": arrive, "complete_due_at": complete}


def mark_overdue(now: datetime | None = None) -> int:
    """Find open jobs that missed an SLA deadline; mark the stage, record it, tell dispatch.

    Each stage of a job is escalated once: to the dispatchers of the job's
    province (and the national ones) and to its provider's managers. Returns
    how many stages were marked.
    """

    now = now or utcnow()
    pending = or_(
        *(
            and_(
                getattr(Job, f"{stage}_due_at") < now,
                getattr(Job, REACHED_AT[stage]).is_(None),
                getattr(Job, f"{stage}_overdue_at").is_(None),
            )
            for stage in SLA_STAGES
        )
    )
    jobs = db.session.scalars(
        select(Job).where(Job.state.in_(OPEN_STATES), pending).order_by(Job.id).limit(OVERDUE_BATCH)
    ).all()
    # A batch's jobs share a few provinces and providers: look each one's people up once.
    desks: dict[int | None, list[User]] = {}
    boards: dict[int | None, list[User]] = {}

    def dispatch_desk(job: Job) -> list[User]:
        if job.province_id not in desks:
            desks[job.province_id] = dispatchers_for(job.province_id)
        return desks[job.province_id]

    def managers(provider_id: int | None) -> list[User]:
        if provider_id not in boards:
            boards[provider_id] = provider_managers(provider_id)
        return boards[provider_id]

    marked = 0
    for job in jobs:
        stages = [stage for stage in job.overdue_stages(now) if getattr(job, f"{stage}_overdue_at") is None]
        for stage in stages:
            setattr(job, f"{stage}_overdue_at", now)
            record(job, "overdue", None, from_state=job.state, at=now, data={"stage": stage})
            due = job.due_at(stage)
            message = (
                f"Job {job.number} is overdue: the deadline to {STAGE_WORDS[stage]} passed at {due:%Y-%m-%d %H:%M} UTC."
            )
            recipients = dispatch_desk(job) + managers(job.provider_id)
            notify(
                recipients,
                "job_overdue",
                message,
                job=job,
                data={"stage": stage, "due_at": job.due_at(stage).isoformat(), "state": job.state},
                dedupe_key=f"overdue:{job.id}:{stage}",
            )
            marked += 1
    db.session.flush()
    return marked


def remind_appointments(now: datetime | None = None) -> int:
    """Remind each technician, once a day, of each of their jobs with an appointment today (local time)."""
    now = now or utcnow()
    today = local_today(now)
    start, end = local_day_bounds(today)
    jobs = db.session.scalars(
        select(Job)
        .options(joinedload(Job.technician))
        .where(
            Job.state.in_(OPEN_STATES),
            Job.technician_id.is_not(None),
            Job.appointment_at >= start,
            Job.appointment_at < end,
        )
        .order_by(Job.appointment_at, Job.id)
    ).all()
    sent = 0
    for job in jobs:
        # The query took only jobs with an appointment today.
        assert job.appointment_at is not None
        local = job.appointment_at + local_offset()
        created = notify(
            [job.technician],
            "appointment_today",
            f"Today at {local:%H:%M}: job {job.number}, {job.request.address}.",
            job=job,
            data={"appointment_at": job.appointment_at.isoformat()},
            dedupe_key=f"appointment:{job.id}:{today.isoformat()}",
        )
        sent += len(created)
    db.session.flush()
    return sent
