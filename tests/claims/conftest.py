"""Fixtures of the claims tests: auditors, claim factories and readers, on the claims world.

The world, the sale records and the provider managers who file claims are tests/fixtures/claims.py's
(``claims_world``, ``sell``, ``manager``, ``submit``), shared with the knowledge tests.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.claims.models import Claim
from server.claims.models import ClaimFlag
from server.claims.models import ClaimLine
from server.claims.models import Settlement
from server.core.clock import utcnow
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.services import regions
from tests.knowledge.factories import ensure_fault_code

# A returnable part (旧件返还) in the supply world: its old part goes back to the RDC.
MOTOR_CENTS = 30_000


@pytest.fixture(autouse=True)
def known_fault_code(request):
    """Fault code E01, the one claims here carry, is a defect the knowledge base knows (claims must name one)."""
    if "app" in request.fixturenames:
        ensure_fault_code("E01")


@pytest.fixture
def auditor_user(make_user):
    return make_user("auditor", username="audit")


@pytest.fixture
def auditor(auditor_user, auth):
    return auth(auditor_user)


@pytest.fixture
def clean_claim(sell, submit):
    """``clean_claim(serial, repair_date="2025-03-03", provider_code="P01", **fields)`` → an approved claim's JSON."""

    def make(serial, repair_date="2025-03-03", provider_code="P01", **overrides):
        sell(serial)
        overrides.setdefault("failure_date", repair_date)
        response = submit(provider_code, serial=serial, repair_date=repair_date, **overrides)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.json["status"] == "approved", response.json["flags"]
        return response.json

    return make


@pytest.fixture
def flagged_claim(submit, claims_world):
    """``flagged_claim(serial, ...)`` → a pending_review claim's JSON: the serial was never sold."""

    def make(serial, repair_date="2025-03-03", provider_code="P01", **overrides):
        overrides.setdefault("failure_date", repair_date)
        response = submit(provider_code, serial=serial, repair_date=repair_date, **overrides)
        assert response.status_code == 201, response.get_data(as_text=True)
        assert response.json["status"] == "pending_review"
        return response.json

    return make


@pytest.fixture
def decide(client, auditor):
    """``decide(claim_id, "approve"|"reject", reason="...")`` → the response of the auditor's decision."""

    def post(claim_id, decision, reason="checked on site"):
        return client.post(
            f"/api/claims/{claim_id}/decision", json={"decision": decision, "reason": reason}, headers=auditor
        )

    return post


@pytest.fixture
def provider_id():
    """``provider_id("P01")`` → the provider's database id."""

    def find(code):
        from server.network.services import providers

        return providers.find(code).id

    return find


@pytest.fixture
def claims_written():
    """``claims_written()`` → how many rows claims, their lines, flags and settlements hold, read fresh."""

    def count():
        db.session.expire_all()
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Claim, ClaimLine, ClaimFlag, Settlement)
        )

    return count


@pytest.fixture
def stored_claim():
    """``stored_claim(claim_id)`` → the Claim row as the database holds it now."""

    def read(claim_id):
        db.session.expire_all()
        return db.session.get(Claim, claim_id)

    return read


@pytest.fixture
def make_job(claims_world, provider_id):
    """``make_job("P02", serial="SN0001")`` → the id of a warranty job of that provider on the unit."""
    counter = {"n": 0}

    def make(provider_code="P01", serial="SN0001"):
        counter["n"] += 1
        region = regions.find("370112")
        request = ServiceRequest(
            number=f"R{counter['n']:04d}", serial=serial, customer_phone="13800000000", region_id=region.id
        )
        db.session.add(request)
        db.session.flush()
        job = Job(
            number=f"J{counter['n']:04d}",
            request_id=request.id,
            region_id=region.id,
            provider_id=provider_id(provider_code),
            # Completed, the customer confirming with the code they were sent: a visit the checks find clean.
            state="completed",
            completed_at=utcnow(),
            completion_code_digest="0" * 64,
            completion_code_sent_at=utcnow(),
            confirmation_method="code",
            confirmation_code="000000",
            confirmation_code_ok=True,
        )
        db.session.add(job)
        db.session.commit()
        return job.id

    return make


# ---------------------------------------------------------------- old parts returned (the supply world)


@pytest.fixture
def returns_world(catalogue, make_part, make_user, auth):
    make_part("MOTOR", name="Drum motor", price_cents=MOTOR_CENTS, return_required=True)
    auditor = make_user("auditor", username="auditor")
    auditor.headers = auth(auditor)
    catalogue.auditor = auditor
    return catalogue


@pytest.fixture
def fit(client, returns_world, on_site):
    """``fit([{"part_no", "qty", "old_serial"?}], job=None)`` → (job JSON, the response of parts used)."""

    def post(parts, job=None, user="tech1"):
        job = job or on_site()
        response = client.post(
            f"/api/jobs/{job['id']}/parts-used", json={"parts": parts}, headers=getattr(returns_world, user).headers
        )
        return job, response

    return post


@pytest.fixture
def another_job(on_site):
    """``another_job()`` → a second warranty job of P01 on site, on another unit."""
    made = {"n": 0}

    def make():
        made["n"] += 1
        return on_site(serial=f"SN-OTHER{made['n']}", job_type="warranty")

    return make


@pytest.fixture
def api(client, returns_world):
    """``api("post", path, "pm1", json)`` → the response, as that person."""

    def run(method, path, user, json=None):
        return getattr(client, method)(path, json=json, headers=getattr(returns_world, user).headers)

    return run
