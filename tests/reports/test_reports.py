"""The service reports: figures from known jobs, callbacks and complaints, each caller's slice, CSV, bad input.

The world: provinces 370000 (city 370100, county 370112) and 440000 (city 440100); providers P01 and P02 in
370100 and P44 in 440100; technicians t1, t2 (P01), t3 (P02), t4 (P44). Rows are written straight to the
tables with fixed times, in the local days of January 2026 (UTC+8).
"""

import csv
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from tests.reports.helpers import NOON

pytestmark = pytest.mark.both_backends

RANGE = "from=2026-01-01&to=2026-01-31"


def get(client, user, path):
    response = client.get(path, headers=user.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_code(report):
    return {row["code"]: row for row in report["rows"]}


# ---------------------------------------------------------------- complaints


@pytest.fixture
def complaints_world(job, complaint):
    """P01: 4 finished jobs (t1: 3, t2: 1), 2 complaints on t1 (one overdue and open, one closed, repeat);
    P02: 2 finished jobs, none; P44 in 440000: 1 finished job, 1 complaint; plus jobs outside the range."""
    t1 = [job("t1") for _ in range(3)]
    job("t2")
    job("t3"), job("t3")
    p44 = job("t4")
    job("t1", state="on_site")  # not finished: not counted
    job("t1", completed=NOON + timedelta(days=40))  # finished after the range
    complaint(t1[0], due=NOON + timedelta(hours=1))  # open and, by now, overdue
    complaint(t1[1], status="closed", repeat=True)
    complaint(p44, due=datetime.now(UTC) + timedelta(days=1))  # open, not yet due
    complaint(t1[2], created=NOON - timedelta(days=30))  # before the range


def test_complaint_rate_per_100_jobs_by_province(client, world, complaints_world):
    report = get(client, world.admin, f"/api/reports/complaints?{RANGE}")

    rows = by_code(report)
    assert set(rows) == {"370000", "440000"}
    assert rows["370000"] | {"name": None} == {
        "level": "province",
        "code": "370000",
        "name": None,
        "jobs": 6,
        "complaints": 2,
        "rate_per_100": 33.33,
        "open": 1,
        "overdue": 1,
        "repeat": 1,
    }
    assert (rows["440000"]["jobs"], rows["440000"]["complaints"], rows["440000"]["rate_per_100"]) == (1, 1, 100.0)
    assert report["total"] == {
        "jobs": 7,
        "complaints": 3,
        "rate_per_100": 42.86,
        "open": 2,
        "overdue": 1,
        "repeat": 1,
    }
    # Worst first: the manager's eye goes to the top.
    assert [row["code"] for row in report["rows"]] == ["440000", "370000"]


def test_complaint_rate_drills_down_to_providers_and_technicians(client, world, complaints_world):
    providers_of_37 = by_code(
        get(client, world.admin, f"/api/reports/complaints?{RANGE}&level=provider&province=370000")
    )
    technicians = get(client, world.admin, f"/api/reports/complaints?{RANGE}&level=technician&provider_code=P01")

    assert {code: (r["jobs"], r["complaints"]) for code, r in providers_of_37.items()} == {
        "P01": (4, 2),
        "P02": (2, 0),
    }
    assert providers_of_37["P01"]["rate_per_100"] == 50.0
    assert providers_of_37["P02"]["rate_per_100"] == 0.0
    rows = by_code(technicians)
    assert {code: (r["jobs"], r["complaints"]) for code, r in rows.items()} == {"t1": (3, 2), "t2": (1, 0)}
    assert rows["t1"]["name"] == "张师傅"


@pytest.mark.parametrize(
    ("user", "codes"),
    [
        ("admin", {"P01", "P02", "P44"}),
        ("auditor", {"P01", "P02", "P44"}),
        ("disp", {"P01", "P02", "P44"}),
        ("disp37", {"P01", "P02"}),
        ("pm1", {"P01"}),
    ],
)
def test_each_caller_sees_only_their_slice(client, world, complaints_world, user, codes):
    report = get(client, getattr(world, user), f"/api/reports/complaints?{RANGE}&level=provider")

    assert set(by_code(report)) == codes


def test_a_provider_manager_cannot_widen_the_slice_with_a_filter(client, world, complaints_world):
    report = get(client, world.pm1, f"/api/reports/complaints?{RANGE}&level=provider&provider_code=P02")

    assert report["rows"] == []
    assert report["total"]["jobs"] == 0


def test_a_page_shows_the_worst_groups_and_the_total_counts_them_all(client, world, complaints_world):
    report = get(client, world.admin, f"/api/reports/complaints?{RANGE}&level=technician&limit=2")

    # t4 and t1 have the highest rates (100 and 66.67); t2 and t3 (none) are left off the page.
    assert [row["code"] for row in report["rows"]] == ["t4", "t1"]
    assert report["groups"] == 4
    assert report["total"]["jobs"] == 7


def test_the_csv_has_every_group_whatever_the_page(client, world, complaints_world):
    with client.get(f"/api/reports/complaints.csv?{RANGE}&level=technician&limit=1", headers=world.admin.headers) as r:
        assert r.status_code == 200
        rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))

    assert [row["code"] for row in rows] == ["t4", "t1", "t2", "t3", ""]


# ---------------------------------------------------------------- satisfaction


def test_satisfaction_averages_reach_rate_and_low_scores(client, world, job, callback):
    callback(job("t1"), scores=(5, 4, 3))
    callback(job("t1"), scores=(3, 2, 5))  # a 2: a low score
    callback(job("t1"), status="unreachable")
    callback(job("t3"), scores=(4, 4, 4))
    callback(job("t3"), scores=(1, 1, 1), closed=NOON + timedelta(days=40))  # after the range

    report = get(client, world.admin, f"/api/reports/satisfaction?{RANGE}&level=technician")

    rows = by_code(report)
    assert rows["t1"] | {"name": None} == {
        "level": "technician",
        "code": "t1",
        "name": None,
        "reached": 2,
        "unreachable": 1,
        "reach_rate_pct": 66.67,
        "timeliness": 4.0,
        "attitude": 3.0,
        "quality": 4.0,
        "overall": 3.67,
        "low_scores": 1,
    }
    assert (rows["t3"]["reached"], rows["t3"]["overall"], rows["t3"]["low_scores"]) == (1, 4.0, 0)
    assert report["total"]["reached"] == 3
    assert report["total"]["timeliness"] == 4.0  # (5 + 3 + 4) / 3
    assert report["total"]["attitude"] == 3.33
    assert report["low_score"] == 2
    # Least satisfied first.
    assert [row["code"] for row in report["rows"]] == ["t1", "t3"]


# ---------------------------------------------------------------- SLA


def test_sla_counts_deadlines_passed_or_reached_and_those_met(client, world, job):
    due = NOON
    # Contact met, arrival late, completion met.
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
    # Still open and past every deadline: counted, not met.
    job(
        "t1",
        state="on_site",
        created=NOON - timedelta(hours=3),
        contact_due_at=due,
        arrive_due_at=due,
        complete_due_at=due,
    )
    # Open with deadlines far ahead: not counted yet.
    future = datetime.now(UTC) + timedelta(days=30)
    job("t1", state="accepted", created=NOON, contact_due_at=future, arrive_due_at=future, complete_due_at=future)
    # Cancelled: not counted at all.
    job("t1", state="cancelled", created=NOON, contact_due_at=due, arrive_due_at=due, complete_due_at=due)

    report = get(client, world.admin, f"/api/reports/sla?{RANGE}&level=provider")

    assert report["rows"] == [
        {
            "level": "provider",
            "code": "P01",
            "name": "Provider P01",
            "jobs": 3,
            "contact_due": 2,
            "contact_met": 1,
            "contact_pct": 50.0,
            "arrive_due": 2,
            "arrive_met": 0,
            "arrive_pct": 0.0,
            "complete_due": 2,
            "complete_met": 1,
            "complete_pct": 50.0,
            "compliance_pct": 33.33,
        }
    ]


# ---------------------------------------------------------------- workload


def test_workload_per_technician_and_the_staffing_it_suggests(app, client, world, job):
    app.config["STAFFING_JOBS_PER_TECHNICIAN_DAY"] = 1
    for _ in range(40):
        job("t1", model="TV55")
    for _ in range(20):
        job("t2", model="TV55")
    for _ in range(5):
        job("t3", model="WM10")
    job("t4", model="TV55")

    report = get(client, world.admin, "/api/reports/workload?from=2026-01-01&to=2026-01-10")

    rows = by_code(report)
    shandong = rows["370000"]
    # 65 jobs in 10 days by 3 technicians: 6.5 a day, at 1 a day a technician that is 7 technicians, 4 more.
    assert {k: shandong[k] for k in ("jobs", "technicians", "jobs_per_technician", "jobs_per_technician_day")} == {
        "jobs": 65,
        "technicians": 3,
        "jobs_per_technician": 21.67,
        "jobs_per_technician_day": 2.17,
    }
    assert (shandong["technicians_needed"], shandong["suggestion"]) == (7, 4)
    assert (rows["440000"]["jobs"], rows["440000"]["technicians_needed"], rows["440000"]["suggestion"]) == (1, 1, 0)
    assert report["total"] == {"jobs": 66, "technicians": 4, "technicians_needed": 8, "suggestion": 4}
    assert (report["days"], report["target_per_technician_day"]) == (10, 1)
    assert (report["product_line"], report["product_lines"]) == (None, ["tv", "washing_machine"])


def test_workload_lists_each_province_once_whatever_its_jobs_product_lines(client, world, job):
    """A job of no known product and a technician repairing both lines: still one row, one technician."""
    job("t1", model="TV55")
    job("t1", model="WM10")
    job("t1", model=None)

    report = get(client, world.admin, f"/api/reports/workload?{RANGE}")

    assert [(row["code"], row["jobs"], row["technicians"]) for row in report["rows"]] == [("370000", 3, 1)]
    assert report["groups"] == 1
    assert report["total"]["jobs"] == 3
    assert report["total"]["technicians"] == 1


def test_workload_by_provider_for_one_product_line(client, world, job):
    job("t1", model="TV55")
    job("t3", model="WM10")
    job("t3", model=None)

    report = get(client, world.admin, f"/api/reports/workload?{RANGE}&level=provider&product_line=washing_machine")

    assert [(row["code"], row["jobs"]) for row in report["rows"]] == [("P02", 1)]
    assert report["product_line"] == "washing_machine"
    # The lines to choose from are the range's, not only the one chosen.
    assert report["product_lines"] == ["tv", "washing_machine"]


# ---------------------------------------------------------------- the range


def test_days_are_the_users_local_days(client, world, job):
    # 23:30 on 31 January in China is still January; 00:30 on 1 February is not.
    job("t1", completed=datetime(2026, 1, 31, 15, 30, tzinfo=UTC))
    job("t1", completed=datetime(2026, 1, 31, 16, 30, tzinfo=UTC))

    report = get(client, world.admin, f"/api/reports/complaints?{RANGE}")

    assert report["total"]["jobs"] == 1
    assert (report["from"], report["to"]) == ("2026-01-01", "2026-01-31")


def test_the_default_range_is_the_last_30_days(client, world, job):
    job("t1", completed=datetime.now(UTC) - timedelta(days=2))
    job("t1", completed=datetime.now(UTC) - timedelta(days=45))

    report = get(client, world.admin, "/api/reports/complaints")

    assert report["total"]["jobs"] == 1


# ---------------------------------------------------------------- CSV


@pytest.mark.parametrize("name", ["complaints", "satisfaction", "sla", "workload"])
def test_every_report_downloads_as_csv_with_the_same_figures(client, world, complaints_world, name):
    shown = get(client, world.admin, f"/api/reports/{name}?{RANGE}")

    with client.get(f"/api/reports/{name}.csv?{RANGE}", headers=world.admin.headers) as response:
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert (
            response.headers["Content-Disposition"]
            == f'attachment; filename="{name}-province-2026-01-01-2026-01-31.csv"'
        )
        text = response.get_data(as_text=True)

    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(shown["rows"]) + 1
    assert rows[-1]["level"] == "total"
    for row, expected in zip(rows, shown["rows"], strict=False):
        assert row["code"] == expected["code"]
        assert row["jobs" if "jobs" in expected else "reached"] == str(
            expected["jobs" if "jobs" in expected else "reached"]
        )


FORMULA = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize("name", ["complaints", "satisfaction", "sla", "workload"])
def test_names_that_read_as_formulas_reach_the_csv_as_text(client, world, complaints_world, callback, job, name):
    """A technician's display name and a provider's name are anyone's text; a spreadsheet ran them as formulas."""
    callback(job("t1"))  # satisfaction counts callbacks
    renamed = [
        client.patch("/api/admin/users/t1", json={"display_name": FORMULA}, headers=world.admin.headers),
        client.patch("/api/admin/providers/P01", json={"name": "@P01 Ltd"}, headers=world.admin.headers),
    ]
    assert [response.status_code for response in renamed] == [200, 200]

    # The workload report has no technician level.
    levels = {"provider": ("P01", "'@P01 Ltd"), "technician": ("t1", "'" + FORMULA)}
    if name == "workload":
        del levels["technician"]
    for level, (code, shown) in levels.items():
        with client.get(f"/api/reports/{name}.csv?{RANGE}&level={level}", headers=world.admin.headers) as response:
            assert response.status_code == 200
            rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
            names = {row["code"]: row["name"] for row in rows}
        assert names[code] == shown


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-02-01&to=2026-01-01", "to"),
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("level=county", "level"),
        ("province=", "province"),
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
    ],
)
@pytest.mark.parametrize("name", ["complaints", "satisfaction", "sla", "workload", "sla.csv"])
def test_bad_ranges_and_levels_are_refused(client, world, name, query, field):
    if name == "workload" and field == "level":
        query = "level=technician"
    response = client.get(f"/api/reports/{name}?{query}", headers=world.admin.headers)

    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["details"]["fields"]


@pytest.mark.parametrize("user", ["agent", "t1"])
def test_agents_and_technicians_do_not_see_the_reports(client, world, user):
    response = client.get("/api/reports/complaints", headers=getattr(world, user).headers)

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "role_forbidden"
