"""The auditor's desk (索赔审核), end to end: the claim queue with its filters, a flagged claim's evidence in the
auditor's language, the decision (a double click decides once; a rejection needs a reason; a claim decided
meanwhile is explained and shown fresh), a month's settlement with its CSV, a reused label photo beside the
photo it copies, and every screen of the desk looked at in Chinese at 360 px and 1280 px.

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

from server.claims.models import Claim
from server.claims.models import Settlement
from server.extensions import db
from server.installbase.services import import_sales
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
    assert page.get_by_test_id("desk-notice").text_content() == f"Claim {march['out']} approved."
    assert len(decisions_posted(device, march["out"])) == 1
    assert stored(march["out"]) == ("approved", auditor.id, "", None)
    assert (
        page.locator(f"[data-testid=claim-queue] tr[data-claim-id='{march['out']}']").get_attribute("data-status")
        == "approved"
    )

    # March of P01: both approved claims go into the statement, and the CSV names them.
    page.get_by_test_id("tab-settlements").click()
    form = page.get_by_test_id("settle-form")
    form.locator("select[name=provider]").select_option(label="Provider P01")
    form.locator("input[name=month]").fill("2025-03")
    form.locator("[data-action=create-settlement]").click()
    statement = page.get_by_test_id("settlement")
    statement.wait_for()
    assert statement.get_by_test_id("settlement-count").text_content() == "2"
    assert statement.get_by_test_id("settlement-month").text_content() == "March 2025"
    links = statement.get_by_test_id("settlement-claims").locator("li")
    assert [int(id_) for id_ in links.evaluate_all("items => items.map((item) => item.dataset.claimId)")] == [
        march["clean"],
        march["out"],
    ]
    [settlement] = db.session.scalars(select(Settlement)).all()
    settlement_id, month, provider = settlement.id, settlement.month, settlement.provider.code
    db.session.rollback()
    assert (month, provider) == ("2025-03", "P01")
    assert stored(march["out"])[3] == settlement_id
    assert stored(march["clean"])[3] == settlement_id
    assert stored(march["ghost"])[3] is None
    # Each claim: 35.50 labour and two boards at 120.50.
    assert statement.get_by_test_id("settlement-total").text_content() == "¥553.00"
    assert page.get_by_test_id("desk-notice").text_content() == "Settlement created: 2 claims, ¥553.00."

    with page.expect_download() as caught:
        statement.locator("[data-action=download-csv]").click()
    download = caught.value
    assert download.suggested_filename == f"settlement-{settlement_id}.csv"
    with open(download.path(), encoding="utf-8-sig") as saved:
        rows = list(csv.reader(saved))
    lines = {row[0]: row for row in rows[1:] if row and row[0].isdigit()}
    assert set(lines) == {str(march["clean"]), str(march["out"])}
    assert lines[str(march["out"])][1:3] == ["SN0001", "TV55"]
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
