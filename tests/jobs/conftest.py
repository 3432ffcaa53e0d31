"""Fixtures of the dispatch tests: a small network, a call centre, and factories of requests and jobs.

The world: province 370000 with city 370100 (area class city) and its county
370112 (area class county); a second city 370200 in the same province.
Providers P01 and P02 cover city 370100 (so its county too); P03 covers
370200 only. Model TV55 (tv, 12 months whole unit) has unit SN-IN sold
recently (in warranty) and SN-OLD sold long ago (out of warranty), both to
phone 13800000000.
"""

import io
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.extensions import db
from server.installbase.services import import_sales
from tests.products.conftest import make_policy  # noqa: F401  (a fixture, shared with the products tests)
from tests.products.conftest import make_product  # noqa: F401  (a fixture, shared with the products tests)

PHONE = "13800000000"


def later(**delta):
    """An aware UTC time ``delta`` from now, as ISO text."""
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@pytest.fixture
def world(make_geography, make_region, make_provider, make_product, make_policy):  # noqa: F811
    make_geography()
    make_region("370200", level="city", parent_code="370000")
    make_provider("P01", region_codes=["370100"])
    make_provider("P02", region_codes=["370100"])
    make_provider("P03", region_codes=["370200"])
    make_policy("tv", whole_unit_months=12, main_part_months=36)
    make_product("TV55", category="tv")
    today = datetime.now(UTC).date()
    rows = [
        f"SN-IN,TV55,{today - timedelta(days=30)},370000,370100,Store 1,{PHONE}",
        f"SN-OLD,TV55,{today - timedelta(days=800)},370000,370100,Store 1,{PHONE}",
    ]
    header = "serial,model,sale_date,province,city,store,customer_phone\n"
    result = import_sales(io.BytesIO((header + "\n".join(rows) + "\n").encode()), "world.csv")
    assert result["rejected"] == []
    db.session.commit()


@pytest.fixture
def people(world, make_user, auth):
    """Users of every role in the dispatch flow, by name, each with ``.headers``."""

    class People:
        pass

    crowd = People()
    for name, role, fields in [
        ("agent", "agent", {}),
        ("dispatcher", "dispatcher", {}),
        ("admin", "admin", {}),
        ("pm1", "provider_manager", {"provider_code": "P01"}),
        ("pm2", "provider_manager", {"provider_code": "P02"}),
        ("tech1", "technician", {"provider_code": "P01"}),
        ("tech2", "technician", {"provider_code": "P01"}),
        ("tech3", "technician", {"provider_code": "P02"}),
    ]:
        user = make_user(role, username=name, **fields)
        user.headers = auth(user)
        setattr(crowd, name, user)
    return crowd


def request_body(**overrides):
    body = {
        "customer_phone": PHONE,
        "customer_name": "王先生",
        "address": "幸福路 8 号",
        "region_code": "370112",
        "serial": "SN-IN",
        "fault_description": "不开机",
        "channel": "phone",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


@pytest.fixture
def open_job(client, people):
    """``open_job(**request_fields)`` → the JSON of the job created for a new request (201 asserted)."""

    def make(**overrides):
        response = client.post("/api/requests", json=request_body(**overrides), headers=people.agent.headers)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make


STEPS_TO = {
    "new": [],
    "dispatched": ["dispatch"],
    "assigned": ["dispatch", "assign"],
    "accepted": ["dispatch", "assign", "accept"],
    "en_route": ["dispatch", "assign", "accept", "depart"],
    "on_site": ["dispatch", "assign", "accept", "depart", "arrive"],
    "scanned": ["dispatch", "assign", "accept", "depart", "arrive", "scan"],
    "completed": ["dispatch", "assign", "accept", "depart", "arrive", "scan", "complete"],
    "closed": ["dispatch", "assign", "accept", "depart", "arrive", "scan", "complete", "close"],
}


@pytest.fixture
def walk(client, people):
    """``walk(job, "on_site", technician=people.tech1)`` → the job's JSON after the steps that lead there."""

    def step(job_id, name, technician):
        bodies = {
            "dispatch": ("/dispatch", {"provider_code": technician.provider.code}, people.dispatcher),
            "assign": ("/assign", {"technician_id": technician.id}, people.dispatcher),
            "accept": ("/accept", {"device_time": later(minutes=-1)}, technician),
            "depart": ("/depart", {}, technician),
            "arrive": ("/arrive", {}, technician),
            "scan": ("/scans", {"serial": "SN-IN", "source": "camera", "symbology": "CODE128"}, technician),
            "complete": ("/complete", {"summary": "换主板", "confirmed_by": "王先生"}, technician),
            "close": ("/close", {}, people.dispatcher),
        }
        path, body, user = bodies[name]
        response = client.post(f"/api/jobs/{job_id}{path}", json=body, headers=user.headers)
        assert response.status_code in (200, 201), (name, response.get_json())

    def make(job, state, technician=None):
        technician = technician or people.tech1
        for name in STEPS_TO[state]:
            step(job["id"], name, technician)
        return client.get(f"/api/jobs/{job['id']}", headers=people.admin.headers).get_json()

    return make


@pytest.fixture
def fetch(client, people):
    """``fetch(job_id)`` → the job's JSON as the admin reads it now."""

    def get(job_id, headers=None):
        response = client.get(f"/api/jobs/{job_id}", headers=headers or people.admin.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


@pytest.fixture
def events(client, people):
    """``events(job_id)`` → the job's events, oldest first."""

    def get(job_id):
        response = client.get(f"/api/jobs/{job_id}/events", headers=people.admin.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


@pytest.fixture
def notified(client, people):
    """``notified(name, kind)`` → the job ids of the ``kind`` notifications the person ``name`` has."""

    def get(name, kind):
        response = client.get("/api/notifications", headers=getattr(people, name).headers)
        assert response.status_code == 200, response.get_json()
        return [n["job_id"] for n in response.get_json()["items"] if n["kind"] == kind]

    return get
