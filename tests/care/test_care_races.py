"""Races in customer care: two schedulers or two agents at the same moment, each on its own connection.

PostgreSQL only: there the two transactions really run side by side; SQLite's
single writer would only show them taking turns. Where the window is narrow,
the two are held at the worst point (both have read, neither has written)
before they go on, so the unique keys and row locks are what decides.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import CallbackAttempt
from server.care.models import CareTask
from server.care.models import Complaint
from server.care.models import CustomerReminder
from server.care.services import callbacks
from server.care.services import reminders
from server.core.clock import local_today
from server.extensions import db
from server.jobs.models import Customer
from tests.care.helpers import GOOD
from tests.fixtures.jobs import PHONE
from tests.races import rendezvous
from tests.races import send_together
from tests.races import together

pytestmark = pytest.mark.postgres_only

ROUNDS = 5


@pytest.fixture
def both_read_first(monkeypatch):
    """``both_read_first(module)``: each of two runs waits, before it inserts, until the other has read too."""

    def hold(module):
        meet = rendezvous(2)
        insert_new = module.insert_new

        def held(*args, **kwargs):
            meet()
            return insert_new(*args, **kwargs)

        monkeypatch.setattr(module, "insert_new", held)

    return hold


@pytest.mark.commits
def test_two_schedulers_opening_callbacks_at_once_open_one_per_job(app, done_job, both_read_first):
    jobs = [done_job(days_ago=4 + n / 10) for n in range(3)]
    both_read_first(callbacks)

    opened = together([callbacks.open_due_callbacks] * 2, app=app)

    assert sorted(opened) == [0, 3]
    db.session.expire_all()
    per_job = db.session.execute(select(Callback.job_id, func.count()).group_by(Callback.job_id)).all()
    assert sorted(per_job) == sorted((job.id, 1) for job in jobs)


@pytest.mark.commits
def test_two_agents_opening_one_jobs_callback_at_once_open_one(app, done_job, people):
    for round_ in range(ROUNDS):
        job = done_job(days_ago=0)

        answers = send_together(
            app,
            [
                ("POST", "/api/callbacks", {"job_id": job.id}, people.agent.headers),
                ("POST", "/api/callbacks", {"job_id": job.id}, people.admin.headers),
            ],
        )

        assert sorted(status for status, _ in answers) == [201, 409], (round_, answers)
        created = next(body for status, body in answers if status == 201)
        refused = next(body for status, body in answers if status == 409)
        assert refused["error"]["code"] == "callback_exists", round_
        assert refused["error"]["details"] == {"callback_id": created["id"]}, round_


@pytest.mark.commits
def test_two_agents_recording_one_callback_at_once_record_it_once(app, done_job, people):
    for round_ in range(ROUNDS):
        job = done_job(days_ago=0)
        callback = callbacks.open_callback(people.agent, job.id)
        db.session.commit()
        path = f"/api/callbacks/{callback.id}/attempts"

        answers = send_together(
            app, [("POST", path, GOOD, people.agent.headers), ("POST", path, GOOD, people.admin.headers)]
        )

        assert sorted(status for status, _ in answers) == [201, 409], (round_, answers)
        db.session.expire_all()
        attempts = db.session.scalar(
            select(func.count()).select_from(CallbackAttempt).where(CallbackAttempt.callback_id == callback.id)
        )
        assert (attempts, db.session.get(Callback, callback.id).attempts) == (1, 1), round_


@pytest.mark.commits
def test_two_low_scores_for_one_callback_at_once_open_one_complaint(app, done_job, people):
    low = {**GOOD, "quality": 1}
    for round_ in range(ROUNDS):
        callback = callbacks.open_callback(people.agent, done_job(days_ago=0).id)
        db.session.commit()
        path = f"/api/callbacks/{callback.id}/attempts"

        send_together(app, [("POST", path, low, people.agent.headers), ("POST", path, low, people.admin.headers)])

        db.session.expire_all()
        complaints = db.session.scalar(
            select(func.count()).select_from(Complaint).where(Complaint.callback_id == callback.id)
        )
        assert complaints == 1, round_


@pytest.mark.commits
def test_a_complaint_closed_twice_at_once_is_closed_once(app, done_job, people):
    close = {"resolution": "已解决", "customer_confirmed": True}
    for round_ in range(ROUNDS):
        response = app.test_client().post(
            "/api/complaints",
            json={"channel": "phone", "category": "charges", "description": "收费", "job_id": done_job().id},
            headers=people.agent.headers,
        )
        path = f"/api/complaints/{response.get_json()['id']}/close"

        answers = send_together(
            app, [("POST", path, close, people.agent.headers), ("POST", path, close, people.admin.headers)]
        )

        assert sorted(status for status, _ in answers) == [200, 409], (round_, answers)
        refused = next(body for status, body in answers if status == 409)
        assert refused["error"]["code"] == "complaint_closed", round_


@pytest.mark.commits
def test_two_complaints_of_one_customer_at_once_are_both_repeat(app, done_job, people):
    for round_ in range(ROUNDS):
        phone = f"1390000000{round_}"
        bodies = [
            {"channel": "phone", "category": "late_visit", "description": "迟到", "job_id": done_job(phone=phone).id}
            for _ in range(2)
        ]

        answers = send_together(
            app,
            [
                ("POST", "/api/complaints", bodies[0], people.agent.headers),
                ("POST", "/api/complaints", bodies[1], people.admin.headers),
            ],
        )

        assert [status for status, _ in answers] == [201, 201], (round_, answers)
        db.session.expire_all()
        flags = db.session.scalars(
            select(Complaint.repeat).where(Complaint.id.in_([body["id"] for _, body in answers]))
        ).all()
        assert flags == [True, True], round_


@pytest.mark.commits
def test_two_schedulers_raising_reminders_at_once_make_one_task_each(app, people, both_read_first):
    customer = Customer(phone=PHONE, name="王先生")
    db.session.add(customer)
    db.session.flush()
    ids = []
    for kind in ("filter_change", "other", "warranty_ending"):
        reminder = CustomerReminder(customer_id=customer.id, kind=kind, due_on=local_today(), note="")
        db.session.add(reminder)
        db.session.flush()
        ids.append(reminder.id)
    both_read_first(reminders)

    raised = together([reminders.raise_due_reminders] * 2, app=app)

    assert sorted(raised) == [0, 3]
    db.session.expire_all()
    assert sorted(db.session.scalars(select(CareTask.reminder_id))) == ids
