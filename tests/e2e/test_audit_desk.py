"""The auditor's desk (索赔审核), end to end: the claim queue with its filters, a flagged claim's evidence in the
auditor's language, the decision (a double click decides once; a rejection needs a reason; a claim decided
meanwhile is explained and shown fresh), a month's statement with its CSV, a reused label photo beside the
photo it copies, a claim decided line by line beside the old parts its lines owe the RDC (旧件返还), a statement's
disputed deduction answered and the statement made final, and every screen of the desk looked at in Chinese and
English at 360 px and 1280 px.

Two worlds: the claims world (tests/fixtures/claims.py: TV55 with a 12-month whole-unit warranty, providers
P01 and P02, claims filed through the API as a provider's desk files them), and the dispatch world with its
jobs (tests/fixtures/jobs.py, supply.py) for claims backed by a job, its timeline and its label photos. On
PostgreSQL, with one gunicorn for the module (tests/fixtures/browser.py).
"""

import csv
import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.claims import returns as claim_returns
from server.claims.models import Claim
from server.claims.models import ClaimFlag
from server.claims.models import ClaimLine
from server.claims.models import Settlement
from server.core.clock import local_today
from server.core.clock import utcnow
from server.extensions import db
from server.installbase.services import import_sales
from server.network.deductions import month_of
from server.parts.services import parts
from server.supply.models import PartReturn
from tests.fixtures.device import label_photo
from tests.fixtures.device import sha256_of
from tests.helpers import checked_in
from tests.helpers import confirmed
from tests.knowledge.factories import ensure_fault_code

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def filed(response, status):
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == status, response.get_json()["flags"]
    return response.get_json()["id"]


def open_desk(device, user):
    device.sign_in_at_desk(user)
    device.page.get_by_test_id("audit-desk").wait_for()
    return device.page


def queue_ids(page):
    return [
        int(row.get_attribute("data-claim-id")) for row in page.get_by_test_id("claim-queue").locator("tbody tr").all()
    ]


def decisions_posted(device, claim_id):
    return [url for url in device.requests if url.endswith(f"/api/claims/{claim_id}/decision")]


def stored(claim_id):
    claim = db.session.get(Claim, claim_id)
    row = (claim.status, claim.decided_by_id, claim.decision_reason, claim.settlement_id)
    db.session.rollback()
    return row


@pytest.fixture
def auditor(make_user):
    return make_user("auditor", username="auditor1")


@pytest.fixture
def march(sell, submit):
    """Claims repaired in March 2025, filed in this order: ``{name: id}``.

    clean       P01  SN0002 sold 2025-01-15, in warranty                      approved at once
    out         P01  SN0001 sold 2023-01-15, failed 2025-03-01 (BOARD x2)     OUT_OF_WARRANTY, waiting
    ghost       P02  GHOST1, never sold                                        UNKNOWN_SERIAL, waiting
    """
    ensure_fault_code("E01")
    sell("SN0002")
    sell("SN0001", sale_date="2023-01-15")
    return {
        "clean": filed(submit(serial="SN0002", failure_date="2025-03-02", repair_date="2025-03-05"), "approved"),
        "out": filed(submit(serial="SN0001", failure_date="2025-03-01", repair_date="2025-03-03"), "pending_review"),
        "ghost": filed(
            submit("P02", serial="GHOST1", failure_date="2025-03-04", repair_date="2025-03-04"), "pending_review"
        ),
    }


def test_an_auditor_approves_a_flagged_claim_and_settles_the_month(desk, auditor, march):
    device = desk(locale="en")
    page = open_desk(device, auditor)

    # The queue: waiting claims first, the longest waiting first, then the decided ones.
    assert queue_ids(page) == [march["out"], march["ghost"], march["clean"]]
    page.locator("select[data-filter=flag]").select_option("OUT_OF_WARRANTY")
    page.wait_for_url("**flag=OUT_OF_WARRANTY**")
    page.locator(f"[data-testid=claim-queue] tr[data-claim-id='{march['ghost']}']").wait_for(state="detached")
    assert queue_ids(page) == [march["out"]]
    page.locator("select[data-filter=flag]").select_option("")
    page.locator("select[data-filter=provider]").select_option(label="Provider P02")
    page.wait_for_url("**provider=P02**")
    page.locator(f"[data-testid=claim-queue] tr[data-claim-id='{march['out']}']").wait_for(state="detached")
    assert queue_ids(page) == [march["ghost"]]
    page.locator("select[data-filter=provider]").select_option("")
    page.locator(f"[data-testid=claim-queue] tr[data-claim-id='{march['clean']}']").wait_for()
    # Sorted by provider (by name), the sort kept in the address; then back to the queue's own order.
    page.locator("[data-testid=claim-queue] button[data-sort=provider]").click()
    page.wait_for_url("**sort=provider**")
    page.locator("[data-testid=claim-queue] th[aria-sort=ascending] [data-sort=provider]").wait_for()
    assert queue_ids(page) == [march["clean"], march["out"], march["ghost"]]
    page.get_by_test_id("tab-queue").click()
    page.locator("[data-testid=claim-queue] th[aria-sort]").first.wait_for(state="detached")
    assert queue_ids(page) == [march["out"], march["ghost"], march["clean"]]

    # The flagged claim: its flag named, and the evidence worded from the facts the server read back.
    page.locator(f"tr[data-claim-id='{march['out']}'] [data-testid=open-claim]").click()
    case = page.locator(f"[data-testid=claim-case][data-claim-id='{march['out']}']")
    case.wait_for()
    flag = case.locator("[data-testid=claim-flags] li[data-flag=OUT_OF_WARRANTY]")
    assert flag.locator("strong").text_content() == "Out of warranty"
    assert flag.locator(".evidence").text_content() == (
        "The failure on Mar 1, 2025 is after the whole-unit warranty ended on Jan 15, 2024 "
        "(12 months from the sale on Jan 15, 2023). Only main parts stay covered until Jan 15, 2026, "
        "and these parts are not main parts: BOARD."
    )
    assert case.get_by_test_id("sale-date").text_content() == "Jan 15, 2023"
    assert case.get_by_test_id("claim-amount").text_content() == "¥276.50"
    device.screenshot("audit-claim-en")

    # Approved with a double click: one decision.
    case.locator("[data-action=approve]").dblclick()
    page.locator(f"[data-testid=claim-case][data-status=approved][data-claim-id='{march['out']}']").wait_for()
    assert page.get_by_test_id("desk-notice").text_content() == f"Claim {march['out']} approved: ¥276.50 to pay."
    assert len(decisions_posted(device, march["out"])) == 1
    assert stored(march["out"]) == ("approved", auditor.id, "", None)
    assert (
        page.locator(f"[data-testid=claim-queue] tr[data-claim-id='{march['out']}']").get_attribute("data-status")
        == "approved"
    )

    # March of P01: both approved claims go into the statement, each its labour and its part line; the CSV
    # names them.
    page.get_by_test_id("tab-settlements").click()
    form = page.get_by_test_id("settle-form")
    form.locator("select[name=provider]").select_option(label="Provider P01")
    form.locator("input[name=month]").fill("2025-03")
    form.locator("[data-action=create-settlement]").click()
    statement = page.get_by_test_id("settlement")
    statement.wait_for()
    assert statement.get_by_test_id("settlement-count").text_content() == "2"
    assert statement.get_by_test_id("settlement-month").text_content() == "March 2025"
    paid = statement.get_by_test_id("settlement-line-table").locator("tbody tr")
    assert paid.evaluate_all("rows => rows.map((row) => [Number(row.dataset.claimId), row.dataset.kind])") == [
        [march["clean"], "labor"],
        [march["clean"], "part"],
        [march["out"], "labor"],
        [march["out"], "part"],
    ]
    [settlement] = db.session.scalars(select(Settlement)).all()
    settlement_id, month, provider = settlement.id, settlement.month, settlement.provider.code
    db.session.rollback()
    assert (month, provider) == ("2025-03", "P01")
    assert stored(march["out"])[3] == settlement_id
    assert stored(march["clean"])[3] == settlement_id
    assert stored(march["ghost"])[3] is None
    # Each claim: 35.50 labour and two boards at 120.50; nothing deducted.
    assert statement.get_by_test_id("settlement-total").text_content() == "¥553.00"
    assert statement.get_by_test_id("settlement-net").text_content() == "¥553.00"
    assert page.get_by_test_id("desk-notice").text_content() == (
        "Statement made: the labour of 2 claims and 2 part lines, ¥553.00 to pay after deductions."
    )

    with page.expect_download() as caught:
        statement.locator("[data-action=download-csv]").click()
    download = caught.value
    assert download.suggested_filename == f"statement-{settlement_id}-2025-03.csv"
    with open(download.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.reader(saved))
    lines = {row[1]: row for row in rows[1:] if row and row[0] == "pay" and row[2] == "labor"}
    assert set(lines) == {str(march["clean"]), str(march["out"])}
    assert lines[str(march["out"])][3:5] == ["SN0001", "TV55"]
    device.screenshot("audit-settlement-en")


def test_a_rejection_needs_a_reason_and_a_claim_decided_meanwhile_is_shown_fresh(desk, auditor, march, api, auth):
    device = desk(locale="zh-CN")
    page = open_desk(device, auditor)
    page.locator(f"tr[data-claim-id='{march['ghost']}'] [data-testid=open-claim]").click()
    case = page.locator(f"[data-testid=claim-case][data-claim-id='{march['ghost']}']")
    case.wait_for()
    assert case.locator("[data-testid=claim-flags] li[data-flag=UNKNOWN_SERIAL] .evidence").text_content() == (
        device.t("audit.evidence.UNKNOWN_SERIAL", serial="GHOST1")
    )

    # No reason: refused on the screen in Chinese; nothing is sent and nothing changes.
    case.locator("[data-action=reject]").click()
    error = case.locator("[data-error-for=reason]")
    assert error.text_content() == device.t("audit.reasonRequired")
    assert case.locator("textarea[name=reason]").get_attribute("aria-invalid") == "true"
    case.locator("textarea[name=reason]").fill("   ")
    case.locator("[data-action=reject]").click()
    assert error.text_content() == device.t("audit.reasonRequired")
    assert decisions_posted(device, march["ghost"]) == []
    assert stored(march["ghost"]) == ("pending_review", None, "", None)

    # With a reason: rejected, the reason kept and shown.
    case.locator("textarea[name=reason]").fill("查无此机，疑似假单")
    case.locator("[data-action=reject]").click()
    page.locator(f"[data-testid=claim-case][data-status=rejected][data-claim-id='{march['ghost']}']").wait_for()
    assert page.get_by_test_id("claim-reason").text_content() == "查无此机，疑似假单"
    assert stored(march["ghost"]) == ("rejected", auditor.id, "查无此机，疑似假单", None)

    # Another auditor approves the other claim while this screen shows it waiting: the refusal is explained
    # and the claim drawn as it is now, without its decision form.
    page.locator(f"tr[data-claim-id='{march['out']}'] [data-testid=open-claim]").click()
    case = page.locator(f"[data-testid=claim-case][data-claim-id='{march['out']}'][data-status=pending_review]")
    case.wait_for()
    other = api.post(f"/api/claims/{march['out']}/decision", json={"decision": "approve"}, headers=auth(auditor))
    assert other.status_code == 200
    case.locator("[data-action=approve]").click()
    page.locator(f"[data-testid=claim-case][data-status=approved][data-claim-id='{march['out']}']").wait_for()
    assert page.get_by_test_id("desk-notice").text_content() == (
        f"{device.t('error.claim_not_pending')} {device.t('desk.reloaded')}"
    )
    assert page.get_by_test_id("decision").count() == 0


@pytest.fixture
def reused_photo(api, catalogue, jobs_of):
    """Two finished jobs of P01 on two units, both scanned from one label photo, claimed by P01's manager: the
    first claim passes, the second waits with PHOTO_REUSED. ``{"first", "second", "first_scan", "second_scan",
    "jobs"}``."""
    ensure_fault_code("E01")
    sold = datetime.now(UTC).date() - timedelta(days=20)
    header = "serial,model,sale_date,province,city,store,customer_phone\n"
    row = f"SN-IN2,TV55,{sold},370000,370100,Store 2,13800000000\n"
    assert import_sales(io.BytesIO((header + row).encode()), "second.csv")["rejected"] == []
    db.session.commit()

    tech, manager = catalogue.tech1.headers, catalogue.pm1.headers
    photo = label_photo(seed=16)
    sha256 = sha256_of(photo)
    uploaded = api.put(f"/api/sync/blobs/{sha256}", data=photo, content_type="application/octet-stream", headers=tech)
    assert uploaded.status_code in (200, 201), uploaded.get_json()
    jobs = jobs_of(2, state="on_site")
    claims, scans = [], []
    for job_id, serial in zip(jobs, ["SN-IN", "SN-IN2"], strict=True):
        scan = {"serial": serial, "source": "photo", "photo_sha256": sha256}
        scanned = api.post(f"/api/jobs/{job_id}/scans", json=scan, headers=tech)
        assert scanned.status_code == 201, scanned.get_json()
        # An honest visit but for the photo: the phone's position at arrival and the customer's code.
        checked_in(job_id)
        done = {"summary": "换主板", "confirmed_by": "王先生", "fault_code": "E01", "confirmation": confirmed(job_id)}
        assert api.post(f"/api/jobs/{job_id}/complete", json=done, headers=tech).status_code == 200
        [draft] = api.get("/api/claims/unclaimed", query_string={"job_id": job_id}, headers=manager).get_json()["items"]
        response = api.post("/api/claims", json=draft["claim"], headers=manager)
        assert response.status_code == 201, response.get_json()
        claims.append(response.get_json())
        scans.append(draft["claim"]["scan_id"])
    assert [claim["status"] for claim in claims] == ["approved", "pending_review"]
    assert [flag["code"] for flag in claims[1]["flags"]] == ["PHOTO_REUSED"]
    return {
        "first": claims[0]["id"],
        "second": claims[1]["id"],
        "first_scan": scans[0],
        "second_scan": scans[1],
        "jobs": jobs,
        "month": claims[0]["repair_date"][:7],
    }


PHOTOS_SHOWN = """(pair) => [...pair.querySelectorAll('img')].every(
    (img) => img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0)"""


def test_every_screen_in_chinese_and_a_reused_photo_beside_the_photo_it_copies(desk, make_user, reused_photo):
    auditor = make_user("auditor", username="auditor2")
    device = desk(locale="zh-CN")
    page = open_desk(device, auditor)
    page.get_by_test_id("claim-queue").wait_for()
    problems = device.inspect("audit-queue", ready=page.get_by_test_id("claim-queue"))

    # The reused photo: this claim's and the first claim's, side by side, each fetched with the sign-in.
    page.locator(f"tr[data-claim-id='{reused_photo['second']}'] [data-testid=open-claim]").click()
    case = page.locator(f"[data-testid=claim-case][data-claim-id='{reused_photo['second']}']")
    flag = case.locator("[data-testid=claim-flags] li[data-flag=PHOTO_REUSED]")
    assert flag.locator(".evidence").text_content() == device.t(
        "audit.evidence.PHOTO_REUSED.claim", claim=reused_photo["first"]
    )
    pair = flag.get_by_test_id("photo-pair")
    pair.locator("img").first.wait_for()
    assert [
        int(scan) for scan in pair.locator("img").evaluate_all("imgs => imgs.map((img) => img.dataset.scanId)")
    ] == [
        reused_photo["second_scan"],
        reused_photo["first_scan"],
    ]
    page.wait_for_function(PHOTOS_SHOWN, arg=pair.element_handle())
    boxes = [image.bounding_box() for image in pair.locator("img").all()]
    # Side by side: one row, this claim's photo on the left.
    assert boxes[0]["y"] == boxes[1]["y"]
    assert boxes[0]["x"] + boxes[0]["width"] <= boxes[1]["x"]
    # The job's timeline and the unit's sale record and jobs are on the case too.
    timeline = case.get_by_test_id("job-timeline").locator("li")
    assert timeline.first.get_attribute("data-kind") == "created"
    assert timeline.locator("strong").all_text_contents()[-1] == device.t("audit.event.complete")
    assert case.get_by_test_id("unit-jobs-table").locator(f"tr[data-job-id='{reused_photo['jobs'][1]}']").count() == 1
    photos_ready = case.get_by_test_id("claim-photos").locator("img[src^='blob:']")
    problems += device.inspect("audit-claim", ready=photos_ready)

    # A decided claim (no decision form), then the settlements: the form and list, and a statement.
    page.locator(f"tr[data-claim-id='{reused_photo['first']}'] [data-testid=open-claim]").click()
    page.locator(f"[data-testid=claim-case][data-claim-id='{reused_photo['first']}']").wait_for()
    problems += device.inspect("audit-claim-decided", ready=page.get_by_test_id("claim-case"))
    page.get_by_test_id("tab-settlements").click()
    page.get_by_test_id("settle-form").wait_for()
    problems += device.inspect("audit-settlements-empty", ready=page.get_by_test_id("settle-form"))
    form = page.get_by_test_id("settle-form")
    form.locator("select[name=provider]").select_option(label="Provider P01")
    form.locator("input[name=month]").fill(reused_photo["month"])
    form.locator("[data-action=create-settlement]").click()
    page.get_by_test_id("settlement").wait_for()
    problems += device.inspect("audit-settlement", ready=page.get_by_test_id("settlement"))

    # A month with nothing left to settle: refused in Chinese, and nothing is written.
    form = page.get_by_test_id("settle-form")
    form.locator("select[name=provider]").select_option(label="Provider P01")
    form.locator("input[name=month]").fill("2020-01")
    form.locator("[data-action=create-settlement]").click()
    page.get_by_test_id("desk-notice").get_by_text(device.t("error.nothing_to_settle")).wait_for()
    assert len(db.session.scalars(select(Settlement)).all()) == 1
    db.session.rollback()
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- old parts, lines and statements


@pytest.fixture
def returnable(claims_world, make_part):
    """Main board (BOARD) and Panel (PANEL) owe their old part to the RDC when replaced (旧件返还); Remote control
    (REMOTE, 15.00) and Power cable (CABLE, 8.00) do not."""
    ensure_fault_code("E01")
    make_part("REMOTE", name="Remote control", price_cents=1500)
    make_part("CABLE", name="Power cable", price_cents=800)
    for part_no, name in (("BOARD", "Main board"), ("PANEL", "Panel")):
        part = parts.find(part_no)
        part.name, part.return_required = name, True
    db.session.commit()


@pytest.fixture
def rdc_rejects(client, manager, make_user, auth):
    """``rdc_rejects(return_id, result, note)``: P01 ships the old part, the RDC of 370000 receives and rejects it."""
    clerk = auth(make_user("parts_clerk", username="clerk370", region_code="370000"))

    def run(return_id, result, note):
        shipped = client.post("/api/part-returns/shipments", json={"lines": [return_id]}, headers=manager("P01"))
        assert shipped.status_code == 201, shipped.get_json()
        received = client.post(f"/api/part-returns/shipments/{shipped.get_json()['id']}/receipt", headers=clerk)
        assert received.status_code == 200, received.get_json()
        found = {"result": result, "note": note, "old_serial": "PNL-OLD-1"}
        inspected = client.post(f"/api/part-returns/{return_id}/inspection", json=found, headers=clerk)
        assert inspected.status_code == 200, inspected.get_json()

    return run


def returns_of(line_id):
    """The returns a claim line stands behind: ``[(id, number, due day)]``."""
    rows = db.session.scalars(select(PartReturn).where(PartReturn.claim_line_id == line_id).order_by(PartReturn.id))
    found = [(row.id, row.number, row.due_at.date()) for row in rows]
    db.session.rollback()
    return found


def filed_with_parts(submit, serial, repair_date, parts_used, status="pending_review"):
    claim = submit(serial=serial, failure_date=repair_date, repair_date=repair_date, parts=parts_used)
    filed(claim, status)
    return claim.get_json()


@pytest.fixture
def old_parts(sell, submit, returnable, rdc_rejects):
    """A claim of P01 on SN0001 (in warranty, repaired 2025-03-03) waiting for audit, for its old parts:

    labour 35.50                                                           pending
    BOARD x2 (241.00)  its two old boards owed since 20 days, 5 days late   awaiting_return
    PANEL x1 (799.99)  its old panel rejected at the RDC as not faulty      return_rejected
    REMOTE x2 (30.00), CABLE x1 (8.00)  nothing owed                        pending

    Flagged NO_OLD_SERIAL for each of its three returns (no job recorded their serials), PART_RETURN_REJECTED,
    PART_NOT_RETURNED for each board, and OLD_PART_REUSED. ``{"id", "lines": {part_no: line id}, "returns":
    {part_no: [(id, number, due day)]}}``.
    """
    sell("SN0001")
    lines = [
        {"part_no": "BOARD", "qty": 2},
        {"part_no": "PANEL", "qty": 1},
        {"part_no": "REMOTE", "qty": 2},
        {"part_no": "CABLE", "qty": 1},
    ]
    claim = filed_with_parts(submit, "SN0001", "2025-03-03", lines)
    line_ids = {line["part_no"]: line["id"] for line in claim["parts"]}
    [(panel, _, _)] = returns_of(line_ids["PANEL"])
    rdc_rejects(panel, "not_faulty", "The panel lights up and shows a picture.")
    # The boards' returns owed since 20 days and due 5 days ago: the scheduler's sweep finds them late.
    now = utcnow()
    late = {"fitted_at": now - timedelta(days=20), "due_at": now - timedelta(days=5)}
    db.session.execute(update(PartReturn).where(PartReturn.claim_line_id == line_ids["BOARD"]).values(**late))
    db.session.commit()
    claim_returns.mark_overdue(now)
    # This world has no jobs to record old serials: the flag as the check words one found on another job's return.
    db.session.add(
        ClaimFlag(
            claim_id=claim["id"],
            code="OLD_PART_REUSED",
            message="Old part serial OB-7731 was already recorded on job J00000042: the same old part is "
            "claimed twice.",
            facts={"serial": "OB-7731", "other_return_id": panel, "other_job_id": 42, "other_job_number": "J00000042"},
        )
    )
    db.session.commit()
    return {
        "id": claim["id"],
        "lines": line_ids,
        "returns": {part_no: returns_of(line_id) for part_no, line_id in line_ids.items()},
    }


def calendar_day(day):
    """A calendar day as the English desk writes it: "Mar 3, 2025"."""
    return f"{day:%b} {day.day}, {day.year}"


def line_states(scope):
    return scope.locator("li.claim-line").evaluate_all(
        "items => items.map((item) => [item.dataset.line, item.dataset.status])"
    )


def test_an_auditor_decides_a_claim_line_by_line_beside_its_old_parts(desk, auditor, old_parts, api, auth):
    device = desk(locale="en")
    page = open_desk(device, auditor)
    claim_id, line_ids, returns = old_parts["id"], old_parts["lines"], old_parts["returns"]
    page.locator(f"tr[data-claim-id='{claim_id}'] [data-testid=open-claim]").click()
    case = page.locator(f"[data-testid=claim-case][data-claim-id='{claim_id}']")
    case.wait_for()

    # The old parts' flags, each worded from its facts.
    def said(code):
        return case.locator(f"[data-testid=claim-flags] li[data-flag={code}] .evidence").all_text_contents()

    boards, [(_, panel, _)] = returns["BOARD"], returns["PANEL"]
    assert said("NO_OLD_SERIAL") == [
        *(
            f"No serial was recorded for the old Main board (BOARD) of part return {number}: nothing ties the part "
            "sent back to this repair."
            for _, number, _ in boards
        ),
        f"No serial was recorded for the old Panel (PANEL) of part return {panel}: nothing ties the part sent back "
        "to this repair.",
    ]
    assert said("PART_NOT_RETURNED") == [
        f"The old Main board (BOARD) of part return {number} was due at the RDC of Region 370000 by "
        f"{calendar_day(due)} and has not arrived."
        for _, number, due in boards
    ]
    assert said("PART_RETURN_REJECTED") == [
        f"The RDC of Region 370000 inspected the old Panel (PANEL) of part return {panel}: not faulty. "
        "The RDC's note: The panel lights up and shows a picture."
    ]
    assert said("OLD_PART_REUSED") == [
        "Old part serial OB-7731 was already recorded on job J00000042: the same old part is claimed twice."
    ]

    # Each line with its status and its old parts; the panel, rejected at the RDC, is not the auditor's to pay.
    decision = case.get_by_test_id("decision")
    board, cable = (decision.locator(f"li[data-line='{line_ids[no]}']") for no in ("BOARD", "CABLE"))
    assert line_states(decision) == [
        ["labor", "pending"],
        [str(line_ids["BOARD"]), "awaiting_return"],
        [str(line_ids["PANEL"]), "return_rejected"],
        [str(line_ids["REMOTE"]), "pending"],
        [str(line_ids["CABLE"]), "pending"],
    ]
    assert board.locator("[data-testid=line-returns] li strong").all_text_contents() == [
        f"Return {number}" for _, number, _ in boards
    ]
    assert "overdue" in board.locator("[data-testid=return-state]").first.text_content()
    assert decision.locator(f"li[data-line='{line_ids['PANEL']}'] input").count() == 0
    # All approved: labour 35.50 with REMOTE 30.00 and CABLE 8.00 now, the boards once their old parts are in.
    assert decision.get_by_test_id("approved-amount").text_content() == "¥73.50"
    assert decision.get_by_test_id("awaiting-amount").text_content() == (
        "and ¥241.00 paid once the old parts are accepted at the RDC"
    )
    problems = device.inspect("audit-lines", ready=page.get_by_test_id("decision"))
    page.get_by_test_id("language").click()
    page.locator("[data-testid=decision] li.claim-line strong").get_by_text(device.t("audit.line.labour")).wait_for()
    problems += device.inspect("audit-lines-zh", ready=page.get_by_test_id("decision"))
    page.get_by_test_id("language").click()
    decision.get_by_text("Approved amount:").wait_for()

    # The cable rejected: the amount follows at once; without its reason nothing is sent.
    cable.locator("input[value=reject]").check()
    assert decision.get_by_test_id("approved-amount").text_content() == "¥65.50"
    decision.locator("[data-action=approve]").click()
    assert cable.locator(f"[data-error-for='line-{line_ids['CABLE']}']").text_content() == (
        "Say why this line is rejected: the provider reads the reason."
    )
    assert decisions_posted(device, claim_id) == []
    cable.locator("textarea").fill("The cable is not part of this fault")
    decision.locator("[data-action=approve]").click()
    decided = page.locator(f"[data-testid=claim-case][data-status=approved][data-claim-id='{claim_id}']")
    decided.wait_for()
    assert page.get_by_test_id("desk-notice").text_content() == (
        f"Claim {claim_id} approved: ¥65.50 to pay, and ¥241.00 once the old parts are accepted."
    )
    server = api.get(f"/api/claims/{claim_id}", headers=auth(auditor)).get_json()
    assert (server["approved_amount"], server["labor_status"]) == ("65.50", "approved")
    assert decided.get_by_test_id("claim-approved").text_content() == f"¥{server['approved_amount']}"
    assert decided.get_by_test_id("claim-awaiting").text_content() == "¥241.00"
    assert [(line["part_no"], line["status"], line["reason"]) for line in server["parts"]] == [
        ("BOARD", "awaiting_return", ""),
        ("PANEL", "return_rejected", ""),
        ("REMOTE", "approved", ""),
        ("CABLE", "rejected", "The cable is not part of this fault"),
    ]
    lines = decided.get_by_test_id("claim-lines")
    assert line_states(lines) == [
        ["labor", "approved"],
        [str(line_ids["BOARD"]), "awaiting_return"],
        [str(line_ids["PANEL"]), "return_rejected"],
        [str(line_ids["REMOTE"]), "approved"],
        [str(line_ids["CABLE"]), "rejected"],
    ]
    assert lines.locator(f"li[data-line='{line_ids['CABLE']}'] [data-testid=line-reason]").text_content() == (
        "Why: The cable is not part of this fault"
    )
    problems += device.inspect("audit-lines-decided", ready=page.get_by_test_id("claim-lines"))

    # The old parts overdue at the RDCs: the two boards.
    page.get_by_test_id("tab-returns").click()
    overdue = page.get_by_test_id("part-returns")
    overdue.wait_for()
    assert [
        int(id_) for id_ in overdue.locator("tbody tr").evaluate_all("rows => rows.map((r) => r.dataset.returnId)")
    ] == [id_ for id_, _, _ in boards]
    problems += device.inspect("audit-returns", ready=page.get_by_test_id("part-returns"))
    assert not problems, "\n".join(problems)


@pytest.fixture
def to_settle(sell, submit, returnable, rdc_rejects, client, auditor, auth):
    """P01's claims to settle, all approved, and the deductions they bring (days counted back from today, as a
    repeat repair is found among the claims of the month settled and the month before):

    first  SN0002  10 days ago  labour 35.50, REMOTE x2 (30.00)   approved at once
    again  SN0002   3 days ago  labour 35.50                      DUPLICATE_CLAIM, approved: a repeat repair,
                                                                  which gives back first's labour (35.50)
    panel  SN0003  2025-03-10   labour 35.50, PANEL x1 (799.99)   the RDC rejected its old panel as the wrong part
                                                                  (a penalty of 799.99); approved, its labour paid

    ``{name: claim id, "again_day": again's repair day, "month": this month, when the penalty arose}``.
    """
    today = local_today()
    sell("SN0002", sale_date=str(today - timedelta(days=60)))
    sell("SN0003")
    first, again = str(today - timedelta(days=10)), str(today - timedelta(days=3))
    claims = {
        "first": filed_with_parts(submit, "SN0002", first, [{"part_no": "REMOTE", "qty": 2}], "approved"),
        "again": filed_with_parts(submit, "SN0002", again, []),
        "panel": filed_with_parts(submit, "SN0003", "2025-03-10", [{"part_no": "PANEL", "qty": 1}]),
    }
    [(panel, _, _)] = returns_of(claims["panel"]["parts"][0]["id"])
    rdc_rejects(panel, "wrong_part", "A board came back, not a panel.")
    for name in ("again", "panel"):
        approved = client.post(
            f"/api/claims/{claims[name]['id']}/decision", json={"decision": "approve"}, headers=auth(auditor)
        )
        assert approved.status_code == 200, approved.get_json()
    return {
        **{name: claim["id"] for name, claim in claims.items()},
        "again_day": today - timedelta(days=3),
        "month": month_of(utcnow()),
    }


def test_an_auditor_answers_a_disputed_deduction_and_finalises_the_statement(
    desk, auditor, to_settle, api, auth, manager
):
    device = desk(locale="zh-CN")
    page = open_desk(device, auditor)
    page.get_by_test_id("tab-settlements").click()

    def make_statement():
        form = page.get_by_test_id("settle-form")
        form.locator("select[name=provider]").select_option(label="Provider P01")
        form.locator("input[name=month]").fill(to_settle["month"])
        form.locator("[data-action=create-settlement]").click()

    make_statement()
    statement = page.get_by_test_id("settlement")
    statement.wait_for()
    settlement_id = int(statement.get_attribute("data-settlement-id"))

    def shown():
        return api.get(f"/api/settlements/{settlement_id}", headers=auth(auditor)).get_json()

    # Labour 3 x 35.50 and two remotes (136.50), less the panel's penalty and the repeat repair's labour.
    row = shown()["settlement"]
    assert (row["total"], row["deductions"], row["net"]) == ("136.50", "835.49", "-698.99")
    assert statement.get_by_test_id("settlement-total").text_content() == "¥136.50"
    assert statement.get_by_test_id("settlement-net").text_content() == "−¥698.99"
    assert page.get_by_test_id("desk-notice").text_content() == device.t(
        "audit.settle.created",
        claims=device.t("audit.count.claims.other", count=3),
        lines=device.t("audit.count.lines.one", count=1),
        net="−¥698.99",
    )
    deductions = statement.locator("[data-testid=settlement-deductions-list] li[data-deduction-id]")
    assert deductions.evaluate_all("items => items.map((item) => item.dataset.rule)") == [
        "RETURN_PENALTY",
        "REPEAT_REPAIR",
    ]
    penalty, repeat = deductions.nth(0), deductions.nth(1)
    [(_, panel_return, _)] = returns_of(shown_line(to_settle["panel"]))
    assert penalty.get_by_test_id("deduction-reason").text_content() == device.t(
        "audit.deduct.returnRejected",
        province="Region 370000",
        part="Panel（PANEL）",
        number=panel_return,
        result=device.t("audit.returnResult.wrong_part"),
    )
    day = to_settle["again_day"]
    assert repeat.get_by_test_id("deduction-reason").text_content() == device.t(
        "audit.deduct.repeat", serial="SN0002", date=f"{day.year}年{day.month}月{day.day}日", claim=to_settle["again"]
    )

    # The month made again: the statement there is, said so.
    make_statement()
    page.get_by_test_id("desk-notice").get_by_text(device.t("audit.settle.exists")).wait_for()
    assert int(page.get_by_test_id("settlement").get_attribute("data-settlement-id")) == settlement_id

    # The provider disputes the penalty meanwhile; finalising is refused while the dispute waits.
    penalty_id = int(penalty.get_attribute("data-deduction-id"))
    reason = "旧件就是换下的屏，RDC 检验有误"
    disputed = api.post(
        f"/api/settlements/{settlement_id}/deductions/{penalty_id}/dispute",
        json={"reason": reason},
        headers=manager("P01"),
    )
    assert disputed.status_code == 200, disputed.get_json()
    statement.locator("[data-action=finalise]").click()
    page.get_by_test_id("desk-notice").get_by_text(device.t("error.disputes_open")).wait_for()
    penalty = statement.locator(f"li[data-deduction-id='{penalty_id}'][data-dispute=open]")
    penalty.wait_for()
    assert reason in penalty.get_by_test_id("dispute-reason").text_content()
    problems = device.inspect("audit-statement", ready=page.get_by_test_id("settlement"))
    page.get_by_test_id("language").click()
    statement.get_by_text("Net to pay").wait_for()
    problems += device.inspect("audit-statement-en", ready=page.get_by_test_id("settlement"))
    page.get_by_test_id("language").click()
    statement.get_by_text("实付金额").wait_for()

    # Reversed, with the note the provider reads: no longer withheld.
    penalty.locator("[data-action=reverse]").click()
    assert penalty.locator("[data-error-for=note]").text_content() == device.t("audit.deduct.noteRequired")
    penalty.locator("textarea[name=note]").fill("复检确认是屏，撤销扣款")
    penalty.locator("[data-action=reverse]").click()
    statement.locator(f"li[data-deduction-id='{penalty_id}'][data-dispute=reversed]").wait_for()
    assert statement.get_by_test_id("settlement-net").text_content() == "¥101.00"

    # A further deduction: an amount above nothing and a reason, or nothing is sent.
    form = statement.get_by_test_id("deduction-form")
    form.locator("input[name=amount]").fill("0")
    form.locator("[data-action=add-deduction]").click()
    assert form.locator("[data-error-for=amount]").text_content() == device.t("audit.deduct.amountRequired")
    assert form.locator("[data-error-for=reason]").text_content() == device.t("audit.deduct.reasonRequired")
    form.locator("input[name=amount]").fill("20")
    form.locator("textarea[name=reason]").fill("上门未穿工服，按协议扣款")
    form.locator("[data-action=add-deduction]").click()
    statement.locator("li[data-rule=MANUAL]").wait_for()
    assert statement.get_by_test_id("settlement-net").text_content() == "¥81.00"

    # The provider may still dispute: refused, saying until when.
    statement.locator("[data-action=finalise]").click()
    until = page.evaluate(
        "async (iso) => (await import('/js/i18n/index.js')).when(iso)", shown()["settlement"]["dispute_until"]
    )
    page.get_by_test_id("desk-notice").get_by_text(device.t("error.dispute_window_open", date=until)).wait_for()

    # Once the provider accepts it, it is final: what the server credits is what the screen said.
    accepted = api.post(f"/api/settlements/{settlement_id}/acceptance", headers=manager("P01"))
    assert accepted.status_code == 200, accepted.get_json()
    statement.locator("[data-action=finalise]").click()
    final = page.locator(f"[data-testid=settlement][data-settlement-id='{settlement_id}'][data-status=final]")
    final.wait_for()
    row = shown()["settlement"]
    assert (row["status"], row["net"]) == ("final", "81.00")
    assert page.get_by_test_id("desk-notice").text_content() == device.t("audit.settle.finalised", net="¥81.00")
    assert final.locator("[data-action=finalise], [data-testid=deduction-form]").count() == 0
    problems += device.inspect("audit-statement-final", ready=final)
    assert not problems, "\n".join(problems)


def shown_line(claim_id):
    """The id of the claim's first part line."""
    line_id = db.session.scalar(select(ClaimLine.id).where(ClaimLine.claim_id == claim_id).order_by(ClaimLine.id))
    db.session.rollback()
    return line_id
