"""The old parts of a warranty repair on the phone, end to end: fitting a part that comes back to the RDC, the
technician is asked for each old part's serial (read off its label with the unit's scanner, or typed), told that
the old part must be kept and that a claim without its serial is held, and may leave one out only knowingly.
Offline too; after sync the server owes one return per old part, with the serial recorded. The form and the job's
record are looked at in both languages at 360 and 1280 px (tests/e2e/screens.py).

On PostgreSQL, with one gunicorn for the module (tests/fixtures/browser.py).
"""

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy import update

from server.devicesync.models import PushedOp
from server.extensions import db
from server.parts.models import Part
from tests.e2e.screens import AXE
from tests.scanning import plates

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

OLD_PANEL = "OP-7781-A"


def returnable(part_no):
    """The part comes back to the RDC, as the catalogue says before the phone pulls it."""
    db.session.execute(update(Part).where(Part.part_no == part_no).values(return_required=True))
    db.session.commit()


def old_part_label(path, serial):
    """A photo of the old part's label: its serial as Code 128 on a sticker."""
    picture = Image.new("L", (700, 300), 235)
    picture.paste(plates.barcode(serial, zxingcpp.BarcodeFormat.Code128), (40, 60))
    path.write_bytes(plates.jpeg_bytes(picture))
    return path


def returns_of(api, catalogue, job_id):
    """The job's part returns as the provider's manager lists them: ``[(part_no, old_serial, status)]``."""
    answer = api.get("/api/part-returns", query_string={"job_id": job_id}, headers=catalogue.pm1.headers)
    assert answer.status_code == 200, answer.get_json()
    found = [(item["part_no"], item["old_serial"], item["status"]) for item in answer.get_json()["items"]]
    return sorted(found, key=lambda item: (item[0], item[1] or ""))


def board_shipped(api, catalogue, job_id):
    """A board found missing on the job, approved and shipped by the province's clerk: the order's id."""

    def post(path, user, json=None):
        answer = api.post(path, json=json or {}, headers=getattr(catalogue, user).headers)
        assert answer.status_code in (200, 201), (path, answer.get_json())
        return answer.get_json()

    requisition = post(f"/api/jobs/{job_id}/shortages", "tech1", {"parts": [{"part_no": "BOARD", "qty": 1}]})
    post(f"/api/requisitions/{requisition['id']}/approve", "clerk")
    orders = api.get(f"/api/sales-orders?requisition_id={requisition['id']}", headers=catalogue.clerk.headers)
    [order] = orders.get_json()["items"]
    post(f"/api/sales-orders/{order['id']}/ship", "clerk")
    return order["id"]


def test_each_old_part_is_asked_for_scanned_or_left_out_knowingly_and_the_rdc_is_owed_it(
    live, api, phone, catalogue, jobs_of, tmp_path
):
    returnable("PANEL")
    (job_id,) = jobs_of(1, state="on_site")
    device = phone(locale="zh-CN")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.open_job(job_id)

    # A part that does not come back asks nothing more.
    form = device.parts_form("partsUsed", "REMOTE", 1)
    old = form.get_by_test_id("old-parts")
    expect(old).to_be_hidden()
    # Two panels do: a serial for each old panel, and the form says why.
    form.locator("select[name=part_no]").select_option("PANEL")
    form.locator("input[name=qty]").fill("2")
    serials = old.get_by_test_id("old-serial")
    expect(serials).to_have_count(2)
    expect(old.locator(".old-keep")).to_have_text(device.t("oldPart.keep"))
    expect(old.locator(".old-held")).to_have_text(device.t("oldPart.held"))

    # The first old panel's label read by the unit's scanner, then the form again as it was.
    old.get_by_test_id("old-scan").first.click()
    scanner = page.get_by_test_id("scanner")
    named = device.t("oldPart.serialOf", n=1)
    expect(scanner.locator("h2")).to_have_text(device.t("oldPart.scanTitle", name=named, part="PANEL Panel"))
    page.get_by_test_id("scan-photo").set_input_files(old_part_label(tmp_path / "old.jpg", OLD_PANEL))
    expect(page.get_by_test_id("scan-status")).to_have_text(device.t("scan.found", serial=OLD_PANEL))
    device.screenshot("old-part-scanner-zh")
    page.get_by_test_id("scan-use").click()
    expect(serials.first).to_have_value(OLD_PANEL)
    expect(form.locator("input[name=qty]")).to_have_value("2")
    # No photo kept of it: no op names one, so none is uploaded.
    assert device.photos_held() == []

    # The same old part named twice is refused, as the server would refuse the whole op.
    serials.nth(1).fill(OLD_PANEL.lower())
    form.locator("button[type=submit]").click()
    expect(old.locator(".old-row").nth(1).locator(".error")).to_have_text(device.t("oldPart.twice"))
    # Left out, it is refused until the technician ticks that the claim is then held.
    serials.nth(1).fill("")
    form.locator("button[type=submit]").click()
    expect(old.get_by_test_id("old-missing")).to_have_text(device.t("oldPart.missing", count=1))
    assert device.outbox() == []
    form.locator("button[type=submit]").scroll_into_view_if_needed()
    problems = device.inspect("old-parts-zh", touch=True)
    old.get_by_test_id("old-without").check()
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")

    device.wait_pending(0)
    assert returns_of(api, catalogue, job_id) == [("PANEL", None, "owed"), ("PANEL", OLD_PANEL, "owed")]
    # The record shows the old serial the server recorded.
    entry = page.locator("[data-testid=job-record] li[data-kind=use_parts][data-pending=no]")
    expect(entry.get_by_test_id("old-serials")).to_have_text(
        device.t("record.oldSerial", part="PANEL", serials=OLD_PANEL)
    )
    entry.scroll_into_view_if_needed()
    problems += device.inspect("old-parts-record-zh", touch=True)
    assert problems == []
    assert device.errors == []


def test_old_serials_typed_offline_wait_in_the_outbox_and_reach_the_server(live, api, phone, catalogue, jobs_of):
    """A panel from the technician's stock, and a board that arrived on an order for the job, both returnable."""
    returnable("PANEL")
    returnable("BOARD")
    (job_id,) = jobs_of(1, state="on_site")
    order = board_shipped(api, catalogue, job_id)
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    # The screen inspector's axe-core loaded while there is a network: the screens are looked at offline.
    page.add_script_tag(url=AXE)
    device.context.set_offline(True)
    client_id = page.evaluate("globalThis.sanbao.db.get('meta', 'client_id')")

    device.open_job(job_id)
    form = device.parts_form("partsUsed", "PANEL", 1)
    serial = form.get_by_test_id("old-serial")
    expect(serial).to_have_count(1)
    expect(form.locator(f"label[for='{serial.get_attribute('id')}']")).to_have_text(device.t("oldPart.serialOne"))
    serial.fill("  op-en-1 ")
    form.locator("button[type=submit]").scroll_into_view_if_needed()
    problems = device.inspect("old-parts-en", touch=True)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")

    device.wait_pending(1)
    # The board received and fitted from its order: its old board asked for too.
    page.get_by_test_id("requisitions").locator("[data-action=receive]").click()
    receipt = page.locator("form[data-form='receive']")
    expect(receipt.get_by_test_id("old-parts")).to_be_hidden()
    receipt.locator("input[name='fit-BOARD']").fill("1")
    receipt.get_by_test_id("old-serial").fill("ob-en-1")
    receipt.locator("button[type=submit]").click()
    receipt.wait_for(state="detached")

    device.wait_pending(3)
    assert [(op["type"], op["payload"]) for op in device.outbox()] == [
        ("parts.used", {"parts": [{"part_no": "PANEL", "qty": 1, "old_serial": "OP-EN-1"}]}),
        ("parts.receive", {"sales_order_id": order}),
        ("parts.used", {"parts": [{"part_no": "BOARD", "qty": 1, "old_serial": "OB-EN-1"}], "sales_order_id": order}),
    ]
    entry = page.locator("[data-testid=job-record] li[data-kind=use_parts][data-pending=yes]").first
    expect(entry.get_by_test_id("old-serials")).to_have_text(
        device.t("record.oldSerial", part="PANEL", serials="OP-EN-1")
    )
    entry.scroll_into_view_if_needed()
    problems += device.inspect("old-parts-record-en", touch=True)

    device.context.set_offline(False)
    device.wait_pending(0)
    pushed = db.session.execute(select(PushedOp.type, PushedOp.result).where(PushedOp.client_id == client_id)).all()
    db.session.rollback()
    assert pushed == [("parts.used", "applied"), ("parts.receive", "applied"), ("parts.used", "applied")]
    assert returns_of(api, catalogue, job_id) == [("BOARD", "OB-EN-1", "owed"), ("PANEL", "OP-EN-1", "owed")]
    assert problems == []
    assert device.errors == []
