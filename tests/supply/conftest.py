"""Fixtures of the parts-supply tests: the dispatch world plus parts, stock, clerks and a planner.

Parts: BOARD (120.00, key part), PANEL (800.00, main part), REMOTE (15.00),
all fitting TV55. Stock: RDC-370000 holds 3 BOARD; P01's stock room holds 1
BOARD. Provider P01 has a deposit of 1000.00 and a credit limit of 500.00
(``make_provider``'s defaults). ``clerk`` approves for province 370000,
``clerk2`` for province 440000; ``planner`` is the hq_planner.
"""

import pytest

from server.extensions import db
from tests.jobs.conftest import events  # noqa: F401  (fixtures shared with the dispatch tests)
from tests.jobs.conftest import fetch  # noqa: F401
from tests.jobs.conftest import notified  # noqa: F401
from tests.jobs.conftest import open_job  # noqa: F401
from tests.jobs.conftest import people  # noqa: F401
from tests.jobs.conftest import walk  # noqa: F401
from tests.jobs.conftest import world  # noqa: F401
from tests.parts.conftest import make_part  # noqa: F401
from tests.parts.conftest import make_stock  # noqa: F401
from tests.parts.conftest import movements  # noqa: F401
from tests.parts.conftest import stock_books  # noqa: F401
from tests.products.conftest import make_policy  # noqa: F401
from tests.products.conftest import make_product  # noqa: F401


@pytest.fixture
def staff(people, make_user, make_region, auth):  # noqa: F811
    """``people`` plus ``clerk`` (370000), ``clerk2`` (440000) and ``planner``, each with ``.headers``."""
    make_region("440000", level="province")
    for name, role, fields in [
        ("clerk", "parts_clerk", {"region_code": "370000"}),
        ("clerk2", "parts_clerk", {"region_code": "440000"}),
        ("planner", "hq_planner", {}),
    ]:
        user = make_user(role, username=name, **fields)
        user.headers = auth(user)
        setattr(people, name, user)
    return people


@pytest.fixture
def catalogue(staff, make_part, make_stock):  # noqa: F811
    make_part("BOARD", name="Main board", price_cents=12_000, key_part=True)
    make_part("PANEL", name="Panel", price_cents=80_000, main_part=True)
    make_part("REMOTE", name="Remote", price_cents=1_500)
    make_stock("RDC-370000", "BOARD", 3)
    make_stock("PROV-P01", "BOARD", 1)
    db.session.commit()
    return staff


@pytest.fixture
def on_site(catalogue, open_job, walk):  # noqa: F811
    """``on_site(technician=None)`` → the JSON of a new job of P01 on site with ``tech1`` (or ``technician``)."""

    def make(technician=None, **request_fields):
        return walk(open_job(**request_fields), "on_site", technician or catalogue.tech1)

    return make


@pytest.fixture
def call(client, catalogue):
    """``call("post", path, user, json=None)`` → ``(status, body)``."""

    def run(method, path, user, json=None):
        response = getattr(client, method)(path, json=json, headers=getattr(catalogue, user).headers)
        return response.status_code, response.get_json()

    return run


@pytest.fixture
def short(call):
    """``short(job_id, [(part_no, qty)], user="tech1")`` → the requisition raised (201 asserted)."""

    def raise_(job_id, lines, user="tech1"):
        status, body = call(
            "post", f"/api/jobs/{job_id}/shortages", user, {"parts": [{"part_no": p, "qty": q} for p, q in lines]}
        )
        assert status == 201, body
        return body

    return raise_
