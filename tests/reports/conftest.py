"""Fixtures of the report tests: a small national network and rows written straight to the tables.

The world: provinces 370000 (city 370100, county 370112) and 440000 (city 440100); providers P01 and P02 in
370100 and P44 in 440100; technicians t1, t2 (P01), t3 (P02), t4 (P44). Rows get fixed times in the local
days of January 2026 (UTC+8).
"""

from datetime import timedelta
from itertools import count

import pytest
from sqlalchemy import select

from server.care.models import Callback
from server.care.models import Complaint
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import ServiceRequest
from server.network.services import regions
from server.products.models import Product
from tests.fixtures.reference import make_product
from tests.reports.helpers import NOON

# kept for tests/e2e until it uses the plugins (tests/e2e/test_dashboard.py imports make_product from here)
__all__ = ["make_product"]


@pytest.fixture
def world(make_geography, make_region, make_provider, make_product, make_user, auth):
    make_geography()
    make_region("440000", level="province")
    make_region("440100", level="city", parent_code="440000")
    make_provider("P01", region_codes=["370100"])
    make_provider("P02", region_codes=["370100"])
    make_provider("P44", region_codes=["440100"])
    make_product("TV55", category="tv")
    make_product("WM10", category="washing_machine")

    class World:
        pass

    w = World()
    for name, role, fields in [
        ("t1", "technician", {"provider_code": "P01", "display_name": "张师傅"}),
        ("t2", "technician", {"provider_code": "P01"}),
        ("t3", "technician", {"provider_code": "P02"}),
        ("t4", "technician", {"provider_code": "P44"}),
        ("admin", "admin", {}),
        ("auditor", "auditor", {}),
        ("pm1", "provider_manager", {"provider_code": "P01"}),
        ("disp37", "dispatcher", {"region_code": "370000"}),
        ("disp", "dispatcher", {}),
        ("agent", "agent", {}),
    ]:
        user = make_user(role, username=name, **fields)
        user.headers = auth(user)
        setattr(w, name, user)
    db.session.commit()
    return w


_numbers = count(1)


@pytest.fixture
def job(world):
    """``job(technician="t1", model="TV55", state="completed", completed=NOON, **times)`` → a stored job."""

    def make(
        technician="t1", model="TV55", state="completed", created=NOON - timedelta(days=1), completed=NOON, **times
    ):
        tech = getattr(world, technician) if technician else None
        city = "440100" if tech is world.t4 else "370100"
        region = regions.find(city)
        product = db.session.scalar(select(Product).where(Product.model == model))
        n = next(_numbers)
        request = ServiceRequest(
            number=f"R{n:07d}", customer_phone="13800000000", region_id=region.id, product_id=product.id
        )
        db.session.add(request)
        db.session.flush()
        made = Job(
            number=f"J{n:07d}",
            request_id=request.id,
            product_id=product.id,
            region_id=region.id,
            province_id=region.parent_id,
            provider_id=tech.provider_id if tech else None,
            technician_id=tech.id if tech else None,
            state=state,
            created_at=created,
            completed_at=completed if state in ("completed", "closed") else None,
            **times,
        )
        db.session.add(made)
        db.session.commit()
        return made

    return make


@pytest.fixture
def complaint(world):
    """``complaint(of_job, created=NOON, status="open", due=..., repeat=False)`` → a stored complaint."""

    def make(of_job, created=NOON, status="open", due=None, repeat=False):
        n = next(_numbers)
        made = Complaint(
            number=f"C{n:07d}",
            status=status,
            channel="phone",
            category="late_visit",
            description="-",
            job_id=of_job.id,
            province_id=of_job.province_id,
            region_id=of_job.region_id,
            provider_id=of_job.provider_id,
            technician_id=of_job.technician_id,
            created_at=created,
            due_at=due or created + timedelta(hours=48),
            closed_at=created + timedelta(hours=1) if status == "closed" else None,
            repeat=repeat,
        )
        db.session.add(made)
        db.session.commit()
        return made

    return make


@pytest.fixture
def callback(world):
    """``callback(of_job, scores=(5, 4, 3), status="reached", closed=NOON)`` → a stored, finished callback."""

    def make(of_job, scores=(5, 4, 3), status="reached", closed=NOON):
        timeliness, attitude, quality = scores if status == "reached" else (None, None, None)
        made = Callback(
            job_id=of_job.id,
            status=status,
            due_at=closed - timedelta(days=1),
            next_attempt_at=closed - timedelta(days=1),
            attempts=1,
            closed_at=closed,
            timeliness=timeliness,
            attitude=attitude,
            quality=quality,
            job_type="warranty",
            job_completed_at=of_job.completed_at,
            province_id=of_job.province_id,
            region_id=of_job.region_id,
            provider_id=of_job.provider_id,
            technician_id=of_job.technician_id,
        )
        db.session.add(made)
        db.session.commit()
        return made

    return make
