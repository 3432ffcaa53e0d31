"""Callbacks (回访): opened by the scheduler after each job type's delay, once per job, listed for the agents,
worked attempt by attempt, and reminded once when overdue."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import CallbackAttempt
from server.care.models import Complaint
from server.care.services import callbacks
from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import Job
from server.notifications.models import Notification
from server.scheduler.runner import Scheduler
from server.scheduler.tasks import task_by_id
from tests.care.helpers import GOOD
from tests.care.helpers import callbacks_of
from tests.care.helpers import count
from tests.care.helpers import stored
from tests.helpers import assert_error

pytestmark = pytest.mark.both_backends


def open_due(now=None):
    """Run the scheduler's callback round in the test's session and keep what it did."""
    opened = callbacks.open_due_callbacks(now)
    db.session.commit()
    return opened


def callback_of(job):
    db.session.expire_all()
    return db.session.scalar(select(Callback).where(Callback.job_id == job.id))


@pytest.fixture
def due_callback(done_job):
    """``due_callback(days_ago=4, **job)`` → the id of the open callback of a job completed ``days_ago`` days ago."""

    def make(days_ago=4, **job_fields):
        job = done_job(days_ago=days_ago, **job_fields)
        assert open_due() == 1
        return callback_of(job).id

    return make


@pytest.fixture
def attempt(client, people):
    """``attempt(callback_id, headers=agent, **body)`` → the response to recording one attempt."""

    def post(callback_id, headers=None, **body):
        return client.post(f"/api/callbacks/{callback_id}/attempts", json=body, headers=headers or people.agent.headers)

    return post


@pytest.fixture
def listed(client, people):
    """``listed(query, headers=agent)`` → the ids of the callbacks the list answers, in order."""

    def get(query="", headers=None):
        response = client.get(f"/api/callbacks{query}", headers=headers or people.agent.headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    return get


# ---------------------------------------------------------------- opening


def test_the_scheduler_opens_a_callback_due_three_days_after_completion(done_job):
    job = done_job(days_ago=4)

    assert open_due() == 1

    callback = callback_of(job)
    completed_at = stored(Job, job.id).completed_at
    assert (callback.status, callback.attempts) == ("open", 0)
    assert callback.due_at == callback.next_attempt_at == completed_at + timedelta(days=3)


def test_a_callback_carries_the_jobs_facts_for_reports(done_job, people):
    job = done_job(days_ago=4, technician="tech3")

    open_due()

    callback, job = callback_of(job), stored(Job, job.id)
    assert (
        callback.province_id,
        callback.region_id,
        callback.provider_id,
        callback.technician_id,
        callback.product_id,
        callback.product_category,
        callback.customer_id,
        callback.job_type,
        callback.job_completed_at,
    ) == (
        job.province_id,
        job.region_id,
        people.tech3.provider_id,
        people.tech3.id,
        job.request.product_id,
        "tv",
        job.request.customer_id,
        "warranty",
        job.completed_at,
    )
    assert None not in (callback.province_id, callback.product_id, callback.customer_id)


@pytest.mark.parametrize(
    ("job_type", "days_ago", "opened"),
    [
        ("warranty", 2.9, False),
        ("warranty", 3.1, True),
        ("paid", 3.1, True),
        ("installation", 3.1, False),
        ("installation", 6.9, False),
        ("installation", 7.1, True),
    ],
)
def test_the_delay_is_set_per_job_type_with_a_default(app, monkeypatch, done_job, job_type, days_ago, opened):
    monkeypatch.setitem(app.config, "CALLBACK_DELAY_DAYS", {"installation": 7, "*": 3})
    job = done_job(days_ago=days_ago, job_type=job_type)

    assert open_due() == int(opened)
    assert callbacks_of(job) == int(opened)


def test_a_job_type_the_setting_leaves_out_waits_three_days(app, monkeypatch, done_job):
    monkeypatch.setitem(app.config, "CALLBACK_DELAY_DAYS", {"installation": 7})
    early, due = done_job(days_ago=2.9, job_type="paid"), done_job(days_ago=3.1, job_type="paid")

    open_due()

    assert (callbacks_of(early), callbacks_of(due)) == (0, 1)


def test_a_closed_job_gets_its_callback(done_job):
    job = done_job(days_ago=4, state="closed")

    assert open_due() == 1
    assert callbacks_of(job) == 1


@pytest.mark.parametrize("state", ["new", "dispatched", "on_site", "waiting_parts", "cancelled"])
def test_a_job_not_completed_gets_no_callback(done_job, state):
    job = done_job(state=state)

    assert open_due(utcnow() + timedelta(days=10)) == 0
    assert callbacks_of(job) == 0


def test_a_job_completed_longer_ago_than_the_max_age_gets_none(done_job):
    old, recent = done_job(days_ago=31), done_job(days_ago=29)

    assert open_due() == 1
    assert (callbacks_of(old), callbacks_of(recent)) == (0, 1)


def test_running_the_round_twice_opens_each_callback_once(done_job):
    jobs = [done_job(days_ago=4), done_job(days_ago=5)]

    assert open_due() == 2
    assert open_due() == 0

    assert [callbacks_of(job) for job in jobs] == [1, 1]


def test_the_scheduled_task_opens_callbacks_and_says_how_many(app, done_job):
    done_job(days_ago=4)
    done_job(days_ago=5)
    scheduler = Scheduler(app, (task_by_id("callbacks.open"),), worker="test-host:1")
    try:
        run = scheduler.run_task(scheduler.tasks[0])
    finally:
        scheduler.lock.release()

    assert (run.outcome, run.detail) == ("ok", "2 callbacks opened")
    assert count(Callback) == 2


def test_a_job_completed_through_the_api_gets_its_callback_three_days_later(open_job, walk, listed):
    job = walk(open_job(), "completed")
    completed_at = stored(Job, job["id"]).completed_at

    assert open_due(completed_at + timedelta(days=3) - timedelta(seconds=1)) == 0
    assert open_due(completed_at + timedelta(days=3, seconds=1)) == 1

    (callback_id,) = listed()
    assert stored(Callback, callback_id).job_id == job["id"]
    assert stored(Callback, callback_id).due_at == completed_at + timedelta(days=3)


# ---------------------------------------------------------------- opening by hand


def test_an_agent_opens_a_completed_jobs_callback_at_once(client, as_agent, done_job):
    job = done_job(days_ago=0)

    response = client.post("/api/callbacks", json={"job_id": job.id}, headers=as_agent)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["job_id"], body["job_number"], body["status"], body["history"]) == (job.id, job.number, "open", [])
    assert callbacks_of(job) == 1


@pytest.mark.parametrize("state", ["new", "dispatched", "on_site", "waiting_parts", "cancelled"])
def test_a_callback_for_a_job_not_completed_is_refused_and_changes_nothing(client, as_agent, done_job, snapshot, state):
    job = done_job(state=state)
    before = snapshot()

    response = client.post("/api/callbacks", json={"job_id": job.id}, headers=as_agent)

    error = assert_error(response, 409, "job_not_completed")
    assert error["details"] == {"state": state}
    assert snapshot() == before


def test_a_second_callback_for_a_job_is_refused_naming_the_first(client, as_agent, due_callback, snapshot):
    callback_id = due_callback()
    job_id = stored(Callback, callback_id).job_id
    before = snapshot()

    response = client.post("/api/callbacks", json={"job_id": job_id}, headers=as_agent)

    error = assert_error(response, 409, "callback_exists")
    assert error["details"] == {"callback_id": callback_id}
    assert snapshot() == before


def test_a_callback_for_an_unknown_job_is_404(client, as_agent, people, snapshot):
    before = snapshot()

    response = client.post("/api/callbacks", json={"job_id": 999999}, headers=as_agent)

    assert_error(response, 404, "job_not_found")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "job_id"), ({"job_id": "7"}, "job_id"), ({"job_id": None}, "job_id"), ({"job_id": 1, "x": 1}, "x")],
    ids=["missing", "text", "null", "unknown-field"],
)
def test_opening_a_callback_needs_a_job_id(client, as_agent, people, snapshot, body, field):
    before = snapshot()

    response = client.post("/api/callbacks", json=body, headers=as_agent)

    assert_error(response, 422, "validation_error", fields=[field])
    assert snapshot() == before


# ---------------------------------------------------------------- the queue


@pytest.fixture
def queue(done_job, attempt):
    """Four callbacks: ``overdue`` (due 3 days ago), ``due`` (1 day ago), ``waiting`` (not reached, retried later)
    and ``done`` (reached); their ids by name."""
    ids = {}
    for name, days_ago in (("done", 5), ("overdue", 6), ("waiting", 4.5), ("due", 4)):
        job = done_job(days_ago=days_ago)
        open_due()
        ids[name] = callback_of(job).id
    assert attempt(ids["waiting"], reached=False).status_code == 201
    assert attempt(ids["done"], **GOOD).status_code == 201
    return ids


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("", ["overdue", "done", "waiting", "due"]),
        ("?status=due", ["overdue", "due"]),
        ("?status=waiting", ["waiting"]),
        ("?status=overdue", ["overdue"]),
        ("?status=done", ["done"]),
        ("?status=open", ["overdue", "waiting", "due"]),
        ("?status=reached", ["done"]),
        ("?status=unreachable", []),
    ],
    ids=["all", "due", "waiting", "overdue", "done", "open", "reached", "unreachable"],
)
def test_the_list_filters_by_status_oldest_due_first(queue, listed, status, names):
    assert listed(status) == [queue[name] for name in names]


def test_the_list_is_paged(queue, client, as_agent):
    response = client.get("/api/callbacks?per_page=3&page=2", headers=as_agent)

    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert (page["total"], page["pages"], [item["id"] for item in page["items"]]) == (4, 2, [queue["due"]])


def test_a_listed_callback_says_whether_it_is_overdue_and_whom_to_call(queue, client, as_agent):
    response = client.get("/api/callbacks?status=open", headers=as_agent)

    items = {item["id"]: item for item in response.get_json()["items"]}
    assert {callback_id: item["overdue"] for callback_id, item in items.items()} == {
        queue["overdue"]: True,
        queue["waiting"]: False,
        queue["due"]: False,
    }
    assert {(item["customer_name"], item["customer_phone"], item["provider_code"]) for item in items.values()} == {
        ("王先生", "13800000000", "P01")
    }


@pytest.mark.parametrize("query", ["?status=late", "?page=0", "?job_id=x"])
def test_a_bad_list_query_is_refused(queue, client, as_agent, query):
    response = client.get(f"/api/callbacks{query}", headers=as_agent)

    assert_error(response, 422, "validation_error")


def test_the_list_filters_by_provider_and_job(due_callback, listed):
    first, second = due_callback(), due_callback(technician="tech3")

    assert listed("?provider_code=P02") == [second]
    assert listed(f"?job_id={stored(Callback, first).job_id}") == [first]


def test_a_provider_manager_sees_only_callbacks_about_their_provider(due_callback, people, client):
    mine, theirs = due_callback(), due_callback(technician="tech3")

    response = client.get("/api/callbacks", headers=people.pm1.headers)

    assert [item["id"] for item in response.get_json()["items"]] == [mine]
    assert response.get_json()["items"][0]["customer_phone"] == "*******0000"
    assert_error(client.get(f"/api/callbacks/{theirs}", headers=people.pm1.headers), 404, "callback_not_found")


def test_a_dispatcher_of_another_province_sees_none(due_callback, make_region, make_user, auth, listed, people):
    callback_id = due_callback()
    make_region("440000")
    elsewhere = auth(make_user("dispatcher", region_code="440000"))
    here = auth(make_user("dispatcher", region_code="370000"))

    assert (listed(headers=elsewhere), listed(headers=here), listed(headers=people.dispatcher.headers)) == (
        [],
        [callback_id],
        [callback_id],
    )


def test_one_callback_shows_its_attempts(due_callback, attempt, client, as_agent, people):
    callback_id = due_callback()
    attempt(callback_id, reached=False, comments="无人接听")

    response = client.get(f"/api/callbacks/{callback_id}", headers=as_agent)

    assert response.status_code == 200, response.get_json()
    (tried,) = response.get_json()["history"]
    assert (tried["agent"], tried["reached"], tried["comments"], tried["timeliness"]) == (
        people.agent.username,
        False,
        "无人接听",
        None,
    )


def test_an_unknown_callback_is_404(client, as_agent, people):
    assert_error(client.get("/api/callbacks/999999", headers=as_agent), 404, "callback_not_found")


# ---------------------------------------------------------------- attempts


def test_a_customer_not_reached_is_tried_again_hours_later(due_callback, attempt):
    callback_id = due_callback()
    before = utcnow()

    response = attempt(callback_id, reached=False)

    assert response.status_code == 201, response.get_json()
    callback = stored(Callback, callback_id)
    assert (callback.status, callback.attempts, callback.closed_at) == ("open", 1, None)
    assert before + timedelta(hours=4) <= callback.next_attempt_at <= utcnow() + timedelta(hours=4)
    assert callback.last_attempt_at >= before


def test_the_last_unanswered_try_closes_the_callback_as_unreachable(due_callback, attempt, people):
    callback_id = due_callback()

    answers = [attempt(callback_id, reached=False).status_code for _ in range(3)]

    assert answers == [201, 201, 201]
    callback = stored(Callback, callback_id)
    assert (callback.status, callback.attempts, callback.closed_by_id) == ("unreachable", 3, people.agent.id)
    assert callback.closed_at is not None


def test_the_number_of_tries_is_a_setting(app, monkeypatch, due_callback, attempt):
    monkeypatch.setitem(app.config, "CALLBACK_MAX_ATTEMPTS", 1)
    callback_id = due_callback()

    attempt(callback_id, reached=False)

    assert stored(Callback, callback_id).status == "unreachable"


def test_a_reached_customer_scores_the_visit_and_closes_the_callback(due_callback, attempt):
    callback_id = due_callback()

    response = attempt(callback_id, **GOOD)

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["timeliness"], body["attitude"], body["quality"], body["comments"]) == (
        "reached",
        5,
        4,
        5,
        "很满意",
    )
    assert (body["attempts"], body["complaint_id"]) == (1, None)
    assert body["closed_at"] is not None
    assert count(Complaint) == 0


@pytest.mark.parametrize(
    ("scores", "category"),
    [
        ((1, 4, 5), "late_visit"),
        ((5, 2, 4), "attitude"),
        ((5, 5, 2), "repair_quality"),
        ((2, 1, 2), "attitude"),
        ((2, 2, 2), "late_visit"),
    ],
    ids=["late", "rude", "poor-repair", "worst-names-it", "first-of-equals"],
)
def test_a_low_score_opens_a_complaint_linked_to_the_job(due_callback, attempt, people, scores, category):
    callback_id = due_callback()
    timeliness, attitude, quality = scores

    response = attempt(
        callback_id, reached=True, timeliness=timeliness, attitude=attitude, quality=quality, comments="不满意"
    )

    assert response.status_code == 201, response.get_json()
    complaint = db.session.scalar(select(Complaint))
    callback = stored(Callback, callback_id)
    assert response.get_json()["complaint_id"] == complaint.id
    assert (complaint.channel, complaint.category, complaint.status, complaint.callback_id) == (
        "callback",
        category,
        "open",
        callback_id,
    )
    assert (
        complaint.job_id,
        complaint.provider_id,
        complaint.technician_id,
        complaint.product_id,
        complaint.province_id,
        complaint.customer_id,
    ) == (
        callback.job_id,
        callback.provider_id,
        people.tech1.id,
        callback.product_id,
        callback.province_id,
        callback.customer_id,
    )
    assert complaint.description.startswith("不满意")
    assert f"timeliness {timeliness}, attitude {attitude}, quality {quality}" in complaint.description
    assert complaint.created_by_id == people.agent.id


def test_scores_above_the_threshold_open_no_complaint(due_callback, attempt):
    attempt(due_callback(), reached=True, timeliness=3, attitude=3, quality=3)

    assert count(Complaint) == 0


def test_the_low_score_threshold_is_a_setting(app, monkeypatch, due_callback, attempt):
    monkeypatch.setitem(app.config, "CALLBACK_LOW_SCORE", 3)

    attempt(due_callback(), reached=True, timeliness=4, attitude=3, quality=4)

    assert db.session.scalar(select(Complaint.category)) == "attitude"


def test_a_customer_who_complains_gets_a_complaint_whatever_the_scores(due_callback, attempt):
    response = attempt(due_callback(), **GOOD, complaint={"category": "charges", "description": "上门费太贵"})

    assert response.status_code == 201, response.get_json()
    complaint = db.session.scalar(select(Complaint))
    assert (complaint.category, complaint.channel) == ("charges", "callback")
    assert complaint.description.startswith("上门费太贵")
    assert response.get_json()["complaint_id"] == complaint.id


def test_a_complaint_with_low_scores_is_still_one_complaint_in_the_customers_words(due_callback, attempt):
    attempt(
        due_callback(),
        reached=True,
        timeliness=1,
        attitude=1,
        quality=1,
        complaint={"category": "parts_delay", "description": "等配件等了两周"},
    )

    assert db.session.scalars(select(Complaint.category)).all() == ["parts_delay"]


SCORED = {"reached": True, "timeliness": 3, "attitude": 3, "quality": 3}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({**SCORED, "timeliness": 0}, ["timeliness"]),
        ({**SCORED, "attitude": 6}, ["attitude"]),
        ({**SCORED, "quality": -1}, ["quality"]),
        ({**SCORED, "quality": 2.5}, ["quality"]),
        ({**SCORED, "timeliness": "5"}, ["timeliness"]),
        ({**SCORED, "timeliness": True}, ["timeliness"]),
        ({"reached": True, "timeliness": 3, "attitude": 3}, ["quality"]),
        ({"reached": True}, ["timeliness", "attitude", "quality"]),
        ({**SCORED, "quality": None}, ["quality"]),
        ({"reached": False, "quality": 3}, ["quality"]),
        ({"reached": False, "complaint": {"category": "charges"}}, ["complaint"]),
        ({**SCORED, "complaint": {"category": "rude"}}, ["complaint"]),
        ({**SCORED, "complaint": {"description": "x"}}, ["complaint"]),
        ({"reached": "yes"}, ["reached"]),
        ({"reached": 1}, ["reached"]),
        ({}, ["reached"]),
        ({**SCORED, "mood": "bad"}, ["mood"]),
        ({**SCORED, "comments": "x" * 4001}, ["comments"]),
    ],
    ids=[
        "zero",
        "six",
        "negative",
        "fraction",
        "text",
        "boolean",
        "one-missing",
        "all-missing",
        "null",
        "scores-unreached",
        "complaint-unreached",
        "unknown-category",
        "no-category",
        "reached-text",
        "reached-number",
        "empty",
        "unknown-field",
        "comments-too-long",
    ],
)
def test_a_bad_attempt_is_refused_and_changes_nothing(due_callback, attempt, snapshot, body, fields):
    callback_id = due_callback()
    before = snapshot()

    response = attempt(callback_id, **body)

    assert_error(response, 422, "validation_error", fields=fields)
    assert snapshot() == before


@pytest.mark.parametrize("first", [GOOD, {"reached": False}], ids=["reached", "unreachable"])
def test_a_done_callback_takes_no_more_attempts(app, monkeypatch, due_callback, attempt, snapshot, first):
    monkeypatch.setitem(app.config, "CALLBACK_MAX_ATTEMPTS", 1)
    callback_id = due_callback()
    attempt(callback_id, **first)
    before = snapshot()

    response = attempt(callback_id, **GOOD)

    error = assert_error(response, 409, "callback_closed")
    assert error["details"] == {"status": stored(Callback, callback_id).status}
    assert snapshot() == before


def test_an_attempt_on_an_unknown_callback_is_404(attempt, people, snapshot):
    before = snapshot()

    assert_error(attempt(999999, **GOOD), 404, "callback_not_found")
    assert snapshot() == before


def test_an_attempt_keeps_who_called_and_what_was_said(due_callback, attempt, people):
    callback_id = due_callback()

    attempt(callback_id, reached=False, comments="关机")
    attempt(callback_id, headers=people.admin.headers, **GOOD)

    db.session.expire_all()
    rows = db.session.execute(
        select(CallbackAttempt.agent_id, CallbackAttempt.reached, CallbackAttempt.quality, CallbackAttempt.comments)
        .where(CallbackAttempt.callback_id == callback_id)
        .order_by(CallbackAttempt.id)
    ).all()
    assert rows == [(people.agent.id, False, None, "关机"), (people.admin.id, True, 5, "很满意")]


# ---------------------------------------------------------------- overdue reminders


def remind(now=None):
    reminded = callbacks.remind_overdue(now)
    db.session.commit()
    return reminded


def overdue_notices():
    db.session.expire_all()
    return db.session.execute(
        select(Notification.user_id, Notification.job_id, Notification.data)
        .where(Notification.kind == "callback_overdue")
        .order_by(Notification.user_id)
    ).all()


def test_an_overdue_callback_is_reminded_to_every_agent(due_callback, make_user, people):
    other_agent = make_user("agent", username="agent2")
    make_user("agent", username="gone", active=False)
    callback_id = due_callback(days_ago=5.1)

    assert remind() == 1

    job_id = stored(Callback, callback_id).job_id
    assert overdue_notices() == [
        (
            people.agent.id,
            job_id,
            {"callback_id": callback_id, "due_at": stored(Callback, callback_id).due_at.isoformat()},
        ),
        (
            other_agent.id,
            job_id,
            {"callback_id": callback_id, "due_at": stored(Callback, callback_id).due_at.isoformat()},
        ),
    ]
    assert stored(Callback, callback_id).reminded_at is not None


def test_an_overdue_callback_is_reminded_once(due_callback, people):
    due_callback(days_ago=5.1)

    assert (remind(), remind(utcnow() + timedelta(days=1))) == (1, 0)
    assert len(overdue_notices()) == 1


@pytest.mark.parametrize("days_ago", [4, 4.9])
def test_a_callback_within_the_overdue_period_is_not_reminded(due_callback, days_ago):
    due_callback(days_ago=days_ago)

    assert remind() == 0
    assert overdue_notices() == []


def test_a_done_callback_is_never_reminded(due_callback, attempt):
    attempt(due_callback(days_ago=6), **GOOD)

    assert remind() == 0
    assert overdue_notices() == []


def test_with_no_agent_the_admins_are_reminded(due_callback, people):
    callback_id = due_callback(days_ago=6)
    agent = db.session.get(type(people.agent), people.agent.id)
    agent.active = False
    db.session.commit()

    remind()

    assert [user_id for user_id, _, _ in overdue_notices()] == [people.admin.id]
    assert stored(Callback, callback_id).reminded_at is not None


def test_the_scheduled_reminder_says_how_many_it_reminded(app, due_callback):
    due_callback(days_ago=6)
    scheduler = Scheduler(app, (task_by_id("callbacks.remind_overdue"),), worker="test-host:1")
    try:
        run = scheduler.run_task(scheduler.tasks[0])
    finally:
        scheduler.lock.release()

    assert (run.outcome, run.detail) == ("ok", "1 overdue callbacks reminded")


def test_the_delay_per_job_type_is_set_from_the_environment_as_json():
    from server.config import from_environ

    assert from_environ({"CALLBACK_DELAY_DAYS": '{"installation": 7, "*": 2}'}) == {
        "CALLBACK_DELAY_DAYS": {"installation": 7, "*": 2}
    }
