"""The service dashboard (the reports page) in a real browser: bars and tables of a report, drilled down
from provinces to providers to technicians, downloaded as CSV, and a backwards range refused in the user's language.

The rows come from tests/fixtures/reports.py: January 2026, provinces 370000 and 440000. On PostgreSQL, with
one gunicorn for the module (tests/e2e/conftest.py).
"""

import csv

import pytest

from tests.fixtures.browser import PASSWORD

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def open_reports(phone, user, locale="en"):
    device = phone(locale=locale)
    page = device.page
    page.goto("/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.locator("nav a[href='#/reports']").click()
    page.get_by_test_id("reports").wait_for()
    form = page.locator("form.report-controls")
    form.locator("input[name=from]").fill("2026-01-01")
    form.locator("input[name=to]").fill("2026-01-31")
    form.locator("[data-action=show]").click()
    return device


def bars(page):
    rows = page.get_by_test_id("report-bars").locator(".bar-row")
    return {row.get_attribute("data-code"): row.locator(".value").text_content() for row in rows.all()}


def test_complaint_rates_drill_down_and_download(phone, reports_world, report_job, report_complaint):
    complained = [report_job("t1"), report_job("t1"), report_job("t3"), report_job("t4")]
    report_job("t2")
    for each in complained[:2] + complained[3:]:
        report_complaint(each)

    device = open_reports(phone, reports_world.admin)
    page = device.page
    page.get_by_test_id("report-bars").locator(".bar-row[data-code='370000']").wait_for()
    # A desk role has no sync bar, and no stray "null" where it would be.
    assert "null" not in page.locator("header").inner_text()
    # 370000: 4 jobs, 2 complaints; 440000: 1 job, 1 complaint. Worst first.
    assert bars(page) == {"440000": "100.00", "370000": "50.00"}
    assert page.get_by_test_id("report-headline").text_content() == f"{device.t('reports.col.rate_per_100')}: 60.00"
    device.screenshot("report-complaints")

    page.get_by_test_id("report-bars").locator(".bar-row[data-code='370000'] [data-action=drill]").click()
    page.get_by_test_id("report-bars").locator(".bar-row[data-code='P01']").wait_for()
    assert bars(page) == {"P01": "66.67", "P02": "0.00"}
    page.get_by_test_id("report-bars").locator(".bar-row[data-code='P01'] [data-action=drill]").click()
    page.get_by_test_id("report-bars").locator(".bar-row[data-code='t1']").wait_for()
    assert bars(page) == {"t1": "100.00", "t2": "0.00"}
    device.screenshot("report-technicians")

    with page.expect_download() as caught:
        page.locator("[data-action=download]").click()
    download = caught.value
    assert download.suggested_filename == "complaints-technician-2026-01-01-2026-01-31.csv"
    with open(download.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.DictReader(saved))
    assert [(row["code"], row["jobs"], row["complaints"]) for row in rows] == [
        ("t1", "2", "2"),
        ("t2", "1", "0"),
        ("", "3", "2"),
    ]

    page.locator("[data-action=drill-up]").click()
    page.get_by_test_id("report-bars").locator(".bar-row[data-code='P02']").wait_for()


def test_a_provider_manager_sees_only_their_provider_in_chinese(phone, reports_world, report_job, report_callback):
    report_callback(report_job("t1"), scores=(5, 5, 4))
    report_callback(report_job("t3"), scores=(1, 1, 1))

    device = open_reports(phone, reports_world.pm1, locale="zh-CN")
    page = device.page
    page.locator("form.report-controls select[name=report]").select_option("satisfaction")
    page.locator("form.report-controls select[name=level]").select_option("provider")
    page.get_by_test_id("report-bars").locator(".bar-row[data-code='P01']").wait_for()

    assert bars(page) == {"P01": "4.67"}
    assert page.locator("h1").text_content() == "服务报表"


def test_a_range_ending_before_it_starts_is_refused_and_nothing_is_asked(phone, reports_world):
    device = open_reports(phone, reports_world.admin)
    page = device.page
    page.get_by_test_id("report-bars").wait_for(state="detached")  # an empty January: no bars
    asked = len(device.requests)
    form = page.locator("form.report-controls")

    form.locator("input[name=from]").fill("2026-02-01")
    form.locator("[data-action=show]").click()

    assert page.get_by_test_id("report-message").text_content() == device.t("reports.rangeBackwards")
    assert [url for url in device.requests[asked:] if "/api/reports" in url] == []
