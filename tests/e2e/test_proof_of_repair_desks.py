"""Proof of repair at the desks, end to end: the provider manager packs the old parts its warranty repairs owe
into a shipment with a packing list, the RDC's clerk receives it on a phone and inspects each part by its
serial, and the manager sees what the RDC rejected; then the month's statement, a deduction disputed and the
statement accepted. Every screen is looked at in both languages at 360 and 1280 px.

The world: provider P01 (province 370000) with technician tech1 and manager pm1, the clerk of 370000, parts
BOARD (120.00) and PANEL (800.00) made returnable here (tests/fixtures/jobs.py, supply.py). On PostgreSQL, with
one gunicorn for the module (tests/e2e/conftest.py).
"""

import csv
import io
import tempfile
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy import update

from server.core.clock import local_today
from server.extensions import db
from server.network.models import Deduction
from server.parts.models import Part
from server.supply.models import PartReturn
from tests.e2e.test_screens import switch_language
from tests.helpers import checked_in
from tests.helpers import confirmed
from tests.knowledge.factories import ensure_fault_code
from tests.scanning import plates

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

# The old panel's label as the clerk's phone photographs it: its serial as Code 128.
OLD_PANEL = "PNL2405A0017"
PHOTOS = Path(tempfile.mkdtemp(prefix="sanbao-e2e-returns-"))
PANEL_LABEL = PHOTOS / "old-panel.jpg"


def old_part_label(serial):
    picture = Image.new("L", (900, 420), 225)
    draw = ImageDraw.Draw(picture)
    draw.text((40, 40), "LCD PANEL 55 / SN", fill=30)
    picture.paste(plates.barcode(serial, zxingcpp.BarcodeFormat.Code128), (40, 150))
    return plates.capture(picture, seed=7, where=(1.5, 12, -8, 0.85))


PANEL_LABEL.write_bytes(plates.jpeg_bytes(old_part_label(OLD_PANEL)))


def returnable(*part_nos):
    db.session.execute(update(Part).where(Part.part_no.in_(part_nos)).values(return_required=True))
    db.session.commit()


def fit(api, catalogue, job_id, lines):
    """The technician's parts fitted on the job, as the phone's sync sends them; the returns they owe, by id."""
    used = api.post(f"/api/jobs/{job_id}/parts-used", json=lines, headers=catalogue.tech1.headers)
    assert used.status_code in (200, 201), used.get_json()
    ids = db.session.scalars(select(PartReturn.id).where(PartReturn.job_id == job_id).order_by(PartReturn.id)).all()
    db.session.rollback()
    return ids


def returns_of(ids):
    found = {
        row.id: (row.status, row.result, row.returned_serial, row.note)
        for row in db.session.scalars(select(PartReturn).where(PartReturn.id.in_(ids)))
    }
    db.session.rollback()
    return [found[each] for each in ids]


def test_old_parts_packed_by_the_provider_are_received_and_inspected_by_the_rdc_on_a_phone(
    api, desk, phone, catalogue, jobs_of
):
    returnable("BOARD", "PANEL")
    first, second, third = jobs_of(3, state="on_site")
    [panel] = fit(api, catalogue, first, [{"part_no": "PANEL", "qty": 1, "old_serial": OLD_PANEL}])
    [board] = fit(api, catalogue, second, [{"part_no": "BOARD", "qty": 1, "old_serial": "MB2405B0230"}])
    # The third repair recorded no old serial, and its part is long overdue at the RDC.
    [late] = fit(api, catalogue, third, [{"part_no": "PANEL", "qty": 1}])
    now = datetime.now(UTC)
    db.session.execute(
        update(PartReturn)
        .where(PartReturn.id == late)
        .values(fitted_at=now - timedelta(days=20), due_at=now - timedelta(days=5))
    )
    db.session.commit()

    manager = desk(locale="zh-CN")
    manager.sign_in_at_desk(catalogue.pm1)
    page = manager.page
    page.locator("a[data-tab=returns]").click()
    owed = page.get_by_test_id("owed-returns")
    owed.wait_for()
    # The most urgent first: the overdue part, marked, without the serial nobody recorded.
    rows = owed.locator("tbody tr")
    assert rows.first.get_attribute("data-return-id") == str(late)
    assert rows.first.get_attribute("class") == "late"
    assert rows.first.get_by_test_id("overdue").count() == 1
    assert manager.t("team.returns.noSerial") in rows.first.text_content()
    assert page.get_by_test_id("late-count").text_content() == manager.t("team.returns.lateCount", count=1)
    problems = manager.inspect("returns-owed-zh", ready=owed)

    # Nothing ticked: nothing packed. Then the two parts of one parcel, with the courier's tracking number.
    page.locator("[data-action=pack]").click()
    page.locator("[data-testid=desk-notice].error", has_text=manager.t("team.returns.chooseFirst")).wait_for()
    owed.locator(f"tr[data-return-id='{panel}'] input[type=checkbox]").check()
    owed.locator(f"tr[data-return-id='{board}'] input[type=checkbox]").check()
    assert page.get_by_test_id("chosen-count").text_content() == manager.t("team.returns.chosen", count=2)
    page.locator("input[name=tracking]").fill("SF1234567890")
    page.locator("[data-action=pack]").dblclick()
    shipment = page.get_by_test_id("shipment")
    shipment.wait_for()
    number = shipment.locator("h2").text_content().split()[1]
    page.locator("[data-testid=desk-notice].ok", has_text=number).wait_for()
    assert shipment.get_by_test_id("shipment-tracking").text_content() == "SF1234567890"
    assert shipment.locator("[data-testid=shipment-lines] tbody tr").count() == 2
    assert returns_of([panel, board, late]) == [
        ("shipped", None, None, ""),
        ("shipped", None, None, ""),
        ("owed", None, None, ""),
    ]
    # The packing list, downloaded with the manager's sign-in: one row per old part, with its serial.
    with page.expect_download() as download:
        shipment.locator("[data-action=packing-list]").click()
    listed = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert sorted(row["old_serial"] for row in listed) == sorted([OLD_PANEL, "MB2405B0230"])
    assert download.value.suggested_filename == f"packing-list-{number}.csv"
    problems += manager.inspect("returns-shipment-zh", ready=shipment)

    # The clerk, on a phone in the stock room: the parcel on its way, received, then each part inspected.
    clerk = phone(locale="en")
    clerk.sign_in_at_desk(catalogue.clerk)
    cpage = clerk.page
    cpage.get_by_test_id("nav-returns").click()
    incoming = cpage.get_by_test_id("incoming-shipments")
    incoming.wait_for()
    problems += clerk.inspect("returns-clerk-list-en", touch=True, ready=incoming)
    card = incoming.locator("li", has_text=number)
    card.locator("[data-action=receive]").dblclick()
    cpage.locator("[data-testid=shipment-status][data-status=received]").wait_for()
    cpage.locator("[data-testid=desk-notice].ok", has_text=number).wait_for()

    # The panel: its label read by the phone's scanner from a photo, accepted.
    line = cpage.locator(f"[data-return-id='{panel}']")
    line.locator("[data-action=scan]").click()
    line.get_by_test_id("scan-photo").set_input_files(PANEL_LABEL)
    line.get_by_test_id("scan-status").filter(has_text=OLD_PANEL).wait_for()
    line.get_by_test_id("scan-use").click()
    expect(line.locator("input[name=old_serial]")).to_have_value(OLD_PANEL)
    line.locator("label[data-result=accepted] input").check()
    problems += clerk.inspect("returns-clerk-inspect-en", touch=True, ready=line.get_by_test_id("inspection"))
    line.locator("[data-action=inspect]").click()
    cpage.locator(f"[data-return-id='{panel}'] [data-testid=finding][data-result=accepted]").wait_for()
    # The photo was only read, never kept for upload.
    clerk.until("async () => (await globalThis.sanbao.db.getAllKeys('photos')).length === 0", "the photo let go")

    # The board: the serial typed off the part is not the one the technician recorded. Told both, the clerk
    # records it as a wrong part, and a wrong part needs a note.
    line = cpage.locator(f"[data-return-id='{board}']")
    line.locator("input[name=old_serial]").fill("pwr2405c0999")
    line.locator("label[data-result=accepted] input").check()
    line.locator("[data-action=inspect]").click()
    mismatch = line.get_by_test_id("inspection-message")
    mismatch.get_by_text(clerk.t("returns.mismatch", recorded="MB2405B0230", scanned="PWR2405C0999")).wait_for()
    problems += clerk.inspect("returns-clerk-mismatch-en", touch=True, ready=mismatch)
    mismatch.locator("[data-action=as-wrong-part]").click()
    assert line.locator("label[data-result=wrong_part] input").is_checked()
    line.locator("[data-action=inspect]").click()
    assert line.locator("[data-error-for=note]").text_content() == clerk.t("returns.needNote")
    line.locator("textarea[name=note]").fill("箱内是电源板，不是主板")
    line.locator("[data-action=inspect]").click()
    cpage.locator(f"[data-return-id='{board}'] [data-testid=finding][data-result=wrong_part]").wait_for()
    assert returns_of([panel, board]) == [
        ("accepted", "accepted", OLD_PANEL, ""),
        ("rejected", "wrong_part", "PWR2405C0999", "箱内是电源板，不是主板"),
    ]
    problems += clerk.inspect("returns-clerk-shipment-en", touch=True, ready=cpage.get_by_test_id("return-lines"))
    switch_language(clerk)
    cpage.locator("a.back").click()
    problems += clerk.inspect("returns-clerk-list-zh", touch=True, ready=cpage.get_by_test_id("shipments-inspected"))
    cpage.get_by_test_id("shipments-inspected").locator("a").first.click()
    problems += clerk.inspect("returns-clerk-shipment-zh", touch=True, ready=cpage.get_by_test_id("return-lines"))

    # Back at the desk: the shipment is at the RDC, the board rejected with the RDC's note, and the late panel
    # still to send.
    page.reload()
    page.locator("[data-testid=shipment] [data-testid=shipment-status][data-status=received]").wait_for()
    rejected = page.get_by_test_id("rejected-returns").locator(f"tr[data-return-id='{board}']")
    assert rejected.get_by_test_id("rdc-note").text_content() == "箱内是电源板，不是主板"
    assert manager.t("team.returns.result.wrong_part") in rejected.text_content()
    assert page.get_by_test_id("owed-count").text_content() == "1"
    switch_language(manager)
    problems += manager.inspect("returns-shipment-en", ready=page.get_by_test_id("rejected-returns"))
    page.evaluate("location.hash = '#/team/returns'")
    problems += manager.inspect("returns-owed-en", ready=page.get_by_test_id("owed-returns"))
    assert problems == [], "\n".join(problems)


def finished_and_claimed(api, catalogue, job_id):
    """A warranty repair with a board fitted, completed honestly and claimed from its draft: approved at once."""
    tech = catalogue.tech1.headers
    scanned = api.post(f"/api/jobs/{job_id}/scans", json={"serial": "SN-IN", "source": "camera"}, headers=tech)
    assert scanned.status_code == 201, scanned.get_json()
    used = api.post(f"/api/jobs/{job_id}/parts-used", json=[{"part_no": "BOARD", "qty": 1}], headers=tech)
    assert used.status_code in (200, 201), used.get_json()
    checked_in(job_id)
    body = {"summary": "换主板", "confirmed_by": "王先生", "fault_code": "E01", "confirmation": confirmed(job_id)}
    assert api.post(f"/api/jobs/{job_id}/complete", json=body, headers=tech).status_code == 200
    drafted = api.get(f"/api/claims/unclaimed?job_id={job_id}", headers=catalogue.pm1.headers).get_json()
    claim = api.post("/api/claims", json=drafted["items"][0]["claim"], headers=catalogue.pm1.headers)
    assert claim.status_code == 201, claim.get_json()
    assert claim.get_json()["status"] == "approved", claim.get_json()["flags"]


def rejected_at_the_rdc(api, catalogue, job_id):
    """An old panel packed, received and found to be the wrong part: its penalty waits for the statement."""
    [part_return] = fit(api, catalogue, job_id, [{"part_no": "PANEL", "qty": 1, "old_serial": OLD_PANEL}])
    shipped = api.post("/api/part-returns/shipments", json={"lines": [part_return]}, headers=catalogue.pm1.headers)
    assert shipped.status_code == 201, shipped.get_json()
    shipment = shipped.get_json()["id"]
    received = api.post(f"/api/part-returns/shipments/{shipment}/receipt", headers=catalogue.clerk.headers)
    assert received.status_code == 200, received.get_json()
    finding = {"result": "wrong_part", "note": "箱内为其他型号的屏", "old_serial": "PNL0000X"}
    inspected = api.post(f"/api/part-returns/{part_return}/inspection", json=finding, headers=catalogue.clerk.headers)
    assert inspected.status_code == 200, inspected.get_json()


def test_a_manager_disputes_a_deduction_and_accepts_the_statement(api, desk, catalogue, jobs_of, make_user, auth):
    ensure_fault_code("E01", title="主板损坏")
    returnable("PANEL")
    auditor = make_user("auditor", username="auditor1")
    auditor.headers = auth(auditor)
    repaired, fitted = jobs_of(2, state="on_site")
    finished_and_claimed(api, catalogue, repaired)
    rejected_at_the_rdc(api, catalogue, fitted)
    month = local_today().strftime("%Y-%m")
    made = api.post(
        "/api/settlements", json={"provider_id": catalogue.pm1.provider_id, "month": month}, headers=auditor.headers
    )
    assert made.status_code == 201, made.get_json()
    statement = made.get_json()["id"]
    manual = api.post(
        f"/api/settlements/{statement}/deductions",
        json={"amount": "50.00", "reason": "回访发现未按规范清洁现场"},
        headers=auditor.headers,
    )
    assert manual.status_code == 201, manual.get_json()
    penalty = db.session.scalar(select(Deduction.id).where(Deduction.rule == "RETURN_PENALTY"))
    db.session.rollback()

    manager = desk(locale="en")
    manager.sign_in_at_desk(catalogue.pm1)
    page = manager.page
    page.locator("a[data-tab=statements]").click()
    page.get_by_test_id("statements").locator(f"tr[data-settlement-id='{statement}'] a").click()
    shown = page.get_by_test_id("statement")
    shown.wait_for()
    # Labour 80.00 and a board at 120.00 paid; the panel of 800.00 rejected at the RDC and 50.00 withheld.
    assert shown.get_by_test_id("statement-total").text_content() == "¥200.00"
    assert shown.get_by_test_id("statement-deductions").text_content() == "−¥850.00"
    assert shown.get_by_test_id("statement-net").text_content() == "−¥650.00"
    cards = shown.get_by_test_id("deductions")
    rejected = cards.locator(f"li[data-deduction-id='{penalty}']")
    assert manager.t("team.statements.rule.RETURN_PENALTY") in rejected.text_content()
    why = rejected.get_by_test_id("deduction-why").text_content()
    assert manager.t("team.returns.result.wrong_part") in why
    assert "箱内为其他型号的屏" in why
    manual_why = cards.locator("li[data-rule=MANUAL]").get_by_test_id("deduction-why")
    assert manual_why.text_content() == "回访发现未按规范清洁现场"
    problems = manager.inspect("statement-en", ready=shown)

    # A dispute needs its reason; sent, it waits for an auditor and cannot be sent twice.
    rejected.locator("[data-action=dispute]").click()
    rejected.locator("[data-action=send-dispute]").click()
    assert rejected.locator("[data-error-for=reason]").text_content() == manager.t("team.statements.reasonNeeded")
    rejected.locator("textarea[name=reason]").fill("The RDC opened the wrong parcel: ours held PNL2405A0017.")
    rejected.locator("[data-action=send-dispute]").dblclick()
    rejected.locator("[data-testid=dispute-state][data-dispute=open]").wait_for()
    assert rejected.locator("[data-action=dispute]").count() == 0
    page.locator("[data-testid=desk-notice].ok").wait_for()

    # The auditor reverses it: no longer withheld.
    reversed_ = api.post(
        f"/api/settlements/{statement}/deductions/{penalty}/resolution",
        json={"decision": "reverse", "note": "包裹核对有误，撤销扣款"},
        headers=auditor.headers,
    )
    assert reversed_.status_code == 200, reversed_.get_json()
    page.reload()
    rejected.locator("[data-testid=dispute-state][data-dispute=reversed]").wait_for()
    assert shown.get_by_test_id("statement-deductions").text_content() == "−¥50.00"

    # Accepting is asked twice, and ends the disputes: the other deduction can no longer be disputed.
    shown.locator("[data-action=accept]").click()
    shown.locator("[data-action=cancel-accept]").click()
    shown.locator("[data-action=accept]").click()
    shown.locator("[data-action=confirm-accept]").click()
    page.locator("[data-testid=desk-notice].ok").wait_for()
    assert shown.get_by_test_id("statement-state").text_content() == manager.t("team.statements.state.accepted")
    assert shown.locator("[data-action=dispute]").count() == 0
    with page.expect_download() as download:
        shown.locator("[data-action=download-statement]").click()
    assert download.value.suggested_filename == f"statement-{statement}-{month}.csv"
    problems += manager.inspect("statement-accepted-en", ready=shown)
    switch_language(manager)
    shown.get_by_test_id("statement-state").filter(has_text="已确认").wait_for()
    problems += manager.inspect("statement-accepted-zh", ready=shown)
    page.evaluate("location.hash = '#/team/statements'")
    problems += manager.inspect("statements-zh", ready=page.get_by_test_id("statements"))
    accepted_at = api.get(f"/api/settlements/{statement}", headers=catalogue.pm1.headers).get_json()["settlement"]
    assert accepted_at["accepted_at"] is not None
    assert problems == [], "\n".join(problems)
