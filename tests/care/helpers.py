"""Helpers (not fixtures) of the customer-care tests: rows read back fresh, and a callback that went well."""

from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.extensions import db

# The answers of a customer reached and content, as an agent records a callback attempt.
GOOD = {"reached": True, "timeliness": 5, "attitude": 4, "quality": 5, "comments": "很满意"}


def count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def callbacks_of(job):
    return count(Callback, Callback.job_id == job.id)


def stored(model, row_id):
    """The row as the database holds it now."""
    db.session.expire_all()
    return db.session.get(model, row_id)
