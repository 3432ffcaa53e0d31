"""The two requests that put parts on a job, POST /api/jobs/<id>/parts-used (fitted) and POST
/api/jobs/<id>/shortages (missing): the body both accept, and what both refuse without changing anything.

What each then does (the stock it issues, the requisition it raises) is in test_usage and test_shortages.
"""

import pytest

from server.parts.models import StockMovement
from server.supply.models import PartUsage
from server.supply.models import Requisition
from tests.helpers import assert_error
from tests.supply.helpers import count
from tests.supply.helpers import lines

ENDPOINTS = ("parts-used", "shortages")
# The step each request is to the job, as an illegal transition names it.
ACTION = {"parts-used": "use_parts", "shortages": "report_shortage"}
# The states where a job is not being worked, for each request (parts may still be recorded once it is completed).
NOT_WORKED = {
    "parts-used": ("assigned", "closed", "cancelled"),
    "shortages": ("assigned", "completed", "closed", "cancelled"),
}


@pytest.fixture
def put_parts(client, catalogue):
    """``put_parts(endpoint, job_id, body, user="tech1")`` → the response to POST /api/jobs/<id>/<endpoint>."""

    def post(endpoint, job_id, body, user="tech1"):
        return client.post(f"/api/jobs/{job_id}/{endpoint}", json=body, headers=getattr(catalogue, user).headers)

    return post


def written():
    """How many requisitions, part usages and stock movements are stored now."""
    return count(Requisition), count(PartUsage), count(StockMovement)


# ---------------------------------------------------------------- the body


@pytest.mark.parametrize(
    ("endpoint", "parts_of", "state", "board"),
    [
        pytest.param("parts-used", lambda body: body, "on_site", (0, 0), id="parts-used"),
        pytest.param("shortages", lambda body: body["lines"], "waiting_parts", (1, 1), id="shortages"),
    ],
)
def test_the_bare_list_of_parts_is_accepted(on_site, put_parts, fetch, stock_books, endpoint, parts_of, state, board):
    """A usage issues the BOARD from P01's stock room and leaves the job on site; a shortage moves no stock and
    holds the job for its parts."""
    job = on_site()
    response = put_parts(endpoint, job["id"], lines(("BOARD", 1)))
    assert response.status_code == 201, response.get_json()
    assert [(line["part_no"], line["qty"]) for line in parts_of(response.get_json())] == [("BOARD", 1)]
    assert fetch(job["id"])["state"] == state
    assert stock_books("PROV-P01", "BOARD") == board


# ---------------------------------------------------------------- when and by whom


@pytest.mark.parametrize(
    ("endpoint", "state"),
    [
        pytest.param(endpoint, state, id=f"{endpoint}-{state}")
        for endpoint in ENDPOINTS
        for state in NOT_WORKED[endpoint]
    ],
)
def test_parts_on_a_job_not_being_worked_are_an_illegal_transition(reach, put_parts, snapshot, endpoint, state):
    job = reach(state)
    before = snapshot()
    error = assert_error(put_parts(endpoint, job["id"], {"parts": lines(("BOARD", 1))}), 409, "illegal_transition")
    assert error["details"]["action"] == ACTION[endpoint]
    assert count(Requisition) == 0
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_new_job_is_not_even_visible_to_a_technician(catalogue, open_job, put_parts, snapshot, endpoint):
    job = open_job()
    before = snapshot()
    assert_error(put_parts(endpoint, job["id"], {"parts": lines(("BOARD", 1))}), 404, "job_not_found")
    assert snapshot() == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_another_technician_of_the_provider_cannot_put_parts_on_the_job(on_site, put_parts, snapshot, endpoint):
    job = on_site()
    before = snapshot()
    response = put_parts(endpoint, job["id"], {"parts": lines(("BOARD", 1))}, user="tech2")
    assert_error(response, 404, "job_not_found")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("endpoint", "user"),
    [
        pytest.param(endpoint, user, id=f"{endpoint}-{user}")
        for endpoint in ENDPOINTS
        for user in ("pm1", "dispatcher", "admin", "clerk")
    ],
)
def test_only_a_technician_puts_parts_on_a_job(on_site, put_parts, snapshot, endpoint, user):
    job = on_site()
    before = snapshot()
    response = put_parts(endpoint, job["id"], {"parts": lines(("BOARD", 1))}, user=user)
    assert_error(response, 403, "role_forbidden")
    assert snapshot() == before


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("endpoint", "parts", "named"),
    [
        pytest.param("parts-used", [("ZZ-9", 1), ("BOARD", 1), ("AA-1", 2)], ("AA-1", "ZZ-9"), id="parts-used"),
        pytest.param("shortages", [("BOARD", 1), ("NOPE-1", 1)], ("NOPE-1",), id="shortages"),
    ],
)
def test_an_unknown_part_number_is_named_and_a_known_one_is_not(on_site, put_parts, endpoint, parts, named):
    job = on_site()
    response = put_parts(endpoint, job["id"], {"parts": lines(*parts)})
    error = assert_error(response, 422, "validation_error", fields={"parts"})
    for part_no in named:
        assert part_no in error["details"]["fields"]["parts"][0]
    assert "BOARD" not in error["details"]["fields"]["parts"][0]


BAD_USAGES = [
    ("unknown part", {"parts": lines(("BOARD", 1), ("NOPE-1", 1))}),
    ("qty 0", {"parts": lines(("BOARD", 0))}),
    ("qty -1", {"parts": lines(("BOARD", -1))}),
    ("qty 1.5", {"parts": lines(("BOARD", 1.5))}),
    ("qty as text", {"parts": lines(("BOARD", "2"))}),
    ("qty too large", {"parts": lines(("BOARD", 10_001))}),
    ("qty missing", {"parts": [{"part_no": "BOARD"}]}),
    ("qty null", {"parts": lines(("BOARD", None))}),
    ("part_no missing", {"parts": [{"qty": 1}]}),
    ("part_no with spaces", {"parts": lines(("BO ARD", 1))}),
    ("part_no empty", {"parts": lines(("", 1))}),
    ("empty list", {"parts": []}),
    ("empty bare list", []),
    ("101 lines", {"parts": lines(*[("BOARD", 1)] * 101)}),
    ("parts missing", {"note": "x"}),
    ("parts not a list", {"parts": {"part_no": "BOARD", "qty": 1}}),
    ("a line not an object", {"parts": ["BOARD"]}),
    ("device_time without offset", {"parts": lines(("BOARD", 1)), "device_time": "2026-03-01T09:30:00"}),
    ("unknown field", {"parts": lines(("BOARD", 1)), "price": "1.00"}),
    ("no body", None),
    ("body a string", "BOARD"),
    ("parts null", {"parts": None}),
    ("a line null", {"parts": [None]}),
    ("part_no too long", {"parts": lines(("B" * 65, 1))}),
    ("part_no with a NUL", {"parts": lines(("BO\x00ARD", 1))}),
    ("qty true", {"parts": lines(("BOARD", True))}),
]
BAD_SHORTAGES = [
    ("unknown part", {"parts": lines(("NOPE-1", 1))}),
    ("qty 0", {"parts": lines(("BOARD", 0))}),
    ("qty -1", {"parts": lines(("BOARD", -1))}),
    ("qty 1.5", {"parts": lines(("BOARD", 1.5))}),
    ("qty as text", {"parts": lines(("BOARD", "2"))}),
    ("qty missing", {"parts": [{"part_no": "BOARD"}]}),
    ("part_no with spaces", {"parts": lines(("BO ARD", 1))}),
    ("empty list", {"parts": []}),
    ("101 lines", {"parts": lines(*[("BOARD", 1)] * 101)}),
    ("note too long", {"parts": lines(("BOARD", 1)), "note": "x" * 2001}),
    ("device_time without offset", {"parts": lines(("BOARD", 1)), "device_time": "2026-03-01T09:30:00"}),
]
BAD_BODIES = [
    *(pytest.param("parts-used", body, id=f"parts-used {case}") for case, body in BAD_USAGES),
    *(pytest.param("shortages", body, id=f"shortages {case}") for case, body in BAD_SHORTAGES),
]


@pytest.mark.parametrize(("endpoint", "body"), BAD_BODIES)
def test_bad_input_is_422_and_changes_nothing(on_site, put_parts, events, snapshot, endpoint, body):
    job = on_site()
    recorded = events(job["id"])
    _, usages, moves = written()
    before = snapshot()
    assert_error(put_parts(endpoint, job["id"], body), 422, "validation_error")
    assert written() == (0, usages, moves)
    assert events(job["id"]) == recorded
    assert snapshot() == before
