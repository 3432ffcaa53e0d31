"""Fixtures of the claims tests: a small catalogue, sold units, two providers, and claim factories.

The world: model TV55 (category tv, warranty 12 months whole unit, 36 months
main parts) with parts BOARD (120.50), PANEL (799.99, a main part) and SCREW
(0.50, not claimable); a fridge model FR40 without parts. Providers P01 and
P02 both cover city 370100 in province 370000, so a unit sold there is in
both their regions. Dates are fixed and in the past, so "today" never moves
a claim out of warranty or into the future.
"""

import io

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.claims.models import Claim
from server.claims.models import ClaimFlag
from server.claims.models import ClaimLine
from server.claims.models import Settlement
from server.extensions import db
from server.installbase.services import import_sales
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.services import regions
from tests.knowledge.factories import ensure_fault_code
from tests.parts.conftest import make_part  # noqa: F401  (a fixture, shared with the parts tests)
from tests.products.conftest import make_policy  # noqa: F401  (a fixture, shared with the products tests)
from tests.products.conftest import make_product  # noqa: F401  (a fixture, shared with the products tests)

SOLD = "2025-01-15"
BOARD_CENTS = 12050
PANEL_CENTS = 79999


@pytest.fixture(autouse=True)
def known_fault_code(request):
    """Fault code E01, the one claims here carry, is a defect the knowledge base knows (claims must name one)."""
    if "app" in request.fixturenames:
        ensure_fault_code("E01")


@pytest.fixture
def world(make_geography, make_provider, make_product, make_part, make_policy):  # noqa: F811
    """The catalogue and the two providers described above."""
    make_geography()
    make_provider("P01", region_codes=["370100"])
    make_provider("P02", region_codes=["370100"])
    make_policy("tv", whole_unit_months=12, main_part_months=36)
    make_product("TV55", category="tv")
    make_product("FR40", category="fridge")
    make_part("BOARD", price_cents=BOARD_CENTS, models=("TV55",))
    make_part("PANEL", price_cents=PANEL_CENTS, models=("TV55",), main_part=True)
    make_part("SCREW", price_cents=50, models=("TV55",), claimable=False)


@pytest.fixture
def sell(world):
    """``sell(serial, model="TV55", sale_date=SOLD, province="370000", city="370100")``: a sale record, committed."""

    def make(serial, model="TV55", sale_date=SOLD, province="370000", city="370100"):
        header = "serial,model,sale_date,province,city,store,customer_phone\n"
        row = f"{serial},{model},{sale_date},{province},{city},Store 1,13800000000\n"
        result = import_sales(io.BytesIO((header + row).encode()), "test.csv")
        assert result["rejected"] == []
        db.session.commit()

    return make


@pytest.fixture
def manager(world, make_user, auth):
    """``manager("P01")`` → headers of a provider_manager of that provider (one user per provider)."""
    users = {}

    def make(provider_code="P01"):
        if provider_code not in users:
            users[provider_code] = make_user("provider_manager", provider_code=provider_code)
        return auth(users[provider_code])

    return make


@pytest.fixture
def auditor_user(make_user):
    return make_user("auditor", username="audit")


@pytest.fixture
def auditor(auditor_user, auth):
    return auth(auditor_user)


def claim_body(**overrides):
    """A claim on sold unit SN0001 that passes every check."""
    body = {
        "serial": "SN0001",
        "model": "TV55",
        "failure_date": "2025-03-01",
        "repair_date": "2025-03-03",
        "fault_code": "E01",
        "parts": [{"part_no": "BOARD", "qty": 2}],
        "labor_fee": "35.50",
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
def submit(client, manager):
    """``submit(provider_code="P01", **fields)`` → the response to POST /api/claims of ``claim_body(**fields)``."""

    def post(provider_code="P01", **overrides):
        return client.post("/api/claims", json=claim_body(**overrides), headers=manager(provider_code))

    return post


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
def flagged_claim(submit, world):
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
def make_job(world, provider_id):
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
        )
        db.session.add(job)
        db.session.commit()
        return job.id

    return make
