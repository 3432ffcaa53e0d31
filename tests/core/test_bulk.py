"""Rows inserted in bulk read back as an INSERT of each would have written them, on both databases (COPY on
PostgreSQL): text in any script, JSON, times in UTC, NULLs, a column left to the database's default; a row
leaving out a default that only Python knows is refused before anything is written; and what the rows are
inserted in rolls back with them."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from server.core.bulk import insert_rows
from server.extensions import db
from server.jobs.models import JobEvent

# PostgreSQL goes by COPY, SQLite by executemany: both must read back alike.
pytestmark = pytest.mark.both_backends

CHINA = timezone(timedelta(hours=8))


def event_row(job_id, **values):
    row = {
        "job_id": job_id,
        "kind": "note",
        "from_state": None,
        "to_state": "accepted",
        "actor_id": None,
        "at": datetime(2026, 12, 6, 20, 0, tzinfo=UTC),
        "device_time": None,
        "note": "",
        "data": None,
    }
    return row | values


def written(job_id):
    return db.session.scalars(select(JobEvent).where(JobEvent.job_id == job_id).order_by(JobEvent.id)).all()


def test_rows_read_back_as_given(open_job, people):
    job_id = open_job()["id"]
    before = len(written(job_id))
    rows = [
        event_row(
            job_id,
            note='已联系用户，上门检查 \\ tab\there, "quoted", a new\nline',
            actor_id=people.tech1.id,
            device_time=datetime(2026, 12, 7, 4, 0, tzinfo=CHINA),
            data={"parts": [{"part_no": "PT-0001", "qty": 2}], "中文": None, "ok": True},
        ),
        event_row(job_id, kind="photo", from_state="on_site", data=[1, "two", {"三": 3.5}]),
        event_row(job_id, note="\\N is text, not a NULL"),
    ]
    insert_rows(JobEvent.__table__, rows)
    db.session.commit()
    kept = written(job_id)[before:]
    assert [(e.kind, e.from_state, e.to_state, e.actor_id, e.note, e.data) for e in kept] == [
        (r["kind"], r["from_state"], r["to_state"], r["actor_id"], r["note"], r["data"]) for r in rows
    ]
    # The same instants, read back in UTC; the database numbered the rows in the order given.
    assert kept[0].device_time == datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
    assert kept[0].device_time.tzinfo is not None
    assert [e.at for e in kept] == [r["at"] for r in rows]
    assert [e.device_time for e in kept[1:]] == [None, None]
    assert [e.id for e in kept] == sorted(e.id for e in kept)


def test_rows_leaving_out_a_default_only_python_knows_are_refused(open_job):
    job_id = open_job()["id"]
    count = db.session.scalar(select(func.count()).select_from(JobEvent))
    row = event_row(job_id)
    del row["at"]  # JobEvent.at defaults to the time of the insert, in Python
    with pytest.raises(ValueError, match="at"):
        insert_rows(JobEvent.__table__, [row, event_row(job_id)])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(JobEvent)) == count


def test_rows_roll_back_with_their_savepoint(open_job):
    job_id = open_job()["id"]
    before = len(written(job_id))
    savepoint = db.session.begin_nested()
    insert_rows(JobEvent.__table__, [event_row(job_id, note="gone with the savepoint")])
    savepoint.rollback()
    insert_rows(JobEvent.__table__, [event_row(job_id, note="kept")])
    insert_rows(JobEvent.__table__, [])
    db.session.commit()
    assert [e.note for e in written(job_id)[before:]] == ["kept"]


def test_a_row_the_database_refuses_raises_as_any_statement_would_and_rolls_back(open_job):
    """A push catches SQLAlchemy's errors (a chunk retried op by op, a 503): COPY's must be those too."""
    job_id = open_job()["id"]
    before = len(written(job_id))
    savepoint = db.session.begin_nested()
    with pytest.raises(IntegrityError):
        insert_rows(JobEvent.__table__, [event_row(job_id, note="fine"), event_row(job_id, kind=None)])
    savepoint.rollback()
    insert_rows(JobEvent.__table__, [event_row(job_id, note="after")])
    db.session.commit()
    assert [e.note for e in written(job_id)[before:]] == ["after"]
