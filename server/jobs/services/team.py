"""A provider's technicians and their load today: who the provider manager can give the next job to.

Each figure is a plain count of the technician's jobs, so that the screen's number equals the rows behind it:
open jobs now, jobs given to them today (still theirs, not cancelled), visits booked for today (not
cancelled), and jobs completed today.
"Today" is the users' local calendar day.
"""

from datetime import date
from datetime import datetime
from typing import TypedDict

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select

from server.core.clock import local_day_bounds
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.roles import TECHNICIAN
from server.errors import NotFound
from server.extensions import db
from server.jobs.models import OPEN_STATES
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.network.models import Provider
from server.network.scope import may_see_provider
from server.users.models import User

# The events that give a job to a technician: the latest one of a job gave it to whoever holds it now.
ASSIGNMENTS = ("assigned", "reassigned")


class TechnicianLoad(TypedDict):
    id: int
    username: str
    display_name: str
    active: bool
    open_jobs: int
    assigned_today: int
    appointments_today: int
    completed_today: int


class Team(TypedDict):
    provider_code: str
    provider_name: str
    day: date  # the local day the figures are of
    technicians: list[TechnicianLoad]


def provider_team(user: User, provider_id: int, now: datetime | None = None) -> Team:
    """The provider's technicians with their load today, least loaded first.

    Active technicians, and disabled ones still holding open jobs (those jobs need another technician).
    A provider outside the caller's slice is 404 ``provider_not_found``, as one that does not exist.
    """
    now = now or utcnow()
    provider = db.session.get(Provider, provider_id)
    if provider is None or not may_see_provider(user, provider):
        raise NotFound(f"You have no provider {provider_id}.", code="provider_not_found")
    day = local_today(now)
    start, end = local_day_bounds(day)
    open_jobs = _count_by_technician(provider.id, Job.state.in_(OPEN_STATES))
    latest_assignment = (
        select(JobEvent.job_id, func.max(JobEvent.at).label("at"))
        .where(JobEvent.kind.in_(ASSIGNMENTS))
        .group_by(JobEvent.job_id)
        .subquery()
    )
    assigned_today = _count_by_technician(
        provider.id,
        Job.state != "cancelled",
        Job.id.in_(
            select(latest_assignment.c.job_id).where(latest_assignment.c.at >= start, latest_assignment.c.at < end)
        ),
    )
    appointments_today = _count_by_technician(
        provider.id, Job.appointment_at >= start, Job.appointment_at < end, Job.state != "cancelled"
    )
    completed_today = _count_by_technician(provider.id, Job.completed_at >= start, Job.completed_at < end)
    staff = db.session.scalars(
        select(User)
        .where(User.provider_id == provider.id, User.role == TECHNICIAN)
        .where(or_(User.active.is_(True), User.id.in_(list(open_jobs))))
        .order_by(User.id)
    ).all()
    technicians: list[TechnicianLoad] = [
        {
            "id": technician.id,
            "username": technician.username,
            "display_name": technician.display_name,
            "active": technician.active,
            "open_jobs": open_jobs.get(technician.id, 0),
            "assigned_today": assigned_today.get(technician.id, 0),
            "appointments_today": appointments_today.get(technician.id, 0),
            "completed_today": completed_today.get(technician.id, 0),
        }
        for technician in staff
    ]
    technicians.sort(key=lambda each: (not each["active"], each["open_jobs"], each["assigned_today"]))
    return {"provider_code": provider.code, "provider_name": provider.name, "day": day, "technicians": technicians}


def _count_by_technician(provider_id: int, *conditions: ColumnElement[bool]) -> dict[int, int]:
    """How many of the provider's jobs meeting ``conditions`` each technician holds."""
    rows = db.session.execute(
        select(Job.technician_id, func.count())
        .where(Job.provider_id == provider_id, Job.technician_id.is_not(None), *conditions)
        .group_by(Job.technician_id)
    ).all()
    return {technician_id: count for technician_id, count in rows if technician_id is not None}
