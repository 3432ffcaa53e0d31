"""The demo data set has customer care to show: callbacks of its completed jobs opened as they fell due,
scores, complaints (from low scores, and by phone), a queue, and today's care tasks."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import CareTask
from server.care.models import Complaint
from server.demo import seed
from server.extensions import db
from server.jobs.models import Job

NOW = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # 10:00 on a Monday in China
DELAY = timedelta(days=3)  # CALLBACK_DELAY_DAYS["*"]


def care_rows():
    db.session.expire_all()
    return {
        status: db.session.scalar(select(func.count()).select_from(Callback).where(Callback.status == status))
        for status in ("open", "reached", "unreachable")
    } | {
        f"complaints_{status}": db.session.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.status == status)
        )
        for status in ("open", "closed")
    }


def test_the_demo_calls_back_its_completed_jobs_as_they_fall_due_and_a_second_run_adds_nothing(app):
    said = []
    seed(sales=3000, jobs=60, echo=said.append, now=NOW)

    finished = select(Job.id, Job.completed_at).where(Job.state.in_(("completed", "closed")))
    completed = dict(db.session.execute(finished).all())
    due = {job_id for job_id, at in completed.items() if at + DELAY <= NOW}
    assert set(db.session.scalars(select(Callback.job_id))) == due
    assert due != set(completed)  # the last days' repairs are not due for their callback yet
    rows = care_rows()
    assert rows["open"] > 0
    assert rows["reached"] > 0
    assert rows["complaints_open"] + rows["complaints_closed"] > 0
    # A complaint comes from a callback's low score, or from a customer's call.
    for complaint in db.session.scalars(select(Complaint)):
        assert (complaint.callback_id is not None) == (complaint.channel == "callback")
    assert db.session.scalar(select(func.count()).where(Complaint.channel == "phone"))
    assert db.session.scalar(select(func.count()).select_from(CareTask))
    assert f"callbacks opened: {len(due)}" in said

    seed(sales=3000, jobs=60, echo=said.append, now=NOW + timedelta(days=1))

    assert care_rows() == rows
