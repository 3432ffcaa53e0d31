"""The technician's visit on the phone, end to end: Chromium at 390x844 against gunicorn, offline for the visit.

The customer's call is recorded from the job (the outcome and the appointment recorded offline; the phone holds
only the last four digits of the customer's number, and dials through the relay where one is set up), the unit's
label scanned, a motor found missing; the clerk approves and ships it; the phone receives it offline, marks it
fitted and completes. After sync the server has the contact in time, the motor issued from stock once and on the claim
draft, and the job's page on the phone shows the whole record. Work the server refuses (the job reassigned
during an offline visit) is listed once, with what had been entered; what the phone can tell is wrong is refused
on the phone, before any op is made; signing out with work waiting keeps it in a file first.

On PostgreSQL, with one gunicorn for the module (tests/fixtures/browser.py).
"""

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.services.relay import relay_extension
from server.parts.models import Part
from server.parts.models import StockMovement
from server.parts.models import Warehouse
from server.supply.models import PartUsage
from server.supply.models import Requisition
from tests.e2e.test_phone import SERIAL
from tests.e2e.test_phone import SERIAL_LABEL
from tests.fixtures.browser import PASSWORD
from tests.fixtures.jobs import PHONE

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


# The world's customer (tests/fixtures/jobs.py) as a technician's phone shows them: the last four digits.
MASKED = "*******" + PHONE[-4:]
# A relay for the tests that set one up: nobody's real number.
RELAY = {"CALL_RELAY_NUMBER": "95000000", "CALL_RELAY_TOKEN": "relay-token-of-the-tests"}


def rows(statement):
    found = db.session.execute(statement).all()
    db.session.rollback()
    return found


def local_input(moment):
    """``moment`` as a datetime-local field takes it, in the browser's time zone (the tests' is UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def motor(make_part, make_stock):
    """A motor, 450.00, two at RDC-370000 and none in P01's stock room."""
    make_part("MOTOR", name="Motor", price_cents=45_000)
    make_stock("RDC-370000", "MOTOR", 2)


def clerk_ships(desk, catalogue, requisition_id):
    """The province's clerk approves the requisition and ships its order from the desk."""
    clerk = desk(locale="en")
    page = clerk.page
    page.goto("/")
    page.locator("input[name=username]").fill(catalogue.clerk.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form.login button[type=submit]").click()
    page.get_by_test_id("pending-requisitions").locator(f"[data-requisition-id='{requisition_id}'] a").click()
    page.get_by_test_id("requisition-status").wait_for()
    page.locator("[data-action=approve]").click()
    page.locator("[data-testid=requisition-status]", has_text=clerk.t("requisition.status.approved")).wait_for()
    page.locator("a.back").click()
    page.get_by_test_id("orders-to-ship").locator("[data-action=ship]").click()
    page.get_by_text(clerk.t("clerk.noneToShip")).wait_for()
    clerk.context.close()


def test_a_visit_offline_from_the_call_to_the_completion_with_the_parts_that_arrived(
    live, api, phone, desk, catalogue, jobs_of, motor
):
    (job_id,) = jobs_of(1, state="assigned")
    device = phone()
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    device.wait_for_decoder_cached()
    device.context.set_offline(True)

    device.open_job(job_id)
    device.step("accept", "accepted")
    # The customer's phone is on the job as its last four digits, and with no relay set up (the default) there is
    # nothing to dial: the call made some other way is recorded with the form a call through the relay opens.
    assert page.get_by_test_id("customer-phone").text_content() == MASKED
    assert PHONE not in page.get_by_test_id("job-detail").inner_text()
    assert page.locator("a[href^='tel:']").count() == 0
    page.get_by_test_id("record-call").click()
    form = page.locator("form[data-form='contact']")
    appointment = datetime.now(UTC) + timedelta(hours=3)
    form.locator("input[name=appointment_at]").fill(local_input(appointment))
    form.locator("textarea[name=note]").fill("下午三点上门")
    device.screenshot("visit-contact")
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    page.get_by_test_id("job-appointment").wait_for()
    device.step("arrive", "on_site")
    device.step("scan")
    page.get_by_test_id("scan-photo").set_input_files(SERIAL_LABEL)
    page.get_by_test_id("scan-status").filter(has_text=device.t("scan.found", serial=SERIAL)).wait_for()
    page.get_by_test_id("scan-use").click()
    page.get_by_test_id("serial").filter(has_text=SERIAL).wait_for()
    device.parts_form("partsMissing", "MOTOR", 1).locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-waiting_parts").wait_for()
    device.wait_pending(5)
    # The record shows it all already, each waiting to sync.
    record = page.get_by_test_id("job-record")
    record.locator("li[data-pending='yes']").nth(4).wait_for()
    assert record.locator("li[data-pending='yes']").count() == 5

    device.context.set_offline(False)
    device.wait_pending(0)
    [(requisition_id,)] = rows(select(Requisition.id).where(Requisition.job_id == job_id))
    [(contacted, due, contact_missed)] = rows(
        select(Job.contacted_at, Job.contact_due_at, Job.contact_overdue_at).where(Job.id == job_id)
    )
    assert contacted is not None
    assert contacted <= due
    assert contact_missed is None

    clerk_ships(desk, catalogue, requisition_id)
    assert device.sync()["ok"] is True
    order = page.get_by_test_id("requisitions").locator("li[data-status='shipped']")
    order.wait_for()

    # The parts arrive while the technician has no signal: received, the motor fitted, the job finished.
    device.context.set_offline(True)
    order.locator("[data-action=receive]").click()
    receipt = page.locator("form[data-form='receive']")
    receipt.locator("input[name='fit-MOTOR']").fill("1")
    device.screenshot("visit-receipt")
    receipt.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-accepted").wait_for()
    device.step("arrive", "on_site")
    device.step("complete")
    done = page.locator("form[data-form='complete']")
    done.locator("textarea[name=summary]").fill("更换电机")
    done.locator("input[name=confirmed_by]").fill("王先生")
    device.confirm_with_signature(done)
    done.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()
    device.wait_pending(4)
    assert [op["type"] for op in device.outbox()] == ["parts.receive", "parts.used", "job.arrive", "job.complete"]

    device.context.set_offline(False)
    device.wait_pending(0)
    assert device.errors == []
    # The motor went into P01's stock with its receipt and out of it once, fitted on this job.
    movements = rows(
        select(StockMovement.kind, StockMovement.on_hand_delta)
        .join(Warehouse, Warehouse.id == StockMovement.warehouse_id)
        .join(Part, Part.id == StockMovement.part_id)
        .where(Warehouse.code == "PROV-P01", Part.part_no == "MOTOR")
        .order_by(StockMovement.id)
    )
    assert movements == [("transfer_in", 1), ("issue", -1)]
    assert rows(select(PartUsage.qty).where(PartUsage.job_id == job_id)) == [(1,)]
    drafts = api.get(f"/api/claims/unclaimed?job_id={job_id}", headers=catalogue.pm1.headers).get_json()
    assert [draft["claim"]["parts"] for draft in drafts["items"]] == [[{"part_no": "MOTOR", "qty": 1}]]
    kinds = [kind for (kind,) in rows(select(JobEvent.kind).where(JobEvent.job_id == job_id).order_by(JobEvent.id))]
    assert "overdue" not in kinds

    # The job's page shows everything recorded, none of it waiting any more.
    record.locator("li[data-kind='complete'][data-pending='no']").wait_for()
    assert record.locator("li[data-pending='yes']").count() == 0
    shown = [item.get_attribute("data-kind") for item in record.locator("li").all()]
    for kind in (
        "accept",
        "contact",
        "arrive",
        "scan",
        "hold_for_parts",
        "requisition_approved",
        "parts_shipped",
        "parts_received",
        "use_parts",
        "complete",
    ):
        assert kind in shown, (kind, shown)
    assert shown.index("hold_for_parts") < shown.index("parts_received") < shown.index("complete")
    text = record.inner_text()
    for entered in ("下午三点上门", "更换电机", "王先生", "MOTOR × 1", SERIAL):
        assert entered in text, entered
    record.locator("li[data-kind='scan'] img").wait_for()
    assert page.get_by_test_id("completion").inner_text().count("更换电机") == 1
    page.get_by_test_id("job-record").scroll_into_view_if_needed()
    device.screenshot("visit-record")


@pytest.fixture
def relay(live, app, monkeypatch):
    """A relay set up for the test: on the live server (restarted with it) and in the test's own app, whose
    commits write the phones' feeds too. The server is restarted without it afterwards, as the others have it."""
    for key, value in RELAY.items():
        monkeypatch.setitem(app.config, key, value)
    live.env.update(RELAY)
    live.restart()
    yield
    for key in RELAY:
        live.env.pop(key)
    live.restart()


def test_the_customer_is_called_through_the_relay_and_the_phone_never_holds_their_number(
    live, app, api, phone, catalogue, jobs_of, relay
):
    (job_id,) = jobs_of(1, state="accepted")
    extension = relay_extension(app.config["SECRET_KEY"], job_id)
    device = phone(locale="en")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.open_job(job_id)
    # The relay's number, a pause, the job's extension: what the phone dials. It holds the last four digits only.
    call = page.get_by_test_id("call")
    assert call.get_attribute("href") == f"tel:{RELAY['CALL_RELAY_NUMBER']},{extension}"
    assert call.text_content() == device.t("job.call")
    assert page.get_by_test_id("customer-phone").text_content() == MASKED
    assert page.get_by_test_id("record-call").count() == 0
    held = page.evaluate("async (id) => (await globalThis.sanbao.db.get('entities', ['job', String(id)])).data", job_id)
    assert held["request"]["customer_phone"] == MASKED
    assert held["call"] == {"number": RELAY["CALL_RELAY_NUMBER"], "extension": extension}
    assert PHONE not in json.dumps(held) + page.content()
    problems = device.inspect("visit-call-through-relay-en", touch=True)
    assert not problems, "\n".join(problems)
    # This browser has no dialer: the tel: link is kept from navigating, which in headless Chromium swallows the
    # next click. The app asks how the call went as the phone comes back to it.
    page.evaluate(
        """document.addEventListener("click", (event) => {
            if (event.target.closest("a[href^='tel:']")) event.preventDefault();
        }, true)"""
    )
    call.click()
    form = page.locator("form[data-form='contact']")
    # Meanwhile the relay's adapter asks whom the extension reaches, and connects the call.
    answer = api.post(
        "/api/call-relay",
        json={"extension": extension},
        headers={"Authorization": f"Bearer {RELAY['CALL_RELAY_TOKEN']}"},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["connect_to"] == PHONE
    form.locator("input[name=reached][value=no]").check()
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    device.wait_pending(0)
    # The job's record tells both: the call the relay put through, and its outcome.
    record = page.get_by_test_id("job-record")
    relayed = record.locator("li[data-kind='call_relayed']")
    relayed.wait_for()
    assert device.t("record.call_relayed") in relayed.inner_text()
    record.locator("li[data-kind='contact'][data-pending='no']").wait_for()
    assert PHONE not in page.content()


def test_a_reassignment_during_an_offline_visit_shows_the_refused_work_once_with_what_was_entered(
    live, api, phone, catalogue, jobs_of
):
    taken, kept = jobs_of(2, state="assigned")
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    device.context.set_offline(True)

    device.open_job(taken)
    device.step("accept", "accepted")
    device.step("contact")
    form = page.locator("form[data-form='contact']")
    form.locator("input[name=reached][value=no]").check()
    form.locator("textarea[name=note]").fill("No answer, try after 6pm")
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    device.parts_form("partsUsed", "BOARD", 2).locator("button[type=submit]").click()
    page.locator("form[data-form='partsUsed']").wait_for(state="detached")
    device.step("note")
    page.locator("form[data-form='note'] textarea").fill("Customer wants the old board back")
    page.locator("form[data-form='note'] button[type=submit]").click()
    device.wait_pending(4)
    # Meanwhile the dispatcher gives the job to someone else.
    response = api.post(
        f"/api/jobs/{taken}/assign", json={"technician_id": catalogue.tech2.id}, headers=catalogue.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()

    device.context.set_offline(False)
    line = page.get_by_test_id("rejected")
    line.wait_for()
    device.wait_pending(0)
    assert line.get_attribute("data-count") == "4"
    assert line.inner_text() == device.t("refused.line", count=4)
    # Synced again, nothing is listed twice.
    assert device.sync()["ok"] is True
    assert line.get_attribute("data-count") == "4"

    line.click()
    listed = page.get_by_test_id("refused-list")
    listed.wait_for()
    items = listed.locator("li[data-op-id]")
    assert items.count() == 4
    assert {item.get_attribute("data-code") for item in items.all()} == {"job_reassigned"}
    assert items.locator(".reason").first.inner_text() == device.t("reason.job_reassigned")
    carried = listed.get_by_test_id("carried").all_inner_texts()
    assert any("No answer, try after 6pm" in text and device.t("record.notReached") in text for text in carried)
    assert any("BOARD × 2" in text for text in carried)
    assert any("Customer wants the old board back" in text for text in carried)
    device.screenshot("refused-work")

    # The note's words go onto the job that is still theirs.
    note = listed.locator("li[data-type='note.add']")
    note.locator("[data-action=copy]").click()
    copy = page.locator("form[data-form='copy']")
    copy.locator("select[name=job]").select_option(str(kept))
    assert "Customer wants the old board back" in copy.locator("textarea").input_value()
    copy.locator("button[type=submit]").click()
    listed.locator("li[data-type='note.add']").wait_for(state="detached")
    assert items.count() == 3
    device.wait_pending(0)
    notes = rows(select(JobEvent.note).where(JobEvent.job_id == kept, JobEvent.kind == "note"))
    [(text,)] = notes
    assert "Customer wants the old board back" in text

    page.locator("[data-action=dismiss-all]").click()
    page.get_by_text(device.t("refused.none")).wait_for()
    line.wait_for(state="detached")
    assert device.errors == []


def test_what_the_phone_can_tell_is_wrong_is_refused_before_any_op_is_made(
    live, api, phone, catalogue, jobs_of, motor, call_api
):
    on_site, short = jobs_of(2, state="on_site")
    # A motor missing on the second job, approved but not shipped yet.
    requisition = call_api("post", f"/api/jobs/{short}/shortages", "tech1", {"parts": [{"part_no": "MOTOR", "qty": 1}]})
    call_api("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    device.context.set_offline(True)

    device.open_job(on_site)
    # On site, the job can no longer be declined: the phone does not offer it.
    assert page.locator(".steps [data-step='decline']").count() == 0
    # An appointment in the past.
    device.step("contact")
    form = page.locator("form[data-form='contact']")
    form.locator("input[name=appointment_at]").fill(local_input(datetime.now(UTC) - timedelta(hours=2)))
    form.locator("button[type=submit]").click()
    form.locator(".error", has_text=device.t("refused.appointmentPast")).wait_for()
    device.screenshot("refused-appointment")
    form.locator("button", has_text=device.t("form.cancel")).click()

    # Parts never shipped: shown as being prepared, with nothing to receive.
    page.locator("a.back").click()
    device.open_job(short)
    order = page.get_by_test_id("requisitions").locator("li[data-status='created']")
    assert order.inner_text().endswith(device.t("order.status.created"))
    assert order.locator("[data-action=receive]").count() == 0
    assert device.outbox() == []
    assert device.pending() == 0


def test_more_cannot_be_fitted_than_arrived(live, api, phone, catalogue, jobs_of, motor, call_api):
    (job_id,) = jobs_of(1, state="on_site")
    requisition = call_api(
        "post", f"/api/jobs/{job_id}/shortages", "tech1", {"parts": [{"part_no": "MOTOR", "qty": 1}]}
    )
    call_api("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    [order] = call_api("get", f"/api/sales-orders?requisition_id={requisition['id']}", "clerk")["items"]
    call_api("post", f"/api/sales-orders/{order['id']}/ship", "clerk")
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.open_job(job_id)

    page.get_by_test_id("requisitions").locator("[data-action=receive]").click()
    receipt = page.locator("form[data-form='receive']")
    receipt.locator("input[name='fit-MOTOR']").fill("2")
    receipt.locator("button[type=submit]").click()
    receipt.locator(".error", has_text=device.t("refused.moreThanArrived", qty=1)).wait_for()
    assert device.outbox() == []
    receipt.locator("input[name='fit-MOTOR']").fill("1")
    receipt.locator("button[type=submit]").click()
    receipt.wait_for(state="detached")
    device.wait_pending(0)
    assert device.sync()["ok"] is True
    assert rows(select(PartUsage.qty, PartUsage.sales_order_id).where(PartUsage.job_id == job_id)) == [(1, order["id"])]
    # Nothing is left to fit from the order: the phone offers no more.
    page.get_by_test_id("requisitions").locator(f"li[data-order-id='{order['id']}'][data-status='received']").wait_for()
    assert page.get_by_test_id("requisitions").locator("[data-action=fit]").count() == 0


def test_signing_out_with_work_waiting_is_refused_unless_the_work_is_kept_in_a_file(live, phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1, state="assigned")
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    device.context.set_offline(True)
    device.open_job(job_id)
    device.step("accept", "accepted")
    device.wait_pending(1)
    client_id = page.evaluate("globalThis.sanbao.db.get('meta', 'client_id')")
    database = page.evaluate("globalThis.sanbao.db.name")

    page.get_by_test_id("sign-out-button").click()
    dialog = page.get_by_test_id("sign-out")
    dialog.wait_for()
    assert dialog.get_by_test_id("sign-out-count").inner_text() == device.t("signout.waiting", count=1)
    assert dialog.locator("[data-action=drop]").is_disabled()
    device.screenshot("sign-out-refused")
    dialog.locator("[data-action=stay]").click()
    dialog.wait_for(state="detached")
    assert device.pending() == 1

    page.get_by_test_id("sign-out-button").click()
    dialog.locator("input[name=understand]").check()
    with page.expect_download() as downloading:
        dialog.locator("[data-action=drop]").click()
    saved = json.loads(Path(downloading.value.path()).read_text(encoding="utf-8"))
    assert (saved["kind"], saved["user"]["username"], saved["client_id"]) == (
        "sanbao-unsynced-work",
        catalogue.tech1.username,
        client_id,
    )
    assert [(op["type"], op["entity_id"]) for op in saved["outbox"]] == [("job.accept", str(job_id))]
    page.locator("form.login").wait_for()
    # The work left the phone with the person, kept in the file the sign-in screen offers again.
    page.get_by_test_id("kept-work").wait_for()
    names = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    assert database not in names


def test_the_job_list_finds_sorts_and_refreshes_and_the_bell_tells_of_new_work(
    live, api, phone, catalogue, jobs_of, open_job, walk
):
    early, late = jobs_of(2, state="accepted")
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    for job_id, when in ((late, soon), (early, later)):
        response = api.post(
            f"/api/jobs/{job_id}/contact", json={"appointment_at": when}, headers=catalogue.tech1.headers
        )
        assert response.status_code == 200, response.get_json()
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    listed = page.get_by_test_id("job-list")
    items = listed.locator("li[data-job-id]")
    items.nth(1).wait_for()
    # The nearer appointment first, each with its appointment and next deadline.
    assert [item.get_attribute("data-job-id") for item in items.all()] == [str(late), str(early)]
    assert items.first.get_by_test_id("appointment").count() == 1
    assert items.first.get_by_test_id("due").count() == 1

    # Searched by the job's number, and by the last digits of the customer's phone.
    number = api.get(f"/api/jobs/{early}", headers=catalogue.tech1.headers).get_json()["number"]
    phone_number = api.get(f"/api/jobs/{early}", headers=catalogue.tech1.headers).get_json()["request"][
        "customer_phone"
    ]
    page.get_by_test_id("job-search").fill(number)
    listed.locator(f"li[data-job-id='{late}']").wait_for(state="detached")
    assert [item.get_attribute("data-job-id") for item in items.all()] == [str(early)]
    page.get_by_test_id("job-search").fill(phone_number[-4:])
    assert items.count() == 2  # the test world's customers share one phone number
    page.get_by_test_id("job-search").fill("")
    page.get_by_test_id("job-filter").select_option("done")
    page.get_by_text(device.t("jobs.noMatch")).wait_for()
    page.get_by_test_id("job-filter").select_option("all")

    # A new job for this technician: a pull down the list syncs, and it appears; the bell says so.
    fresh = walk(open_job(serial=None, model="TV55"), "assigned", catalogue.tech1)["id"]
    page.evaluate(
        """async () => {
            const list = document.querySelector('[data-testid=job-list]');
            const touch = (y) => new Touch({ identifier: 1, target: list, clientX: 100, clientY: y });
            const fire = (type, y) => list.dispatchEvent(new TouchEvent(type, {
                touches: type === 'touchend' ? [] : [touch(y)], changedTouches: [touch(y)], bubbles: true }));
            window.scrollTo(0, 0);
            fire('touchstart', 120);
            fire('touchmove', 170);
            fire('touchmove', 240);
            fire('touchend', 240);
        }"""
    )
    listed.locator(f"li[data-job-id='{fresh}']").wait_for()
    bell = page.get_by_test_id("bell-count")
    bell.wait_for()
    page.get_by_test_id("bell").click()
    notices = page.get_by_test_id("notices")
    fresh_number = api.get(f"/api/jobs/{fresh}", headers=catalogue.tech1.headers).get_json()["number"]
    notices.get_by_text(device.t("notice.job_assigned", number=fresh_number)).wait_for()
    device.screenshot("notices")
    assert device.errors == []


@pytest.fixture
def call_api(api, catalogue):
    """``call_api(method, path, user, json=None)`` → the body of a successful answer (2xx asserted)."""

    def call(method, path, user, json=None):
        headers = getattr(catalogue, user).headers
        response = api.post(path, json=json, headers=headers) if method == "post" else api.get(path, headers=headers)
        assert 200 <= response.status_code < 300, (path, response.get_json())
        return response.get_json()

    return call
