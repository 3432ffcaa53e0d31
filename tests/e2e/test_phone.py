"""The technician's app on a phone, end to end: Chromium at a phone's size against gunicorn, each test a promise
the app makes, checked afterwards in the server's database and API.

On PostgreSQL, as in production, with one gunicorn of two workers for the module and the browser started once
for the session (tests/e2e/conftest.py): what the phone did reaches the database through the sync push, with
PostgreSQL's transactions and locks.
"""

import hashlib
import tempfile
from collections import Counter
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from sqlalchemy import select

from server.devicesync.models import Client
from server.devicesync.models import PushedOp
from server.extensions import db
from server.jobs.models import JobEvent
from server.jobs.models import Scan
from server.parts.models import Part
from server.supply.models import PartUsage
from server.supply.models import Requisition
from server.supply.models import RequisitionLine
from tests.scanning import plates

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

SERIAL = "CNK8181G2C"
PHOTOS = Path(tempfile.mkdtemp(prefix="sanbao-e2e-photos-"))


def label(lines, serial=None):
    """A serial label photographed: text, the serial as Code 128 when given, then a phone camera's pose,
    uneven light, grain and JPEG (tests/scanning/plates.py). The photos are made here, not read from a
    folder beside the repository, so the suite needs nothing outside it."""
    picture = Image.new("L", (900, 420), 225)
    draw = ImageDraw.Draw(picture)
    for row, line in enumerate(lines):
        draw.text((40, 30 + row * 34), line, fill=30)
    if serial:
        picture.paste(plates.barcode(serial, zxingcpp.BarcodeFormat.Code128), (40, 180))
    return plates.capture(picture, seed=7, where=(1.5, 12, -8, 0.85))


# A label with the serial under "SERIAL", and one whose print holds no barcode at all.
SERIAL_LABEL = PHOTOS / "label.jpg"
SERIAL_LABEL.write_bytes(plates.jpeg_bytes(label(["SANBAO TV55", "220V~ 50Hz", "SERIAL " + SERIAL], SERIAL)))
NO_BARCODE = PHOTOS / "no-barcode.jpg"
NO_BARCODE.write_bytes(plates.jpeg_bytes(label(["SANBAO TV55", "220V~ 50Hz", "NO CODE ON THIS ONE"])))


def rows(statement):
    found = db.session.execute(statement).all()
    db.session.rollback()
    return found


def field_events(job_id):
    """The kinds of the job's events that came from a phone (they carry its clock), counted."""
    return Counter(
        kind
        for (kind,) in rows(select(JobEvent.kind).where(JobEvent.job_id == job_id, JobEvent.device_time.is_not(None)))
    )


def pushed(client_id):
    return rows(
        select(PushedOp.seq, PushedOp.type, PushedOp.entity_id, PushedOp.result, PushedOp.code)
        .where(PushedOp.client_id == client_id)
        .order_by(PushedOp.seq)
    )


def test_a_visit_made_offline_is_kept_through_a_reload_and_synced_once(live, api, phone, catalogue, jobs_of):
    """Two jobs worked without signal: one repaired (label scanned, a board fitted, completed), one waiting for a
    panel. A shortage sends the job to waiting_parts and a completed job takes no shortage, so the part used and
    the part missing are on two jobs, as they would be on a real day."""
    repaired, waiting = jobs_of(2)
    tech1 = catalogue.tech1
    phone = phone()
    page = phone.page

    page.goto("/")
    page.locator("form.login").wait_for()
    phone.screenshot("login")
    # The shell's first load is the shell: the barcode reader comes later, and only where it is needed.
    assert [url for url in phone.requests if "zxing" in url or "barcode-detector" in url] == []
    phone.sign_in(tech1)
    page.locator(f"[data-job-id='{repaired}']").wait_for()
    assert page.locator(".job-list li[data-job-id]").count() == 2
    phone.wait_for_service_worker()
    phone.wait_for_decoder_cached()
    phone.screenshot("job-list")

    phone.context.set_offline(True)
    phone.open_job(repaired)
    phone.screenshot("job-detail")
    assert page.get_by_test_id("serial").text_content() == phone.t("job.noSerial")
    assert "null" not in page.get_by_test_id("job-detail").inner_text()
    phone.step("accept", "accepted")
    phone.step("arrive", "on_site")

    phone.step("scan")
    page.get_by_test_id("scan-photo").set_input_files(SERIAL_LABEL)
    status = page.get_by_test_id("scan-status")
    expected = phone.t("scan.found", serial=SERIAL)
    page.wait_for_function("([el, text]) => el.textContent === text", arg=[status.element_handle(), expected])
    assert page.get_by_test_id("scan-serial").input_value() == SERIAL
    phone.screenshot("scan-result")
    page.get_by_test_id("scan-use").click()
    page.get_by_test_id("serial").filter(has_text=SERIAL).wait_for()

    phone.parts_form("partsUsed", "BOARD", 1).locator("button[type=submit]").click()
    page.locator("form[data-form='partsUsed']").wait_for(state="detached")
    phone.step("complete")
    form = page.locator("form[data-form='complete']")
    form.locator("textarea[name=summary]").fill("换主板")
    form.locator("input[name=confirmed_by]").fill("王先生")
    phone.confirm_with_signature(form)
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()

    page.locator("a.back").click()
    phone.open_job(waiting)
    phone.step("accept", "accepted")
    phone.parts_form("partsMissing", "PANEL", 1).locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-waiting_parts").wait_for()
    phone.wait_pending(7)

    # Everything survives a reload without signal: the shell from the service worker, the work from IndexedDB.
    page.reload()
    page.locator("[data-testid=job-state].state-waiting_parts").wait_for()
    page.locator("a.back").click()
    assert page.locator(f"[data-job-id='{repaired}']").get_attribute("data-state") == "completed"
    assert page.locator(f"[data-job-id='{waiting}']").get_attribute("data-state") == "waiting_parts"
    assert phone.pending() == 7
    assert page.locator(".sync-bar .offline").is_visible()
    phone.open_job(repaired)
    assert phone.state() == "completed"
    assert page.get_by_test_id("serial").text_content() == SERIAL
    photo = SERIAL_LABEL.read_bytes()
    sha256 = hashlib.sha256(photo).hexdigest()  # small enough to keep as taken
    outbox = phone.outbox()
    # The label photo and the customer's signature wait on the phone for their upload.
    signature = next(op for op in outbox if op["type"] == "job.complete")["payload"]["confirmation"]["signature_sha256"]
    assert sorted(phone.photos_held()) == sorted([sha256, signature])
    assert [op["type"] for op in outbox] == [
        "job.accept",
        "job.arrive",
        "scan.add",
        "parts.used",
        "job.complete",
        "job.accept",
        "parts.shortage",
    ]
    assert outbox[2]["payload"] == {
        "serial": SERIAL,
        "source": "photo",
        "symbology": "code_128",
        "photo_sha256": sha256,
    }

    # Back online: the app syncs by itself.
    phone.context.set_offline(False)
    phone.wait_pending(0)
    page.locator("[data-testid=job-state].state-completed").wait_for()
    page.get_by_test_id("job-detail").locator(".pending-mark").wait_for(state="detached")
    assert phone.photos_held() == []
    assert phone.errors == []

    client_id = page.evaluate("globalThis.sanbao.db.get('meta', 'client_id')")
    assert pushed(client_id) == [
        (seq, op["type"], op["entity_id"], "applied", "") for seq, op in enumerate(outbox, start=1)
    ]
    assert rows(select(Client.last_seq).where(Client.client_id == client_id)) == [(7,)]
    # Every action exactly once.
    assert field_events(repaired) == {"accept": 1, "arrive": 1, "scan": 1, "use_parts": 1, "complete": 1}
    assert field_events(waiting) == {"accept": 1, "hold_for_parts": 1}
    assert rows(select(Part.part_no, PartUsage.qty).join(Part).where(PartUsage.job_id == repaired)) == [("BOARD", 1)]
    assert rows(select(PartUsage.id).where(PartUsage.job_id == waiting)) == []
    # The shortage raised one requisition, for the panel.
    assert rows(
        select(Requisition.status, Part.part_no, RequisitionLine.qty)
        .join(RequisitionLine, RequisitionLine.requisition_id == Requisition.id)
        .join(Part, RequisitionLine.part_id == Part.id)
        .where(Requisition.job_id == waiting)
    ) == [("pending", "PANEL", 1)]
    # The scan names the photo, and the server holds its bytes.
    assert rows(select(Scan.serial, Scan.source, Scan.photo_sha256).where(Scan.job_id == repaired)) == [
        (SERIAL, "photo", sha256)
    ]
    assert (live.photo_dir / sha256[:2] / sha256).read_bytes() == photo
    assert api.head(f"/api/sync/blobs/{sha256}", headers=tech1.headers).status_code == 200
    job = api.get(f"/api/jobs/{repaired}", headers=tech1.headers).get_json()
    assert (job["state"], job["request"]["serial"]) == ("completed", SERIAL)
    assert api.get(f"/api/jobs/{waiting}", headers=tech1.headers).get_json()["state"] == "waiting_parts"

    # The phone shows the requisition the server raised.
    page.locator("a.back").click()
    phone.open_job(waiting)
    page.get_by_test_id("requisitions").locator("li[data-status='pending']").wait_for()
    assert phone.pending() == 0


def test_the_app_opens_offline_and_shows_an_op_the_server_refused_with_its_reason(
    live,
    api,
    phone,
    catalogue,
    jobs_of,
):
    (taken,) = jobs_of(1)
    tech1 = catalogue.tech1
    phone = phone(locale="en-GB")
    page = phone.page
    phone.sign_in(tech1)
    page.locator(f"[data-job-id='{taken}']").wait_for()
    phone.wait_for_service_worker()

    # A new page, as when the app is opened again later, with no network at all.
    phone.context.set_offline(True)
    page = phone.new_page()
    page.goto("/")
    page.locator(f"[data-job-id='{taken}'][data-state='dispatched']").wait_for()
    assert page.locator(".sync-bar .offline").text_content() == phone.t("sync.offline")

    phone.open_job(taken)
    phone.step("accept", "accepted")
    phone.wait_pending(1)
    # Meanwhile the dispatcher gives the job to someone else.
    response = api.post(
        f"/api/jobs/{taken}/assign", json={"technician_id": catalogue.tech2.id}, headers=catalogue.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()

    phone.context.set_offline(False)
    line = page.get_by_test_id("rejected")
    line.wait_for()
    phone.wait_pending(0)
    [kept] = api.get(
        "/api/sync/ops", query_string={"result": "conflict"}, headers=catalogue.dispatcher.headers
    ).get_json()["items"]
    assert (kept["type"], kept["entity_id"], kept["code"]) == ("job.accept", str(taken), "job_reassigned")
    # One line in the sync bar, opening the list: what was refused and why, in the app's language, with the
    # server's own sentence beside it.
    assert line.text_content() == phone.t("refused.line", count=1)
    phone.screenshot("sync-bar-rejected")
    line.click()
    refused = page.get_by_test_id("refused-list").locator("li[data-code='job_reassigned']")
    assert refused.locator("strong").text_content().startswith(phone.t("op.job.accept"))
    assert refused.locator(".reason").text_content() == phone.t("reason.job_reassigned")
    assert refused.locator(".detail").text_content() == kept["message"]
    # The job left the phone with the reassignment; it is tech2's, still to accept.
    page.locator("a.back").click()
    page.get_by_test_id("job-list").locator(f"[data-job-id='{taken}']").wait_for(state="detached")
    job = api.get(f"/api/jobs/{taken}", headers=catalogue.tech2.headers).get_json()
    assert (job["technician"]["id"], job["state"]) == (catalogue.tech2.id, "dispatched")

    line.click()
    refused.locator("[data-action=dismiss]").click()
    line.wait_for(state="detached")
    assert phone.errors == []


def test_bad_input_is_refused_clearly_and_a_double_tap_saves_once(live, api, phone, catalogue, jobs_of):
    (job_id,) = jobs_of(1, state="on_site")
    tech1 = catalogue.tech1
    phone = phone()
    page = phone.page
    phone.sign_in(tech1)
    phone.open_job(job_id)
    client_id = page.evaluate("globalThis.sanbao.db.get('meta', 'client_id')")

    # A photo with no barcode in it.
    phone.step("scan")
    page.get_by_test_id("scan-photo").set_input_files(NO_BARCODE)
    status = page.get_by_test_id("scan-status")
    expected = phone.t("scan.none")
    page.wait_for_function("([el, text]) => el.textContent === text", arg=[status.element_handle(), expected])
    assert page.get_by_test_id("scan-serial").input_value() == ""
    phone.screenshot("scan-none")
    page.get_by_test_id("scanner").get_by_role("button", name=phone.t("form.cancel")).click()
    page.get_by_test_id("scanner").wait_for(state="detached")

    # Quantity 0: refused on the phone, in its language, and nothing recorded.
    form = phone.parts_form("partsUsed", "BOARD", 0)
    form.locator("button[type=submit]").click()
    assert form.locator(".error").filter(has_text=phone.t("form.qtyPositive")).count() == 1
    phone.screenshot("quantity-refused")
    assert phone.outbox() == []
    assert phone.pending() == 0

    # A double tap on save: one op.
    form.locator("input[name=qty]").fill("2")
    form.locator("button[type=submit]").dblclick()
    form.wait_for(state="detached")
    phone.wait_pending(0)
    assert phone.sync()["ok"] is True
    assert pushed(client_id) == [(1, "parts.used", str(job_id), "applied", "")]
    assert rows(select(Part.part_no, PartUsage.qty).join(Part).where(PartUsage.job_id == job_id)) == [("BOARD", 2)]
    assert field_events(job_id)["use_parts"] == 1
    assert phone.photos_held() == []
    assert phone.errors == []


def test_a_huge_photo_is_scaled_down_on_the_phone_then_read_and_uploaded(live, phone, catalogue, jobs_of, tmp_path):
    (job_id,) = jobs_of(1, state="on_site")
    # A label photographed at a phone camera's full size: 4144 pixels wide.
    huge = tmp_path / "label.png"
    with Image.open(SERIAL_LABEL) as taken:
        factor = 4144 / taken.width
        taken.convert("RGB").resize((4144, round(taken.height * factor)), Image.Resampling.BICUBIC).save(huge)
    phone = phone()
    page = phone.page
    phone.sign_in(catalogue.tech1)
    phone.open_job(job_id)

    phone.step("scan")
    page.get_by_test_id("scan-photo").set_input_files(huge)
    status = page.get_by_test_id("scan-status")
    expected = phone.t("scan.found", serial=SERIAL)
    page.wait_for_function("([el, text]) => el.textContent === text", arg=[status.element_handle(), expected])
    sha256 = page.get_by_test_id("scanner").get_attribute("data-photo")
    page.get_by_test_id("scan-use").click()
    page.get_by_test_id("serial").filter(has_text=SERIAL).wait_for()
    phone.wait_pending(0)
    assert phone.sync()["ok"] is True

    # What went up is the scaled copy the phone read, named by its own hash.
    [(kept_sha256,)] = rows(select(Scan.photo_sha256).where(Scan.job_id == job_id, Scan.source == "photo"))
    assert kept_sha256 == sha256
    uploaded = live.photo_dir / sha256[:2] / sha256
    assert hashlib.sha256(uploaded.read_bytes()).hexdigest() == sha256
    with Image.open(uploaded) as photo:
        assert (photo.format, max(photo.size)) == ("JPEG", 2000)
    assert uploaded.stat().st_size < huge.stat().st_size
    assert phone.photos_held() == []
    assert phone.errors == []
