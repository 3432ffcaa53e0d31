"""Sixteen phones syncing at once against gunicorn while dispatch moves their jobs.

Two providers with six technicians each; four technicians carry two phones,
so two phones of one person race on the same jobs. Every phone works a few
rounds over a network that loses answers and repeats requests, then all
settle. No request may end in an error, no op may be lost or take effect
twice, and every phone must end up holding what the server lists for its
technician. On PostgreSQL the server's two workers race for real; on SQLite
they share one writer, and must still never fail a request.
"""

from types import SimpleNamespace

import pytest

from server.extensions import db
from tests.conftest import app_config
from tests.devicesync.fleet import Clock
from tests.devicesync.fleet import Dispatcher
from tests.devicesync.fleet import Faults
from tests.devicesync.fleet import Phone
from tests.devicesync.fleet import check_fleet
from tests.devicesync.fleet import run_fleet
from tests.fixtures.jobs import request_body
from tests.live import LiveServer

pytestmark = [pytest.mark.both_backends, pytest.mark.commits]

PROVIDERS = ("P01", "P02")
TECHNICIANS_EACH = 6
TWO_PHONES_EACH = 2  # technicians of each provider who carry a second phone
JOBS_EACH = 3
ROUNDS = 10


def build_world(client, f):
    """The providers, their technicians with a few jobs each, part stock, and the desk that dispatches."""
    f.make_geography()
    for code in PROVIDERS:
        f.make_provider(code, region_codes=["370100"])
    f.make_policy("tv", whole_unit_months=12, main_part_months=36)
    f.make_product("TV55", category="tv")
    f.make_part("BOARD", name="Main board", price_cents=12_000, key_part=True)
    for code in PROVIDERS:
        f.make_stock(f"PROV-{code}", "BOARD", 5)
    agent = f.auth(f.make_user("agent", username="agent"))
    dispatcher = f.auth(f.make_user("dispatcher", username="dispatcher"))
    technicians = {code: [] for code in PROVIDERS}
    jobs = {}
    for code in PROVIDERS:
        for n in range(TECHNICIANS_EACH):
            user = f.make_user("technician", username=f"tech-{code}-{n}", provider_code=code)
            technicians[code].append(SimpleNamespace(id=user.id, name=user.username, headers=f.auth(user)))
            for _ in range(JOBS_EACH):
                response = client.post("/api/requests", json=request_body(serial=None, model="TV55"), headers=agent)
                assert response.status_code == 201, response.get_json()
                job_id = response.get_json()["id"]
                for step, body in (("dispatch", {"provider_code": code}), ("assign", {"technician_id": user.id})):
                    response = client.post(f"/api/jobs/{job_id}/{step}", json=body, headers=dispatcher)
                    assert response.status_code == 200, response.get_json()
                jobs[job_id] = code
    return SimpleNamespace(dispatcher=dispatcher, technicians=technicians, jobs=jobs)


def test_a_fleet_of_phones_loses_no_op_applies_none_twice_and_converges(app, backend, database_url, client, factories):
    world = build_world(client, factories)
    # Nothing of the test's own stays open while the server writes: SQLite has one writer.
    db.session.remove()
    clock = Clock()
    faults = Faults(bad_op=0.1)
    phones = []
    for code in PROVIDERS:
        for n, tech in enumerate(world.technicians[code]):
            for phone in "ab" if n < TWO_PHONES_EACH else "a":
                name = f"{tech.name}-{phone}"
                phones.append(Phone(name, tech.id, tech.headers, clock, seed=name, faults=faults))
    assert len(phones) == 16
    dispatcher = Dispatcher(
        world.dispatcher,
        {code: [tech.id for tech in techs] for code, techs in world.technicians.items()},
        world.jobs,
        seed=f"dispatch-{backend}",
        pause=(0.02, 0.1),
    )
    with LiveServer(app_config(database_url), workers=2) as server:
        stats = run_fleet(server, phones, ROUNDS, [dispatcher], timeout=120)
        check = check_fleet(phones)
    report = "\n".join([f"[{backend}]", *stats.lines(), check.line()])
    print(report)
    assert stats.errors == [], report + "\n" + "\n".join(stats.errors[:20])
    assert check.problems == [], report + "\n" + "\n".join(check.problems[:20])
    # The run met what it is about: ops applied and refused, answers given twice, jobs moved under the phones.
    assert stats.results["applied"] > 0, report
    assert stats.results["rejected"] > 0, report
    assert stats.results["duplicate"] > 0, report
    assert stats.moves["reassign"] > 0, report
