"""The parts clerk's desk, end to end: a shortage raised on a technician's phone is approved and shipped by
the clerk in the app, and the technician's phone shows the parts on the way after its next sync.

On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.supply.models import Requisition
from tests.fixtures.browser import PASSWORD

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def test_a_clerk_approves_and_ships_what_a_phone_asked_for_and_the_phone_sees_it(phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1, state="on_site")
    technician = phone()
    technician.sign_in(catalogue.tech1)
    technician.open_job(job_id)
    technician.parts_form("partsMissing", "BOARD", 2).locator("button[type=submit]").click()
    technician.page.locator("[data-testid=job-state].state-waiting_parts").wait_for()
    assert technician.sync()["ok"] is True
    technician.wait_pending(0)
    [requisition] = db.session.scalars(select(Requisition)).all()
    requisition_id, number = requisition.id, requisition.number
    db.session.rollback()

    # The clerk of the job's province, on the desk the app opens for that role.
    clerk = phone(locale="en")
    page = clerk.page
    page.goto("/")
    page.locator("input[name=username]").fill(catalogue.clerk.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    queue = page.get_by_test_id("pending-requisitions")
    queue.locator(f"[data-requisition-id='{requisition_id}'] a").click()
    page.get_by_test_id("requisition-status").wait_for()
    # The RDC's free stock beside the line: RDC-370000 holds 3 boards.
    assert page.get_by_test_id("rdc-free").all_text_contents() == ["3"]
    # What approving charges the provider, pending as it is: 2 boards at 120.00.
    assert page.get_by_test_id("line-amount").all_text_contents() == ["240.00"]
    assert page.get_by_test_id("requisition-amount").text_content() == "240.00"
    clerk.screenshot("clerk-requisition")
    page.locator("[data-action=approve]").click()
    page.locator("[data-testid=requisition-status]", has_text=clerk.t("requisition.status.approved")).wait_for()
    page.locator("a.back").click()
    orders = page.get_by_test_id("orders-to-ship")
    orders.locator("[data-action=ship]").click()
    page.get_by_text(clerk.t("clerk.noneToShip")).wait_for()

    status, shipped_at = db.session.execute(
        select(Requisition.status, Requisition.shipped_at).where(Requisition.id == requisition_id)
    ).one()
    db.session.rollback()
    assert status == "approved"
    assert shipped_at is not None

    # The technician's next sync brings the decision and the shipment to the job.
    assert technician.sync()["ok"] is True
    shown = technician.page.get_by_test_id("requisitions")
    shown.get_by_text(number).wait_for()
    assert technician.t("requisition.status.approved") in shown.text_content()
    assert technician.t("requisition.shipped") in shown.text_content()
    technician.screenshot("parts-on-the-way")


def test_a_requisition_the_providers_money_cannot_cover_is_refused_saying_what_to_do(api, desk, catalogue, jobs_of):
    """Two panels (1,600.00) against P01's 1,000.00 deposit and 500.00 credit: the clerk is told, in Chinese, why it
    cannot be approved and what to do next, and the requisition stays pending."""
    (job_id,) = jobs_of(1, state="on_site")
    raised = api.post(
        f"/api/jobs/{job_id}/shortages", json=[{"part_no": "PANEL", "qty": 2}], headers=catalogue.tech1.headers
    )
    assert raised.status_code in (200, 201), raised.get_json()
    clerk = desk("zh-CN")
    clerk.sign_in_at_desk(catalogue.clerk)
    page = clerk.page
    page.get_by_test_id("pending-requisitions").locator("li a").first.click()
    page.locator("[data-action=approve]").click()
    page.get_by_text(clerk.t("error.insufficient_funds")).wait_for()
    clerk.screenshot("clerk-insufficient-funds")
    status = db.session.scalar(select(Requisition.status))
    db.session.rollback()
    assert status == "pending"
