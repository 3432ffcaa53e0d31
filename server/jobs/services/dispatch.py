"""Dispatch: who may see a job, which providers cover it, and handing it to a provider and a technician.

一单责任制: a job always has one owner. Handing it to another provider or
technician takes it away from the previous one in the same transaction,
and both sides are told.
"""

from datetime import datetime
from datetime import timedelta
from typing import TypedDict

from flask import current_app
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import select

from server.core.clock import utcnow
from server.core.reference import invalid
from server.core.roles import TECHNICIAN
from server.errors import Conflict
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.services.confirmation import issue_completion_code
from server.jobs.services.events import record
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions
from server.notifications.services import notify
from server.users.directory import provider_managers
from server.users.models import User

# A job can move to another provider until its technician is waiting for parts ordered for that provider.
REDISPATCH_STATES = ("new", "dispatched", "accepted", "en_route", "on_site")
ASSIGN_STATES = ("dispatched", "accepted", "en_route", "on_site", "waiting_parts")


class ProviderSuggestion(TypedDict):
    provider_code: str
    provider_name: str
    technicians: int  # active technicians
    open_jobs: int
    load_per_technician: float | None  # None: no technician
    completed_recently: int
    sla_rate: float | None  # share completed in time; None: nothing completed recently


def region_chain(region: Region | None) -> list[Region]:
    """The region and every region above it: a provider covering any of them covers the region."""
    chain: list[Region] = []
    while region is not None:
        chain.append(region)
        region = region.parent
    return chain


def covers(provider: Provider, region: Region) -> bool:
    covered = {r.id for r in provider.regions}
    return any(r.id in covered for r in region_chain(region))


def suggest_providers(job: Job, now: datetime | None = None) -> list[ProviderSuggestion]:
    """Providers covering the job's region, least loaded first, then best recent SLA record.

    Load is open jobs per active technician; the SLA record is the share of
    jobs completed in the last ``SLA_RECORD_DAYS`` days before their completion
    deadline. A provider with no technician comes last. Three aggregate queries
    however many providers there are.
    """
    now = now or utcnow()
    chain = [region.id for region in region_chain(job.region)]
    providers = db.session.scalars(
        select(Provider)
        .join(provider_regions, provider_regions.c.provider_id == Provider.id)
        .where(provider_regions.c.region_id.in_(chain), Provider.active.is_(True))
        .distinct()
        .order_by(Provider.code)
    ).all()
    ids = [provider.id for provider in providers]
    if not ids:
        return []
    technicians = dict(
        db.session.execute(
            select(User.provider_id, func.count())
            .where(User.provider_id.in_(ids), User.role == TECHNICIAN, User.active.is_(True))
            .group_by(User.provider_id)
        ).all()
    )
    open_jobs = dict(
        db.session.execute(
            select(Job.provider_id, func.count())
            .where(Job.provider_id.in_(ids), Job.state.in_(OPEN_STATES))
            .group_by(Job.provider_id)
        ).all()
    )
    since = now - timedelta(days=current_app.config["SLA_RECORD_DAYS"])
    record_rows = db.session.execute(
        select(
            Job.provider_id,
            func.count(),
            func.sum(case((Job.completed_at <= Job.complete_due_at, 1), else_=0)),
        )
        .where(Job.provider_id.in_(ids), Job.completed_at >= since)
        .group_by(Job.provider_id)
    ).all()
    sla = {provider_id: (int(done), int(on_time or 0)) for provider_id, done, on_time in record_rows}
    suggestions: list[ProviderSuggestion] = []
    for provider in providers:
        staff = technicians.get(provider.id, 0)
        load = open_jobs.get(provider.id, 0)
        done, on_time = sla.get(provider.id, (0, 0))
        suggestions.append(
            {
                "provider_code": provider.code,
                "provider_name": provider.name,
                "technicians": staff,
                "open_jobs": load,
                "load_per_technician": round(load / staff, 2) if staff else None,
                "completed_recently": done,
                "sla_rate": round(on_time / done, 3) if done else None,
            }
        )

    def order(item: ProviderSuggestion) -> tuple[bool, float, float, str]:
        no_staff = item["load_per_technician"] is None
        # No record yet counts as neither good nor bad: between a perfect and a poor one.
        rate = item["sla_rate"] if item["sla_rate"] is not None else 0.5
        return (no_staff, item["load_per_technician"] or 0, -rate, item["provider_code"])

    return sorted(suggestions, key=order)


def dispatch(
    job: Job,
    actor: User,
    provider_code: str,
    note: str = "",
    now: datetime | None = None,
    expected_version: int | None = None,
) -> Job:
    """Give the job to a provider covering its region (again to another one, if it must move).

    The job becomes ``dispatched`` with no technician, and the first time it
    is dispatched the customer is sent its completion code (核销码); the
    provider's managers are told, and so are the previous provider and technician when it moves.
    ``expected_version``, the version of the job the dispatcher was shown: a
    job that changed since (dispatched by someone else meanwhile) is refused
    with 409 ``job_changed`` rather than moved on a stale screen's word.
    """
    if expected_version is not None and expected_version != job.version:
        raise Conflict(
            f"Job {job.number} changed since it was shown (now version {job.version}); look at it again.",
            code="job_changed",
            details={"version": job.version, "state": job.state},
        )
    provider: Provider | None = db.session.scalar(select(Provider).where(Provider.code == provider_code))
    if provider is None:
        raise invalid("provider_code", f"unknown provider {provider_code}")
    if not provider.active:
        raise invalid("provider_code", f"provider {provider_code} is inactive")
    if not covers(provider, job.region):
        raise invalid("provider_code", f"provider {provider_code} does not cover region {job.region.code}")
    if job.state not in REDISPATCH_STATES:
        raise Conflict(
            f"A job that is {job.state} cannot be dispatched.",
            code="illegal_transition",
            details={"state": job.state, "action": "dispatch", "allowed_from": list(REDISPATCH_STATES)},
        )
    if job.provider_id == provider.id and job.state != "new":
        raise Conflict(f"Job {job.number} is with provider {provider_code} already.", code="already_dispatched")
    previous_provider, previous_technician, previous_state = job.provider, job.technician, job.state
    job.provider = provider
    job.technician = None
    job.state = "dispatched"
    record(
        job,
        "redispatched" if previous_provider else "dispatched",
        actor,
        from_state=previous_state,
        note=note,
        data={"provider": provider.code, "previous_provider": previous_provider.code if previous_provider else None},
        at=now,
    )
    # The first provider to take the job on sends the customer the code that confirms the visit; a job handed
    # on keeps it.
    issue_completion_code(job, now)
    notify(
        provider_managers(provider.id),
        "job_dispatched",
        f"Job {job.number} was dispatched to your company; assign a technician.",
        job=job,
        data={"provider": provider.code},
    )
    if previous_provider is not None:
        notify(
            [*provider_managers(previous_provider.id), previous_technician],
            "job_withdrawn",
            f"Job {job.number} was moved to another provider; it is no longer yours.",
            job=job,
        )
    db.session.flush()
    return job


def assign(job: Job, actor: User, technician_id: int, note: str = "", now: datetime | None = None) -> Job:
    """Give the job to a technician of its provider; a previous technician loses it at once.

    A job already under way goes back to ``dispatched`` so that the new
    technician accepts it; one waiting for parts keeps waiting.
    """
    if job.provider_id is None or job.state not in ASSIGN_STATES:
        raise Conflict(
            f"A job that is {job.state} cannot be given to a technician.",
            code="illegal_transition",
            details={"state": job.state, "action": "assign", "allowed_from": list(ASSIGN_STATES)},
        )
    technician = db.session.get(User, technician_id)
    if technician is None or technician.role != TECHNICIAN or technician.provider_id != job.provider_id:
        # One answer whether the id is nobody's, another role's or another provider's technician: who works
        # elsewhere, and under which name, is not the caller's to learn.
        raise invalid("technician_id", f"provider {job.provider.code} has no technician {technician_id}")
    if not technician.active:
        raise invalid("technician_id", f"technician {technician.username} is disabled")
    if technician.id == job.technician_id:
        raise Conflict(f"Job {job.number} is with {technician.username} already.", code="already_assigned")
    previous, previous_state = job.technician, job.state
    job.technician = technician
    if job.state in ("accepted", "en_route", "on_site"):
        job.state = "dispatched"
    record(
        job,
        "reassigned" if previous else "assigned",
        actor,
        from_state=previous_state,
        note=note,
        data={"technician_id": technician.id, "previous_technician_id": previous.id if previous else None},
        at=now,
    )
    notify(
        [technician],
        "job_assigned",
        f"Job {job.number} is yours: {job.request.fault_description[:80]}",
        job=job,
    )
    if previous is not None:
        notify(
            [previous],
            "job_reassigned",
            f"Job {job.number} was handed to another technician; it is no longer yours.",
            job=job,
            data={"technician_id": technician.id},
        )
    db.session.flush()
    return job


def active_region(code: str) -> Region:
    """A region a request can be recorded in: a city or a county (a province is too vague to visit)."""
    region: Region | None = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise invalid("region_code", f"unknown region {code}")
    if region.level == "province":
        raise invalid("region_code", f"{code} is a province; give the customer's city or county")
    return region


def set_duty(dispatcher: User, on_duty: bool) -> dict[str, bool]:
    """A dispatcher goes on or off duty: one on duty receives the escalations of their area."""
    dispatcher.on_duty = on_duty
    db.session.flush()
    return {"on_duty": dispatcher.on_duty}
