"""Rows read as plain objects (``server/core/plain.py``) hold what the ORM's objects hold, on both databases: every
column under its attribute's name, the model's own methods, and relations to one and to many attached in one
query each, in the relation's order; nothing else."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import inspect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core import plain
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import PositionFix
from server.jobs.models import ServiceRequest
from server.jobs.schemas import JobSchema
from server.parts.models import Part

pytestmark = pytest.mark.both_backends


@pytest.fixture
def jobs(open_job, walk, people):
    """Three jobs: one new (no provider, no technician), one on site with fixes written out of order across jobs,
    one completed."""
    made = [open_job(serial=None), walk(open_job(serial=None), "on_site"), walk(open_job(), "completed")]
    at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for n, job in enumerate([made[2], made[1], made[2], made[1]]):
        db.session.add(
            PositionFix(
                job_id=job["id"],
                technician_id=people.tech1.id,
                step="arrive",
                lat=36.6,
                lng=117.0 + n / 100,
                accuracy_m=5,
                fix_time=at + timedelta(minutes=10 - n),
            )
        )
    db.session.commit()
    return [job["id"] for job in made]


def columns(obj):
    return {attribute.key: getattr(obj, attribute.key) for attribute in inspect(Job).column_attrs}


def test_a_plain_row_holds_every_column_as_the_orm_reads_it(jobs):
    read = plain.read(Job, Job.id.in_(jobs), order_by=Job.id)
    assert [job.id for job in read] == sorted(jobs)
    db.session.expire_all()
    for job in read:
        assert {key: job.__dict__[key] for key in columns(job)} == columns(db.session.get(Job, job.id))
    assert any(job.completed_at is not None for job in read)  # times come back zoned, as the ORM's
    assert all(job.created_at.tzinfo is not None for job in read)


def test_where_order_and_limit_are_the_statements(jobs):
    read = plain.read(Job, Job.id.in_(jobs), Job.state != "new", order_by=Job.id.desc(), limit=1)
    assert [job.id for job in read] == [max(jobs)]
    assert plain.read(Job, Job.id == -1) == []


def test_a_plain_row_has_its_models_methods_and_nothing_of_the_orm(jobs):
    [job] = plain.read(Job, Job.id == jobs[0])
    assert type(job).__name__ == "Job"
    assert not isinstance(job, Job)
    orm = db.session.get(Job, jobs[0])
    now = datetime.now(UTC) + timedelta(days=30)
    assert job.overdue_stages(now) == orm.overdue_stages(now) != []
    assert job.due_at("arrive") == orm.due_at("arrive")
    assert not hasattr(job, "_sa_instance_state")
    assert not hasattr(job, "metadata")
    with pytest.raises(AttributeError):
        job.request  # noqa: B018 - a relation not attached is absent, never loaded behind the caller's back


def test_relations_to_one_and_to_many_are_attached_as_the_orm_has_them(jobs):
    read = plain.read(Job, Job.id.in_(jobs), order_by=Job.id)
    requests = plain.attach(read, Job, "request")
    assert sorted(request.id for request in requests) == sorted(job.request_id for job in read)
    plain.attach(requests, ServiceRequest, "product")
    for key in ("technician", "provider", "fixes"):
        plain.attach(read, Job, key)
    db.session.expire_all()
    for job in read:
        orm = db.session.get(Job, job.id)
        assert (job.request.id, job.request.customer_phone) == (orm.request.id, orm.request.customer_phone)
        assert getattr(job.request.product, "model", None) == getattr(orm.request.product, "model", None)
        assert (job.technician and job.technician.id) == (orm.technician and orm.technician.id)
        assert (job.provider and job.provider.code) == (orm.provider and orm.provider.code)
        assert [fix.id for fix in job.fixes] == [fix.id for fix in orm.fixes]
    by_id = {job.id: job for job in read}
    assert (by_id[jobs[0]].technician, by_id[jobs[0]].provider, by_id[jobs[0]].fixes) == (None, None, [])
    assert [len(by_id[job_id].fixes) for job_id in jobs] == [0, 2, 2]
    assert [fix.lng for fix in by_id[jobs[2]].fixes] == [117.0, 117.02]  # the relation's order: by id


def test_the_schema_dumps_a_plain_job_as_it_dumps_the_orms(jobs):
    read = plain.read(Job, Job.id.in_(jobs), order_by=Job.id)
    requests = plain.attach(read, Job, "request")
    for key in ("product", "region"):
        plain.attach(requests, ServiceRequest, key)
    for key in ("region", "provider", "technician", "fixes", "evidence_photos"):
        plain.attach(read, Job, key)
    schema = JobSchema(exclude=("actions", "call", "request"))
    db.session.expire_all()
    for job in read:
        assert schema.dump(job) == schema.dump(db.session.get(Job, job.id))


def test_nothing_is_attached_when_no_row_points_anywhere(jobs):
    [job] = plain.read(Job, Job.id == jobs[0])
    assert plain.attach([job], Job, "technician") == []
    assert job.technician is None
    assert plain.attach([], Job, "fixes") == []


def test_a_relation_through_a_secondary_table_is_refused(app, make_part):
    make_part("PL-001")
    parts = plain.read(Part)
    with pytest.raises(ValueError, match=r"Part\.products"):
        plain.attach(parts, Part, "products")


class _Base(DeclarativeBase):
    pass


class _Owner(_Base):
    __tablename__ = "plain_owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    active_things = relationship("_Thing", primaryjoin="and_(_Owner.id == _Thing.owner_id, _Thing.active)")


class _Thing(_Base):
    __tablename__ = "plain_things"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("plain_owners.id"))
    active: Mapped[bool] = mapped_column(Boolean)


def test_a_relation_with_a_condition_of_its_own_is_refused_rather_than_read_without_it():
    with pytest.raises(ValueError, match=r"_Owner\.active_things"):
        plain.attach([], _Owner, "active_things")


def test_a_change_not_yet_written_is_read_as_the_orm_would_read_it(jobs):
    job = db.session.get(Job, jobs[0])
    job.fault_code = "E42"  # pending in the session, not flushed
    [read] = plain.read(Job, Job.id == jobs[0])
    assert read.fault_code == "E42"
    db.session.rollback()
