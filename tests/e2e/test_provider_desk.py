"""The provider manager's desk (网点) in a real browser: jobs given to the company's technicians, with each one's
load today; shipped parts orders received into the stock room; completed jobs closed out (核销); and the
refusals a manager meets, in their language.

The world: provider P01 with technicians tech1 and tech2, managed by pm1; P02's technician tech3; RDC-370000
holds 3 BOARD and P01's stock room 1 (tests/fixtures/jobs.py, supply.py). On PostgreSQL, with one gunicorn for
the module (tests/e2e/conftest.py).
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.parts.models import Part
from server.parts.models import StockLevel
from server.parts.models import StockMovement
from server.parts.models import Warehouse
from tests.fixtures.jobs import PHONE

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def new_job(open_job, walk, state, technician=None):
    """The id of a new job of P01 walked to ``state`` (no serial on the request: a unit has one open request)."""
    return walk(open_job(serial=None, model="TV55"), state, technician)["id"]


def shipped_order(api, catalogue, job_id, qty=2):
    """The sales order of a BOARD shortage on the job, approved and shipped by the clerk (over the API)."""
    raised = api.post(
        f"/api/jobs/{job_id}/shortages",
        json={"parts": [{"part_no": "BOARD", "qty": qty}]},
        headers=catalogue.tech1.headers,
    )
    assert raised.status_code == 201, raised.get_json()
    requisition = raised.get_json()["id"]
    approved = api.post(f"/api/requisitions/{requisition}/approve", json={}, headers=catalogue.clerk.headers)
    assert approved.status_code == 200, approved.get_json()
    orders = api.get(f"/api/sales-orders?requisition_id={requisition}", headers=catalogue.clerk.headers)
    [order] = orders.get_json()["items"]
    shipped = api.post(f"/api/sales-orders/{order['id']}/ship", headers=catalogue.clerk.headers)
    assert shipped.status_code == 200, shipped.get_json()
    return shipped.get_json()


def board_in_p01():
    """P01's stock room: BOARD on hand, and the stock ledger's receipts into it."""
    warehouse, part = (
        select(Warehouse.id).where(Warehouse.code == "PROV-P01").scalar_subquery(),
        select(Part.id).where(Part.part_no == "BOARD").scalar_subquery(),
    )
    on_hand = db.session.scalar(
        select(StockLevel.on_hand).where(StockLevel.warehouse_id == warehouse, StockLevel.part_id == part)
    )
    receipts = db.session.scalar(
        select(func.count())
        .select_from(StockMovement)
        .where(
            StockMovement.warehouse_id == warehouse, StockMovement.part_id == part, StockMovement.kind == "transfer_in"
        )
    )
    db.session.rollback()
    return on_hand, receipts


def assignments(job_id):
    """(technician id, number of assignment events) of the job, read from the database."""
    technician = db.session.scalar(select(Job.technician_id).where(Job.id == job_id))
    events = db.session.scalar(
        select(func.count())
        .select_from(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.kind.in_(("assigned", "reassigned")))
    )
    db.session.rollback()
    return technician, events


def load_of(page, technician):
    """{figure: count} of one technician's row in the team's load table."""
    row = page.get_by_test_id("team-load").locator(f"[data-technician-id='{technician.id}']")
    return {
        figure: int(row.locator(f"[data-figure={figure}]").text_content()) for figure in ("open_jobs", "assigned_today")
    }


def ok_notice(device, key, **params):
    device.page.locator("[data-testid=desk-notice].ok", has_text=device.t(key, **params)).wait_for()


def test_a_manager_assigns_receives_parts_and_closes_out_in_chinese(api, desk, catalogue, open_job, walk):
    catalogue.tech1.display_name = "王师傅"
    db.session.commit()
    waiting = new_job(open_job, walk, "dispatched")
    short = new_job(open_job, walk, "on_site")
    order = shipped_order(api, catalogue, short)
    completed = new_job(open_job, walk, "completed")
    number = db.session.scalar(select(Job.number).where(Job.id == waiting))
    db.session.rollback()

    manager = desk()
    manager.sign_in_at_desk(catalogue.pm1)
    page = manager.page
    # The manager's home is the team desk: the dispatched job waits for a technician.
    page.get_by_test_id("waiting-jobs").locator(f"[data-job-id='{waiting}'] a").click()
    case = page.locator(f"[data-testid=job-case][data-job-id='{waiting}']")
    case.wait_for()
    # The customer's phone as provider staff are shown it, and no relay here: nothing to dial.
    assert case.get_by_test_id("customer-phone").text_content() == "*******" + PHONE[-4:]
    assert PHONE not in page.content()
    assert case.locator("a[href^='tel:']").count() == 0
    case.locator("select[name=technician_id]").select_option(str(catalogue.tech1.id))
    # A double click on Assign gives the job once.
    case.locator("[data-action=assign]").dblclick()
    ok_notice(manager, "team.assigned", number=number, name="王师傅")
    assert page.get_by_test_id("job-technician").text_content() == "王师傅"
    assert assignments(waiting) == (catalogue.tech1.id, 1)
    assert page.get_by_test_id("waiting-count").text_content() == "0"
    manager.screenshot("team-assigned")

    # The parts shipped for the other job: received once, however often the button is pressed.
    assert board_in_p01() == (1, 0)
    page.locator("a[data-tab=parts]").click()
    row = page.get_by_test_id("orders-to-receive").locator(f"[data-order-id='{order['id']}']")
    row.get_by_role("button", name=manager.t("team.parts.receive")).dblclick()
    ok_notice(manager, "team.parts.done", number=order["number"], count=2)
    page.get_by_text(manager.t("team.parts.noneShipped")).wait_for()
    assert page.get_by_test_id("orders-received").locator(f"[data-order-id='{order['id']}']").count() == 1
    assert board_in_p01() == (3, 1)
    manager.screenshot("team-parts-received")

    # The completed job (scanned and recorded on the phone) is closed out.
    page.locator("a[data-tab=close]").click()
    page.get_by_test_id("jobs-to-close").locator(f"[data-job-id='{completed}'] [data-action=close]").click()
    page.get_by_text(manager.t("team.close.none")).wait_for()
    state = db.session.scalar(select(Job.state).where(Job.id == completed))
    db.session.rollback()
    assert state == "closed"


def test_reassigning_moves_the_load_and_refusals_are_explained_in_english(api, desk, catalogue, open_job, walk):
    job = new_job(open_job, walk, "accepted")
    unscanned = new_job(open_job, walk, "on_site")
    done = api.post(
        f"/api/jobs/{unscanned}/complete",
        json={"summary": "换主板", "confirmed_by": "王先生"},
        headers=catalogue.tech1.headers,
    )
    assert done.status_code == 200, done.get_json()

    manager = desk(locale="en")
    manager.sign_in_at_desk(catalogue.pm1)
    page = manager.page
    page.get_by_test_id("jobs-in-progress").locator(f"[data-job-id='{job}'] a").click()
    case = page.locator(f"[data-testid=job-case][data-job-id='{job}']")
    case.wait_for()
    # tech1 was given both jobs today and holds the accepted one open (the completed one is no load now).
    assert load_of(page, catalogue.tech1) == {"open_jobs": 1, "assigned_today": 2}
    assert load_of(page, catalogue.tech2) == {"open_jobs": 0, "assigned_today": 0}
    case.locator("select[name=technician_id]").select_option(str(catalogue.tech2.id))
    case.get_by_role("button", name=manager.t("team.reassign")).click()
    ok_notice(manager, "team.assigned", number=db_number(job), name="tech2")
    assert load_of(page, catalogue.tech1) == {"open_jobs": 0, "assigned_today": 1}
    assert load_of(page, catalogue.tech2) == {"open_jobs": 1, "assigned_today": 1}
    last = page.get_by_test_id("timeline").locator("li").last
    assert last.locator(".what").text_content() == manager.t("team.event.reassigned", name="tech2")
    assert last.locator(".who").text_content() == manager.t("team.by", name="pm1")
    manager.screenshot("team-reassigned")

    # A stale screen: the dispatcher gave the job back to tech1 meanwhile; the screen still offers tech1.
    moved = api.post(
        f"/api/jobs/{job}/assign", json={"technician_id": catalogue.tech1.id}, headers=catalogue.dispatcher.headers
    )
    assert moved.status_code == 200, moved.get_json()
    case.get_by_role("button", name=manager.t("team.reassign")).click()
    notice = page.locator("[data-testid=desk-notice].error")
    notice.wait_for()
    assert notice.text_content() == f"{manager.t('error.already_assigned')} {manager.t('desk.reloaded')}"
    page.get_by_test_id("job-technician").filter(has_text="tech1").wait_for()
    assert load_of(page, catalogue.tech1) == {"open_jobs": 1, "assigned_today": 2}

    # Someone who is not the company's technician (a list tampered with, or out of date): refused, nothing moves.
    case.locator("select[name=technician_id] option").first.evaluate(
        "(option, id) => (option.value = id)", catalogue.tech3.id
    )
    case.locator("select[name=technician_id]").select_option(str(catalogue.tech3.id))
    case.get_by_role("button", name=manager.t("team.reassign")).click()
    page.locator("[data-testid=desk-notice].error", has_text=manager.t("team.error.technician")).wait_for()
    assert assignments(job) == (catalogue.tech1.id, 3)

    # A warranty job completed without a barcode scan of its serial cannot be closed out: what is missing, and
    # what to do about it.
    page.locator("a[data-tab=close]").click()
    page.get_by_test_id("jobs-to-close").locator(f"[data-job-id='{unscanned}'] [data-action=close]").click()
    missing = manager.t("team.close.missing.scan")
    page.locator(
        "[data-testid=desk-notice].error",
        has_text=manager.t("team.close.incomplete", number=db_number(unscanned), missing=missing),
    ).wait_for()
    state = db.session.scalar(select(Job.state).where(Job.id == unscanned))
    db.session.rollback()
    assert state == "completed"


def db_number(job_id):
    number = db.session.scalar(select(Job.number).where(Job.id == job_id))
    db.session.rollback()
    return number


def test_every_screen_of_the_desk_reads_well_in_english(api, desk, catalogue, open_job, walk, make_user):
    make_user("technician", username="tech9", display_name="Zhang Wei", provider_code="P01")
    waiting = new_job(open_job, walk, "dispatched")
    working = new_job(open_job, walk, "on_site")
    shipped_order(api, catalogue, working, qty=1)
    received = shipped_order(api, catalogue, working, qty=1)
    assert api.post(f"/api/sales-orders/{received['id']}/receive", headers=catalogue.pm1.headers).status_code == 200
    new_job(open_job, walk, "completed")
    theirs = new_job(open_job, walk, "assigned", catalogue.tech3)

    manager = desk(locale="en")
    manager.sign_in_at_desk(catalogue.pm1)
    page = manager.page
    problems = []
    # The claim desk and the stock and account (the last two tabs) are looked at by tests/e2e/test_screens.py.
    screens = [
        ("team", "#/team", page.get_by_test_id("team-load")),
        ("team-waiting-job", f"#/team/job/{waiting}", page.locator(f"[data-testid=job-case][data-job-id='{waiting}']")),
        ("team-job-in-progress", f"#/team/job/{working}", page.get_by_test_id("timeline")),
        ("team-job-not-ours", f"#/team/job/{theirs}", page.get_by_test_id("job-gone")),
        ("team-parts", "#/team/parts", page.get_by_test_id("orders-received")),
        ("team-close", "#/team/close", page.get_by_test_id("jobs-to-close")),
    ]
    for name, address, ready in screens:
        page.evaluate("(address) => { location.hash = address; }", address)
        ready.wait_for()
        problems += manager.inspect(name, ready=ready)
    assert problems == [], "\n".join(problems)
