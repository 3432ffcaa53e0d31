"""The provider manager's desk, end to end: finished warranty jobs are claimed from forms drafted from the job;
a claim on a serial the install base does not know shows its flag; the stock room and parts account show.

The world: unit SN-IN (TV55) was sold 30 days ago (tests/jobs/conftest.py); P01's stock room holds one BOARD
and its account a 1000.00 deposit with 500.00 credit (tests/supply/conftest.py, make_provider). On PostgreSQL,
with one gunicorn for the module (tests/e2e/conftest.py).
"""

import pytest
from sqlalchemy import select

from server.claims.models import Claim
from server.extensions import db
from tests.fixtures.browser import PASSWORD
from tests.helpers import checked_in
from tests.helpers import confirmed
from tests.knowledge.factories import ensure_fault_code

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def finish(api, catalogue, job_id, serial, fault_code=None):
    """The technician's scan, a board fitted and the completion, as the phone's sync would make them."""
    tech = catalogue.tech1.headers
    scanned = api.post(f"/api/jobs/{job_id}/scans", json={"serial": serial, "source": "camera"}, headers=tech)
    assert scanned.status_code == 201, scanned.get_json()
    used = api.post(f"/api/jobs/{job_id}/parts-used", json=[{"part_no": "BOARD", "qty": 1}], headers=tech)
    assert used.status_code in (200, 201), used.get_json()
    # An honest visit: the phone's position at arrival and the customer's code at completion.
    checked_in(job_id)
    body = {"summary": "换主板", "confirmed_by": "王先生", "fault_code": fault_code, "confirmation": confirmed(job_id)}
    done = api.post(f"/api/jobs/{job_id}/complete", json=body, headers=tech)
    assert done.status_code == 200, done.get_json()


def sign_in_to_claims(manager, user):
    page = manager.page
    page.goto("/")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    # The provider manager's home is the team desk; the claim desk is a link of the header.
    page.get_by_test_id("team-desk").wait_for()
    page.locator("header nav a[href='#/claims']").click()
    page.get_by_test_id("claim-desk").wait_for()
    return page


def test_a_provider_claims_finished_jobs_and_sees_the_flag_of_an_unknown_serial(api, phone, catalogue, jobs_of):
    ensure_fault_code("E01", title="主板损坏")
    clean_job, fake_job = jobs_of(2, state="on_site")
    finish(api, catalogue, clean_job, "SN-IN", fault_code="E01")
    finish(api, catalogue, fake_job, "SN-NEVER-SOLD-42")

    manager = phone()
    page = sign_in_to_claims(manager, catalogue.pm1)
    ready = page.get_by_test_id("unclaimed-jobs")
    assert ready.locator("li").count() == 2
    manager.screenshot("claims-to-make")

    # The clean claim: the form holds what the technician recorded; sent as it is, it passes every check.
    ready.locator(f"[data-job-id='{clean_job}'] a").click()
    form = page.locator("form.claim-form")
    assert form.locator("input[name=serial]").input_value() == "SN-IN"
    assert form.locator("input[name=model]").input_value() == "TV55"
    assert form.locator("input[name=fault_code]").input_value() == "E01"
    assert form.locator("input[name=labor_fee]").input_value() == "80.00"
    assert form.locator("[data-part-no=BOARD] input").input_value() == "1"
    manager.screenshot("claim-form")
    form.locator("[data-action=submit-claim]").click()
    page.locator("[data-testid=claim-status].claim-approved").wait_for()
    assert page.get_by_test_id("claim-message").text_content() == manager.t("claims.sentClean")
    assert page.get_by_test_id("claim-amount").text_content() == "200.00"

    # The second unit was never sold: the form is fine, the claim goes in, and waits for audit with its flag.
    page.locator("a.back").click()
    page.get_by_test_id("unclaimed-jobs").locator(f"[data-job-id='{fake_job}'] a").click()
    form = page.locator("form.claim-form")
    # No fault code was recorded on this job: the form says so in the user's language before anything is sent.
    form.locator("[data-action=submit-claim]").click()
    assert form.locator("[data-error-for=fault_code]").text_content() == manager.t("form.required")
    form.locator("input[name=fault_code]").fill("E01")
    form.locator("[data-action=submit-claim]").dblclick()
    page.locator("[data-testid=claim-status].claim-pending_review").wait_for()
    flags = page.get_by_test_id("claim-flags").locator("li")
    assert flags.all_text_contents() == [manager.t("flag.UNKNOWN_SERIAL")]
    manager.screenshot("claim-flagged")

    claims = db.session.execute(select(Claim.job_id, Claim.serial, Claim.status).order_by(Claim.id)).all()
    db.session.rollback()
    # One claim per job, the double tap included.
    assert [tuple(row) for row in claims] == [
        (clean_job, "SN-IN", "approved"),
        (fake_job, "SN-NEVER-SOLD-42", "pending_review"),
    ]

    # The desk's list: nothing left to claim, the claims sent with their status and flags.
    page.locator("a.back").click()
    page.get_by_text(manager.t("claims.noneReady")).wait_for()
    sent = page.get_by_test_id("sent-claims")
    assert sent.locator("[data-status=pending_review] [data-flag=UNKNOWN_SERIAL]").count() == 1
    assert sent.locator("[data-status=approved]").count() == 1


def test_bad_input_on_the_claim_form_is_refused_in_the_users_language_and_sends_nothing(api, phone, catalogue, jobs_of):
    ensure_fault_code("E01")
    (job_id,) = jobs_of(1, state="on_site")
    finish(api, catalogue, job_id, "SN-IN", fault_code="E01")
    manager = phone(locale="en")
    page = sign_in_to_claims(manager, catalogue.pm1)
    page.get_by_test_id("unclaimed-jobs").locator(f"[data-job-id='{job_id}'] a").click()
    form = page.locator("form.claim-form")

    form.locator("[data-part-no=BOARD] input").fill("0")
    form.locator("input[name=labor_fee]").fill("80.123")
    form.locator("input[name=repair_date]").fill("2020-01-01")
    form.locator("[data-action=submit-claim]").click()
    assert form.locator("[data-error-for=parts]").text_content() == manager.t("claims.badQty")
    assert form.locator("[data-error-for=labor_fee]").text_content() == manager.t("claims.badAmount")
    assert form.locator("[data-error-for=repair_date]").text_content() == manager.t("claims.repairBeforeFailure")

    # What only the server knows: a fault code not in the knowledge base comes back on its field.
    form.locator("[data-part-no=BOARD] input").fill("1")
    form.locator("input[name=labor_fee]").fill("80.00")
    form.locator("input[name=repair_date]").fill(form.locator("input[name=failure_date]").input_value())
    form.locator("input[name=fault_code]").fill("NO-SUCH-CODE")
    form.locator("[data-action=submit-claim]").click()
    form.locator("[data-error-for=fault_code]", has_text=manager.t("claims.invalid.fault_code")).wait_for()

    assert db.session.scalar(select(Claim.id)) is None
    db.session.rollback()


def test_the_provider_sees_its_stock_room_and_parts_account(phone, catalogue):
    manager = phone(locale="en")
    page = sign_in_to_claims(manager, catalogue.pm1)
    page.locator("a[href='#/account']").click()
    page.get_by_test_id("account").wait_for()
    assert page.get_by_test_id("deposit").text_content() == "1000.00"
    assert page.get_by_test_id("credit-limit").text_content() == "500.00"
    board = page.get_by_test_id("stock").locator("[data-part-no=BOARD] td")
    assert board.all_text_contents() == ["BOARD", "1", "0", "1"]
    manager.screenshot("stock-and-account")
