"""The call-centre agent's desk (坐席), end to end: a caller found by phone, a request recorded for their unit and
followed on its job ("where is my technician"), a complaint, the open-request guard, a callback worked from the
queue, and every screen of the desk looked at as its users would.

The world (tests/fixtures/jobs.py): phone 13800000000 bought SN-IN (TV55, 30 days ago, in warranty) and SN-OLD
(800 days ago: whole unit out, main parts in) in city 370100; county 370112 lies in it; P01 and P02 cover the
city. On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import CallbackAttempt
from server.care.models import Complaint
from server.care.services import reminders
from server.core.clock import local_today
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from tests.fixtures.jobs import PHONE

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


def count(model):
    counted = db.session.scalar(select(func.count()).select_from(model))
    db.session.rollback()
    return counted


def look_up(page, value, by="phone"):
    lookup = page.get_by_test_id("lookup")
    lookup.locator("select[name=by]").select_option(by)
    lookup.locator("input[name=q]").fill(value)
    lookup.locator("[data-action=lookup]").click()


def walk_on(api, catalogue, job_id, appointment_at):
    """The dispatcher gives the job to P01 and tech1, who takes it and books the visit (as the phone would)."""
    steps = [
        ("dispatch", {"provider_code": "P01"}, catalogue.dispatcher),
        ("assign", {"technician_id": catalogue.tech1.id}, catalogue.dispatcher),
        ("accept", {}, catalogue.tech1),
        ("contact", {"appointment_at": appointment_at.isoformat()}, catalogue.tech1),
    ]
    for step, body, who in steps:
        answer = api.post(f"/api/jobs/{job_id}/{step}", json=body, headers=who.headers)
        assert answer.status_code == 200, answer.get_json()


def test_an_agent_finds_a_caller_records_a_request_and_follows_its_job(desk, api, catalogue):
    agent = desk("zh-CN")
    agent.sign_in_at_desk(catalogue.agent)
    page = agent.page
    page.get_by_test_id("agent-start").wait_for()
    assert page.url.endswith("#/calls")

    # The caller by their phone: both units, each with its warranty today.
    look_up(page, PHONE)
    units = page.get_by_test_id("units")
    units.locator("[data-serial=SN-IN] .warranty-in").wait_for()
    # Sold 800 days ago: the whole unit is out of warranty, its main parts (36 months) still covered.
    assert units.locator("[data-serial=SN-OLD] .warranty-partial").count() == 1
    assert page.get_by_test_id("caller-phone").text_content() == PHONE

    # A request for the unit in warranty: its serial, and the city it was sold in, come with the unit.
    units.locator("[data-serial=SN-IN] [data-action=use-unit]").click()
    form = page.get_by_test_id("request-form")
    form.locator("select[name=city] option[value='370100']:checked").wait_for(state="attached")
    assert form.locator("input[name=serial]").input_value() == "SN-IN"
    form.locator("input[name=customer_name]").fill("王先生")
    form.locator("textarea[name=fault_description]").fill("开机无图像，有声音")
    form.locator("input[name=address]").fill("幸福路 8 号 3 单元 501")
    form.locator("select[name=county] option[value='370112']").wait_for(state="attached")
    form.locator("select[name=county]").select_option("370112")
    form.locator("[data-action=record-request]").dblclick()

    case = page.get_by_test_id("job-case")
    case.wait_for()
    requests = db.session.scalars(select(ServiceRequest)).all()
    jobs = db.session.scalars(select(Job)).all()
    assert len(requests) == 1, "a double click records one request"
    assert len(jobs) == 1
    (request,), (job,) = requests, jobs
    assert (request.serial, request.customer_phone, request.customer_name, request.region.code, request.channel) == (
        "SN-IN",
        PHONE,
        "王先生",
        "370112",
        "phone",
    )
    assert (job.state, job.job_type) == ("new", "warranty")
    job_id, job_number, request_number = job.id, job.number, request.number
    db.session.rollback()
    assert case.get_attribute("data-job-id") == str(job_id)
    recorded = agent.t("agent.recorded", request=request_number, job=job_number)
    assert page.get_by_test_id("desk-notice").text_content() == recorded
    assert page.get_by_test_id("job-state").get_attribute("data-state") == "new"
    created = page.get_by_test_id("timeline").locator("li[data-kind=created] span").text_content()
    assert created == agent.t("agent.event.created", actor="agent", channel=agent.t("agent.channel.phone"))

    # The customer calls back: where is the technician? The provider, the technician and the booked visit.
    appointment = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
    walk_on(api, catalogue, job_id, appointment)
    page.reload()
    page.get_by_test_id("job-case").wait_for()
    assert page.get_by_test_id("job-provider").text_content() == "Provider P01"
    assert page.get_by_test_id("job-technician").text_content() == "tech1"
    assert page.get_by_test_id("job-state").get_attribute("data-state") == "accepted"
    booked = page.get_by_test_id("job-appointment").text_content()
    assert page.get_by_test_id("job-tell").text_content() == agent.t(
        "agent.tell.booked", provider="Provider P01", technician="tech1", appointment=booked
    )
    timeline = page.get_by_test_id("timeline").locator("li")
    assert [timeline.nth(n).get_attribute("data-kind") for n in range(timeline.count())] == [
        "contact",
        "accept",
        "assigned",
        "dispatched",
        "created",
    ]
    dispatched = page.get_by_test_id("timeline").locator("li[data-kind=dispatched] span").text_content()
    assert dispatched == agent.t("agent.event.dispatched", actor="dispatcher", provider="Provider P01")
    agent.screenshot("agent-job-booked")

    # The customer is unhappy with the wait: a complaint against the job.
    complaint = page.get_by_test_id("complaint-form")
    complaint.locator("summary").click()
    complaint.locator("select[name=category]").select_option("late_visit")
    complaint.locator("textarea[name=description]").fill("约好的时间太晚了")
    complaint.locator("[data-action=record-complaint]").click()
    page.get_by_test_id("complaints").locator("li[data-category=late_visit]").wait_for()
    (recorded,) = db.session.scalars(select(Complaint)).all()
    assert (recorded.job_id, recorded.channel, recorded.category, recorded.description) == (
        job_id,
        "phone",
        "late_visit",
        "约好的时间太晚了",
    )
    number = recorded.number
    db.session.rollback()
    assert number in page.get_by_test_id("desk-notice").text_content()


def test_a_second_request_for_a_unit_with_an_open_one_is_refused_with_a_link_to_the_open_job(
    desk, api, catalogue, open_job
):
    first = open_job()  # SN-IN has an open request: a new job in county 370112
    agent = desk("en")
    agent.sign_in_at_desk(catalogue.agent)
    page = agent.page
    look_up(page, "SN-IN", by="serial")
    form = page.get_by_test_id("request-form")
    # The caller is on record: the request starts from their address and county, and the unit looked up.
    form.locator("select[name=county] option[value='370112']:checked").wait_for(state="attached")
    assert form.locator("input[name=serial]").input_value() == "SN-IN"
    assert form.locator("input[name=address]").input_value() == "幸福路 8 号"
    # The unit's card says so before anything is typed.
    assert page.get_by_test_id("unit-open-job").text_content() == agent.t("agent.openJob", number=first["number"])

    # Nothing typed about the fault: the form says what is missing and sends nothing.
    submit = form.locator("[data-action=record-request]")
    submit.click()
    assert form.locator("[data-error-for=fault_description]").text_content() == agent.t("agent.form.required")

    # What only the server knows: the install base has this serial as another model.
    form.locator("textarea[name=fault_description]").fill("No picture")
    form.locator("input[name=model]").fill("TV-NOPE")
    submit.click()
    form.locator("[data-error-for=model]", has_text=agent.t("agent.invalid.model")).wait_for()

    # Sent as it should be, the open request stands in the way: a link to its job, and no second request.
    form.locator("input[name=model]").fill("")
    submit.click()
    duplicate = page.get_by_test_id("duplicate")
    duplicate.wait_for()
    assert first["number"] in duplicate.text_content()
    assert agent.t("job.state.new") in duplicate.text_content()
    link = page.get_by_test_id("open-request-link")
    assert link.text_content() == agent.t("agent.duplicateLink", job=first["number"])
    agent.screenshot("agent-duplicate")
    assert count(ServiceRequest) == 1
    assert count(Job) == 1
    link.click()
    page.locator(f"[data-testid=job-case][data-job-id='{first['id']}']").wait_for()

    # The customer cancels, but the dispatcher cancelled the job meanwhile: the stale screen is told so in the
    # agent's language, and shows the job as it is now.
    cancel = page.get_by_test_id("cancel-form")
    cancel.locator("summary").click()
    cancel.locator("textarea[name=reason]").fill("The customer fixed it himself")
    dispatcher = catalogue.dispatcher.headers
    elsewhere = api.post(f"/api/jobs/{first['id']}/cancel", json={"reason": "重复报修"}, headers=dispatcher)
    assert elsewhere.status_code == 200, elsewhere.get_json()
    cancel.locator("[data-action=cancel]").click()
    page.locator("[data-testid=job-state][data-state=cancelled]").wait_for()
    told = page.get_by_test_id("desk-notice").text_content()
    assert told == f"{agent.t('error.illegal_transition')} {agent.t('desk.reloaded')}"
    assert page.get_by_test_id("cancel-form").count() == 0
    assert db.session.scalar(select(Job.cancel_reason).where(Job.id == first["id"])) == "重复报修"
    db.session.rollback()


def test_a_callback_is_worked_from_the_queue(desk, api, catalogue, open_job, walk):
    job = walk(open_job(), "completed", catalogue.tech1)
    opened = api.post("/api/callbacks", json={"job_id": job["id"]}, headers=catalogue.agent.headers)
    assert opened.status_code == 201, opened.get_json()
    callback_id = opened.get_json()["id"]

    agent = desk("zh-CN")
    agent.sign_in_at_desk(catalogue.agent)
    page = agent.page
    page.get_by_test_id("callback-queue").locator(f"[data-callback-id='{callback_id}'] a").click()
    form = page.get_by_test_id("attempt-form")
    submit = form.locator("[data-action=record-attempt]")
    submit.click()
    assert form.locator("[data-error-for=outcome]").text_content() == agent.t("agent.attempt.chooseOutcome")

    form.locator("input[value=reached]").check()
    form.locator("select[name=timeliness]").select_option("5")
    form.locator("select[name=attitude]").select_option("4")
    form.locator("select[name=quality]").select_option("2")
    form.locator("textarea[name=comments]").fill("师傅很好，但电视偶尔还会黑屏")
    submit.dblclick()
    page.locator("[data-testid=callback-status][data-status=reached]").wait_for()

    attempts = db.session.scalars(select(CallbackAttempt)).all()
    assert [(a.reached, a.timeliness, a.attitude, a.quality) for a in attempts] == [(True, 5, 4, 2)]
    callback = db.session.get(Callback, callback_id)
    assert (callback.status, callback.quality) == ("reached", 2)
    # The low quality score opened a complaint about the repair, linked to the callback.
    (complaint,) = db.session.scalars(select(Complaint)).all()
    assert (complaint.callback_id, complaint.category, complaint.channel) == (callback_id, "repair_quality", "callback")
    number = complaint.number
    db.session.rollback()
    assert page.get_by_test_id("desk-notice").text_content() == agent.t("agent.attempt.savedComplaint", number=number)
    # Worked: it has left the queue of callbacks to make now.
    assert page.get_by_test_id("callback-queue").count() == 0
    assert page.get_by_test_id("attempts").locator("li[data-reached=true]").count() == 1


def test_every_screen_of_the_agent_desk_reads_well_at_both_widths(desk, api, catalogue, open_job, walk):
    # A caller with history: a job under way with a booked visit, and a completed job whose callback is due.
    under_way = open_job()
    walk_on(api, catalogue, under_way["id"], datetime.now(UTC) + timedelta(days=2))
    done = walk(open_job(serial="SN-OLD"), "completed", catalogue.tech1)
    assert api.post("/api/callbacks", json={"job_id": done["id"]}, headers=catalogue.agent.headers).status_code == 201
    # A care reminder of the caller's, due today and raised as the scheduler would.
    found = api.get("/api/customers", query_string={"phone": PHONE}, headers=catalogue.agent.headers).get_json()
    reminder = {"kind": "filter_change", "due_on": local_today().isoformat(), "note": "Remind about the filter"}
    path = f"/api/customers/{found['customer']['id']}/reminders"
    set_ = api.post(path, json=reminder, headers=catalogue.agent.headers)
    assert set_.status_code == 201, set_.get_json()
    assert reminders.raise_due_reminders() == 1
    db.session.commit()

    agent = desk("en")
    agent.sign_in_at_desk(catalogue.agent)
    page = agent.page
    problems = []
    page.get_by_test_id("care-queue").wait_for()
    problems += agent.inspect("agent-home", ready=page.get_by_test_id("callback-queue"))

    look_up(page, PHONE)
    page.get_by_test_id("units").wait_for()
    problems += agent.inspect("agent-caller", ready=page.get_by_test_id("history"))

    look_up(page, "13912345678")
    page.get_by_test_id("new-caller").wait_for()
    problems += agent.inspect("agent-new-caller", ready=page.get_by_test_id("request-form"))

    page.goto(f"/#/calls/job/{under_way['id']}")
    page.get_by_test_id("job-case").wait_for()
    page.get_by_test_id("complaint-form").locator("summary").click()
    problems += agent.inspect("agent-job", ready=page.get_by_test_id("timeline"))

    page.get_by_test_id("callback-queue").locator("tbody a").first.click()
    form = page.get_by_test_id("attempt-form")
    form.locator("input[value=reached]").check()
    form.locator("input[name=complains]").check()
    problems += agent.inspect("agent-callback", ready=form)

    page.get_by_test_id("care-queue").locator("tbody a").first.click()
    page.get_by_test_id("care-case").wait_for()
    problems += agent.inspect("agent-care", ready=page.get_by_test_id("care-case"))
    page.get_by_test_id("care-case").locator("[data-action=care-done]").click()
    page.get_by_text(agent.t("agent.care.none")).wait_for()
    assert agent.t("agent.care.saved") == page.get_by_test_id("desk-notice").text_content()
    assert not problems, "\n".join(problems)


def test_the_agent_sees_the_callers_service_cards_and_a_units_card_on_its_warranty_line(desk, api, catalogue):
    today = local_today()
    cards = [
        # SN-OLD is out of its factory warranty: an extended warranty for the caller covers it.
        {
            "number": "EW-0001",
            "card_type": "extended_warranty",
            "coverage": "whole_unit",
            "starts_on": (today - timedelta(days=30)).isoformat(),
            "ends_on": (today + timedelta(days=700)).isoformat(),
            "serials": ["SN-OLD"],
            "phones": [PHONE, "13900000077"],
        },
        # An ended service contract on the main board of SN-IN.
        {
            "number": "SC-0002",
            "card_type": "service_contract",
            "coverage": "parts",
            "starts_on": (today - timedelta(days=400)).isoformat(),
            "ends_on": (today - timedelta(days=35)).isoformat(),
            "serials": ["SN-IN"],
            "phones": [PHONE],
            "parts": ["BOARD"],
        },
    ]
    for card in cards:
        made = api.post("/api/cards", json=card, headers=catalogue.admin.headers)
        assert made.status_code == 201, made.get_json()

    problems = []
    for locale in ("zh-CN", "en"):
        agent = desk(locale)
        agent.sign_in_at_desk(catalogue.agent)
        page = agent.page
        look_up(page, PHONE)
        listed = page.get_by_test_id("card-list")
        listed.wait_for()
        old = page.get_by_test_id("units").locator("li[data-serial='SN-OLD']")
        on_line = old.get_by_test_id("unit-card").text_content()
        assert "EW-0001" in on_line
        assert agent.t("agent.card.type.extended_warranty") in on_line
        assert page.get_by_test_id("units").locator("li[data-serial='SN-IN']").get_by_test_id("unit-card").count() == 0
        states = {
            row.get_attribute("data-card"): row.get_by_test_id("card-state").text_content()
            for row in listed.locator("tbody tr").all()
        }
        assert states == {"EW-0001": agent.t("agent.card.valid"), "SC-0002": agent.t("agent.card.ended")}
        assert "13900000077" in listed.locator("tr[data-card='EW-0001']").text_content()
        problems += agent.inspect(f"agent-cards-{locale}", ready=listed)

        # By the unit's serial: its cards alone.
        look_up(page, "SN-IN", by="serial")
        page.locator("[data-testid=card-list] tr[data-card='EW-0001']").wait_for(state="detached")
        assert [
            row.get_attribute("data-card") for row in page.get_by_test_id("card-list").locator("tbody tr").all()
        ] == ["SC-0002"]
    assert not problems, "\n".join(problems)
