"""The automatic checks of a warranty claim, one function each: when each flags, when it does not,
and that its message names the evidence an auditor needs (sale date, policy end, earlier claim, province)."""

import itertools
from datetime import date

import pytest

from server.claims import checks
from server.claims.checks import ClaimFacts
from server.claims.flag_facts import facts_of
from server.claims.models import Claim
from server.extensions import db
from server.installbase.models import SaleRecord

SERIAL = "TV55000001"
SOLD = date(2024, 1, 15)  # whole unit until 2025-01-15, main parts until 2027-01-15 (tv: 12/36 months)

# ---------------------------------------------------------------- fixtures


@pytest.fixture
def world(app, make_region, make_provider, make_product, make_policy, make_part):
    """Shandong 370000 > Jinan 370100 (> Licheng 370112) and Qingdao 370200; Guangdong 440000 > Guangzhou 440100.
    TV55 and TV65 (tv, serials TV55/TV65 + six digits), WM8 (washing_machine, no pattern, no policy);
    policy tv 12/36 months; parts PANEL and BOARD (main parts) and REMOTE (not); provider P01 covers Jinan."""
    make_region("370000", name="Shandong", level="province")
    make_region("370100", name="Jinan", level="city", parent_code="370000")
    make_region("370112", name="Licheng", level="county", parent_code="370100", area_class="county")
    make_region("370200", name="Qingdao", level="city", parent_code="370000")
    make_region("440000", name="Guangdong", level="province")
    make_region("440100", name="Guangzhou", level="city", parent_code="440000")
    make_product("TV55", category="tv", serial_pattern=r"TV55\d{6}")
    make_product("TV65", category="tv", serial_pattern=r"TV65\d{6}")
    make_product("WM8", category="washing_machine")
    make_policy("tv", whole_unit_months=12, main_part_months=36)
    make_part("PANEL", models=("TV55",), main_part=True)
    make_part("BOARD", models=("TV55",), main_part=True)
    make_part("REMOTE", models=("TV55",), main_part=False)
    make_provider("P01", region_codes=["370100"])


@pytest.fixture
def make_sale(world):
    """``make_sale(serial=SERIAL, model="TV55", sale_date=SOLD, province="370000", city="370100")``: a stored record."""
    from server.network.services import regions
    from server.products.services import products

    def make(serial=SERIAL, model="TV55", sale_date=SOLD, province="370000", city="370100", store="Suning Quancheng"):
        record = SaleRecord(
            serial=serial,
            product=products.find(model),
            sale_date=sale_date,
            store=store,
            province=regions.find(province) if province else None,
            city=regions.find(city) if city else None,
            customer_phone="13812345678",
            source_file="sales.csv",
        )
        db.session.add(record)
        db.session.commit()
        return record

    return make


DEFAULT = object()


@pytest.fixture
def facts(make_sale, make_provider):
    """``facts(**overrides)``: the ClaimFacts of a claim by P01 on SERIAL (TV55 sold SOLD in Jinan), failing
    2024-06-01 and repaired 2024-06-03, without parts; ``parts`` are given as part numbers."""
    from server.parts.services import parts as part_kind
    from server.products.services import products

    def build(sale=DEFAULT, provider="P01", parts=(), **overrides):
        values = {
            "serial": SERIAL,
            "model": "TV55",
            "failure_date": date(2024, 6, 1),
            "repair_date": date(2024, 6, 3),
            "duplicate_window_days": 30,
        }
        values.update(overrides)
        values["product"] = overrides.get("product") or products.find(values["model"])
        return ClaimFacts(
            sale=make_sale(serial=values["serial"]) if sale is DEFAULT else sale,
            provider=make_provider(provider) if isinstance(provider, str) else provider,
            parts=[(part_kind.find(part_no), 1) for part_no in parts],
            **values,
        )

    return build


@pytest.fixture
def make_claim(world, make_user, make_provider):
    """``make_claim(serial=SERIAL, repair_date=..., status="approved", provider="P01", job_id=None)``:
    a stored claim, written directly (not through submit_claim), so only the check under test decides."""
    submitters = {}

    def make(serial=SERIAL, repair_date=date(2024, 6, 3), status="approved", provider="P01", job_id=None):
        if provider not in submitters:
            submitters[provider] = make_user("provider_manager", provider_code=make_provider(provider).code)
        user = submitters[provider]
        claim = Claim(
            provider_id=user.provider_id,
            submitted_by_id=user.id,
            serial=serial,
            model="TV55",
            failure_date=repair_date,
            repair_date=repair_date,
            fault_code="E01",
            job_id=job_id,
            labor_fee_cents=5000,
            parts_amount_cents=0,
            status=status,
        )
        db.session.add(claim)
        db.session.commit()
        return claim

    return make


@pytest.fixture
def make_job(world, make_provider):
    """``make_job(provider="P01", serial=SERIAL)``: a stored job (with its service request); returns its id."""
    from server.jobs.models import Job
    from server.jobs.models import ServiceRequest
    from server.network.services import regions

    numbers = itertools.count(1)

    def make(provider="P01", serial=SERIAL):
        n = next(numbers)
        region_id = regions.find("370100").id
        request = ServiceRequest(number=f"SR{n}", serial=serial, customer_phone="13812345678", region_id=region_id)
        db.session.add(request)
        db.session.flush()
        job = Job(number=f"J{n}", request_id=request.id, region_id=region_id, provider_id=make_provider(provider).id)
        db.session.add(job)
        db.session.commit()
        return job.id

    return make


def codes(flags):
    return [code for code, _ in flags]


def only_flag(flags, code):
    """The message of the single flag, which must carry ``code``."""
    assert codes(flags) == [code], flags
    return flags[0][1]


# ---------------------------------------------------------------- UNKNOWN_SERIAL


def test_unknown_serial_flags_a_serial_no_sale_record_has(facts):
    message = only_flag(checks.unknown_serial(facts(sale=None, serial="TV55999999")), "UNKNOWN_SERIAL")
    assert "TV55999999" in message


def test_unknown_serial_passes_a_sold_unit(facts):
    assert checks.unknown_serial(facts()) == []


# ---------------------------------------------------------------- SERIAL_FORMAT


@pytest.mark.parametrize(
    ("serial", "model", "sold", "flagged"),
    [
        pytest.param("TV55000001", "TV55", True, False, id="sold-unit-of-right-format"),
        pytest.param("TV55000001", "TV55", False, False, id="unsold-serial-of-right-format"),
        pytest.param("TV5500001", "TV55", True, True, id="one-digit-short"),
        pytest.param("TV550000012", "TV55", True, True, id="one-digit-long"),
        pytest.param("TV55A00001", "TV55", True, True, id="letter-among-digits"),
        pytest.param("XTV55000001", "TV55", True, True, id="prefix-before-pattern"),
        pytest.param("TV65000001", "TV55", False, True, id="unsold-serial-of-another-model"),
        pytest.param("TV65000001", "TV65", False, False, id="unsold-serial-of-claimed-model"),
        pytest.param("ANYTHING-1", "WM8", True, False, id="model-without-pattern"),
    ],
)
def test_serial_format_checks_the_products_pattern(facts, make_sale, serial, model, sold, flagged):
    sale = make_sale(serial=serial, model=model) if sold else None
    flags = checks.serial_format(facts(serial=serial, model=model, sale=sale))
    assert codes(flags) == (["SERIAL_FORMAT"] if flagged else [])


def test_serial_format_message_names_serial_model_and_pattern(facts, make_sale):
    message = only_flag(checks.serial_format(facts(serial="TV5500001", sale=None)), "SERIAL_FORMAT")
    assert "TV5500001" in message
    assert "TV55" in message
    assert r"TV55\d{6}" in message


def test_serial_format_of_a_sold_unit_uses_the_sold_models_pattern(facts, make_sale):
    """A TV55 serial claimed as TV65 is a model mismatch, not a malformed serial."""
    assert checks.serial_format(facts(model="TV65", sale=make_sale(serial=SERIAL, model="TV55"))) == []


# ---------------------------------------------------------------- MODEL_MISMATCH


@pytest.mark.parametrize(
    ("claimed", "sold_as", "flagged"),
    [("TV55", "TV55", False), ("TV65", "TV55", True), ("TV55", "TV65", True), ("WM8", "TV55", True)],
)
def test_model_mismatch_compares_claimed_and_sold_models(facts, make_sale, claimed, sold_as, flagged):
    flags = checks.model_mismatch(facts(model=claimed, sale=make_sale(model=sold_as)))
    assert codes(flags) == (["MODEL_MISMATCH"] if flagged else [])


def test_model_mismatch_passes_an_unknown_serial(facts):
    assert checks.model_mismatch(facts(model="TV65", sale=None)) == []


def test_model_mismatch_message_names_both_models_and_the_sale(facts):
    message = only_flag(checks.model_mismatch(facts(model="TV65")), "MODEL_MISMATCH")
    for evidence in ("TV65", "TV55", SERIAL, "2024-01-15"):
        assert evidence in message


# ---------------------------------------------------------------- BEFORE_SALE


@pytest.mark.parametrize(
    ("failure", "repair", "evidence"),
    [
        pytest.param(date(2024, 1, 14), date(2024, 1, 20), ["failure on 2024-01-14"], id="failure-day-before-sale"),
        pytest.param(
            date(2023, 12, 1), date(2024, 1, 2), ["failure on 2023-12-01", "repair on 2024-01-02"], id="both-before"
        ),
        pytest.param(date(2024, 1, 16), date(2024, 1, 14), ["repair on 2024-01-14"], id="repair-before-sale"),
    ],
)
def test_before_sale_flags_a_failure_or_repair_before_the_sale(facts, failure, repair, evidence):
    message = only_flag(checks.before_sale(facts(failure_date=failure, repair_date=repair)), "BEFORE_SALE")
    for words in [*evidence, "2024-01-15"]:
        assert words in message


@pytest.mark.parametrize(
    ("failure", "repair"),
    [
        pytest.param(date(2024, 1, 15), date(2024, 1, 15), id="on-sale-day"),
        pytest.param(date(2024, 6, 1), date(2024, 6, 3), id="after-sale"),
    ],
)
def test_before_sale_passes_a_failure_and_repair_from_the_sale_day_on(facts, failure, repair):
    assert checks.before_sale(facts(failure_date=failure, repair_date=repair)) == []


def test_before_sale_passes_an_unknown_serial(facts):
    assert checks.before_sale(facts(sale=None, failure_date=date(2000, 1, 1), repair_date=date(2000, 1, 2))) == []


# ---------------------------------------------------------------- OUT_OF_WARRANTY


@pytest.mark.parametrize(
    ("failure", "parts"),
    [
        pytest.param(date(2024, 6, 1), (), id="within-whole-unit"),
        pytest.param(date(2024, 1, 15), (), id="on-sale-day"),
        pytest.param(date(2025, 1, 14), (), id="last-day-of-whole-unit"),
        pytest.param(date(2025, 1, 14), ("REMOTE",), id="non-main-part-within-whole-unit"),
        pytest.param(date(2025, 6, 1), ("PANEL",), id="main-part-after-whole-unit"),
        pytest.param(date(2025, 6, 1), ("PANEL", "BOARD"), id="main-parts-after-whole-unit"),
        pytest.param(date(2027, 1, 14), ("PANEL",), id="last-day-of-main-parts"),
    ],
)
def test_out_of_warranty_passes_a_failure_within_its_period(facts, failure, parts):
    assert checks.out_of_warranty(facts(failure_date=failure, repair_date=failure, parts=parts)) == []


@pytest.mark.parametrize(
    ("failure", "parts", "evidence"),
    [
        pytest.param(date(2025, 1, 15), (), ["2025-01-15", "2024-01-15", "12 months"], id="whole-unit-end-day"),
        pytest.param(date(2025, 6, 1), (), ["2025-06-01", "2025-01-15"], id="no-parts-after-whole-unit"),
        pytest.param(date(2025, 6, 1), ("REMOTE",), ["2025-01-15", "REMOTE"], id="non-main-part"),
        pytest.param(
            date(2025, 6, 1), ("PANEL", "REMOTE"), ["2025-01-15", "2027-01-15", "REMOTE"], id="main-and-non-main"
        ),
        pytest.param(date(2027, 1, 15), ("PANEL",), ["2025-01-15", "2027-01-15"], id="main-part-end-day"),
        pytest.param(date(2028, 3, 1), ("PANEL", "BOARD"), ["2027-01-15", "36 months"], id="main-parts-long-after"),
        pytest.param(date(2028, 3, 1), ("PANEL", "REMOTE"), ["2025-01-15"], id="mixed-long-after"),
    ],
)
def test_out_of_warranty_flags_a_failure_past_its_period(facts, failure, parts, evidence):
    message = only_flag(
        checks.out_of_warranty(facts(failure_date=failure, repair_date=failure, parts=parts)), "OUT_OF_WARRANTY"
    )
    for words in evidence:
        assert words in message


def test_out_of_warranty_does_not_name_main_parts_as_uncovered(facts):
    message = only_flag(
        checks.out_of_warranty(
            facts(failure_date=date(2025, 6, 1), repair_date=date(2025, 6, 1), parts=("PANEL", "REMOTE"))
        ),
        "OUT_OF_WARRANTY",
    )
    assert "PANEL" not in message


def test_out_of_warranty_flags_a_unit_whose_category_has_no_policy(facts, make_sale):
    sale = make_sale(serial="WM0001", model="WM8")
    message = only_flag(checks.out_of_warranty(facts(serial="WM0001", model="WM8", sale=sale)), "OUT_OF_WARRANTY")
    assert "washing_machine" in message


def test_out_of_warranty_follows_the_policy_of_the_category(facts):
    """With a 24-month whole-unit policy, month 13 is still covered for the whole unit."""
    from server.products.services import policies

    policies.find("tv").whole_unit_months = 24
    db.session.commit()
    assert checks.out_of_warranty(facts(failure_date=date(2025, 6, 1), repair_date=date(2025, 6, 1))) == []


def test_out_of_warranty_passes_an_unknown_serial(facts):
    assert checks.out_of_warranty(facts(sale=None, failure_date=date(2030, 1, 1), repair_date=date(2030, 1, 1))) == []


# ---------------------------------------------------------------- REGION_MISMATCH


@pytest.mark.parametrize(
    "region_codes",
    [
        pytest.param(["370100"], id="the-sale-city"),
        pytest.param(["370200"], id="another-city-of-the-sale-province"),
        pytest.param(["370112"], id="a-county-of-the-sale-province"),
        pytest.param(["370000"], id="the-sale-province"),
        pytest.param(["440100", "370200"], id="two-provinces-one-of-them"),
    ],
)
def test_region_mismatch_passes_a_provider_working_in_the_sale_province(facts, make_provider, region_codes):
    provider = make_provider("P02", region_codes=region_codes)
    assert checks.region_mismatch(facts(provider=provider)) == []


@pytest.mark.parametrize(
    "region_codes",
    [pytest.param(["440100"], id="a-city-of-another-province"), pytest.param(["440000"], id="another-province")],
)
def test_region_mismatch_flags_a_provider_working_in_another_province(facts, make_provider, region_codes):
    provider = make_provider("P02", region_codes=region_codes)
    message = only_flag(checks.region_mismatch(facts(provider=provider)), "REGION_MISMATCH")
    for evidence in ("Shandong", "370000", "P02", SERIAL):
        assert evidence in message


def test_region_mismatch_names_the_province_of_the_sale(facts, make_sale):
    sale = make_sale(serial="TV55000002", province="440000", city="440100")
    message = only_flag(checks.region_mismatch(facts(serial="TV55000002", sale=sale)), "REGION_MISMATCH")
    assert "Guangdong (440000)" in message
    assert "P01" in message


@pytest.mark.parametrize("sale", ["unknown-serial", "sold-without-province"])
def test_region_mismatch_passes_a_unit_without_a_province(facts, make_sale, make_provider, sale):
    record = None if sale == "unknown-serial" else make_sale(province=None, city=None)
    provider = make_provider("P02", region_codes=["440100"])
    assert checks.region_mismatch(facts(provider=provider, sale=record)) == []


# ---------------------------------------------------------------- DUPLICATE_CLAIM

REPAIRED = date(2024, 6, 15)


@pytest.mark.parametrize(
    ("serial", "repair_date", "status", "flagged"),
    [
        pytest.param(SERIAL, date(2024, 6, 15), "approved", True, id="same-day"),
        pytest.param(SERIAL, date(2024, 5, 16), "approved", True, id="30-days-before"),
        pytest.param(SERIAL, date(2024, 7, 15), "approved", True, id="30-days-after"),
        pytest.param(SERIAL, date(2024, 5, 15), "approved", False, id="31-days-before"),
        pytest.param(SERIAL, date(2024, 7, 16), "approved", False, id="31-days-after"),
        pytest.param(SERIAL, date(2024, 6, 15), "pending_review", True, id="pending-review"),
        pytest.param(SERIAL, date(2024, 6, 15), "rejected", False, id="rejected"),
        pytest.param("TV55000002", date(2024, 6, 15), "approved", False, id="another-serial"),
    ],
)
def test_duplicate_claim_on_the_same_unit_within_the_window(facts, make_claim, serial, repair_date, status, flagged):
    make_claim(serial=serial, repair_date=repair_date, status=status)
    flags = checks.duplicate_claim(facts(repair_date=REPAIRED, failure_date=REPAIRED))
    assert codes(flags) == (["DUPLICATE_CLAIM"] if flagged else [])


def test_duplicate_claim_message_names_the_earlier_claim_and_its_repair_date(facts, make_claim):
    earlier = make_claim(repair_date=date(2024, 5, 20), provider="P02")
    message = only_flag(checks.duplicate_claim(facts(repair_date=REPAIRED, failure_date=REPAIRED)), "DUPLICATE_CLAIM")
    assert f"Claim {earlier.id} " in message
    for evidence in ("P02", "2024-05-20", "2024-06-15", SERIAL):
        assert evidence in message


def test_duplicate_claim_by_another_provider_is_flagged(facts, make_claim):
    make_claim(provider="P02")
    assert codes(checks.duplicate_claim(facts())) == ["DUPLICATE_CLAIM"]


@pytest.mark.parametrize(
    ("other_serial", "other_repair"),
    [
        pytest.param("TV55000009", date(2023, 1, 1), id="other-serial-far-date"),
        pytest.param(SERIAL, date(2023, 1, 1), id="same-serial-far-date"),
    ],
)
def test_duplicate_claim_on_the_same_job_regardless_of_serial(facts, make_claim, make_job, other_serial, other_repair):
    job_id = make_job()
    earlier = make_claim(serial=other_serial, repair_date=other_repair, job_id=job_id)
    message = only_flag(checks.duplicate_claim(facts(job_id=job_id)), "DUPLICATE_CLAIM")
    assert f"Claim {earlier.id} " in message
    assert f"job {job_id}" in message


def test_duplicate_claim_passes_a_rejected_claim_on_the_same_job(facts, make_claim, make_job):
    job_id = make_job()
    make_claim(serial="TV55000009", job_id=job_id, status="rejected")
    assert checks.duplicate_claim(facts(job_id=job_id)) == []


def test_duplicate_claim_passes_a_claim_on_another_job(facts, make_claim, make_job):
    make_claim(serial="TV55000009", job_id=make_job())
    assert checks.duplicate_claim(facts(job_id=make_job())) == []


def test_duplicate_claim_excludes_the_claim_being_checked(facts, make_claim, make_job):
    job_id = make_job()
    itself = make_claim(repair_date=REPAIRED, job_id=job_id)
    assert checks.duplicate_claim(facts(repair_date=REPAIRED, job_id=job_id, claim_id=itself.id)) == []


def test_duplicate_claim_names_every_earlier_claim(facts, make_claim):
    first = make_claim(repair_date=date(2024, 6, 1))
    second = make_claim(repair_date=date(2024, 6, 20), provider="P02")
    flags = checks.duplicate_claim(facts(repair_date=REPAIRED, failure_date=REPAIRED))
    assert codes(flags) == ["DUPLICATE_CLAIM", "DUPLICATE_CLAIM"]
    assert f"Claim {first.id} " in flags[0][1]
    assert f"Claim {second.id} " in flags[1][1]


def test_duplicate_claim_sentences_are_read_back_as_their_facts(facts, make_claim, make_job):
    """The facts an audit screen words and follows (tests/claims/test_flag_facts.py reads the other checks')."""
    same_unit = make_claim(repair_date=date(2024, 6, 1), provider="P02", status="pending_review")
    job_id = make_job()
    same_job = make_claim(serial="TV55000009", repair_date=date(2023, 1, 1), job_id=job_id)
    flags = checks.duplicate_claim(facts(repair_date=REPAIRED, failure_date=REPAIRED, job_id=job_id))
    assert [facts_of(code, message) for code, message in flags] == [
        {
            "claim_id": same_unit.id,
            "provider_code": "P02",
            "status": "pending_review",
            "serial": SERIAL,
            "repair_date": "2024-06-01",
            "window_days": 30,
            "this_repair_date": "2024-06-15",
        },
        {"claim_id": same_job.id, "provider_code": "P01", "status": "approved", "job_id": job_id},
    ]


@pytest.mark.parametrize(("days_apart", "flagged"), [(10, True), (11, False)])
def test_duplicate_claim_window_follows_the_facts(facts, make_claim, days_apart, flagged):
    make_claim(repair_date=date(2024, 6, 15 - days_apart))
    flags = checks.duplicate_claim(facts(repair_date=REPAIRED, failure_date=REPAIRED, duplicate_window_days=10))
    assert codes(flags) == (["DUPLICATE_CLAIM"] if flagged else [])


# ---------------------------------------------------------------- run_checks


def test_a_clean_claim_raises_no_flag(facts):
    assert checks.run_checks(facts()) == []


def test_an_unknown_malformed_serial_raises_unknown_serial_then_serial_format(facts):
    assert codes(checks.run_checks(facts(sale=None, serial="FAKE1"))) == ["UNKNOWN_SERIAL", "SERIAL_FORMAT"]


def test_every_flag_comes_in_check_order(facts, make_sale, make_provider, make_claim):
    """Claimed as TV65 by a Guangdong provider, failing before the sale, and claimed before."""
    make_claim(repair_date=date(2024, 1, 12))
    provider = make_provider("P02", region_codes=["440100"])
    flags = checks.run_checks(
        facts(model="TV65", provider=provider, failure_date=date(2024, 1, 10), repair_date=date(2024, 1, 12))
    )
    assert codes(flags) == ["MODEL_MISMATCH", "BEFORE_SALE", "REGION_MISMATCH", "DUPLICATE_CLAIM"]


@pytest.mark.parametrize(
    ("serial", "flagged"),
    [("79927398713", False), ("79927398710", True)],
    ids=["check-digit-holds", "check-digit-fails"],
)
def test_serial_format_checks_the_products_check_digit(facts, make_product, serial, flagged):
    product = make_product("LUHN1", serial_pattern=r"\d{11}", serial_check="luhn")
    flags = checks.serial_format(facts(serial=serial, model="LUHN1", product=product, sale=None))
    assert codes(flags) == (["SERIAL_FORMAT"] if flagged else [])
    if flagged:
        assert "luhn check digit" in flags[0][1]
