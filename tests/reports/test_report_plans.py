"""On SQLite, which groups by sorting, the SLA report reads a range's jobs from an index alone and sorts only
each job's stages as ones and noughts (a subquery SQLite keeps apart). Over a year of a million jobs, sorting
each job with every time its stages read was half of the report (tests/bench/test_reports.py)."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

from sqlalchemy import text

from server.extensions import db
from server.jobs.models import Job
from server.reports.services import sla_grouped


def plan(statement):
    sql = str(statement.compile(db.engine, compile_kwargs={"literal_binds": True}))
    return [row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))]


def test_the_sla_report_reads_its_jobs_from_the_creation_index_alone_and_sorts_only_their_stages(app):
    year = datetime.now(UTC) - timedelta(days=365)
    steps = plan(sla_grouped(Job.province_id, Job.created_at >= year, Job.state != "cancelled"))
    assert any("COVERING INDEX ix_jobs_created_report" in step for step in steps), steps
    # The stages are worked out in a subquery of their own (a co-routine), and the grouping sorts its rows.
    assert any(step.startswith("CO-ROUTINE") for step in steps), steps
