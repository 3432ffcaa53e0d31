"""The service dashboard (the reports page) in a real browser: a report's trend and bars drawn by ECharts, its
table drilled down from provinces to providers to technicians, downloaded as CSV, a backwards range refused in
the user's language, and every report looked at in Chinese and English.

The rows come from tests/fixtures/reports.py: January 2026, provinces 370000 and 440000. On PostgreSQL, with
one gunicorn for the module (tests/e2e/conftest.py).
"""

import csv
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Complaint
from server.claims.models import ClaimFlag
from server.core.clock import local_day_bounds
from server.extensions import db
from tests.fixtures.browser import PASSWORD
from tests.reports.helpers import NOON

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

REPORTS = ("complaints", "satisfaction", "sla", "workload", "parts-cycle", "claims")


def open_reports(phone, user, locale="en"):
    device = phone(locale=locale)
    page = device.page
    page.goto("/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.locator("nav a[href='#/reports']").click()
    page.get_by_test_id("reports").wait_for()
    show(page, "2026-01-01", "2026-01-31")
    return device


def show(page, first, last):
    form = page.locator("form.report-controls")
    form.locator("input[name=from]").fill(first)
    form.locator("input[name=to]").fill(last)
    form.locator("[data-action=show]").click()


def row(page, code):
    return page.get_by_test_id("report-table").locator(f"tbody tr[data-code='{code}']")


def bars(page):
    """{group code: the figure its bar shows}, read from the table beside the chart (the same figures)."""
    rows = page.get_by_test_id("report-table").locator("tbody tr[data-code]")
    return {each.get_attribute("data-code"): each.locator("td.value").text_content() for each in rows.all()}


def drawn(page, test_id):
    """The chart's canvas, once ECharts has drawn it."""
    chart = page.locator(f"[data-testid={test_id}][data-drawn=true]")
    chart.wait_for()
    return chart.locator("canvas")


def test_complaint_rates_drill_down_and_download(phone, reports_world, report_job, report_complaint):
    complained = [report_job("t1"), report_job("t1"), report_job("t3"), report_job("t4")]
    report_job("t2")
    for each in complained[:2] + complained[3:]:
        report_complaint(each)
    report_complaint(complained[0], created=NOON + timedelta(days=3))

    device = open_reports(phone, reports_world.admin)
    page = device.page
    row(page, "370000").wait_for()
    # A desk role has no sync bar, and no stray "null" where it would be.
    assert "null" not in page.locator("header").inner_text()
    # 370000: 4 jobs, 3 complaints; 440000: 1 job, 1 complaint. Worst first.
    assert bars(page) == {"440000": "100.00", "370000": "75.00"}
    assert page.get_by_test_id("report-headline").text_content() == f"{device.t('reports.col.rate_per_100')}: 80.00"
    # The trend and the bars are ECharts' canvases, fetched from the app's own packages only now.
    assert drawn(page, "trend-chart").count() >= 1
    assert drawn(page, "compare-chart").count() >= 1
    assert any("/node_modules/echarts/dist/echarts.esm.min.js" in url for url in device.requests)
    # Day by day, each day's complaints are the plain count of the complaints received that day.
    page.locator(".trend-figures summary").click()
    trend = page.get_by_test_id("trend-table")
    assert trend.locator("tbody tr").count() == 31
    shown = {
        day: int(trend.locator(f"tr[data-start='{day}'] td").first.text_content())
        for day in ("2026-01-10", "2026-01-13")
    }
    stored = {}
    for day in shown:
        start, end = local_day_bounds(date.fromisoformat(day))
        where = (Complaint.created_at >= start, Complaint.created_at < end)
        stored[day] = db.session.scalar(select(func.count()).select_from(Complaint).where(*where))
    assert shown == stored == {"2026-01-10": 3, "2026-01-13": 1}
    device.screenshot("report-complaints")

    row(page, "370000").locator("[data-action=drill]").click()
    row(page, "P01").wait_for()
    assert bars(page) == {"P01": "100.00", "P02": "0.00"}
    row(page, "P01").locator("[data-action=drill]").click()
    row(page, "t1").wait_for()
    assert bars(page) == {"t1": "150.00", "t2": "0.00"}
    # The way back names the groups drilled into, not their codes; the form says the level shown.
    assert page.locator(".crumbs").text_content().startswith("Region 370000 › Provider P01")
    assert page.locator("form.report-controls select[name=level]").input_value() == "technician"
    device.screenshot("report-technicians")

    with page.expect_download() as caught:
        page.locator("[data-action=download]").click()
    download = caught.value
    assert download.suggested_filename == "complaints-technician-2026-01-01-2026-01-31.csv"
    with open(download.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.DictReader(saved))
    assert [(each["code"], each["jobs"], each["complaints"]) for each in rows] == [
        ("t1", "2", "3"),
        ("t2", "1", "0"),
        ("", "3", "3"),
    ]

    page.locator("[data-action=drill-up]").click()
    row(page, "P02").wait_for()


def test_a_provider_manager_sees_only_their_provider_in_chinese(phone, reports_world, report_job, report_callback):
    report_callback(report_job("t1"), scores=(5, 5, 4))
    report_callback(report_job("t3"), scores=(1, 1, 1))

    device = open_reports(phone, reports_world.pm1, locale="zh-CN")
    page = device.page
    page.locator("form.report-controls select[name=report]").select_option("satisfaction")
    page.locator("form.report-controls select[name=level]").select_option("provider")
    row(page, "P01").wait_for()

    assert bars(page) == {"P01": "4.67"}
    assert page.locator("h1").text_content() == "服务报表"
    assert drawn(page, "trend-chart").count() >= 1


def test_flags_are_compared_as_the_claims_carrying_them(phone, reports_world, report_claim):
    """Rows of one flag for two providers and two months make one bar: the number of claims with the flag."""
    report_claim("P01", "2026-01-05", "pending_review", 2000, flags=("UNKNOWN_SERIAL",))
    report_claim("P02", "2026-01-06", "pending_review", 3000, flags=("UNKNOWN_SERIAL", "REGION_MISMATCH"))
    report_claim("P02", "2025-12-30", "rejected", 1234, flags=("UNKNOWN_SERIAL",))
    report_claim("P01", "2026-01-07", "approved", 10000)

    device = open_reports(phone, reports_world.auditor)
    page = device.page
    page.locator("form.report-controls select[name=report]").select_option("claims")
    show(page, "2025-12-01", "2026-01-31")
    # A flag's rows: one per provider and month (P01 and P02 in January, P02 in December).
    expect(row(page, "UNKNOWN_SERIAL")).to_have_count(3)
    drawn(page, "compare-chart")

    # The bars as ECharts holds them: each flag's name and length.
    drawn_bars = page.evaluate(
        """async () => {
            const echarts = await import('/node_modules/echarts/dist/echarts.esm.min.js');
            const option = echarts.getInstanceByDom(document.querySelector('[data-testid=compare-chart]')).getOption();
            return [option.yAxis[0].data, option.series[0].data];
        }"""
    )
    per_flag = dict(zip(*drawn_bars, strict=True))
    stored = dict(
        db.session.execute(
            select(ClaimFlag.code, func.count(ClaimFlag.claim_id.distinct())).group_by(ClaimFlag.code)
        ).all()
    )
    names = {code: device.t(f"reports.flag.{code}") for code in stored}
    assert per_flag == {names[code]: count for code, count in stored.items()}
    assert stored == {"UNKNOWN_SERIAL": 3, "REGION_MISMATCH": 1}
    # Held back: the two claims waiting for an auditor; the rejected one stands apart.
    assert page.get_by_test_id("held-back").text_content() == device.t(
        "reports.heldBackSummary", amount="50.00", count=2, rejected="12.34", rejectedCount=1
    )


def test_a_range_ending_before_it_starts_is_refused_and_nothing_is_asked(phone, reports_world):
    device = open_reports(phone, reports_world.admin)
    page = device.page
    page.locator(".report-body .empty").wait_for()  # an empty January: no groups
    asked = len(device.requests)

    show(page, "2026-02-01", "2026-01-31")

    assert page.get_by_test_id("report-message").text_content() == device.t("reports.rangeBackwards")
    assert [url for url in device.requests[asked:] if "/api/reports" in url] == []


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_report_looked_at_on_a_phone_and_a_desk(
    desk, locale, reports_world, report_job, report_complaint, report_callback, report_claim, report_requisition
):
    """Each report with its charts and table, and a drilled-down one: no overflow at 360 px, no code or blank
    on screen, no serious accessibility violation, in each language."""
    for technician in ("t1", "t2", "t3", "t4"):
        done = report_job(technician)
        report_callback(done, scores=(4, 5, 3))
    report_complaint(report_job("t1", contact_due_at=NOON, contacted_at=NOON - timedelta(hours=1)))
    report_requisition(NOON - timedelta(days=6), NOON)
    report_requisition(NOON - timedelta(days=9), NOON + timedelta(days=2), technician="t4")
    report_claim("P01", "2026-01-05", "pending_review", 2000, flags=("UNKNOWN_SERIAL",))
    report_claim("P44", "2026-01-06", "rejected", 3000, flags=("REGION_MISMATCH",))

    device = open_reports(lambda locale: desk(locale), reports_world.admin, locale=locale)
    page = device.page
    problems = []
    for name in REPORTS:
        page.locator("form.report-controls select[name=report]").select_option(name)
        show(page, "2026-01-01", "2026-01-31")
        ready = page.locator("[data-testid=trend-chart][data-drawn=true]")
        page.get_by_test_id("report-table").wait_for()
        problems += device.inspect(f"report-{name}-{locale}", ready=ready)
    page.locator("form.report-controls select[name=report]").select_option("complaints")
    row(page, "370000").locator("[data-action=drill]").click()
    row(page, "P01").wait_for()
    page.locator(".trend-figures summary").click()
    problems += device.inspect(
        f"report-drilled-{locale}", ready=page.locator("[data-testid=trend-chart][data-drawn=true]")
    )
    assert not problems, "\n".join(problems)


def requested(made, at):
    made.request.created_at = at
    db.session.commit()


def test_request_volume_by_weekday_and_hour_beside_last_year_for_a_dispatcher(phone, desk, reports_world, report_job):
    """A province's dispatcher staffs by when requests come in: the weekday-by-hour grid (in local time), the
    weeks beside the same weeks last year, narrowed to a product line, downloaded; looked at on a phone in
    English and at a desk in Chinese, each at both widths."""
    local = timedelta(hours=8)
    saturday_noon = datetime(2026, 1, 10, 12, tzinfo=UTC) - local
    requested(report_job("t1"), saturday_noon)
    requested(report_job("t2", model="WM10"), saturday_noon + timedelta(days=7, minutes=30))
    requested(report_job("t1"), datetime(2025, 1, 11, 9, tzinfo=UTC) - local)  # 2025-W02, Saturday
    requested(report_job("t4"), saturday_noon)  # Guangdong: not the dispatcher's

    device = open_reports(phone, reports_world.disp37, locale="en")
    page = device.page
    page.locator("form.report-controls select[name=report]").select_option("request-volume")
    show(page, "2026-01-05", "2026-01-18")
    grid = page.get_by_test_id("volume-heatmap")
    saturday_noon_cell = grid.locator("tr[data-weekday='5'] td[data-hour='12']")
    expect(saturday_noon_cell).to_have_attribute("data-count", "2")
    # Two Saturdays in the range: one a Saturday at noon on average.
    expect(saturday_noon_cell).to_have_text("1")
    assert grid.locator("td[data-count='1'], td[data-count='2']").count() == 1
    weeks = page.get_by_test_id("volume-weeks").locator("tbody tr")
    assert [row.get_attribute("data-week") for row in weeks.all()] == ["2026-W02", "2026-W03"]
    assert weeks.first.locator("td").nth(1).text_content() == "1"  # this year's requests that week
    assert weeks.first.locator("td").nth(3).text_content() == "1"  # last year's, the same ISO week
    assert "440000" not in page.get_by_test_id("volume-provinces").inner_text()
    drawn(page, "volume-chart")

    page.locator("form.report-controls select[name=product_line]").select_option("washing_machine")
    expect(saturday_noon_cell).to_have_attribute("data-count", "1")

    with page.expect_download() as caught:
        page.locator("[data-action=download]").click()
    assert caught.value.suggested_filename == "request-volume-20260105-20260118.csv"
    problems = device.inspect("request-volume-phone-en", ready=page.get_by_test_id("volume-heatmap"))

    at_desk = open_reports(lambda locale: desk(locale), reports_world.disp37, locale="zh-CN")
    at_desk.page.locator("form.report-controls select[name=report]").select_option("request-volume")
    show(at_desk.page, "2026-01-05", "2026-01-18")
    ready = at_desk.page.locator("[data-testid=volume-chart][data-drawn=true]")
    ready.wait_for()
    assert at_desk.page.get_by_test_id("volume-summary").inner_text().startswith("所选期间共 2 个服务请求")
    problems += at_desk.inspect("request-volume-desk-zh-CN", ready=ready)
    assert not problems, "\n".join(problems)
