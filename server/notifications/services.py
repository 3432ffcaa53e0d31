"""Rules of in-app notifications: send to users, list one's own, mark read."""

from collections.abc import Iterable
from typing import Any
from typing import Protocol

from sqlalchemy import Select
from sqlalchemy import column
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import table
from sqlalchemy import update

from server.core.clock import utcnow
from server.core.queries import rows_changed
from server.core.schemas import each_shown
from server.errors import NotFound
from server.extensions import db
from server.notifications.models import Notification
from server.users.models import User


class Subject(Protocol):
    """What a notification is about: a job (jobs stand above notifications, so it is not named)."""

    id: int


def notify(
    users: Iterable[User | None],
    kind: str,
    message: str,
    *,
    job: Subject | None = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
) -> list[Notification]:
    """Send one notification to each of ``users`` (each user once); return those created.

    With ``dedupe_key``, a user who already has that notification gets no
    second one, so a scheduler run repeated after a crash reminds nobody twice.
    """
    recipients = {user.id: user for user in users if user is not None}
    keys = {user_id: f"{dedupe_key}:{user_id}" for user_id in recipients} if dedupe_key else {}
    if keys:
        sent = set(
            db.session.scalars(select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys.values())))
        )
        recipients = {user_id: user for user_id, user in recipients.items() if keys[user_id] not in sent}
    created = [
        Notification(
            user_id=user_id,
            kind=kind,
            message=message,
            job_id=job.id if job is not None else None,
            data=data,
            dedupe_key=keys.get(user_id),
        )
        for user_id in sorted(recipients)
    ]
    db.session.add_all(created)
    return created


def notifications_of(user: User, unread_only: bool = False) -> Select[Notification]:
    """The caller's notifications, newest first."""
    statement = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.id.desc())


def unread_count(user: User) -> int:
    # A count always answers one row.
    return db.session.execute(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the caller's notifications read (reading it twice changes nothing)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(f"You have no notification {notification_id}.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the caller read; return how many were."""
    return rows_changed(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


# The jobs table as far as a notice needs it (the number people know a job by), without importing the jobs
# domain, which sits above this one.
_JOBS = table("jobs", column("id"), column("number"))


def with_job_numbers(page: dict[str, Any]) -> dict[str, Any]:
    """``page`` with each notification's ``job_number`` (None for a notice about no job)."""
    ids = {item.job_id for item in page["items"] if item.job_id is not None}
    query = select(_JOBS.c.id, _JOBS.c.number).where(_JOBS.c.id.in_(ids))
    numbers = dict(db.session.execute(query).all()) if ids else {}
    shown: dict[str, Any] = each_shown(page, lambda item: {**_fields(item), "job_number": numbers.get(item.job_id)})
    return shown


def _fields(item: Notification) -> dict[str, Any]:
    return {name: getattr(item, name) for name in ("id", "kind", "message", "job_id", "data", "created_at", "read_at")}
