"""The scheduler: each task run recorded from start to outcome, a failing task rolled back, runs shown to admins.

Every Scheduler made here takes the backend's own lock (an advisory lock on
PostgreSQL, a file beside the SQLite database); the fixture releases it, so
no test leaves the next one standing by.
"""

from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.claims.statements import previous_month
from server.core.clock import local_today
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import SlaPolicy
from server.jobs.services import sla
from server.scheduler import runner as runner_module
from server.scheduler.leader import leader_lock
from server.scheduler.models import SchedulerRun
from server.scheduler.runner import Scheduler
from server.scheduler.tasks import TASKS
from server.scheduler.tasks import Task

pytestmark = [pytest.mark.both_backends, pytest.mark.commits]

WORKER = "test-host:4242"
NOW = datetime.fromisoformat("2030-01-01T02:00:00+00:00")
TASK_IDS = [
    "sla.mark_overdue",
    "appointments.remind",
    "parts.plan_rollup",
    "sync.compact",
    "callbacks.open",
    "callbacks.remind_overdue",
    "care.raise_reminders",
    "care.warranty_ending",
    "sign_in.purge",
    "messages.deliver",
    "campaigns.send",
    "returns.watch",
    "settlements.monthly",
]


class Boom(Exception):
    pass


def write_then_raise(now):
    """Set the remote areas' deadlines (a row written and flushed), then fail."""
    sla.set_policy("remote", {"contact_minutes": 1, "arrive_minutes": 2, "complete_minutes": 3})
    raise Boom("failed after writing")


def write_a_duplicate(now):
    """Flush a row that breaks a primary key: the session itself is left failed."""
    db.session.add(SlaPolicy(area_class="remote", contact_minutes=1, arrive_minutes=2, complete_minutes=3))
    db.session.flush()
    db.session.add(SlaPolicy(area_class="remote", contact_minutes=4, arrive_minutes=5, complete_minutes=6))
    db.session.flush()


WRITE_THEN_RAISE = Task("test.write_then_raise", "Writes, then raises", "SCHEDULER_OVERDUE_SECONDS", write_then_raise)
WRITE_A_DUPLICATE = Task("test.duplicate", "Breaks a key", "SCHEDULER_OVERDUE_SECONDS", write_a_duplicate)


@pytest.fixture
def scheduler(app):
    """``scheduler(tasks=TASKS, worker=WORKER)`` → a Scheduler with the backend's lock, released afterwards."""
    made = []

    def make(tasks=TASKS, worker=WORKER):
        made.append(Scheduler(app, tasks, worker=worker))
        return made[-1]

    yield make
    for each in made:
        each.lock.release()


def runs():
    """Every recorded run, oldest first, as stored now."""
    db.session.expire_all()
    return db.session.scalars(select(SchedulerRun).order_by(SchedulerRun.id)).all()


def remote_policies():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(SlaPolicy).where(SlaPolicy.area_class == "remote"))


# ---------------------------------------------------------------- the runner


def test_run_all_records_one_ok_run_per_task_in_declaration_order(scheduler):
    scheduler().run_all(NOW)

    assert [(run.task, run.outcome, run.worker) for run in runs()] == [(task, "ok", WORKER) for task in TASK_IDS]


def test_a_run_records_when_it_started_and_finished(scheduler):
    scheduler().run_all(NOW)

    for run in runs():
        assert run.started_at is not None
        assert run.finished_at is not None
        assert run.started_at <= run.finished_at


def test_a_run_records_what_it_did_in_words(scheduler):
    scheduler().run_all(NOW)

    assert [run.detail for run in runs()] == [
        "0 SLA stages marked overdue",
        "0 appointment reminders sent",
        "nothing in the parts plan to order",
        "0 old sync changes dropped",
        "0 callbacks opened",
        "0 overdue callbacks reminded",
        "0 care tasks raised",
        "0 warranty-ending reminders set",
        "0 forgotten sign-in failures dropped",
        "no messages to deliver: the log backend's outbox is their delivery",
        "0 campaign messages sent from 0 campaign(s), 0 skipped as opted out, 0 campaign(s) done",
        "0 old-part returns marked overdue and penalised, 0 reminded before their deadline",
        "0 repeat repair(s) deducted, 0 statement(s) finalised",
    ]


def test_a_run_counts_the_work_it_did_and_keeps_it(scheduler, open_job):
    job = open_job()
    now = datetime.fromisoformat(job["sla"]["contact_due_at"]) + timedelta(seconds=1)

    scheduler().run_all(now)

    assert runs()[0].detail == "1 SLA stages marked overdue"
    assert db.session.get(Job, job["id"]).contact_overdue_at == now


def test_run_all_answers_the_runs_it_recorded(scheduler):
    recorded = scheduler().run_all(NOW)

    assert [(run.task, run.outcome, run.detail) for run in recorded] == [
        ("sla.mark_overdue", "ok", "0 SLA stages marked overdue"),
        ("appointments.remind", "ok", "0 appointment reminders sent"),
        ("parts.plan_rollup", "ok", "nothing in the parts plan to order"),
        ("sync.compact", "ok", "0 old sync changes dropped"),
        ("callbacks.open", "ok", "0 callbacks opened"),
        ("callbacks.remind_overdue", "ok", "0 overdue callbacks reminded"),
        ("care.raise_reminders", "ok", "0 care tasks raised"),
        ("care.warranty_ending", "ok", "0 warranty-ending reminders set"),
        ("sign_in.purge", "ok", "0 forgotten sign-in failures dropped"),
        ("messages.deliver", "ok", "no messages to deliver: the log backend's outbox is their delivery"),
        (
            "campaigns.send",
            "ok",
            "0 campaign messages sent from 0 campaign(s), 0 skipped as opted out, 0 campaign(s) done",
        ),
        ("returns.watch", "ok", "0 old-part returns marked overdue and penalised, 0 reminded before their deadline"),
        # 1 January: before the settlement day, so no statements for December yet.
        ("settlements.monthly", "ok", "0 repeat repair(s) deducted, 0 statement(s) finalised"),
    ]


def test_run_all_of_a_standby_runs_nothing_and_records_nothing(scheduler):
    leader = scheduler(worker="leader:1")
    assert leader.lock.acquire()

    assert scheduler(worker="standby:2").run_all(NOW) == []

    assert runs() == []


@pytest.mark.parametrize(
    ("task", "detail"),
    [
        (WRITE_THEN_RAISE, "Boom: failed after writing"),
        (WRITE_A_DUPLICATE, "IntegrityError: "),
    ],
    ids=["raises", "database_error"],
)
def test_a_failing_task_is_recorded_as_an_error_with_its_exception(scheduler, task, detail):
    scheduler(tasks=(task,)).run_all(NOW)

    ((run_task, outcome, text, finished),) = [(r.task, r.outcome, r.detail, r.finished_at) for r in runs()]
    assert (run_task, outcome) == (task.id, "error")
    assert text.startswith(detail)
    assert finished is not None


@pytest.mark.parametrize("task", [WRITE_THEN_RAISE, WRITE_A_DUPLICATE], ids=["raises", "database_error"])
def test_a_failing_task_keeps_nothing_it_wrote(scheduler, task):
    scheduler(tasks=(task,)).run_all(NOW)

    assert remote_policies() == 0


@pytest.mark.parametrize("task", [WRITE_THEN_RAISE, WRITE_A_DUPLICATE], ids=["raises", "database_error"])
def test_the_task_after_a_failing_one_runs_and_commits_nothing_of_it(scheduler, task):
    scheduler(tasks=(task, TASKS[0])).run_all(NOW)

    assert [(run.task, run.outcome) for run in runs()] == [(task.id, "error"), ("sla.mark_overdue", "ok")]
    assert remote_policies() == 0


# ---------------------------------------------------------------- the admin API


@pytest.fixture
def history(scheduler):
    """Three rounds of one scheduler's runs: ok, ok, then the failing task between the two real ones."""
    leader = scheduler()
    leader.run_all(NOW)
    leader.run_all(NOW + timedelta(minutes=1))
    leader.tasks = (TASKS[0], WRITE_THEN_RAISE, TASKS[1])
    leader.run_all(NOW + timedelta(minutes=2))
    return runs()


def test_the_runs_are_listed_newest_first(client, as_role, history):
    response = client.get("/api/admin/scheduler/runs", headers=as_role("admin"))

    assert response.status_code == 200, response.get_json()
    page = response.get_json()
    assert page["total"] == len(history) == 2 * len(TASK_IDS) + 3
    assert [item["id"] for item in page["items"]] == [run.id for run in reversed(history)]
    assert [item["task"] for item in page["items"][:3]] == [
        "appointments.remind",
        "test.write_then_raise",
        "sla.mark_overdue",
    ]


def test_a_listed_run_shows_its_outcome_detail_times_and_worker(client, as_role, history):
    response = client.get("/api/admin/scheduler/runs", headers=as_role("admin"))

    newest = response.get_json()["items"][0]
    assert set(newest) == {"id", "task", "started_at", "finished_at", "outcome", "detail", "worker"}
    assert (newest["outcome"], newest["detail"], newest["worker"]) == ("ok", "0 appointment reminders sent", WORKER)
    assert newest["finished_at"] is not None


def test_the_runs_can_be_filtered_by_task(client, as_role, history):
    response = client.get("/api/admin/scheduler/runs?task=sla.mark_overdue", headers=as_role("admin"))

    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert [item["task"] for item in items] == ["sla.mark_overdue"] * 3
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)


def test_the_runs_can_be_filtered_by_outcome(client, as_role, history):
    response = client.get("/api/admin/scheduler/runs?outcome=error", headers=as_role("admin"))

    assert response.status_code == 200, response.get_json()
    assert [(item["task"], item["detail"]) for item in response.get_json()["items"]] == [
        ("test.write_then_raise", "Boom: failed after writing")
    ]


def test_an_unknown_outcome_is_refused(client, as_role):
    response = client.get("/api/admin/scheduler/runs?outcome=exploded", headers=as_role("admin"))

    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "validation_error"
    assert "outcome" in response.get_json()["error"]["details"]["fields"]


@pytest.mark.parametrize("role", ["dispatcher", "agent", "auditor", "provider_manager", "technician"])
@pytest.mark.parametrize("path", ["/api/admin/scheduler/runs", "/api/admin/scheduler/tasks"])
def test_only_an_admin_sees_the_scheduler(client, as_role, role, path):
    response = client.get(path, headers=as_role(role))

    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "role_forbidden"
    assert response.get_json()["error"]["details"] == {"allowed_roles": ["admin"]}


@pytest.mark.parametrize("path", ["/api/admin/scheduler/runs", "/api/admin/scheduler/tasks"])
def test_the_scheduler_needs_a_token(client, app, path):
    response = client.get(path)

    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "token_missing"


def test_the_tasks_are_listed_with_their_intervals(client, as_role):
    response = client.get("/api/admin/scheduler/tasks", headers=as_role("admin"))

    assert response.status_code == 200, response.get_json()
    assert [(task["id"], task["interval_seconds"]) for task in response.get_json()] == [
        ("sla.mark_overdue", 60),
        ("appointments.remind", 600),
        ("parts.plan_rollup", 86400),
        ("sync.compact", 86400),
        ("callbacks.open", 600),
        ("callbacks.remind_overdue", 600),
        ("care.raise_reminders", 600),
        ("care.warranty_ending", 86400),
        ("sign_in.purge", 3600),
        ("messages.deliver", 30),
        ("campaigns.send", 30),
        ("returns.watch", 3600),
        ("settlements.monthly", 3600),
    ]
    assert all(task["description"] for task in response.get_json())


# ---------------------------------------------------------------- the command


@pytest.fixture
def command_locks(monkeypatch):
    """The locks the command takes (the backend's own), kept here so that each is released after the test.

    A command that fails before letting go of its lock would otherwise leave every later test standing by.
    """
    taken = []

    def take(engine, instance_path):
        taken.append(leader_lock(engine, instance_path))
        return taken[-1]

    monkeypatch.setattr(runner_module, "leader_lock", take)
    yield taken
    for lock in taken:
        lock.release()


def settlements_said():
    """What the monthly settlement task says today: last month's statements only from the settlement day on."""
    made = f"0 statement(s) made for {previous_month()}, " if local_today().day >= 5 else ""
    return made + "0 repeat repair(s) deducted, 0 statement(s) finalised"


def test_the_command_once_prints_each_tasks_outcome(runner, command_locks):
    result = runner.invoke(args=["scheduler", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "sla.mark_overdue: ok - 0 SLA stages marked overdue",
        "appointments.remind: ok - 0 appointment reminders sent",
        "parts.plan_rollup: ok - nothing in the parts plan to order",
        "sync.compact: ok - 0 old sync changes dropped",
        "callbacks.open: ok - 0 callbacks opened",
        "callbacks.remind_overdue: ok - 0 overdue callbacks reminded",
        "care.raise_reminders: ok - 0 care tasks raised",
        "care.warranty_ending: ok - 0 warranty-ending reminders set",
        "sign_in.purge: ok - 0 forgotten sign-in failures dropped",
        "messages.deliver: ok - no messages to deliver: the log backend's outbox is their delivery",
        "campaigns.send: ok - 0 campaign messages sent from 0 campaign(s), 0 skipped as opted out, 0 campaign(s) done",
        "returns.watch: ok - 0 old-part returns marked overdue and penalised, 0 reminded before their deadline",
        f"settlements.monthly: ok - {settlements_said()}",
    ]


def test_the_command_once_records_the_runs(runner, command_locks):
    runner.invoke(args=["scheduler", "--once"])

    assert [(run.task, run.outcome) for run in runs()] == [(task, "ok") for task in TASK_IDS]


def test_the_command_once_lets_go_of_the_lock_when_done(app, runner, command_locks):
    runner.invoke(args=["scheduler", "--once"])

    (lock,) = command_locks
    assert lock.held is False
    successor = leader_lock(db.engine, app.instance_path)
    try:
        assert successor.acquire() is True
    finally:
        successor.release()


def test_the_command_once_runs_nothing_while_another_scheduler_holds_the_lock(app, runner, command_locks):
    holder = leader_lock(db.engine, app.instance_path)
    assert holder.acquire()
    try:
        result = runner.invoke(args=["scheduler", "--once"])
    finally:
        holder.release()

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["Another scheduler holds the lock; nothing run."]
    assert runs() == []
