"""The demo data set has customer care to show: callbacks of its completed jobs, scores, complaints, a queue."""

from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import Complaint
from server.extensions import db
from server.jobs.models import Job


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


def test_the_demo_calls_back_its_completed_jobs_and_a_second_run_adds_nothing(runner):
    result = runner.invoke(args=["seed-demo", "--sales", "3000", "--jobs", "60"])
    assert result.exit_code == 0, result.output

    completed = set(db.session.scalars(select(Job.id).where(Job.state.in_(("completed", "closed")))))
    assert set(db.session.scalars(select(Callback.job_id))) == completed
    rows = care_rows()
    assert rows["open"] > 0
    assert rows["reached"] > 0
    assert rows["complaints_open"] + rows["complaints_closed"] > 0
    assert all(complaint.callback_id is not None for complaint in db.session.scalars(select(Complaint)))
    assert f"callbacks added: {len(completed)}" in result.output

    again = runner.invoke(args=["seed-demo", "--sales", "3000", "--jobs", "60"])

    assert again.exit_code == 0, again.output
    assert "callbacks added: 0" in again.output
    assert care_rows() == rows
