"""Fixtures of the parts-supply tests: province 440000's side of the network, jobs on site in either province or
in any state, approved requisitions and their sales orders.

The world they build on (the dispatch world, parts, stock, clerks and the planner) is the plugins'
(tests/fixtures/jobs.py, tests/fixtures/supply.py and tests/fixtures/reference.py).
"""

from itertools import count

import pytest

from tests.supply.helpers import CLERK_OF
from tests.supply.helpers import TECHNICIAN_OF


@pytest.fixture
def canton(catalogue, make_geography, make_provider, make_user, auth):
    """Province 440000's side of the network: county 440112 in city 440100, provider P44 covering the city,
    its technician ``tech44`` and manager ``pm44`` (each with ``.headers``), added to ``catalogue``."""
    make_geography("440000", "440100", "440112")
    make_provider("P44", region_codes=["440100"])
    for name, role in [("tech44", "technician"), ("pm44", "provider_manager")]:
        user = make_user(role, username=name, provider_code="P44")
        user.headers = auth(user)
        setattr(catalogue, name, user)
    return catalogue


@pytest.fixture
def job_in(on_site, canton):
    """``job_in(province="370000")`` → the JSON of a new job on site in that province (its own unit each time):
    P01's ``tech1`` in 370112, or P44's ``tech44`` in 440112."""
    serials = count(1)

    def make(province="370000"):
        unit = {"serial": f"SN-PLAN{next(serials)}", "model": "TV55"}
        if province == "440000":
            return on_site(technician=canton.tech44, region_code="440112", **unit)
        return on_site(**unit)

    return make


@pytest.fixture
def reach(catalogue, open_job, walk, client):
    """``reach(state)`` → a job of tech1's in ``state`` (``cancelled``: cancelled on site by the dispatcher)."""

    def make(state):
        if state != "cancelled":
            return walk(open_job(), state)
        job = walk(open_job(), "on_site")
        response = client.post(
            f"/api/jobs/{job['id']}/cancel", json={"reason": "客户取消"}, headers=catalogue.dispatcher.headers
        )
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return make


@pytest.fixture
def approved(call, short, job_in):
    """``approved([(part_no, qty)], province="370000", job=None)`` → the requisition raised on a new job of the
    province (or on ``job``) and approved by its clerk (200 asserted)."""

    def make(lines, province="370000", job=None):
        job = job or job_in(province)
        requisition = short(job["id"], lines, user=TECHNICIAN_OF[province])
        status, body = call("post", f"/api/requisitions/{requisition['id']}/approve", CLERK_OF[province], {})
        assert status == 200, body
        return body

    return make


@pytest.fixture
def sales_orders(call):
    """``sales_orders(requisition_id, user="admin")`` → the requisition's sales orders, oldest first, as ``user``
    lists them (200 asserted)."""

    def read(requisition_id, user="admin"):
        status, body = call("get", f"/api/sales-orders?requisition_id={requisition_id}", user)
        assert status == 200, body
        return body["items"]

    return read
