"""The fault-code statistics for product engineering: the most frequent codes per model and month, counted
from completed jobs (local completion day) and claims not rejected (repair date), as JSON and CSV."""

import csv
import io
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from server.claims.models import Claim
from server.extensions import db
from server.jobs.models import Job
from tests.helpers import assert_error

pytestmark = pytest.mark.both_backends

YEAR = {"from": "2026-01-01", "to": "2026-12-31"}
COMPLETION = {"summary": "修好了", "confirmed_by": "王先生"}


@pytest.fixture
def codes(add_entry):
    add_entry(models=["TV55", "TV65"])
    add_entry(title="主板故障", fault_code="E30", models=[], categories=["tv"])


@pytest.fixture
def finish(call, codes, open_job, walk, kb):
    """``finish(model, code, completed_at, technician="tech1")`` → the id of a job of that model completed through
    the API with ``code``, its completion time then set to ``completed_at`` (aware UTC)."""

    def make(model, code, completed_at, technician="tech1"):
        job = walk(open_job(serial=None, model=model), "on_site", getattr(kb, technician))
        status, body = call("post", f"/api/jobs/{job['id']}/complete", technician, {**COMPLETION, "fault_code": code})
        assert status == 200, body
        stored = db.session.get(Job, job["id"])
        stored.completed_at = completed_at
        db.session.commit()
        return job["id"]

    return make


@pytest.fixture
def claim(kb, codes):
    """``claim(model, code, repair_date, status="approved", job_id=None, provider="P01")``: a claim row as filed."""

    def make(model, code, repair_date, status="approved", job_id=None, provider="P01"):
        submitter = kb.pm1 if provider == "P01" else kb.pm2
        db.session.add(
            Claim(
                provider_id=submitter.provider_id,
                submitted_by_id=submitter.id,
                serial=f"SN{model}{repair_date:%Y%m%d}",
                model=model,
                failure_date=repair_date,
                repair_date=repair_date,
                fault_code=code,
                job_id=job_id,
                labor_fee_cents=5000,
                parts_amount_cents=0,
                status=status,
            )
        )
        db.session.commit()

    return make


def at(day, hour=4):
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def report(client, kb):
    """``report(user="admin", **query)`` → the rows as ``(period, model, code, jobs, claims, total, rank)``."""

    def run(user="admin", **query):
        response = client.get("/api/reports/fault-codes", query_string=query, headers=getattr(kb, user).headers)
        assert response.status_code == 200, response.get_json()
        return [
            (r["period"], r["model"], r["fault_code"], r["jobs"], r["claims"], r["total"], r["rank"])
            for r in response.get_json()["rows"]
        ]

    return run


def test_completed_jobs_are_counted_per_model_and_month_most_frequent_first(finish, report):
    finish("TV55", "E30", at(date(2026, 3, 2)))
    finish("TV55", "E21", at(date(2026, 3, 5)))
    finish("TV55", "E21", at(date(2026, 3, 9)))
    finish("TV65", "E30", at(date(2026, 3, 9)))
    finish("TV55", "E21", at(date(2026, 4, 1)))
    assert report(**YEAR) == [
        ("2026-03", "TV55", "E21", 2, 0, 2, 1),
        ("2026-03", "TV55", "E30", 1, 0, 1, 2),
        ("2026-03", "TV65", "E30", 1, 0, 1, 1),
        ("2026-04", "TV55", "E21", 1, 0, 1, 1),
    ]


def test_a_job_counts_in_the_month_of_its_local_completion_day(finish, report):
    # 17:00 UTC on 31 March is 01:00 on 1 April in China.
    finish("TV55", "E21", datetime(2026, 3, 31, 17, tzinfo=UTC))
    assert report(**YEAR) == [("2026-04", "TV55", "E21", 1, 0, 1, 1)]


def test_claims_count_by_repair_date_and_rejected_ones_do_not(claim, report):
    claim("TV55", "E21", date(2026, 5, 3))
    claim("TV55", "E21", date(2026, 5, 20), status="pending_review")
    claim("TV55", "E21", date(2026, 5, 21), status="rejected")
    assert report(**YEAR) == [("2026-05", "TV55", "E21", 0, 2, 2, 1)]


def test_a_repair_on_a_job_and_its_claim_counts_once_in_the_total(finish, claim, report):
    job_id = finish("TV55", "E21", at(date(2026, 6, 1)))
    claim("TV55", "E21", date(2026, 6, 1), job_id=job_id)
    claim("TV55", "E21", date(2026, 6, 2))
    assert report(**YEAR) == [("2026-06", "TV55", "E21", 1, 2, 2, 1)]


def test_top_keeps_the_most_frequent_codes_of_each_model_and_month(finish, claim, report):
    claim("TV55", "E30", date(2026, 7, 1))
    claim("TV55", "E21", date(2026, 7, 2))
    claim("TV55", "E21", date(2026, 7, 3))
    claim("TV65", "E30", date(2026, 7, 3))
    assert report(top=1, **YEAR) == [("2026-07", "TV55", "E21", 0, 2, 2, 1), ("2026-07", "TV65", "E30", 0, 1, 1, 1)]


def test_equal_counts_rank_by_code(claim, report):
    claim("TV55", "E30", date(2026, 7, 1))
    claim("TV55", "E21", date(2026, 7, 2))
    assert [row[2:] for row in report(**YEAR)] == [("E21", 0, 1, 1, 1), ("E30", 0, 1, 1, 2)]


def test_by_year_adds_the_months_up(claim, report):
    claim("TV55", "E21", date(2026, 2, 1))
    claim("TV55", "E21", date(2026, 9, 1))
    assert report(by="year", **YEAR) == [("2026", "TV55", "E21", 0, 2, 2, 1)]


def test_the_range_includes_both_its_days_and_nothing_outside(finish, claim, report):
    finish("TV55", "E21", datetime(2026, 2, 28, 15, 59, tzinfo=UTC))  # 23:59 local, the day before
    finish("TV55", "E21", datetime(2026, 2, 28, 16, 0, tzinfo=UTC))  # 00:00 local on 1 March
    claim("TV55", "E21", date(2026, 3, 31))
    claim("TV55", "E21", date(2026, 4, 1))
    assert report(**{"from": "2026-03-01", "to": "2026-03-31"}) == [("2026-03", "TV55", "E21", 1, 1, 2, 1)]


def test_the_model_filter_keeps_one_model(claim, report):
    claim("TV55", "E21", date(2026, 7, 1))
    claim("TV65", "E21", date(2026, 7, 1))
    assert report(model="TV65", **YEAR) == [("2026-07", "TV65", "E21", 0, 1, 1, 1)]


def test_the_entrys_title_comes_with_its_code(client, kb, claim):
    claim("TV55", "E30", date(2026, 7, 1))
    response = client.get("/api/reports/fault-codes", query_string=YEAR, headers=kb.admin.headers)
    assert response.get_json()["rows"][0]["title"] == "主板故障"


def test_a_provider_manager_sees_the_figures_of_their_own_provider(finish, claim, report):
    finish("TV55", "E21", at(date(2026, 8, 1)))
    claim("TV55", "E21", date(2026, 8, 2), provider="P02")
    claim("TV55", "E30", date(2026, 8, 2), provider="P01")
    assert report(user="pm1", **YEAR) == [
        ("2026-08", "TV55", "E21", 1, 0, 1, 1),
        ("2026-08", "TV55", "E30", 0, 1, 1, 2),
    ]
    assert report(user="pm2", **YEAR) == [("2026-08", "TV55", "E21", 0, 1, 1, 1)]
    assert report(user="admin", **YEAR) == [
        ("2026-08", "TV55", "E21", 1, 1, 2, 1),
        ("2026-08", "TV55", "E30", 0, 1, 1, 2),
    ]


def test_without_a_range_the_last_twelve_months_are_counted(client, kb, finish):
    now = datetime.now(UTC)
    finish("TV55", "E21", now - timedelta(minutes=5))
    finish("TV55", "E30", now - timedelta(days=400))
    response = client.get("/api/reports/fault-codes", headers=kb.admin.headers)
    body = response.get_json()
    local_today = (now + timedelta(hours=8)).date()
    assert (body["to"], body["from"][8:]) == (local_today.isoformat(), "01")
    assert [(row["fault_code"], row["jobs"]) for row in body["rows"]] == [("E21", 1)]


def test_the_csv_download_has_the_same_rows(client, as_role, finish, claim):
    finish("TV55", "E21", at(date(2026, 3, 5)))
    claim("TV55", "E30", date(2026, 3, 6))
    response = client.get("/api/reports/fault-codes.csv", query_string=YEAR, headers=as_role("auditor"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="fault-codes-20260101-20261231.csv"'
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so spreadsheet programs read the Chinese titles as UTF-8
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["period", "model", "rank", "fault_code", "title", "total", "jobs", "claims"],
        ["2026-03", "TV55", "1", "E21", "有声音无图像 (no picture)", "1", "1", "0"],
        ["2026-03", "TV55", "2", "E30", "主板故障", "1", "0", "1"],
    ]


def test_a_title_that_reads_as_a_formula_reaches_the_csv_as_text(client, as_role, add_entry, claim):
    """An entry's title is an admin's free text; a spreadsheet ran it as a formula."""
    add_entry(title="-2+3 (cmd)", fault_code="E40", models=["TV55"])
    claim("TV55", "E40", date(2026, 3, 6))

    response = client.get("/api/reports/fault-codes.csv", query_string=YEAR, headers=as_role("auditor"))

    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert ["2026-03", "TV55", "1", "E40", "'-2+3 (cmd)", "1", "0", "1"] in rows


@pytest.mark.parametrize("path", ["/api/reports/fault-codes", "/api/reports/fault-codes.csv"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-05-01", "to": "2026-04-30"}, "to"),
        ({"from": "2999-01-01"}, "to"),
        ({"from": "2026-13-01"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"by": "week"}, "by"),
        ({"top": "0"}, "top"),
        ({"model": "NOPE"}, "model"),
    ],
    ids=[
        "ends-before-it-starts",
        "starts-after-today",
        "bad-month",
        "not-a-date",
        "unknown-grouping",
        "top-zero",
        "unknown-model",
    ],
)
def test_a_bad_report_query_is_422(client, kb, codes, path, query, field):
    response = client.get(path, query_string=query, headers=kb.admin.headers)
    assert_error(response, 422, "validation_error", fields=[field])
