"""The scheduler's SLA work: overdue stages marked and escalated once, and today's appointments reminded once.

Jobs are created through the API at the real clock; the scheduler's functions
are then called with a chosen ``now`` around the job's deadlines, so no test
waits for time to pass. Job 370112 is a county: contact in 4 hours, arrival
in 48, completion in 96.
"""

from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select

from server.core.clock import local_day_bounds
from server.core.clock import local_today
from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import Job
from server.jobs.services import sla
from server.jobs.services.requests import create_request
from server.notifications.models import Notification
from tests.fixtures.jobs import request_body

SECOND = timedelta(seconds=1)


def due(job, stage):
    return datetime.fromisoformat(job["sla"][f"{stage}_due_at"])


def mark(now):
    marked = sla.mark_overdue(now)
    db.session.commit()
    return marked


def remind(now):
    sent = sla.remind_appointments(now)
    db.session.commit()
    return sent


def notified(kind, job_id=None):
    """``[(user_id, data), ...]`` of the notifications of ``kind`` (about ``job_id``), as stored now."""
    db.session.expire_all()
    statement = select(Notification).where(Notification.kind == kind).order_by(Notification.user_id, Notification.id)
    if job_id is not None:
        statement = statement.where(Notification.job_id == job_id)
    return [(n.user_id, n.data) for n in db.session.scalars(statement)]


def stored(job_id):
    db.session.expire_all()
    return db.session.get(Job, job_id)


def events(client, people, job_id, kind):
    response = client.get(f"/api/jobs/{job_id}/events", headers=people.admin.headers)
    assert response.status_code == 200, response.get_json()
    return [event for event in response.get_json() if event["kind"] == kind]


@pytest.fixture
def provincial(make_user, make_region):
    """Dispatchers of the job's province 370000 and of another province 440000."""

    class Provincial:
        pass

    make_region("440000", level="province")
    crowd = Provincial()
    crowd.home = make_user("dispatcher", username="shandong", region_code="370000")
    crowd.away = make_user("dispatcher", username="guangdong", region_code="440000")
    return crowd


# ---------------------------------------------------------------- mark_overdue


def test_nothing_is_overdue_just_before_the_contact_deadline(open_job):
    job = open_job()

    assert mark(due(job, "contact") - SECOND) == 0

    assert stored(job["id"]).contact_overdue_at is None
    assert notified("job_overdue") == []


def test_just_after_the_contact_deadline_the_stage_is_marked_with_the_run_time(open_job):
    job = open_job()
    now = due(job, "contact") + SECOND

    assert mark(now) == 1

    row = stored(job["id"])
    assert (row.contact_overdue_at, row.arrive_overdue_at, row.complete_overdue_at) == (now, None, None)


def test_an_overdue_stage_is_recorded_as_an_event_of_the_scheduler(client, people, open_job):
    job = open_job()
    now = due(job, "contact") + SECOND

    mark(now)

    (event,) = events(client, people, job["id"], "overdue")
    assert event["data"] == {"stage": "contact"}
    assert (event["actor"], event["from_state"], event["to_state"]) == (None, "new", "new")
    assert datetime.fromisoformat(event["at"]) == now


def test_an_overdue_job_is_escalated_to_the_national_and_its_provinces_dispatchers_only(people, provincial, open_job):
    job = open_job()

    mark(due(job, "contact") + SECOND)

    recipients = [user_id for user_id, _ in notified("job_overdue", job["id"])]
    assert recipients == sorted([people.dispatcher.id, provincial.home.id])
    assert provincial.away.id not in recipients


def test_the_overdue_notification_names_the_stage_its_deadline_and_the_state(people, open_job):
    job = open_job()

    mark(due(job, "contact") + SECOND)

    ((_, data),) = notified("job_overdue", job["id"])
    assert data == {"stage": "contact", "due_at": due(job, "contact").isoformat(), "state": "new"}


def test_a_dispatched_overdue_job_is_escalated_to_its_providers_managers_too(people, open_job, walk):
    job = walk(open_job(), "dispatched")  # to P01

    mark(due(job, "contact") + SECOND)

    recipients = [user_id for user_id, _ in notified("job_overdue", job["id"])]
    assert recipients == sorted([people.dispatcher.id, people.pm1.id])
    assert people.pm2.id not in recipients


def test_an_undispatched_overdue_job_reaches_no_provider_manager(people, open_job):
    job = open_job()

    mark(due(job, "contact") + SECOND)

    assert [user_id for user_id, _ in notified("job_overdue", job["id"])] == [people.dispatcher.id]


@pytest.mark.parametrize("again_after", [timedelta(0), timedelta(minutes=1), timedelta(hours=1)])
def test_a_second_run_marks_nothing_new_and_notifies_nobody_again(open_job, again_after):
    job = open_job()
    now = due(job, "contact") + SECOND
    mark(now)
    before = notified("job_overdue")

    assert mark(now + again_after) == 0

    assert notified("job_overdue") == before
    assert stored(job["id"]).contact_overdue_at == now


def test_a_run_long_after_marks_every_missed_stage_at_once(client, people, open_job):
    job = open_job()

    assert mark(due(job, "complete") + SECOND) == 3

    stages = [event["data"]["stage"] for event in events(client, people, job["id"], "overdue")]
    assert stages == ["contact", "arrive", "complete"]
    assert sorted(data["stage"] for _, data in notified("job_overdue", job["id"])) == ["arrive", "complete", "contact"]


def test_a_later_stage_is_marked_when_its_own_deadline_passes(client, people, open_job):
    job = open_job()
    mark(due(job, "contact") + SECOND)

    assert mark(due(job, "arrive") + SECOND) == 1

    stages = [event["data"]["stage"] for event in events(client, people, job["id"], "overdue")]
    assert stages == ["contact", "arrive"]


def test_a_contacted_job_is_not_overdue_for_contact(client, people, open_job, walk):
    job = walk(open_job(), "assigned")
    response = client.post(f"/api/jobs/{job['id']}/contact", json={}, headers=people.tech1.headers)
    assert response.status_code == 200, response.get_json()

    assert mark(due(job, "contact") + SECOND) == 0

    assert stored(job["id"]).contact_overdue_at is None
    assert notified("job_overdue") == []


def test_a_contacted_job_is_still_overdue_for_arrival(client, people, open_job, walk):
    job = walk(open_job(), "assigned")
    response = client.post(f"/api/jobs/{job['id']}/contact", json={}, headers=people.tech1.headers)
    assert response.status_code == 200, response.get_json()

    assert mark(due(job, "arrive") + SECOND) == 1

    assert [event["data"] for event in events(client, people, job["id"], "overdue")] == [{"stage": "arrive"}]


def test_a_closed_job_is_never_overdue(open_job, walk):
    job = walk(open_job(), "closed")  # never contacted: only its state keeps it out

    assert mark(due(job, "complete") + timedelta(days=30)) == 0

    assert notified("job_overdue") == []


def test_a_cancelled_job_is_never_overdue(client, people, open_job):
    job = open_job()
    response = client.post(
        f"/api/jobs/{job['id']}/cancel", json={"reason": "customer fixed it"}, headers=people.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()

    assert mark(due(job, "complete") + timedelta(days=30)) == 0

    assert notified("job_overdue") == []


def test_the_overdue_filter_lists_jobs_with_a_marked_stage_only(client, people, open_job):
    late = open_job()
    response = client.put(
        "/api/admin/sla-policies/county",
        json={"contact_minutes": 600, "arrive_minutes": 2880, "complete_minutes": 5760},
        headers=people.admin.headers,
    )
    assert response.status_code == 200, response.get_json()
    on_time = open_job(serial="SN-OLD")  # ten hours to contact
    mark(due(late, "contact") + SECOND)

    overdue = client.get("/api/jobs?overdue=true", headers=people.dispatcher.headers)
    not_overdue = client.get("/api/jobs?overdue=false", headers=people.dispatcher.headers)

    assert overdue.status_code == not_overdue.status_code == 200
    assert [item["id"] for item in overdue.get_json()["items"]] == [late["id"]]
    assert [item["id"] for item in not_overdue.get_json()["items"]] == [on_time["id"]]


def test_a_job_past_its_contact_deadline_shows_the_stage_in_its_sla(client, people):
    """Created five hours ago (through the service, the only way to date a request), 4 hours to contact."""
    job = create_request(people.agent, request_body(), now=utcnow() - timedelta(hours=5))
    db.session.commit()
    mark(None)

    response = client.get(f"/api/jobs/{job.id}", headers=people.dispatcher.headers)

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["sla"]["overdue"] == ["contact"]
    listed = client.get("/api/jobs?overdue=true", headers=people.dispatcher.headers).get_json()
    assert [(item["id"], item["sla"]["overdue"]) for item in listed["items"]] == [(job.id, ["contact"])]


# ---------------------------------------------------------------- remind_appointments


@pytest.fixture
def appointment(client, people, open_job, walk):
    """``appointment(at, technician=tech1)`` → the job's JSON, assigned and contacted with that appointment."""

    def make(at, technician=None, **request_fields):
        technician = technician or people.tech1
        job = walk(open_job(**request_fields), "assigned", technician=technician)
        response = client.post(
            f"/api/jobs/{job['id']}/contact", json={"appointment_at": at.isoformat()}, headers=technician.headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def day():
    """A local day two days ahead (appointments must be in the future) and its start in UTC."""
    day = local_today() + timedelta(days=2)
    return day, local_day_bounds(day)[0]


def test_a_technician_is_reminded_of_an_appointment_today(people, appointment, day):
    _, start = day
    job = appointment(start + timedelta(hours=10))

    assert remind(start + timedelta(hours=8)) == 1

    assert notified("appointment_today") == [
        (people.tech1.id, {"appointment_at": (start + timedelta(hours=10)).isoformat()})
    ]
    db.session.expire_all()
    (message,) = db.session.scalars(
        select(Notification.message).where(Notification.job_id == job["id"], Notification.kind == "appointment_today")
    )
    assert message.startswith(f"Today at 10:00: job {job['number']}")


def test_the_reminder_reaches_the_technician_of_the_job_only(people, appointment, day):
    _, start = day
    appointment(start + timedelta(hours=10))

    remind(start + timedelta(hours=8))

    assert [user_id for user_id, _ in notified("appointment_today")] == [people.tech1.id]


def test_a_second_run_the_same_day_reminds_nobody_again(appointment, day):
    _, start = day
    appointment(start + timedelta(hours=10))
    remind(start + timedelta(hours=8))
    before = notified("appointment_today")

    assert remind(start + timedelta(hours=9)) == 0

    assert notified("appointment_today") == before


def test_an_appointment_tomorrow_is_not_reminded_today(appointment, day):
    _, start = day
    appointment(start + timedelta(days=1, hours=10))

    assert remind(start + timedelta(hours=8)) == 0

    assert notified("appointment_today") == []


def test_an_appointment_just_after_local_midnight_is_today_though_utc_says_yesterday(people, appointment, day):
    local_day, start = day
    at = start + timedelta(minutes=30)  # 00:30 local is 16:30 UTC the day before
    assert at.date() == local_day - timedelta(days=1)
    appointment(at)

    assert remind(start + timedelta(minutes=10)) == 1

    assert [user_id for user_id, _ in notified("appointment_today")] == [people.tech1.id]


def test_an_appointment_just_after_local_midnight_is_not_today_on_the_local_evening_before(appointment, day):
    _, start = day
    at = start + timedelta(minutes=30)
    appointment(at)
    evening = start - timedelta(minutes=10)  # 23:50 local the day before: the same UTC day as the appointment
    assert evening.date() == at.date()

    assert remind(evening) == 0

    assert notified("appointment_today") == []


def test_an_appointment_of_a_cancelled_job_is_not_reminded(client, people, appointment, day):
    _, start = day
    job = appointment(start + timedelta(hours=10))
    response = client.post(
        f"/api/jobs/{job['id']}/cancel", json={"reason": "customer fixed it"}, headers=people.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()

    assert remind(start + timedelta(hours=8)) == 0

    assert notified("appointment_today") == []


def test_each_of_a_technicians_appointments_today_is_reminded(people, appointment, day):
    _, start = day
    first = appointment(start + timedelta(hours=9))
    second = appointment(start + timedelta(hours=14), serial="SN-OLD")

    assert remind(start + timedelta(hours=8)) == 2

    db.session.expire_all()
    reminded = db.session.scalars(
        select(Notification.job_id)
        .where(Notification.user_id == people.tech1.id)
        .where(Notification.kind == "appointment_today")
    ).all()
    assert sorted(reminded) == sorted([first["id"], second["id"]])


def test_an_appointment_is_reminded_again_on_its_new_day_after_a_new_appointment(client, people, appointment, day):
    _, start = day
    job = appointment(start + timedelta(hours=10))
    remind(start + timedelta(hours=8))
    moved = start + timedelta(days=1, hours=10)
    response = client.post(
        f"/api/jobs/{job['id']}/contact", json={"appointment_at": moved.isoformat()}, headers=people.tech1.headers
    )
    assert response.status_code == 200, response.get_json()

    assert remind(start + timedelta(days=1, hours=8)) == 1

    assert [data["appointment_at"] for _, data in notified("appointment_today")] == [
        (start + timedelta(hours=10)).isoformat(),
        moved.isoformat(),
    ]
