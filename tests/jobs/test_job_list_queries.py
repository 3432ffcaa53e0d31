"""The job list reads a page in a fixed number of queries, through the technician's index."""

import pytest
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy import update

from server.extensions import db
from server.jobs.models import Job
from server.jobs.services.queries import list_jobs

pytestmark = pytest.mark.both_backends


@pytest.fixture
def technician_jobs(open_job, people):
    """``technician_jobs(n)``: n jobs accepted by tech1."""

    made = []

    def make(count):
        ids = [open_job(serial=f"Q{len(made) + n:04d}")["id"] for n in range(count)]
        made.extend(ids)
        db.session.execute(
            update(Job)
            .where(Job.id.in_(ids))
            .values(state="accepted", provider_id=people.tech1.provider_id, technician_id=people.tech1.id)
        )
        db.session.commit()
        return ids

    return make


@pytest.fixture
def count_queries(app):
    def run(call):
        statements = []

        def seen(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        try:
            result = call()
        finally:
            event.remove(db.engine, "before_cursor_execute", seen)
        return result, statements

    return run


def test_a_page_costs_the_same_queries_for_two_jobs_or_twenty(client, people, technician_jobs, count_queries):
    technician_jobs(2)
    small, few = count_queries(lambda: client.get("/api/jobs", headers=people.tech1.headers))
    technician_jobs(18)
    large, many = count_queries(lambda: client.get("/api/jobs", headers=people.tech1.headers))
    assert small.json["total"] == 2
    assert large.json["total"] == 20
    assert len(large.json["items"]) == 20
    assert len(many) == len(few), many


def test_the_technician_list_uses_the_technician_index(app, backend, people, technician_jobs):
    technician_jobs(3)
    statement = list_jobs(people.tech1, {}).limit(50)
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    if backend == "sqlite":
        plan = db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
        assert any("ix_jobs_technician_created" in str(row) for row in plan), plan
    else:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = db.session.execute(text("EXPLAIN " + sql)).all()
        assert any("ix_jobs_technician_created" in str(row) for row in plan), plan
    db.session.rollback()


def test_a_customers_history_costs_the_same_queries_for_two_requests_or_eight(
    client, people, open_job, make_region, count_queries
):
    """Each request names its own county and provider: still no query per request."""
    for n in range(2):
        open_job(serial=f"H{n}", region_code="370112")
    few = count_queries(lambda: client.get("/api/customers?phone=13800000000", headers=people.agent.headers))[1]
    for n in range(2, 8):
        county = make_region(f"3701{20 + n}", level="county", parent_code="370100", area_class="county")
        open_job(serial=f"H{n}", region_code=county.code)
    response, many = count_queries(lambda: client.get("/api/customers?phone=13800000000", headers=people.agent.headers))
    assert len(response.json["requests"]) == 8
    assert len(many) == len(few), many
