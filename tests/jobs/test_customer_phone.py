"""The customer's phone in a job's JSON: in full for the call centre, dispatch and admins; its last four digits
for provider staff (technicians, providers' managers), in every answer that carries the job.

The world's customer calls from PHONE (tests/fixtures/jobs.py); the job here is P01's, assigned to tech1.
"""

import pytest

from tests.fixtures.jobs import PHONE
from tests.fixtures.jobs import later

MASKED = "*******" + PHONE[-4:]

# Who reads the job, and the phone they are shown.
READERS = [
    ("tech1", MASKED),
    ("pm1", MASKED),
    ("agent", PHONE),
    ("dispatcher", PHONE),
    ("admin", PHONE),
]


@pytest.fixture
def assigned(open_job, walk):
    """The id of a job of P01 assigned to tech1."""
    return walk(open_job(serial=None), "assigned")["id"]


def test_masked_is_the_last_four_digits_behind_stars():
    assert MASKED == "*******0000"
    assert len(MASKED) == len(PHONE)


@pytest.mark.parametrize(("who", "phone"), READERS)
def test_one_job_shows_the_phone_as_the_callers_role_may_see_it(client, people, assigned, who, phone):
    response = client.get(f"/api/jobs/{assigned}", headers=getattr(people, who).headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["request"]["customer_phone"] == phone


@pytest.mark.parametrize(("who", "phone"), READERS)
def test_the_job_list_shows_each_phone_as_the_callers_role_may_see_it(
    client, people, assigned, open_job, walk, who, phone
):
    walk(open_job(serial=None), "accepted")
    response = client.get("/api/jobs", headers=getattr(people, who).headers)
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert len(items) == 2
    assert [item["request"]["customer_phone"] for item in items] == [phone, phone]


@pytest.mark.parametrize("who", ["tech1", "pm1"])
def test_no_answer_to_provider_staff_holds_the_phone_in_full(client, people, assigned, who):
    for path in ("/api/jobs", f"/api/jobs/{assigned}", f"/api/jobs/{assigned}/events"):
        response = client.get(path, headers=getattr(people, who).headers)
        assert response.status_code == 200, response.get_json()
        assert PHONE not in response.get_data(as_text=True), path


# A step's answer carries the job: (who takes it, the step, its body, the state it is taken from).
STEP_ANSWERS = [
    ("tech1", "accept", {}, "assigned", MASKED),
    ("tech1", "contact", {"appointment_at": later(days=1)}, "accepted", MASKED),
    ("pm1", "contact", {"reached": False}, "accepted", MASKED),
    ("tech1", "depart", {}, "accepted", MASKED),
    ("tech1", "arrive", {}, "en_route", MASKED),
    ("tech1", "complete", {"summary": "换主板", "confirmed_by": "王先生"}, "on_site", MASKED),
    ("pm1", "assign", {"technician_id": None}, "assigned", MASKED),
    ("dispatcher", "assign", {"technician_id": None}, "assigned", PHONE),
    ("dispatcher", "escalate", {"reason": "客户投诉"}, "accepted", PHONE),
]


@pytest.mark.parametrize(
    ("who", "step", "body", "state", "phone"), STEP_ANSWERS, ids=[f"{w}-{s}" for w, s, *_ in STEP_ANSWERS]
)
def test_a_steps_answer_shows_the_phone_as_its_takers_role_may_see_it(
    client, people, open_job, walk, who, step, body, state, phone
):
    job_id = walk(open_job(serial=None), state)["id"]
    if "technician_id" in body:
        body = {"technician_id": people.tech2.id}
    response = client.post(f"/api/jobs/{job_id}/{step}", json=body, headers=getattr(people, who).headers)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    job = answer["job"] if step == "escalate" else answer
    assert job["request"]["customer_phone"] == phone
