"""GET /api/install-base/<serial>: the sale record, its warranty today, its claims and jobs, as the caller may see."""

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest

from tests.helpers import assert_error
from tests.installbase.helpers import sales_csv

ALL_ROLES = ("admin", "agent", "dispatcher", "technician", "provider_manager", "parts_clerk", "hq_planner", "auditor")
PROVIDER_STAFF = ("technician", "provider_manager")


@pytest.fixture
def lookup(client, as_role):
    """``lookup(serial, headers=agent's)`` → the response of GET /api/install-base/<serial>."""
    agent = as_role("agent")

    def get(serial, headers=None):
        return client.get(f"/api/install-base/{serial}", headers=agent if headers is None else headers)

    return get


@pytest.fixture
def two_providers(world, make_provider):
    """P01 covering 370100 and P02 covering 440100."""
    return make_provider("P01", region_codes=["370100"]), make_provider("P02", region_codes=["440100"])


def utc_today():
    return datetime.now(UTC).date()


# ---------------------------------------------------------------- the sale record


def test_lookup_answers_the_sale_record(make_sale, lookup):
    make_sale("SN1", "TV55", date(2024, 1, 15), "370000", "370100", "Store 1", "13812345678", "jan.csv")
    response = lookup("SN1")
    assert response.status_code == 200
    assert response.json["sale"] == {
        "serial": "SN1",
        "model": "TV55",
        "category": "tv",
        "sale_date": "2024-01-15",
        "store": "Store 1",
        "province": "370000",
        "city": "370100",
        "customer_phone": "13812345678",
        "source_file": "jan.csv",
    }


def test_lookup_of_a_unit_sold_without_a_city(make_sale, lookup):
    make_sale("SN1", city=None)
    response = lookup("SN1")
    assert response.status_code == 200
    assert (response.json["sale"]["province"], response.json["sale"]["city"]) == ("370000", None)


@pytest.mark.parametrize("asked", ["sn1", "Sn1", "%20sn1%20"], ids=["lower", "mixed", "padded"])
def test_lookup_normalises_the_serial_in_the_address(make_sale, lookup, asked):
    make_sale("SN1")
    response = lookup(asked)
    assert response.status_code == 200
    assert response.json["sale"]["serial"] == "SN1"


def test_a_record_imported_through_the_api_is_found_by_its_serial(world, upload, lookup):
    assert upload(sales_csv(" sn9 ,TV55,2024-01-15,370000,370100,S,1")).status_code == 200
    response = lookup("sn9")
    assert response.status_code == 200
    assert response.json["sale"]["sale_date"] == "2024-01-15"


@pytest.mark.parametrize(
    ("asked", "named"),
    [("NOPE1", "NOPE1"), ("nope1", "NOPE1"), ("S" * 65, "S" * 65)],
    ids=["unknown", "unknown-lower-case", "too-long"],
)
def test_an_unknown_serial_is_404_unknown_serial(make_sale, lookup, asked, named):
    make_sale("SN1")
    error = assert_error(lookup(asked), 404, "unknown_serial")
    assert named in error["message"]
    assert error["details"] == {}


@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_role_may_look_a_unit_up(make_sale, lookup, as_role, role):
    make_sale("SN1")
    assert lookup("SN1", headers=as_role(role)).status_code == 200


def test_lookup_needs_a_token(make_sale, lookup):
    make_sale("SN1")
    assert_error(lookup("SN1", headers={}), 401, "token_missing")


# ---------------------------------------------------------------- the customer's phone


@pytest.mark.parametrize(
    ("role", "phone"),
    [
        ("technician", "*******5678"),
        ("provider_manager", "*******5678"),
        ("agent", "13812345678"),
        ("dispatcher", "13812345678"),
        ("auditor", "13812345678"),
        ("admin", "13812345678"),
    ],
)
def test_provider_staff_see_only_the_last_four_digits_of_the_phone(make_sale, lookup, as_role, role, phone):
    make_sale("SN1", customer_phone="13812345678")
    assert lookup("SN1", headers=as_role(role)).json["sale"]["customer_phone"] == phone


# ---------------------------------------------------------------- warranty today


def period(months, ends_on, active):
    return {"months": months, "ends_on": ends_on, "active": active}


def test_warranty_of_a_unit_sold_this_year_is_active_for_unit_and_main_parts(make_sale, lookup):
    year = utc_today().year
    make_sale("SN1", sale_date=date(year, 1, 1))
    assert lookup("SN1").json["warranty"] == {
        "policy": "tv",
        "whole_unit": period(12, f"{year + 1}-01-01", True),
        "main_parts": period(36, f"{year + 3}-01-01", True),
    }


def test_warranty_of_a_unit_sold_two_years_ago_covers_only_main_parts(make_sale, lookup):
    year = utc_today().year
    make_sale("SN1", sale_date=date(year - 2, 1, 31))
    assert lookup("SN1").json["warranty"] == {
        "policy": "tv",
        "whole_unit": period(12, f"{year - 1}-01-31", False),
        "main_parts": period(36, f"{year + 1}-01-31", True),
    }


def test_warranty_of_a_unit_sold_four_years_ago_has_ended(make_sale, lookup):
    year = utc_today().year
    make_sale("SN1", sale_date=date(year - 4, 6, 30))
    assert lookup("SN1").json["warranty"] == {
        "policy": "tv",
        "whole_unit": period(12, f"{year - 3}-06-30", False),
        "main_parts": period(36, f"{year - 1}-06-30", False),
    }


def test_warranty_ends_at_the_end_of_a_shorter_month(make_sale, make_product, make_policy, lookup):
    """31 January + 1 month is the last day of February (28th, or 29th in a leap year)."""
    make_product("FAN1", category="fan")
    make_policy("fan", whole_unit_months=1, main_part_months=13)
    make_sale("SN1", model="FAN1", sale_date=date(2023, 1, 31))
    assert lookup("SN1").json["warranty"] == {
        "policy": "fan",
        "whole_unit": period(1, "2023-02-28", False),
        "main_parts": period(13, "2024-02-29", False),
    }


def test_a_unit_of_a_category_without_policy_has_no_warranty(make_sale, lookup):
    make_sale("SN1", model="WM8")
    assert lookup("SN1").json["warranty"] == {"policy": None, "whole_unit": None, "main_parts": None}


# ---------------------------------------------------------------- claims and jobs on the unit


@pytest.fixture
def claims_of_two_providers(two_providers, make_user, make_claim, make_sale):
    """A claim on SN1 by each provider and one by P01 on another unit: ``(P01's claim id, P02's claim id)``."""
    make_sale("SN1")
    make_sale("SN2")
    first = make_claim(make_user("provider_manager", provider_code="P01"), serial="SN1")
    second = make_claim(make_user("provider_manager", provider_code="P02"), serial="sn1", repair_date=date(2024, 6, 5))
    make_claim(make_user("provider_manager", provider_code="P01"), serial="SN2")
    return first.id, second.id


@pytest.mark.parametrize("role", ["agent", "auditor", "admin"])
def test_headquarters_see_every_claim_on_the_unit(claims_of_two_providers, lookup, as_role, role):
    claims = lookup("SN1", headers=as_role(role)).json["claims"]
    assert [(c["id"], c["provider_code"], c["serial"]) for c in claims] == [
        (claims_of_two_providers[0], "P01", "SN1"),
        (claims_of_two_providers[1], "P02", "SN1"),
    ]


@pytest.mark.parametrize("role", PROVIDER_STAFF)
@pytest.mark.parametrize("provider", ["P01", "P02"])
def test_provider_staff_see_only_their_own_providers_claims(claims_of_two_providers, lookup, as_role, role, provider):
    claims = lookup("SN1", headers=as_role(role, provider_code=provider)).json["claims"]
    expected = claims_of_two_providers[0] if provider == "P01" else claims_of_two_providers[1]
    assert [(c["id"], c["provider_code"]) for c in claims] == [(expected, provider)]


def test_a_claim_on_the_unit_carries_its_status_and_flags(two_providers, make_sale, make_user, make_claim, lookup):
    make_sale("SN1", sale_date=date(2024, 1, 15))
    claim = make_claim(make_user("provider_manager", provider_code="P02"), failure_date=date(2024, 1, 10))
    (shown,) = lookup("SN1").json["claims"]
    assert (shown["id"], shown["status"]) == (claim.id, "pending_review")
    assert {flag["code"] for flag in shown["flags"]} == {"BEFORE_SALE", "REGION_MISMATCH"}


def test_a_unit_without_claims_or_jobs_lists_none(make_sale, lookup):
    make_sale("SN1")
    body = lookup("SN1").json
    assert (body["claims"], body["jobs"]) == ([], [])


@pytest.fixture
def jobs_of_two_providers(two_providers, make_job, make_sale):
    """Jobs on SN1 with P01, with P02 and with no provider yet, and one with P01 on SN2: their numbers."""
    make_sale("SN1")
    p01, p02 = two_providers
    numbers = [make_job(p01).number, make_job(p02, region="440100").number, make_job(None).number]
    make_job(p01, serial="SN2")
    return numbers


@pytest.mark.parametrize("role", ["agent", "dispatcher", "auditor", "admin"])
def test_headquarters_see_every_job_on_the_unit(jobs_of_two_providers, lookup, as_role, role):
    jobs = lookup("SN1", headers=as_role(role)).json["jobs"]
    assert [(j["number"], j["provider_code"]) for j in jobs] == list(
        zip(jobs_of_two_providers, ["P01", "P02", None], strict=True)
    )


@pytest.mark.parametrize("role", PROVIDER_STAFF)
@pytest.mark.parametrize(("provider", "index"), [("P01", 0), ("P02", 1)])
def test_provider_staff_see_only_their_own_providers_jobs(
    jobs_of_two_providers, lookup, as_role, role, provider, index
):
    jobs = lookup("SN1", headers=as_role(role, provider_code=provider)).json["jobs"]
    assert [(j["number"], j["provider_code"]) for j in jobs] == [(jobs_of_two_providers[index], provider)]


def test_a_job_on_the_unit_carries_its_state_and_type(two_providers, make_job, make_sale, lookup):
    make_sale("SN1")
    job = make_job(two_providers[0], job_type="installation", state="dispatched")
    (shown,) = lookup("SN1").json["jobs"]
    assert {k: shown[k] for k in ("id", "number", "state", "job_type", "provider_code")} == {
        "id": job.id,
        "number": job.number,
        "state": "dispatched",
        "job_type": "installation",
        "provider_code": "P01",
    }


# ---------------------------------------------------------------- a provincial dispatcher or parts clerk

PROVINCIAL = ("dispatcher", "parts_clerk")


@pytest.mark.parametrize("role", PROVINCIAL)
@pytest.mark.parametrize(("province", "phone"), [("370000", "13812345678"), ("440000", "*******5678")])
def test_a_provincial_reader_sees_the_phone_of_a_unit_sold_in_another_province_masked(
    make_sale, lookup, as_role, role, province, phone
):
    make_sale("SN1", province="370000", city="370100", customer_phone="13812345678")
    assert lookup("SN1", headers=as_role(role, region_code=province)).json["sale"]["customer_phone"] == phone


@pytest.mark.parametrize("role", PROVINCIAL)
@pytest.mark.parametrize(("province", "indexes"), [("370000", [0, 2]), ("440000", [1])])
def test_a_provincial_reader_sees_only_the_jobs_in_their_province(
    jobs_of_two_providers, lookup, as_role, role, province, indexes
):
    jobs = lookup("SN1", headers=as_role(role, region_code=province)).json["jobs"]
    assert [j["number"] for j in jobs] == [jobs_of_two_providers[i] for i in indexes]


@pytest.mark.parametrize("role", PROVINCIAL)
@pytest.mark.parametrize("province", ["370000", "440000"])
def test_a_provincial_reader_sees_only_the_claims_of_jobs_in_their_province(
    two_providers, make_sale, make_job, make_user, make_claim, lookup, as_role, role, province
):
    make_sale("SN1")
    p01, p02 = two_providers
    ours = make_claim(make_user("provider_manager", provider_code="P01"), job_id=make_job(p01).id)
    theirs = make_claim(
        make_user("provider_manager", provider_code="P02"),
        job_id=make_job(p02, region="440100").id,
        repair_date=date(2024, 8, 1),
        failure_date=date(2024, 7, 30),
    )
    claims = lookup("SN1", headers=as_role(role, region_code=province)).json["claims"]
    assert [c["id"] for c in claims] == [ours.id if province == "370000" else theirs.id]
