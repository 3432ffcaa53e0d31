"""The dispatcher's board, end to end: new jobs with their SLA clocks, late and escalated ones first; a job
dispatched to the suggested provider (a double click dispatches once); a stale screen's dispatch refused and
explained, the fresh state shown; a job cancelled with a reason; duty on and off; and every screen of the desk
looked at in Chinese, the phones' entries that the server could not apply among them.

The world: county 370112 (SLA: contact within 4 h) in city 370100, covered by providers P01 (tech1, tech2) and
P02 (tech3); ``dispatcher`` works for the whole country (tests/fixtures/jobs.py). On PostgreSQL, with one
gunicorn for the module (tests/fixtures/browser.py).
"""

import re
import uuid
from datetime import UTC
from datetime import datetime

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import JobEvent
from server.users.models import User

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def read(statement):
    """One value from the database as the server left it (the test's session sees the server's commits)."""
    value = db.session.execute(statement).one()
    db.session.rollback()
    return tuple(value)


def dispatched_events(job_id):
    kinds = ("dispatched", "redispatched")
    return read(select(func.count()).select_from(JobEvent).where(JobEvent.job_id == job_id, JobEvent.kind.in_(kinds)))[
        0
    ]


def open_board(desk, user, locale):
    device = desk(locale)
    device.sign_in_at_desk(user)
    device.page.get_by_test_id("dispatch-desk").wait_for()
    return device


def open_case(device, job_id):
    page = device.page
    page.get_by_test_id("dispatch-board").locator(f"tr[data-job-id='{job_id}'] a").click()
    page.locator(f"[data-testid=job-case][data-job-id='{job_id}']").wait_for()
    return page.get_by_test_id("job-case")


def test_a_new_job_is_dispatched_to_the_suggested_provider_once_and_leaves_the_new_list(desk, api, catalogue, open_job):
    job = open_job(serial=None)
    escalated = open_job(serial=None)
    answer = api.post(
        f"/api/jobs/{escalated['id']}/escalate", json={"reason": "客户第三次来电"}, headers=catalogue.agent.headers
    )
    assert answer.status_code == 200, answer.get_json()

    device = open_board(desk, catalogue.dispatcher, "en")
    page = device.page
    board = page.get_by_test_id("dispatch-board")
    # The escalated job comes first though its deadline is later; each row has its SLA clock.
    assert board.locator("tbody tr").first.get_attribute("data-job-id") == str(escalated["id"])
    clock = board.locator(f"tr[data-job-id='{job['id']}'] [data-clock]")
    assert re.fullmatch(r"Contact: 3 h \d{1,2} min left", clock.text_content()), clock.text_content()
    assert clock.get_attribute("data-due") == job["sla"]["contact_due_at"]

    # Duty: switched on from the board's head, as the server keeps it.
    duty = page.get_by_test_id("duty")
    assert duty.get_attribute("aria-checked") == "false"
    duty.click()
    page.locator("[data-testid=duty][aria-checked=true]").wait_for()
    assert read(select(User.on_duty).where(User.id == catalogue.dispatcher.id)) == (True,)

    # Only the new jobs, then the job's case: the suggested provider first, with why.
    page.get_by_test_id("filter-show").select_option("new")
    page.locator("[data-testid=board][data-view=new]").wait_for()
    case = open_case(device, job["id"])
    suggestions = case.get_by_test_id("suggestions").locator(":scope > li")
    assert suggestions.first.get_attribute("data-provider") == "P01"
    assert device.t("dispatch.suggested") in suggestions.first.text_content()
    assert device.t("dispatch.why.load", technicians=2, jobs=0, load="0.0") in suggestions.first.text_content()
    device.screenshot("dispatch-case-en")

    suggestions.first.locator("[data-action=dispatch]").dblclick()
    page.locator("[data-testid=job-case] [data-testid=job-state][data-state=dispatched]").wait_for()
    notice = page.get_by_test_id("desk-notice")
    assert notice.text_content() == device.t("dispatch.dispatched", number=job["number"], provider="Provider P01")
    # The job left the list of new jobs beside it.
    assert board.locator(f"tr[data-job-id='{job['id']}']").count() == 0

    assert read(select(Job.state, Job.version).where(Job.id == job["id"]))[0] == "dispatched"
    assert dispatched_events(job["id"]) == 1
    provider = read(select(Job.provider_id).where(Job.id == job["id"]))[0]
    assert provider == catalogue.tech1.provider_id


def test_a_stale_screens_dispatch_is_refused_explained_and_the_fresh_state_shown(desk, api, catalogue, open_job):
    job = open_job(serial=None)
    device = open_board(desk, catalogue.dispatcher, "en")
    page = device.page
    case = open_case(device, job["id"])
    case.get_by_test_id("suggestions").locator("[data-action=dispatch]").first.wait_for()

    # Meanwhile another dispatcher gives the job to P02.
    answer = api.post(f"/api/jobs/{job['id']}/dispatch", json={"provider_code": "P02"}, headers=catalogue.admin.headers)
    assert answer.status_code == 200, answer.get_json()

    case.locator("[data-action=dispatch][data-provider=P01]").click()
    notice = page.get_by_test_id("desk-notice")
    notice.filter(has_text=device.t("desk.reloaded")).wait_for()
    assert notice.text_content() == f"{device.t('error.job_changed')} {device.t('desk.reloaded')}"
    assert notice.get_attribute("role") == "alert"
    # The fresh state: with P02 now, offered to move elsewhere only with a reason.
    page.locator("[data-testid=job-case] [data-testid=job-state][data-state=dispatched]").wait_for()
    facts = page.get_by_test_id("job-facts").text_content()
    assert "Provider P02" in facts
    assert page.get_by_test_id("reassign-reason").count() == 1

    assert read(select(Job.state).where(Job.id == job["id"])) == ("dispatched",)
    assert dispatched_events(job["id"]) == 1


def test_a_job_is_escalated_and_cancelled_each_only_with_a_reason(desk, catalogue, open_job):
    job = open_job(serial=None)
    device = open_board(desk, catalogue.dispatcher, "en")
    page = device.page
    case = open_case(device, job["id"])

    case.locator("[data-action=cancel]").click()
    notice = page.get_by_test_id("desk-notice")
    assert notice.text_content() == device.t("error.field.reason")
    assert read(select(Job.state).where(Job.id == job["id"])) == ("new",)

    # Escalated to the duty manager: nobody is on duty, so every dispatcher of the area.
    case.get_by_test_id("escalate-reason").fill("客户投诉两次")
    case.locator("[data-action=escalate]").click()
    page.locator("[data-testid=job-case] .badge.escalated").wait_for()
    assert notice.text_content() == device.t("dispatch.escalatedTo", number=job["number"], people="dispatcher")
    assert read(select(Job.escalated_at.is_not(None)).where(Job.id == job["id"])) == (True,)

    case.get_by_test_id("cancel-reason").fill("客户已自行修好")
    case.locator("[data-action=cancel]").click()
    page.locator("[data-testid=job-case] [data-testid=job-state][data-state=cancelled]").wait_for()
    assert notice.text_content() == device.t("dispatch.cancelled", number=job["number"])
    assert device.t("dispatch.cancelReason") in page.get_by_test_id("job-facts").text_content()
    # Gone from the board of jobs waiting for dispatch.
    assert page.get_by_test_id("dispatch-board").locator(f"tr[data-job-id='{job['id']}']").count() == 0
    assert read(select(Job.state, Job.cancel_reason).where(Job.id == job["id"])) == ("cancelled", "客户已自行修好")


def push(api, user, job_id, op_type, payload):
    """One op from a technician's phone, as its sync sends it; the result the server kept."""
    body = {
        "client_id": f"phone-{uuid.uuid4().hex[:12]}",
        "schema_version": 1,
        "ops": [
            {
                "op_id": str(uuid.uuid4()),
                "seq": 1,
                "type": op_type,
                "entity_id": str(job_id),
                "payload": payload,
                "client_time": datetime.now(UTC).isoformat(),
            }
        ],
    }
    answer = api.post("/api/sync/push", json=body, headers=user.headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["results"][0]


def test_every_screen_of_the_dispatch_desk_in_chinese(desk, api, catalogue, open_job, walk):
    waiting = open_job(serial=None)
    moved = walk(open_job(serial=None), "assigned", catalogue.tech1)
    # The job moves to P02 while tech1's phone is offline; the phone's acceptance then conflicts.
    answer = api.post(
        f"/api/jobs/{moved['id']}/dispatch",
        json={"provider_code": "P02", "note": "P01 人手不足"},
        headers=catalogue.dispatcher.headers,
    )
    assert answer.status_code == 200, answer.get_json()
    assert push(api, catalogue.tech1, moved["id"], "job.contact", {"note": "约了明天上午"})["result"] == "conflict"

    device = open_board(desk, catalogue.dispatcher, "zh-CN")
    page = device.page
    problems = device.inspect("dispatch-board", ready=page.get_by_test_id("dispatch-board"))

    # The filters live in the address: no job of the open ones has missed a deadline.
    page.get_by_test_id("filter-show").select_option("open")
    page.locator("[data-testid=board][data-view=open]").wait_for()
    page.get_by_test_id("filter-overdue").check()
    page.get_by_test_id("board-empty").wait_for()
    assert page.evaluate("location.hash") == "#/dispatch?show=open&overdue=1"
    page.get_by_test_id("filter-overdue").uncheck()
    page.get_by_test_id("dispatch-board").wait_for()

    case = open_case(device, waiting["id"])
    case.get_by_test_id("suggestions").wait_for()
    problems += device.inspect("dispatch-case-new", ready=page.get_by_test_id("suggestions"))

    case = open_case(device, moved["id"])
    case.get_by_test_id("phone-entries").wait_for()
    assert device.t("dispatch.advice.moved") in case.get_by_test_id("phone-entries").text_content()
    problems += device.inspect("dispatch-case-moved", ready=page.get_by_test_id("phone-entries"))

    page.get_by_test_id("tab-conflicts").click()
    entries = page.get_by_test_id("phone-entries")
    entries.wait_for()
    assert entries.locator("li[data-result=conflict]").count() == 1
    assert "约了明天上午" in entries.text_content()
    problems += device.inspect("dispatch-conflicts", ready=entries)

    # The entry links to its job, by the number people know it by.
    link = entries.get_by_test_id("op-job")
    assert link.text_content() == device.t("dispatch.openJob", number=moved["number"])
    link.click()
    page.locator(f"[data-testid=job-case][data-job-id='{moved['id']}']").wait_for()
    assert not problems, "\n".join(problems)
