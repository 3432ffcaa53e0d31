"""The reports' trends: each report's figures per local day or week of the range, every period laid out.

The reports world of tests/fixtures/reports.py (January 2026, UTC+8). 1 January 2026 is a Thursday, so the
weeks of January run from Monday the 5th, 12th, 19th and 26th, and the first is cut to Thursday the 1st to
Sunday the 4th. NOON is Saturday 10 January, 12:00 local.
"""

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.extensions import db
from server.network.models import Region
from tests.reports.helpers import NOON

pytestmark = pytest.mark.both_backends

RANGE = "from=2026-01-01&to=2026-01-31"
WEEKS = [
    ("2026-01-01", "2026-01-04"),
    ("2026-01-05", "2026-01-11"),
    ("2026-01-12", "2026-01-18"),
    ("2026-01-19", "2026-01-25"),
    ("2026-01-26", "2026-01-31"),
]


def get(client, user, path):
    response = client.get(path, headers=user.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_start(trend, *figures):
    return {point["start"]: tuple(point[f] for f in figures) for point in trend["points"]}


def test_complaints_per_local_day_with_every_day_laid_out(client, world, job, complaint):
    first = job("t1")
    job("t1")
    job("t3", completed=NOON + timedelta(days=2))
    # 00:30 on Sunday the 11th in China, still Saturday in UTC: Sunday's.
    job("t4", completed=datetime(2026, 1, 10, 16, 30, tzinfo=UTC))
    complaint(first)

    trend = get(client, world.admin, "/api/reports/complaints/trend?from=2026-01-09&to=2026-01-12")

    assert (trend["from"], trend["to"], trend["by"]) == ("2026-01-09", "2026-01-12", "day")
    assert [(p["start"], p["end"], p["jobs"], p["complaints"], p["rate_per_100"]) for p in trend["points"]] == [
        ("2026-01-09", "2026-01-09", 0, 0, None),
        ("2026-01-10", "2026-01-10", 2, 1, 50.0),
        ("2026-01-11", "2026-01-11", 1, 0, 0.0),
        ("2026-01-12", "2026-01-12", 1, 0, 0.0),
    ]


def test_weeks_run_monday_to_sunday_cut_to_the_range_and_add_up_to_the_report(client, world, job, complaint):
    complaint(job("t1", completed=NOON - timedelta(days=7)))  # done Saturday the 3rd (the cut first week)
    job("t1")  # complained about on Saturday the 10th
    job("t3")
    job("t3", completed=NOON + timedelta(days=2))  # Monday the 12th
    job("t4", completed=NOON + timedelta(days=21))  # Saturday the 31st: the cut last week
    job("t1", completed=NOON + timedelta(days=40))  # after the range

    trend = get(client, world.admin, f"/api/reports/complaints/trend?{RANGE}&by=week")
    report = get(client, world.admin, f"/api/reports/complaints?{RANGE}")

    assert [(p["start"], p["end"]) for p in trend["points"]] == WEEKS
    assert [(p["jobs"], p["complaints"]) for p in trend["points"]] == [(1, 0), (2, 1), (1, 0), (0, 0), (1, 0)]
    assert sum(p["jobs"] for p in trend["points"]) == report["total"]["jobs"]
    assert sum(p["complaints"] for p in trend["points"]) == report["total"]["complaints"]


@pytest.mark.parametrize(
    ("query", "by", "points"),
    [
        ("from=2026-01-01&to=2026-03-03", "day", 62),
        ("from=2026-01-01&to=2026-03-04", "week", 10),
        ("from=2026-01-01&to=2026-03-04&by=day", "day", 63),
        ("from=2026-01-05&to=2026-01-05&by=week", "week", 1),
    ],
)
def test_a_long_range_is_shown_by_week_unless_days_are_asked_for(client, world, query, by, points):
    trend = get(client, world.admin, f"/api/reports/sla/trend?{query}")

    assert (trend["by"], len(trend["points"])) == (by, points)


def test_the_default_range_is_the_last_30_days(client, world, job):
    job("t1", completed=datetime.now(UTC) - timedelta(days=2))
    job("t1", completed=datetime.now(UTC) - timedelta(days=45))

    trend = get(client, world.admin, "/api/reports/workload/trend")

    assert (trend["by"], len(trend["points"])) == ("day", 30)
    assert sum(p["jobs"] for p in trend["points"]) == 1


def test_satisfaction_per_day(client, world, job, callback):
    callback(job("t1"), scores=(5, 4, 3))
    callback(job("t1"), scores=(3, 2, 5))
    callback(job("t3"), status="unreachable")
    callback(job("t3"), scores=(1, 1, 1), closed=NOON + timedelta(days=1))

    trend = get(client, world.admin, "/api/reports/satisfaction/trend?from=2026-01-10&to=2026-01-11")

    assert by_start(trend, "reached", "unreachable", "timeliness", "overall", "low_scores") == {
        "2026-01-10": (2, 1, 4.0, 3.67, 1),
        "2026-01-11": (1, 0, 1.0, 1.0, 1),
    }


def test_sla_compliance_per_day_of_the_jobs_opened(client, world, job):
    due = NOON
    # Opened Saturday: contact met, arrival late, completion met.
    job(
        "t1",
        created=NOON - timedelta(hours=3),
        contact_due_at=due,
        contacted_at=due - timedelta(minutes=5),
        arrive_due_at=due,
        arrived_at=due + timedelta(hours=1),
        complete_due_at=due + timedelta(days=1),
        completed=due + timedelta(hours=5),
    )
    # Opened Sunday, past every deadline, none met.
    job(
        "t1",
        state="on_site",
        created=NOON + timedelta(days=1),
        contact_due_at=due,
        arrive_due_at=due,
        complete_due_at=due,
    )

    trend = get(client, world.admin, "/api/reports/sla/trend?from=2026-01-10&to=2026-01-11")

    assert by_start(trend, "jobs", "contact_met", "arrive_met", "complete_met", "compliance_pct") == {
        "2026-01-10": (1, 1, 0, 1, 66.67),
        "2026-01-11": (1, 0, 0, 0, 0.0),
    }


def test_a_technician_working_all_week_is_one_technician_that_week(client, world, job):
    monday = NOON + timedelta(days=2)
    job("t1", completed=monday)
    job("t1", completed=monday + timedelta(days=1))
    job("t1", completed=monday + timedelta(days=1), model="WM10")
    job("t3", completed=monday + timedelta(days=6))

    week = get(client, world.admin, "/api/reports/workload/trend?from=2026-01-12&to=2026-01-18&by=week")
    days = get(client, world.admin, "/api/reports/workload/trend?from=2026-01-12&to=2026-01-18")
    washers = get(
        client,
        world.admin,
        "/api/reports/workload/trend?from=2026-01-12&to=2026-01-18&by=week&product_line=washing_machine",
    )

    # 4 jobs by 2 technicians in 7 days.
    assert by_start(week, "jobs", "technicians", "jobs_per_technician_day") == {"2026-01-12": (4, 2, 0.29)}
    assert [(p["jobs"], p["technicians"]) for p in days["points"]] == [
        (1, 1),
        (2, 1),
        (0, 0),
        (0, 0),
        (0, 0),
        (0, 0),
        (1, 1),
    ]
    assert days["points"][2]["jobs_per_technician_day"] is None
    assert by_start(washers, "jobs", "technicians") == {"2026-01-12": (1, 1)}


def test_claims_and_their_money_per_week_by_repair_day(client, world, report_claim):
    claim = report_claim
    claim("P01", "2026-01-02", "approved", 10000)
    claim("P01", "2026-01-06", "pending_review", 2000)
    claim("P01", "2026-01-11", "rejected", 1234)
    claim("P02", "2026-01-11", "pending_review", 3000)
    claim("P01", "2026-02-01", "pending_review", 99999)  # after the range

    trend = get(client, world.auditor, f"/api/reports/claims/trend?{RANGE}&by=week")
    mine = get(client, world.pm1, f"/api/reports/claims/trend?{RANGE}&by=week")

    figures = ("claims", "amount", "held_back_claims", "held_back", "rejected_claims", "rejected")
    assert by_start(trend, *figures) == {
        "2026-01-01": (1, "100.00", 0, "0.00", 0, "0.00"),
        "2026-01-05": (3, "62.34", 2, "50.00", 1, "12.34"),
        "2026-01-12": (0, "0.00", 0, "0.00", 0, "0.00"),
        "2026-01-19": (0, "0.00", 0, "0.00", 0, "0.00"),
        "2026-01-26": (0, "0.00", 0, "0.00", 0, "0.00"),
    }
    # A provider manager: P01's claims only.
    assert by_start(mine, "claims", "held_back")["2026-01-05"] == (2, "20.00")
    # The money held back, summed over the periods, is the claims report's.
    report = get(client, world.auditor, f"/api/reports/claims?{RANGE}")
    assert report["held_back"] == "50.00"


def test_the_parts_cycle_per_day_of_arrival(client, world, report_requisition):
    received = report_requisition
    received(NOON - timedelta(days=4), NOON)
    received(NOON - timedelta(days=2), NOON)
    received(NOON - timedelta(days=3), NOON + timedelta(days=1), technician="t4")

    trend = get(client, world.admin, "/api/reports/parts-cycle/trend?from=2026-01-10&to=2026-01-11")
    clerk_37 = get(client, world.disp37, "/api/reports/parts-cycle/trend?from=2026-01-10&to=2026-01-11")

    assert by_start(trend, "requisitions", "mean_days") == {"2026-01-10": (2, 3.0), "2026-01-11": (1, 4.0)}
    # A provincial dispatcher sees their province's requisitions only (t4 works in 440000).
    assert by_start(clerk_37, "requisitions") == {"2026-01-10": (2,), "2026-01-11": (0,)}
    assert db.session.scalar(select(Region.code).where(Region.id == world.disp37.province_id)) == "370000"


def test_the_parts_cycle_trend_covers_the_last_90_days_by_default(client, world):
    trend = get(client, world.admin, "/api/reports/parts-cycle/trend")

    first, last = date.fromisoformat(trend["from"]), date.fromisoformat(trend["to"])
    assert (last - first).days == 89
    assert trend["by"] == "week"
    # The weeks cover the range end to end, each following the one before.
    starts = [date.fromisoformat(p["start"]) for p in trend["points"]]
    ends = [date.fromisoformat(p["end"]) for p in trend["points"]]
    assert (starts[0], ends[-1]) == (first, last)
    assert all(start == end + timedelta(days=1) for start, end in zip(starts[1:], ends, strict=False))
    assert all(start.weekday() == 0 for start in starts[1:])


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/reports/complaints/trend?from=2026-02-01&to=2026-01-01", "to"),
        ("/api/reports/sla/trend?by=month", "by"),
        ("/api/reports/satisfaction/trend?from=2025-01-01&to=2026-01-31&by=day", "by"),
        ("/api/reports/workload/trend?product_line=", "product_line"),
        ("/api/reports/claims/trend?from=2026-1-1", "from"),
        ("/api/reports/parts-cycle/trend?from=2026-02-01&to=2026-01-01", "to"),
    ],
)
def test_bad_trend_questions_are_refused_naming_the_field(client, world, path, field):
    response = client.get(path, headers=world.admin.headers)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["details"]["fields"]


@pytest.mark.parametrize(
    ("user", "path"),
    [
        ("agent", "/api/reports/complaints/trend"),
        ("t1", "/api/reports/sla/trend"),
        ("disp", "/api/reports/claims/trend"),
        ("pm1", "/api/reports/parts-cycle/trend"),
    ],
)
def test_a_trend_is_read_by_its_reports_readers_only(client, world, user, path):
    response = client.get(path, headers=getattr(world, user).headers)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "role_forbidden"
