"""A provider's team: its technicians with their load today, each figure the plain count of their jobs.

The dispatch world: P01 has technicians tech1 and tech2, P02 has tech3; pm1 manages P01.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.core.clock import local_day_bounds
from server.core.clock import local_today
from server.extensions import db
from server.jobs.models import Job
from server.jobs.services import dispatch
from server.jobs.services import queries
from tests.helpers import assert_error

ZERO = {"open_jobs": 0, "assigned_today": 0, "appointments_today": 0, "completed_today": 0}


@pytest.fixture
def team(client, people):
    """``team(user=pm1, provider=P01)`` → the team's JSON (200 asserted)."""

    def get(user=None, provider_id=None):
        user = user or people.pm1
        provider_id = provider_id or people.pm1.provider_id
        response = client.get(f"/api/providers/{provider_id}/technicians", headers=user.headers)
        assert response.status_code == 200, response.json
        return response.json

    return get


def loads(answer):
    """{username: {figure: count}} of a team's answer."""
    return {each["username"]: {key: each[key] for key in ZERO} for each in answer["technicians"]}


def test_the_team_is_the_providers_technicians_with_its_name_and_the_local_day(people, team):
    answer = team()
    assert (answer["provider_code"], answer["provider_name"]) == ("P01", "Provider P01")
    assert answer["day"] == local_today().isoformat()
    assert loads(answer) == {"tech1": ZERO, "tech2": ZERO}
    assert {each["id"] for each in answer["technicians"]} == {people.tech1.id, people.tech2.id}
    assert all(each["active"] for each in answer["technicians"])


def test_an_open_job_given_today_counts_as_open_and_assigned_today(open_job, walk, team):
    walk(open_job(), "on_site")
    walk(open_job(serial="SN-OLD"), "assigned")
    assert loads(team())["tech1"] == {**ZERO, "open_jobs": 2, "assigned_today": 2}


def test_a_completed_job_is_no_longer_open_and_counts_as_completed_today(open_job, walk, team):
    walk(open_job(), "completed")
    assert loads(team())["tech1"] == {**ZERO, "assigned_today": 1, "completed_today": 1}


def test_a_closed_or_cancelled_job_is_no_load(people, open_job, walk, team, client):
    walk(open_job(), "closed")
    cancelled = walk(open_job(serial="SN-OLD"), "assigned")
    response = client.post(
        f"/api/jobs/{cancelled['id']}/cancel", json={"reason": "客户取消"}, headers=people.agent.headers
    )
    assert response.status_code == 200, response.json
    # The closed job was completed today, and it was given today; the cancelled one holds nobody's time.
    assert loads(team())["tech1"] == {**ZERO, "assigned_today": 1, "completed_today": 1}


def test_a_reassigned_job_moves_from_the_first_technician_to_the_second(people, open_job, walk, team, client):
    job = walk(open_job(), "accepted")
    response = client.post(
        f"/api/jobs/{job['id']}/assign", json={"technician_id": people.tech2.id}, headers=people.pm1.headers
    )
    assert response.status_code == 200, response.json
    assert loads(team()) == {"tech1": ZERO, "tech2": {**ZERO, "open_jobs": 1, "assigned_today": 1}}


def test_a_job_given_yesterday_is_open_but_not_assigned_today(people, open_job, walk, team):
    job_id = walk(open_job(), "dispatched")["id"]
    yesterday = datetime.combine(local_today(), datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    dispatch.assign(queries.job_for(people.dispatcher, job_id), people.dispatcher, people.tech1.id, now=yesterday)
    db.session.commit()
    assert loads(team())["tech1"] == {**ZERO, "open_jobs": 1}


def test_a_visit_booked_for_today_counts_and_one_for_tomorrow_does_not(open_job, walk, team):
    today = walk(open_job(), "accepted")
    tomorrow = walk(open_job(serial="SN-OLD"), "accepted")
    start, _ = local_day_bounds(local_today())
    db.session.get(Job, today["id"]).appointment_at = start + timedelta(hours=15)
    db.session.get(Job, tomorrow["id"]).appointment_at = start + timedelta(days=1, hours=9)
    db.session.commit()
    assert loads(team())["tech1"] == {**ZERO, "open_jobs": 2, "assigned_today": 2, "appointments_today": 1}


def test_the_least_loaded_comes_first(open_job, walk, team):
    walk(open_job(), "assigned")
    assert [each["username"] for each in team()["technicians"]] == ["tech2", "tech1"]


def test_a_disabled_technician_is_shown_only_while_holding_open_jobs(people, open_job, walk, team):
    walk(open_job(), "assigned", people.tech2)
    people.tech1.active = False
    people.tech2.active = False
    db.session.commit()
    [shown] = team()["technicians"]
    assert (shown["username"], shown["active"], shown["open_jobs"]) == ("tech2", False, 1)


def test_admin_reads_any_providers_team(people, team):
    assert set(loads(team(people.admin, people.pm2.provider_id))) == {"tech3"}


def test_another_providers_team_is_not_found_as_one_that_does_not_exist(people, client):
    theirs = client.get(f"/api/providers/{people.pm2.provider_id}/technicians", headers=people.pm1.headers)
    nobody = client.get("/api/providers/999999/technicians", headers=people.pm1.headers)
    assert_error(theirs, 404, "provider_not_found")
    assert_error(nobody, 404, "provider_not_found")


@pytest.mark.parametrize("role", ["tech1", "agent", "dispatcher"])
def test_only_managers_and_admins_read_a_team(people, client, role):
    response = client.get(f"/api/providers/{people.pm1.provider_id}/technicians", headers=getattr(people, role).headers)
    assert_error(response, 403, "role_forbidden")
