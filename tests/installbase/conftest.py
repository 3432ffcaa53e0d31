"""Fixtures of the install-base tests: the places and products sale records name, the two ways to import
them (CLI and API), and sale records, claims and jobs stored directly.

Its ``world``, ``upload``, ``run_cli`` and ``make_job`` are this package's own (other packages have fixtures of
those names that mean something else). CSV files and readers are in tests/installbase/helpers.py."""

import io
import itertools
import json
from datetime import date

import pytest

from server.extensions import db
from server.installbase.models import SaleRecord


@pytest.fixture
def world(app, make_geography, make_product, make_policy):
    """What sale rows refer to: province 370000 > city 370100 (and 370200), province 440000 > city 440100,
    products TV55 and TV65 (category tv, policy 12/36 months) and WM8 (washing_machine, no policy)."""
    make_geography("370000", "370100", "370112")
    make_geography("440000", "440100", "440106")
    make_product("TV55", category="tv")
    make_product("TV65", category="tv")
    make_product("WM8", category="washing_machine")
    make_policy("tv", whole_unit_months=12, main_part_months=36)


@pytest.fixture
def upload(client, admin):
    """``upload(content, headers=admin, filename="sales.csv")`` → the response of POST /api/install-base/import."""

    def post(content, headers=None, filename="sales.csv"):
        return client.post(
            "/api/install-base/import",
            data={"file": (io.BytesIO(content), filename)},
            headers=admin if headers is None else headers,
            content_type="multipart/form-data",
        )

    return post


@pytest.fixture
def run_cli(runner, tmp_path):
    """``run_cli(content)`` → the click Result of ``flask install-base import <file holding content>``."""
    numbers = itertools.count()

    def invoke(content, name=None):
        path = tmp_path / (name or f"sales-{next(numbers)}.csv")
        path.write_bytes(content)
        return runner.invoke(args=["install-base", "import", str(path)])

    return invoke


def cli_result(result):
    """The JSON answer a successful CLI import prints after its progress bar."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("{") :])


@pytest.fixture(params=["cli", "api"])
def import_sales(request, upload, run_cli):
    """``import_sales(content)`` → the import's result, through the CLI or the API (both are tested)."""

    def run(content):
        if request.param == "cli":
            return cli_result(run_cli(content))
        response = upload(content)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    return run


@pytest.fixture
def make_sale(world):
    """``make_sale(serial="SN1", model="TV55", sale_date=date(2024, 1, 15), ...)``: a stored sale record."""
    from server.network.services import regions
    from server.products.services import products

    def make(
        serial="SN1",
        model="TV55",
        sale_date=date(2024, 1, 15),
        province="370000",
        city="370100",
        store="Store 1",
        customer_phone="13812345678",
        source_file="sales.csv",
    ):
        record = SaleRecord(
            serial=serial,
            product=products.find(model),
            sale_date=sale_date,
            store=store,
            province=regions.find(province),
            city=regions.find(city) if city else None,
            customer_phone=customer_phone,
            source_file=source_file,
        )
        db.session.add(record)
        db.session.commit()
        return record

    return make


@pytest.fixture
def make_claim():
    """``make_claim(user, serial="SN1", model="TV55", failure_date=..., repair_date=...)``: a claim filed by
    ``user`` (a provider_manager) through the claims service, committed."""
    from server.claims.services import submit_claim
    from tests.knowledge.factories import ensure_fault_code

    def make(
        user, serial="SN1", model="TV55", failure_date=date(2024, 6, 1), repair_date=date(2024, 6, 3), job_id=None
    ):
        values = {
            "serial": serial,
            "model": model,
            "failure_date": failure_date,
            "repair_date": repair_date,
            "fault_code": "E01",
            "parts": [],
            "labor_fee": 5000,
            "job_id": job_id,
        }
        ensure_fault_code("E01")
        claim = submit_claim(user, values, today=date(2024, 12, 31))
        db.session.commit()
        return claim

    return make


@pytest.fixture
def make_job():
    """``make_job(provider, serial="SN1", region="370100")``: a service request for the unit and its job with
    ``provider``, in ``region`` (and so in its province)."""
    from server.jobs.models import Job
    from server.jobs.models import ServiceRequest
    from server.network.services import regions

    numbers = itertools.count(1)

    def make(provider, serial="SN1", region="370100", job_type="warranty", state="new"):
        n = next(numbers)
        place = regions.find(region)
        region_id = place.id
        request = ServiceRequest(number=f"SR{n:05d}", serial=serial, customer_phone="13812345678", region_id=region_id)
        db.session.add(request)
        db.session.flush()
        job = Job(
            number=f"JOB{n:05d}",
            request_id=request.id,
            region_id=region_id,
            province_id=place.province().id,
            provider_id=provider.id if provider else None,
            job_type=job_type,
            state=state,
        )
        db.session.add(job)
        db.session.commit()
        return job

    return make
