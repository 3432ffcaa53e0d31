"""The provider's finished warranty jobs waiting for a claim, each with its claim drafted from the job.

The world is the dispatch one (tests/fixtures/jobs.py) with the parts catalogue (tests/fixtures/supply.py): unit
SN-IN (TV55, sold 30 days ago) at the customer's, provider P01 with technician tech1 and manager pm1.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import Scan
from server.jobs.services.positions import record_fix
from tests.helpers import completion_code
from tests.knowledge.factories import ensure_fault_code

UNCLAIMED = "/api/claims/unclaimed"
LOCAL = timedelta(hours=8)


@pytest.fixture
def finished(call, on_site, make_part):
    """``finished(serial="SN-IN", parts=[("BOARD", 1)], scans=(serial,))`` → the id of a completed job of P01 by tech1.

    A unit has one open request at a time, so each job at once needs its own serial.
    """
    make_part("SCREW", price_cents=50, claimable=False)
    db.session.commit()

    def make(serial="SN-IN", parts=(("BOARD", 1),), scans=None, fault_code=None):
        job = on_site(serial=serial)
        for read in (serial,) if scans is None else scans:
            status, body = call("post", f"/api/jobs/{job['id']}/scans", "tech1", {"serial": read, "source": "camera"})
            assert status == 201, body
        if parts:
            lines = [{"part_no": part_no, "qty": qty} for part_no, qty in parts]
            status, body = call("post", f"/api/jobs/{job['id']}/parts-used", "tech1", lines)
            assert status in (200, 201), body
        status, body = call(
            "post",
            f"/api/jobs/{job['id']}/complete",
            "tech1",
            {
                "summary": "换主板",
                "confirmed_by": "王先生",
                "fault_code": fault_code,
                "confirmation": {"method": "code", "code": completion_code(job["id"])},
            },
        )
        assert status == 200, body
        return job["id"]

    return make


def unclaimed(call, user="pm1"):
    status, body = call("get", UNCLAIMED, user)
    assert status == 200, body
    return body


def test_a_finished_warranty_job_is_drafted_from_what_the_technician_recorded(call, finished):
    job_id = finished(parts=[("BOARD", 1), ("SCREW", 4), ("BOARD", 1), ("REMOTE", 1)], scans=("SN-BAD", "SN-IN"))

    page = unclaimed(call)

    assert page["total"] == 1
    item = page["items"][0]
    job = db.session.get(Job, job_id)
    draft = item["claim"]
    assert item["job_id"] == job_id
    assert item["job_number"] == job.number
    assert item["customer_name"] == "王先生"
    assert item["technician"] == job.technician.display_name
    assert draft["serial"] == "SN-IN"  # the later scan corrects the misread before it
    assert draft["scan_id"] == db.session.scalar(select(func.max(Scan.id)).where(Scan.job_id == job_id))
    assert draft["model"] == "TV55"
    assert draft["failure_date"] == (job.request.created_at + LOCAL).date().isoformat()
    assert draft["repair_date"] == (job.completed_at + LOCAL).date().isoformat()
    # Claimable parts only, one line per part; the screws are the provider's own cost.
    assert draft["parts"] == [{"part_no": "BOARD", "qty": 2}, {"part_no": "REMOTE", "qty": 1}]
    assert draft["labor_fee"] == "80.00"  # CLAIM_LABOUR_FEES["tv"]


def test_the_draft_sent_as_it_is_makes_a_clean_claim_and_the_job_leaves_the_list(call, finished):
    ensure_fault_code("E01")
    job_id = finished(fault_code="E01")
    # A clean visit: the phone gave its position at arrival (without one, NO_CHECKIN).
    record_fix(
        db.session.get(Job, job_id),
        "arrive",
        {"lat": 36.67, "lng": 117.02, "accuracy_m": 12.0, "fix_time": datetime.now(UTC) - timedelta(hours=1)},
    )
    db.session.commit()
    draft = unclaimed(call)["items"][0]["claim"]
    assert draft["fault_code"] == "E01"  # what the technician diagnosed

    status, claim = call("post", "/api/claims", "pm1", draft)

    assert status == 201, claim
    assert claim["status"] == "approved", claim["flags"]
    assert claim["job_id"] == draft["job_id"]
    assert claim["scan_id"] == draft["scan_id"]
    assert claim["amount"] == "200.00"  # 80.00 labour + one BOARD at 120.00
    assert unclaimed(call)["total"] == 0


def test_a_job_without_a_scan_drafts_the_serial_the_customer_gave(call, finished):
    finished(scans=())

    draft = unclaimed(call)["items"][0]["claim"]

    assert draft["serial"] == "SN-IN"
    assert draft["scan_id"] is None
    assert draft["fault_code"] == ""  # none recorded: the provider fills it in


@pytest.mark.parametrize(
    ("setting", "expected"),
    [({"tv": 12345, "*": 1}, "123.45"), ({"washing_machine": 9900, "*": 4000}, "40.00")],
    ids=["category", "fallback"],
)
def test_the_labour_fee_is_the_category_standard(app, call, finished, setting, expected):
    app.config["CLAIM_LABOUR_FEES"] = setting
    finished()

    assert unclaimed(call)["items"][0]["claim"]["labor_fee"] == expected


def test_only_finished_warranty_jobs_of_the_callers_provider_are_listed(call, finished, on_site, catalogue):
    done = finished()
    paid = finished("SN-2")
    db.session.get(Job, paid).job_type = "paid"
    db.session.commit()
    elsewhere = on_site(technician=catalogue.tech3, serial="SN-4")
    status, body = call("post", f"/api/jobs/{elsewhere['id']}/complete", "tech3", {"summary": "-", "confirmed_by": "-"})
    assert status == 200, body
    on_site(serial="SN-3")  # still open

    assert [item["job_id"] for item in unclaimed(call)["items"]] == [done]
    assert [item["job_id"] for item in unclaimed(call, "pm2")["items"]] == [elsewhere["id"]]


def test_newest_first_and_paged(call, finished):
    first, second, third = finished("SN-1"), finished("SN-2"), finished("SN-3")

    status, page = call("get", f"{UNCLAIMED}?per_page=2", "pm1")

    assert status == 200
    assert (page["total"], page["pages"]) == (3, 2)
    assert [item["job_id"] for item in page["items"]] == [third, second]
    assert [item["job_id"] for item in call("get", f"{UNCLAIMED}?per_page=2&page=2", "pm1")[1]["items"]] == [first]


@pytest.mark.parametrize("query", ["page=0", "per_page=abc", "page=-1"])
def test_bad_paging_is_refused(call, finished, query):
    finished()

    status, body = call("get", f"{UNCLAIMED}?{query}", "pm1")

    assert status == 422
    assert body["error"]["code"] == "validation_error"
    assert "page" in str(body["error"]["details"])


def test_one_job_is_asked_for_by_its_id(call, finished):
    wanted = finished("SN-1")
    finished("SN-2")

    status, page = call("get", f"{UNCLAIMED}?job_id={wanted}", "pm1")

    assert status == 200
    assert [item["job_id"] for item in page["items"]] == [wanted]
    assert call("get", f"{UNCLAIMED}?job_id=999999", "pm1")[1]["items"] == []
