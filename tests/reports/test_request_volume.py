"""Request volume patterns: when requests come in, by local weekday and hour, by ISO week beside the same week a
year earlier, by province and product line, in the caller's slice.

The reports world (tests/fixtures/reports.py, UTC+8): 1 January 2026 is a Thursday; 2026-W02 runs from Monday
5 January to Sunday 11 January, and 2025-W02 from Monday 6 January 2025 to Sunday 12 January 2025.
"""

import csv
import io
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest

from server.extensions import db
from server.reports.volume import _a_year_before

TWO_WEEKS = "from=2026-01-05&to=2026-01-18"


def requested(job, at):
    """The job's request, recorded at ``at`` (UTC)."""
    job.request.created_at = at
    db.session.commit()
    return job


def local(y, m, d, hour, minute=0):
    """A UTC instant from the users' local (UTC+8) wall-clock time."""
    return datetime(y, m, d, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def get(client, user, query):
    response = client.get(f"/api/reports/request-volume?{query}", headers=user.headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_same_week_a_year_earlier_is_the_same_iso_week_and_weekday():
    assert _a_year_before(date(2026, 1, 10)) == date(2025, 1, 11)  # Saturday of W02 both years
    assert _a_year_before(date(2026, 1, 5)) == date(2025, 1, 6)
    # 2026 has an ISO week 53 (28 December 2026 to 3 January 2027); 2025 has none.
    assert _a_year_before(date(2026, 12, 31)) is None
    assert _a_year_before(date(2027, 1, 4)) == date(2025, 12, 29)  # Monday of 2027-W01 and of 2026-W01


@pytest.mark.both_backends
def test_requests_counted_by_local_weekday_and_hour_and_averaged_per_such_day(client, world, job):
    requested(job("t1"), local(2026, 1, 10, 12))  # Saturday noon
    requested(job("t1"), local(2026, 1, 17, 12, 59))  # the next Saturday, same hour
    requested(job("t3"), datetime(2026, 1, 10, 16, 30, tzinfo=UTC))  # 00:30 Sunday the 11th local, Saturday in UTC
    requested(job("t3"), local(2026, 1, 19, 9))  # after the range

    report = get(client, world.admin, TWO_WEEKS)

    assert report["total"] == 3
    assert report["weekday_days"] == [2] * 7
    grid = report["weekday_hour"]
    assert grid[5][12] == 2
    assert grid[6][0] == 1
    assert sum(map(sum, grid)) == 3
    assert report["weekday_hour_mean"][5][12] == 1.0
    assert report["weekday_hour_mean"][6][0] == 0.5
    assert report["peak"] == {"weekday": 5, "hour": 12, "requests": 2}


@pytest.mark.both_backends
def test_each_week_stands_beside_the_same_days_of_its_week_a_year_earlier(client, world, job):
    requested(job("t1"), local(2026, 1, 10, 10))  # 2026-W02, Saturday
    requested(job("t1"), local(2025, 1, 11, 10))  # 2025-W02, Saturday: last year's counterpart
    requested(job("t1"), local(2025, 1, 12, 23, 30))  # 2025-W02, Sunday
    requested(job("t1"), local(2025, 1, 5, 10))  # 2025-W01: not W02's
    requested(job("t1"), local(2025, 1, 10, 10))  # 2025-W02 Friday: cut off, as the range starts on a Saturday

    cut = get(client, world.admin, "from=2026-01-10&to=2026-01-18")
    whole = get(client, world.admin, "from=2026-01-05&to=2026-01-11")

    assert [(w["week"], w["start"], w["end"], w["requests"], w["last_year"]) for w in cut["weeks"]] == [
        ("2026-W02", "2026-01-10", "2026-01-11", 1, 2),
        ("2026-W03", "2026-01-12", "2026-01-18", 0, 0),
    ]
    assert (cut["weeks"][0]["last_year_start"], cut["weeks"][0]["last_year_end"]) == ("2025-01-11", "2025-01-12")
    assert cut["last_year_total"] == 2
    assert [(w["week"], w["requests"], w["last_year"]) for w in whole["weeks"]] == [("2026-W02", 1, 3)]


@pytest.mark.both_backends
def test_a_week_last_year_did_not_have_has_no_counterpart(client, world, job):
    requested(job("t1"), local(2026, 12, 29, 10))

    report = get(client, world.admin, "from=2026-12-28&to=2027-01-03")

    assert [(w["week"], w["requests"], w["last_year"]) for w in report["weeks"]] == [("2026-W53", 1, None)]


def test_province_and_product_line_narrow_and_group_and_a_dispatcher_sees_their_province(client, world, job):
    requested(job("t1", model="TV55"), local(2026, 1, 6, 9))  # Shandong (370000)
    requested(job("t2", model="WM10"), local(2026, 1, 6, 10))  # Shandong
    requested(job("t4", model="TV55"), local(2026, 1, 7, 9))  # Guangdong (440000)

    everything = get(client, world.admin, TWO_WEEKS)
    tvs = get(client, world.admin, f"{TWO_WEEKS}&product_line=tv")
    guangdong = get(client, world.admin, f"{TWO_WEEKS}&province=440000")
    own = get(client, world.disp37, TWO_WEEKS)

    assert {row["code"]: row["requests"] for row in everything["provinces"]} == {"370000": 2, "440000": 1}
    assert {row["product_line"]: row["requests"] for row in everything["product_lines"]} == {
        "tv": 2,
        "washing_machine": 1,
    }
    assert tvs["total"] == 2
    assert {row["product_line"] for row in tvs["product_lines"]} == {"tv"}
    assert guangdong["total"] == 1
    assert guangdong["weekday_hour"][2][9] == 1
    assert own["total"] == 2
    assert [row["code"] for row in own["provinces"]] == ["370000"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-01-10&to=2026-01-05", "to"),
        ("from=2024-01-01&to=2026-01-05", "from"),
        ("province=999999", "province"),
        ("product_line=toaster", "product_line"),
    ],
)
def test_bad_arguments_name_the_field(client, world, query, field):
    response = client.get(f"/api/reports/request-volume?{query}", headers=world.admin.headers)

    assert response.status_code == 422
    assert field in str(response.get_json()["error"]["details"])


def test_the_download_has_a_row_per_week_and_a_row_per_weekday_with_its_hours(client, world, job):
    requested(job("t1"), local(2026, 1, 10, 12))

    response = client.get(f"/api/reports/request-volume.csv?{TWO_WEEKS}", headers=world.admin.headers)

    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    weeks = [row for row in rows if row["section"] == "week"]
    days = {row["week"]: row for row in rows if row["section"] == "weekday"}
    assert [(row["week"], row["requests"]) for row in weeks] == [("2026-W02", "1"), ("2026-W03", "0")]
    assert days["Sat"]["h12"] == "1"
    assert days["Sat"]["requests"] == "1"
    assert days["Mon"]["requests"] == "0"
