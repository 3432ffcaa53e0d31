"""The position checks wired to a claim: jobs walked through the API with the phone's positions, claims filed
through the claims service, flags stored with their facts, and a two-job flag standing on both claims.

The dispatch world (tests/fixtures/jobs.py): units SN-IN and SN-OLD sold in Jinan, provider P01 with technician
tech1 and manager pm1. Each job's address is in Jinan; its coordinates are given by the request."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.claims import services as claims
from server.claims.models import Claim
from server.core import geo
from server.extensions import db
from tests.helpers import completion_code
from tests.knowledge.factories import ensure_fault_code

HOME = (36.6683, 117.0204)  # WGS-84
M_PER_DEG = geo.EARTH_RADIUS_M * 3.141592653589793 / 180
START = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


# SN-OLD was sold long ago: its claims are OUT_OF_WARRANTY too, which is not these checks' business.
POSITION_CODES = {"NO_CHECKIN", "FAR_FROM_ADDRESS", "IMPOSSIBLE_TRAVEL", "OVERLAPPING_VISITS"}


def position_flags(made):
    return sorted(flag.code for flag in made.flags if flag.code in POSITION_CODES)


def north(metres):
    return HOME[0] + metres / M_PER_DEG, HOME[1]


def position(where, minutes, accuracy=15.0):
    return {
        "lat": where[0],
        "lng": where[1],
        "accuracy_m": accuracy,
        "fix_time": (START + timedelta(minutes=minutes)).isoformat(),
    }


@pytest.fixture
def visited(client, people, open_job, walk):
    """``visited(serial, arrive=(where, minute) or None, complete=(where, minute) or None, address=HOME in gcj02)``
    → the id of a warranty job of tech1 completed with those fixes; the address given in GCJ-02, as a Chinese map
    gives it."""

    def make(serial, arrive=(HOME, 0), complete=(HOME, 40), address=HOME):
        coordinates = {}
        if address is not None:
            lat, lng = geo.wgs84_to_gcj02(*address)
            coordinates = {"lat": lat, "lng": lng, "coord_system": "gcj02"}
        job = walk(open_job(serial=serial, **coordinates), "en_route")
        body = {"position": position(*arrive)} if arrive else {}
        assert client.post(f"/api/jobs/{job['id']}/arrive", json=body, headers=people.tech1.headers).status_code == 200
        # The customer's code read out: the visit's confirmation is clean, so the only flags are the positions'.
        confirmation = {"method": "code", "code": completion_code(job["id"])}
        body = {"summary": "换主板", "confirmed_by": "王先生", "confirmation": confirmation}
        if complete:
            body["position"] = position(*complete)
        response = client.post(f"/api/jobs/{job['id']}/complete", json=body, headers=people.tech1.headers)
        assert response.status_code == 200, response.get_json()
        return job["id"]

    return make


@pytest.fixture
def claim(people):
    ensure_fault_code("E01")

    def submit(job_id, serial):
        today = datetime.now(UTC).date()
        values = {
            "serial": serial,
            "model": "TV55",
            "failure_date": today,
            "repair_date": today,
            "fault_code": "E01",
            "parts": [],
            "labor_fee": 3500,
            "job_id": job_id,
        }
        made = claims.submit_claim(people.pm1, values)
        db.session.commit()
        return made

    return submit


def test_the_same_technician_honest_on_two_jobs_10_km_and_an_hour_apart_raises_nothing(visited, claim):
    first = visited("SN-IN", arrive=(HOME, 0), complete=(HOME, 45))
    second = visited("SN-OLD", arrive=(north(10_000), 105), complete=(north(10_000), 150), address=north(10_000))
    assert claim(first, "SN-IN").flags == []
    assert position_flags(claim(second, "SN-OLD")) == []


def test_a_clean_visit_raises_no_position_flag(visited, claim):
    made = claim(visited("SN-IN", arrive=(north(60), 0), complete=(north(40), 40)), "SN-IN")
    assert [flag.code for flag in made.flags] == []
    assert made.status == "approved"


def test_a_code_typer_who_never_went_is_far_from_the_address_at_both_steps(visited, claim):
    made = claim(visited("SN-IN", arrive=(north(9000), 0), complete=(north(9000), 40)), "SN-IN")
    far = [flag for flag in made.flags if flag.code == "FAR_FROM_ADDRESS"]
    assert [(flag.data["step"], flag.data["distance_m"]) for flag in far] == [("arrive", 9000), ("complete", 9000)]
    assert made.status == "pending_review"


def test_an_arrival_without_a_position_is_no_checkin(visited, claim):
    made = claim(visited("SN-IN", arrive=None), "SN-IN")
    assert [flag.code for flag in made.flags] == ["NO_CHECKIN"]


def test_two_jobs_completed_from_one_place_flag_both_claims(visited, claim):
    # Job A at the address; job B (its address 6 km away) worked from A's doorstep at the same time.
    first = visited("SN-IN", arrive=(HOME, 0), complete=(HOME, 60))
    earlier = claim(first, "SN-IN")
    assert earlier.status == "approved"  # nothing known yet of B: A alone is clean
    second = visited("SN-OLD", arrive=(HOME, 10), complete=(HOME, 50), address=north(6000))
    later = claim(second, "SN-OLD")
    assert position_flags(later) == ["FAR_FROM_ADDRESS", "FAR_FROM_ADDRESS", "OVERLAPPING_VISITS"]
    overlap = next(flag for flag in later.flags if flag.code == "OVERLAPPING_VISITS")
    assert overlap.data["other_job_id"] == first
    assert overlap.data["overlap_minutes"] == 40
    # A's claim was approved already: left as it is, and B's flag says so.
    assert overlap.data["other_claims"] == [{"id": earlier.id, "status": "approved"}]
    assert "left as it is" in overlap.message
    db.session.refresh(earlier)
    assert earlier.flags == []


def test_a_two_job_flag_lands_on_the_other_claim_still_waiting_for_review(visited, claim):
    first = visited("SN-IN", arrive=None, complete=(HOME, 60))  # NO_CHECKIN keeps its claim pending
    earlier = claim(first, "SN-IN")
    assert [flag.code for flag in earlier.flags] == ["NO_CHECKIN"]
    second = visited("SN-OLD", arrive=(north(30_000), 70), complete=(north(30_000), 100), address=north(30_000))
    later = claim(second, "SN-OLD")
    [travel] = [flag for flag in later.flags if flag.code == "IMPOSSIBLE_TRAVEL"]
    assert (travel.data["other_job_id"], travel.data["minutes"], travel.data["kmh"]) == (first, 10, 180)
    db.session.expire_all()
    mirrored = [flag for flag in db.session.get(Claim, earlier.id).flags if flag.code == "IMPOSSIBLE_TRAVEL"]
    assert len(mirrored) == 1
    assert mirrored[0].data["other_job_id"] == second
    assert mirrored[0].data["found_by_claim_id"] == later.id
    assert f"claim {later.id}" in mirrored[0].message
