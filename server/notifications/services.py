"""Rules of in-app notifications: send to users, list one's own, mark read."""

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from server.core.clock import utcnow
from server.errors import NotFound
from server.extensions import db
from server.notifications.models import Notification


def notify(users, kind, message, *, job=None, data=None, dedupe_key=None):
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


def notifications_of(user, unread_only=False):
    """The caller's notifications, newest first."""
    statement = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    return statement.order_by(Notification.id.desc())


def unread_count(user):
    return db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def mark_read(user, notification_id):
    """Mark one of the caller's notifications read (reading it twice changes nothing)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(f"You have no notification {notification_id}.", code="notification_not_found")
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification


def mark_all_read(user):
    """Mark every unread notification of the caller read; return how many were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount
