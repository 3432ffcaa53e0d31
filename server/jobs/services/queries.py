"""Who sees which jobs and customers: the caller's slice, one job of it, its list and a job's history."""

from collections.abc import Mapping
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from typing import overload

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import case
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from server.core.clock import local_day_bounds
from server.core.clock import utcnow
from server.core.queries import StatementT
from server.core.queries import one_or_404
from server.core.roles import ADMIN
from server.core.roles import AGENT
from server.core.roles import AUDITOR
from server.core.roles import DISPATCHER
from server.core.roles import PROVIDER_MANAGER
from server.core.roles import TECHNICIAN
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import SLA_STAGES
from server.jobs.models import Customer
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.network.models import Provider
from server.network.models import Region
from server.network.scope import province_region_ids
from server.users.models import User

# Roles that see every job (a dispatcher with a province sees that province's).
NATIONAL_ROLES = (ADMIN, AGENT, AUDITOR, DISPATCHER)


@overload
def visible_jobs(user: User) -> Select[Job]: ...


@overload
def visible_jobs(user: User, statement: StatementT) -> StatementT: ...


def visible_jobs(user: User, statement: Select[*tuple[Any, ...]] | None = None) -> Select[*tuple[Any, ...]]:
    """``statement`` (default: all jobs) narrowed to the caller's slice."""
    statement = select(Job) if statement is None else statement
    if user.role == TECHNICIAN:
        return statement.where(Job.technician_id == user.id)
    if user.role == PROVIDER_MANAGER:
        return statement.where(Job.provider_id == user.provider_id)
    if user.role == DISPATCHER and user.province_id is not None:
        return statement.where(Job.province_id == user.province_id)
    if user.role in NATIONAL_ROLES:
        return statement
    return statement.where(false())


def sees_every_job(user: User) -> bool:
    """Whether the caller's slice of jobs is the whole country (admins, agents, auditors, a national dispatcher)."""
    return user.role in NATIONAL_ROLES and not (user.role == DISPATCHER and user.province_id is not None)


@overload
def visible_customers(user: User) -> Select[Customer]: ...


@overload
def visible_customers(user: User, statement: StatementT) -> StatementT: ...


def visible_customers(user: User, statement: Select[*tuple[Any, ...]] | None = None) -> Select[*tuple[Any, ...]]:
    """``statement`` (default: all customers) narrowed to the customers in the caller's slice.

    The national roles see every customer; a dispatcher with a province those whose recorded region (the
    address of their latest request) lies in it; nobody else reads customers.
    """
    statement = select(Customer) if statement is None else statement
    if sees_every_job(user):
        return statement
    if user.role == DISPATCHER:
        return statement.where(Customer.region_id.in_(province_region_ids(user.province_id)))
    return statement.where(false())


def job_for(user: User, job_id: int, lock: bool = False) -> Job:
    """The job ``job_id`` if the caller may see it, else 404 (whether it exists is not told).

    ``lock`` takes the row for the rest of the transaction on PostgreSQL, so two
    changes to one job queue up and the second sees the first's result.
    """
    statement = visible_jobs(user).where(Job.id == job_id)
    return one_or_404(statement, Job, f"You have no job {job_id}.", "job_not_found", lock=lock)


def next_deadline() -> ColumnElement[Any]:
    """The deadline an open job is working towards: the stage after the last one reached (contact, arrival,
    completion), whatever came before it; NULL once the job is completed or has ended.

    A technician who arrived without recording a contact is past the contact stage: the clock runs to
    completion. The desks' SLA clock (pwa/js/desks/dispatch-rules.js) reads a job the same way.
    """
    return case(
        (Job.state.not_in(OPEN_STATES), None),
        (Job.completed_at.is_not(None), None),
        (Job.arrived_at.is_not(None), Job.complete_due_at),
        (Job.contacted_at.is_not(None), Job.arrive_due_at),
        else_=Job.contact_due_at,
    )


def _urgent(now: datetime) -> ColumnElement[Any]:
    """1 for an open job past its next deadline or escalated, else 0."""
    late = next_deadline() < now
    escalated = Job.escalated_at.is_not(None) & Job.state.in_(OPEN_STATES)
    return case((late | escalated, 1), else_=0)


# The orders a list may ask for (``order``); every one ends on the id, so pages never overlap.
ORDERS = ("newest", "urgent", "due", "-due", "created", "-created", "number", "-number")


def _ordered(statement: Select[Job], order: str, now: datetime) -> Select[Job]:
    if order == "urgent":
        # Late and escalated jobs first, then the nearest deadline; jobs without one (ended) last.
        return statement.order_by(_urgent(now).desc(), next_deadline().asc().nulls_last(), Job.id)
    if order in ("due", "-due"):
        due = next_deadline()
        # NULLs after the deadlines going up, before them going down: as the desk's table sorts a page.
        key = due.asc().nulls_last() if order == "due" else due.desc().nulls_first()
        return statement.order_by(key, Job.id if order == "due" else Job.id.desc())
    if order in ("created", "-created"):
        if order == "created":
            return statement.order_by(Job.created_at, Job.id)
        return statement.order_by(Job.created_at.desc(), Job.id.desc())
    if order in ("number", "-number"):
        return statement.order_by(Job.number if order == "number" else Job.number.desc())
    return statement.order_by(Job.created_at.desc(), Job.id.desc())


def list_jobs(user: User, args: Mapping[str, Any], now: datetime | None = None) -> Select[Job]:
    """The caller's slice of jobs, filtered by state, dates, province, provider, technician (or none yet),
    overdue, in ``order`` (default ``newest``: newest first; ``urgent``: late and escalated first, then the
    nearest deadline; ``due``, ``created``, ``number``, each ``-`` for the other way)."""
    # One query for the page: the job, its request, region, provider and technician, and nothing
    # those rows would drag in (a provider's regions, a technician's own provider) that the list never shows.
    statement = visible_jobs(user).options(
        joinedload(Job.region).lazyload(Region.parent),
        joinedload(Job.provider).lazyload(Provider.regions),
        joinedload(Job.technician).lazyload(User.provider),
        joinedload(Job.technician).lazyload(User.region),
    )
    if args.get("state"):
        statement = statement.where(Job.state.in_(args["state"]))
    if "created_from" in args:
        statement = statement.where(Job.created_at >= local_day_bounds(args["created_from"])[0])
    if "created_to" in args:
        statement = statement.where(Job.created_at < local_day_bounds(args["created_to"])[1])
    if "appointment_on" in args:
        start, end = local_day_bounds(args["appointment_on"])
        statement = statement.where(Job.appointment_at >= start, Job.appointment_at < end)
    if "provider_code" in args:
        statement = statement.join(Provider, Provider.id == Job.provider_id).where(
            Provider.code == args["provider_code"]
        )
    if "technician_id" in args:
        statement = statement.where(Job.technician_id == args["technician_id"])
    if "unassigned" in args:
        statement = statement.where(
            Job.technician_id.is_(None) if args["unassigned"] else Job.technician_id.is_not(None)
        )
    if "province_code" in args:
        province = select(Region.id).where(Region.code == args["province_code"], Region.level == "province")
        statement = statement.where(Job.province_id == province.scalar_subquery())
    if "overdue" in args:
        marked = or_(*(getattr(Job, f"{stage}_overdue_at").is_not(None) for stage in SLA_STAGES))
        statement = statement.where(marked if args["overdue"] else ~marked)
    return _ordered(statement, args.get("order") or "newest", now or utcnow())


def job_events(job: Job) -> Sequence[JobEvent]:
    return db.session.scalars(
        select(JobEvent).options(joinedload(JobEvent.actor)).where(JobEvent.job_id == job.id).order_by(JobEvent.id)
    ).all()
