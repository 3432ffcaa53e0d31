"""One service day with browsers only: from the customer's call to the provider's settlement, every step taken
in the app by the person whose work it is, none through the API.

The agent finds the caller by phone and records a request for the unit they bought in Guangdong (they have since
moved to Jinan); the dispatcher dispatches it to the suggested provider; the provider manager gives it to a
technician; the technician, offline at the door, scans the label, fits the board the van carries and finds a
second board missing; the parts clerk approves and ships it; the provider manager receives it; the technician
comes back, fits it and completes; the provider manager closes the job out and claims it; the claim waits for
audit with its REGION_MISMATCH flag (the unit was sold outside the provider's area); the auditor approves it; the
month's settlement holds it. At the end the database holds each step exactly once.

The world: tests/fixtures/jobs.py and tests/fixtures/supply.py (P01 covers 370100; its stock room holds one
BOARD, the province's RDC three). On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

import io
from collections import Counter
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image
from PIL import ImageDraw
from sqlalchemy import func
from sqlalchemy import select

from server.claims.models import Claim
from server.claims.models import SettledClaim
from server.claims.models import Settlement
from server.core.clock import local_today
from server.devicesync.models import PushedOp
from server.extensions import db
from server.installbase.services import import_sales
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.jobs.models import ServiceRequest
from server.supply.models import PartUsage
from server.supply.models import Requisition
from server.supply.models import SalesOrder
from tests.fixtures.jobs import PHONE
from tests.knowledge.factories import ensure_fault_code
from tests.scanning import plates

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

SERIAL = "SN-MOVED-01"


@pytest.fixture
def moved_unit(catalogue, make_region, tmp_path):
    """Unit SERIAL, sold 60 days ago in Guangzhou to the caller of PHONE; the photo of its label."""
    make_region("440100", name="广州市", level="city", parent_code="440000")
    sold = local_today() - timedelta(days=60)
    line = f"{SERIAL},TV55,{sold},440000,440100,Store 9,{PHONE}\n"
    header = "serial,model,sale_date,province,city,store,customer_phone\n"
    result = import_sales(io.BytesIO((header + line).encode()), "moved.csv")
    assert result["rejected"] == []
    ensure_fault_code("E01", title="主板损坏")
    db.session.commit()
    picture = Image.new("L", (900, 420), 225)
    draw = ImageDraw.Draw(picture)
    for row, text in enumerate(["SANBAO TV55", "220V~ 50Hz", "SERIAL " + SERIAL]):
        draw.text((40, 30 + row * 34), text, fill=30)
    picture.paste(plates.barcode(SERIAL, zxingcpp.BarcodeFormat.Code128), (40, 180))
    label = tmp_path / "label.jpg"
    label.write_bytes(plates.jpeg_bytes(plates.capture(picture, seed=3, where=(1.2, 10, -6, 0.85))))
    return label


def read(statement):
    rows = db.session.execute(statement).all()
    db.session.rollback()
    return [tuple(row) for row in rows]


def state_of(job_id):
    return read(select(Job.state).where(Job.id == job_id))[0][0]


def test_one_service_day_from_the_call_to_the_settlement_with_browsers_only(
    desk, phone, catalogue, make_user, moved_unit
):
    auditor = make_user("auditor", username="auditor")

    # ---- The call centre (in Chinese): the caller is found by phone, the request recorded for the moved unit.
    agent = desk("zh-CN")
    agent.sign_in_at_desk(catalogue.agent)
    page = agent.page
    lookup = page.get_by_test_id("lookup")
    lookup.locator("select[name=by]").select_option("phone")
    lookup.locator("input[name=q]").fill(PHONE)
    lookup.locator("[data-action=lookup]").click()
    page.locator(f"[data-testid=units] [data-serial='{SERIAL}'] [data-action=use-unit]").click()
    form = page.get_by_test_id("request-form")
    # The form comes placed where the unit was sold; the customer lives in Jinan now.
    form.locator("select[name=city] option[value='440100']:checked").wait_for(state="attached")
    form.locator("input[name=customer_name]").fill("王先生")
    form.locator("textarea[name=fault_description]").fill("开机无图像，有声音")
    form.locator("input[name=address]").fill("幸福路 8 号 3 单元 501")
    form.locator("select[name=province] option[value='370000']").wait_for(state="attached")
    form.locator("select[name=province]").select_option("370000")
    form.locator("select[name=city] option[value='370100']").wait_for(state="attached")
    form.locator("select[name=city]").select_option("370100")
    form.locator("select[name=county] option[value='370112']").wait_for(state="attached")
    form.locator("select[name=county]").select_option("370112")
    form.locator("[data-action=record-request]").click()
    case = page.get_by_test_id("job-case")
    case.wait_for()
    job_id = int(case.get_attribute("data-job-id"))
    agent.screenshot("day-1-agent")

    # ---- Dispatch (in English): the new job, dispatched to the first provider suggested (P01 covers the city).
    dispatcher = desk("en")
    dispatcher.sign_in_at_desk(catalogue.dispatcher)
    page = dispatcher.page
    page.get_by_test_id("dispatch-board").locator(f"tr[data-job-id='{job_id}'] a").click()
    case = page.locator(f"[data-testid=job-case][data-job-id='{job_id}']")
    suggestion = case.get_by_test_id("suggestions").locator(":scope > li").first
    assert suggestion.locator("[data-action=dispatch]").get_attribute("data-provider") == "P01"
    suggestion.locator("[data-action=dispatch]").click()
    page.locator("[data-testid=job-case] [data-testid=job-state][data-state=dispatched]").wait_for()
    dispatcher.screenshot("day-2-dispatcher")

    # ---- The provider manager (in Chinese) gives it to tech1.
    manager = desk("zh-CN")
    manager.sign_in_at_desk(catalogue.pm1)
    page = manager.page
    page.get_by_test_id("waiting-jobs").locator(f"[data-job-id='{job_id}'] a").click()
    case = page.locator(f"[data-testid=job-case][data-job-id='{job_id}']")
    case.locator("select[name=technician_id]").select_option(str(catalogue.tech1.id))
    case.locator("[data-action=assign]").click()
    page.get_by_test_id("waiting-count").filter(has_text="0").wait_for()

    # ---- The technician's phone, offline at the door: scan, the board fitted, a second board missing.
    technician = phone("zh-CN")
    technician.sign_in(catalogue.tech1)
    technician.wait_for_service_worker()
    technician.open_job(job_id)
    technician.context.set_offline(True)
    technician.step("accept", "accepted")
    technician.step("arrive", "on_site")
    technician.step("scan")
    technician.page.get_by_test_id("scan-photo").set_input_files(moved_unit)
    technician.page.get_by_test_id("scan-serial").filter(has_text="").wait_for(state="attached")
    technician.until(f"() => document.querySelector('[data-testid=scan-serial]')?.value === '{SERIAL}'", "the scan")
    technician.page.get_by_test_id("scan-use").click()
    technician.page.get_by_test_id("serial").filter(has_text=SERIAL).wait_for()
    technician.parts_form("partsUsed", "BOARD", 1).locator("button[type=submit]").click()
    technician.page.locator("form[data-form=partsUsed]").wait_for(state="detached")
    technician.parts_form("partsMissing", "BOARD", 1).locator("button[type=submit]").click()
    technician.page.locator("[data-testid=job-state].state-waiting_parts").wait_for()
    assert state_of(job_id) == "dispatched", "nothing reached the server while the phone was offline"
    technician.context.set_offline(False)
    assert technician.sync()["ok"] is True
    technician.wait_pending(0)
    assert state_of(job_id) == "waiting_parts"

    # ---- The parts clerk (in English) approves the requisition and ships it from the RDC.
    clerk = desk("en")
    clerk.sign_in_at_desk(catalogue.clerk)
    page = clerk.page
    page.get_by_test_id("pending-requisitions").locator("li a").first.click()
    page.locator("[data-action=approve]").click()
    page.locator("[data-testid=requisition-status]", has_text=clerk.t("requisition.status.approved")).wait_for()
    page.locator("a.back").click()
    page.get_by_test_id("orders-to-ship").locator("[data-action=ship]").click()
    page.get_by_text(clerk.t("clerk.noneToShip")).wait_for()

    # ---- The provider manager receives the board: the job is back with its technician, parts in hand.
    page = manager.page
    page.evaluate("location.hash = '#/team/parts'")
    page.get_by_test_id("orders-to-receive").locator("[data-action=receive]").first.click()
    page.get_by_text(manager.t("team.parts.noneShipped")).wait_for()
    assert state_of(job_id) == "accepted"

    # ---- The technician comes back: the board fitted, the repair completed.
    assert technician.sync()["ok"] is True
    technician.page.locator("[data-testid=job-state].state-accepted").wait_for()
    technician.step("arrive", "on_site")
    technician.parts_form("partsUsed", "BOARD", 1).locator("button[type=submit]").click()
    technician.page.locator("form[data-form=partsUsed]").wait_for(state="detached")
    technician.step("complete")
    done = technician.page.locator("form[data-form=complete]")
    done.locator("textarea[name=summary]").fill("更换主板两块，试机正常")
    done.locator("input[name=confirmed_by]").fill("王先生")
    technician.confirm_with_signature(done)
    done.locator("button[type=submit]").click()
    technician.page.locator("[data-testid=job-state].state-completed").wait_for()
    assert technician.sync()["ok"] is True
    technician.wait_pending(0)
    technician.screenshot("day-3-technician")

    # ---- The provider manager closes the job out and claims it: it waits for audit with its flag.
    page = manager.page
    page.evaluate("location.hash = '#/team/close'")
    page.get_by_test_id("jobs-to-close").locator(f"[data-job-id='{job_id}'] [data-action=close]").click()
    page.get_by_text(manager.t("team.close.none")).wait_for()
    page.evaluate("location.hash = '#/claims'")
    page.get_by_test_id("unclaimed-jobs").locator(f"[data-job-id='{job_id}'] a").click()
    claim_form = page.locator("form.claim-form")
    assert claim_form.locator("input[name=serial]").input_value() == SERIAL
    assert claim_form.locator("[data-part-no=BOARD] input").input_value() == "2"
    claim_form.locator("input[name=fault_code]").fill("E01")
    claim_form.locator("[data-action=submit-claim]").click()
    page.locator("[data-testid=claim-status].claim-pending_review").wait_for()
    assert page.get_by_test_id("claim-flags").locator("li[data-flag=REGION_MISMATCH]").count() == 1
    manager.screenshot("day-4-claim")

    # ---- The auditor (in English) approves it and settles the month.
    audit = desk("en")
    audit.sign_in_at_desk(auditor)
    page = audit.page
    (claim_id,) = read(select(Claim.id))[0]
    page.locator(f"tr[data-claim-id='{claim_id}'] [data-testid=open-claim]").click()
    page.locator("[data-action=approve]").click()
    page.get_by_test_id("desk-notice").filter(has_text=str(claim_id)).wait_for()
    page.get_by_test_id("tab-settlements").click()
    settle = page.get_by_test_id("settle-form")
    settle.locator("select[name=provider]").select_option(label="Provider P01")
    settle.locator("input[name=month]").fill(local_today().strftime("%Y-%m"))
    settle.locator("[data-action=create-settlement]").click()
    page.get_by_test_id("settlement").get_by_test_id("settlement-count").filter(has_text="1").wait_for()
    audit.screenshot("day-5-settlement")

    # ---- Each step exactly once.
    assert read(select(func.count()).select_from(ServiceRequest)) == [(1,)]
    assert read(select(Job.id, Job.state, Job.technician_id)) == [(job_id, "closed", catalogue.tech1.id)]
    events = Counter(kind for (kind,) in read(select(JobEvent.kind).where(JobEvent.job_id == job_id)))
    for kind, times in {"dispatched": 1, "assigned": 1, "accept": 1, "arrive": 2, "scan": 1, "complete": 1}.items():
        assert events[kind] == times, (kind, events)
    assert read(select(func.sum(PartUsage.qty)).where(PartUsage.job_id == job_id)) == [(2,)]
    assert read(select(Requisition.status, Requisition.received_at.is_not(None))) == [("received", True)]
    assert read(select(func.count()).select_from(SalesOrder)) == [(1,)]
    assert read(select(PushedOp.result).distinct()) == [("applied",)]
    ((settlement_id,),) = read(select(Settlement.id))
    assert read(
        select(Claim.job_id, Claim.status, SettledClaim.settlement_id).join(
            SettledClaim, SettledClaim.claim_id == Claim.id
        )
    ) == [(job_id, "approved", settlement_id)]
