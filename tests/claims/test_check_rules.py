"""The claim checks' rules without a database: plain objects stand in for the sale, product, parts, policy,
provider and scan. The checks that must ask the database (DUPLICATE_CLAIM, a photo backing another claim,
the policy and province lookups) are tested with it in test_checks.py."""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from types import SimpleNamespace

import pytest

from server.claims import checks
from server.claims.checks import ClaimFacts
from server.network.models import Region
from server.products.models import Product

SERIAL = "TV55000001"
SOLD = date(2024, 1, 15)
SALE_WORDS = "sale record of TV55000001: model TV55, sold 2024-01-15 at Suning Quancheng"


@dataclass
class Model:
    """A product: the real serial rule (pattern and check digit) on a plain object."""

    model: str
    serial_pattern: str = ""
    serial_check: str = ""
    category: str = "tv"

    serial_matches = Product.serial_matches


@dataclass
class Place:
    """A region: the real walk up to its province on a plain object."""

    id: int
    code: str
    name: str
    parent: "Place | None" = None

    province = Region.province


@dataclass
class Part:
    part_no: str
    main_part: bool


@dataclass
class Sale:
    product: Model
    serial: str = SERIAL
    sale_date: date = SOLD
    store: str = "Suning Quancheng"
    province_id: int | None = 1


@dataclass
class Provider:
    code: str
    regions: list = field(default_factory=list)


TV55 = Model("TV55", r"TV55\d{6}")
TV65 = Model("TV65", r"TV65\d{6}")
WM8 = Model("WM8", category="washing_machine")
LUHN = Model("LUHN1", r"\d{11}", "luhn")
CHECK_ONLY = Model("ANY1", "", "gs1")

SHANDONG = Place(1, "370000", "Shandong")
JINAN = Place(2, "370100", "Jinan", SHANDONG)
LICHENG = Place(3, "370112", "Licheng", JINAN)
QINGDAO = Place(4, "370200", "Qingdao", SHANDONG)
GUANGDONG = Place(5, "440000", "Guangdong")
GUANGZHOU = Place(6, "440100", "Guangzhou", GUANGDONG)
PLACES = {place.id: place for place in (SHANDONG, JINAN, LICHENG, QINGDAO, GUANGDONG, GUANGZHOU)}

TV_POLICY = SimpleNamespace(whole_unit_months=12, main_part_months=36)  # whole unit to 2025-01-15, main to 2027
PANEL, BOARD, REMOTE = Part("PANEL", True), Part("BOARD", True), Part("REMOTE", False)

DEFAULT = object()


def facts(sale=DEFAULT, parts=(), provider=None, **overrides):
    """The facts of a claim on SERIAL, a TV55 sold SOLD in Shandong, by a provider of Jinan, failing
    2024-06-01 and repaired 2024-06-03; ``parts`` are Part objects, one of each."""
    values = {
        "serial": SERIAL,
        "model": "TV55",
        "failure_date": date(2024, 6, 1),
        "repair_date": date(2024, 6, 3),
        "product": TV55,
        "provider": provider or Provider("P01", [JINAN]),
        "sale": Sale(TV55) if sale is DEFAULT else sale,
        "parts": [(part, 1) for part in parts],
    }
    values.update(overrides)
    return ClaimFacts(**values)


def failing_on(day, parts=(), sale=DEFAULT):
    return facts(failure_date=day, repair_date=day, parts=parts, sale=sale)


# ---------------------------------------------------------------- ClaimFacts


def test_claim_facts_default_to_no_parts_no_job_no_claim_no_scan_and_a_30_day_window():
    claim = facts()
    assert (claim.parts, claim.job_id, claim.claim_id, claim.scan) == ([], None, None, None)
    assert claim.duplicate_window_days == 30


def test_claim_facts_do_not_share_their_parts_list():
    first = ClaimFacts(SERIAL, "TV55", SOLD, SOLD, None, TV55, None)
    second = ClaimFacts(SERIAL, "TV55", SOLD, SOLD, None, TV55, None)
    first.parts.append((PANEL, 1))
    assert second.parts == []


# ---------------------------------------------------------------- UNKNOWN_SERIAL


def test_unknown_serial_flags_a_serial_without_sale_record_and_names_it():
    assert checks.unknown_serial(facts(sale=None, serial="TV55999999")) == [
        ("UNKNOWN_SERIAL", "No sale record has serial TV55999999: the install base never sold this unit.")
    ]


def test_unknown_serial_passes_a_sold_unit():
    assert checks.unknown_serial(facts()) == []


# ---------------------------------------------------------------- SERIAL_FORMAT


@pytest.mark.parametrize(
    ("serial", "claimed", "sold_as", "flagged"),
    [
        pytest.param("TV55000001", TV55, TV55, False, id="sold-unit-of-right-format"),
        pytest.param("TV55000001", TV55, None, False, id="unsold-serial-of-right-format"),
        pytest.param("TV5500001", TV55, TV55, True, id="one-digit-short"),
        pytest.param("TV550000012", TV55, TV55, True, id="one-digit-long"),
        pytest.param("TV55A00001", TV55, TV55, True, id="letter-among-digits"),
        pytest.param("XTV55000001", TV55, TV55, True, id="prefix-before-pattern"),
        pytest.param("tv55000001", TV55, None, True, id="lower-case"),
        pytest.param("TV65000001", TV55, None, True, id="unsold-serial-of-another-model"),
        pytest.param("TV65000001", TV65, None, False, id="unsold-serial-of-claimed-model"),
        pytest.param("TV55000001", TV65, TV55, False, id="sold-models-format-not-claimed-models"),
        pytest.param("TV65000001", TV55, TV65, False, id="sold-as-another-model-in-its-format"),
        pytest.param("ANYTHING-1", WM8, WM8, False, id="model-without-pattern"),
        pytest.param("ANYTHING-1", WM8, None, False, id="unsold-model-without-pattern"),
        pytest.param("79927398713", LUHN, None, False, id="check-digit-holds"),
        pytest.param("79927398710", LUHN, None, True, id="check-digit-fails"),
        pytest.param("6901234567892", CHECK_ONLY, None, False, id="check-digit-alone-holds"),
        pytest.param("6901234567893", CHECK_ONLY, None, True, id="check-digit-alone-fails"),
    ],
)
def test_serial_format_follows_the_sold_model_or_else_the_claimed_one(serial, claimed, sold_as, flagged):
    sale = Sale(sold_as, serial=serial) if sold_as else None
    flags = checks.serial_format(facts(serial=serial, model=claimed.model, product=claimed, sale=sale))
    assert [code for code, _ in flags] == (["SERIAL_FORMAT"] if flagged else [])


def test_serial_format_passes_an_unsold_serial_of_an_unknown_model():
    assert checks.serial_format(facts(serial="???", model="NOPE", product=None, sale=None)) == []


@pytest.mark.parametrize(
    ("serial", "product", "message"),
    [
        pytest.param(
            "TV5500001",
            TV55,
            r"Serial TV5500001 does not have the serial format of model TV55 (pattern TV55\d{6}).",
            id="pattern",
        ),
        pytest.param(
            "79927398710",
            LUHN,
            r"Serial 79927398710 does not have the serial format of model LUHN1 (pattern \d{11}, luhn check digit).",
            id="pattern-and-check",
        ),
        pytest.param(
            "6901234567893",
            CHECK_ONLY,
            "Serial 6901234567893 does not have the serial format of model ANY1 (pattern any, gs1 check digit).",
            id="check-alone",
        ),
    ],
)
def test_serial_format_message_names_serial_model_pattern_and_check(serial, product, message):
    flags = checks.serial_format(facts(serial=serial, model=product.model, product=product, sale=None))
    assert flags == [("SERIAL_FORMAT", message)]


# ---------------------------------------------------------------- MODEL_MISMATCH


@pytest.mark.parametrize(
    ("claimed", "sold_as", "flagged"),
    [("TV55", TV55, False), ("TV65", TV55, True), ("TV55", TV65, True), ("WM8", TV55, True), ("tv55", TV55, True)],
)
def test_model_mismatch_compares_claimed_and_sold_models_exactly(claimed, sold_as, flagged):
    flags = checks.model_mismatch(facts(model=claimed, sale=Sale(sold_as)))
    assert [code for code, _ in flags] == (["MODEL_MISMATCH"] if flagged else [])


def test_model_mismatch_passes_an_unknown_serial():
    assert checks.model_mismatch(facts(model="TV65", sale=None)) == []


def test_model_mismatch_message_names_both_models_and_the_sale():
    assert checks.model_mismatch(facts(model="TV65")) == [
        (
            "MODEL_MISMATCH",
            f"Claimed as model TV65, but serial TV55000001 was sold as model TV55 ({SALE_WORDS}).",
        )
    ]


def test_the_sale_is_named_without_a_store_when_it_has_none():
    flags = checks.model_mismatch(facts(model="TV65", sale=Sale(TV55, store="")))
    assert flags[0][1].endswith("(sale record of TV55000001: model TV55, sold 2024-01-15).")


# ---------------------------------------------------------------- BEFORE_SALE


@pytest.mark.parametrize(
    ("failure", "repair", "early"),
    [
        pytest.param(date(2024, 1, 14), date(2024, 1, 20), "failure on 2024-01-14", id="failure-day-before"),
        pytest.param(date(2024, 1, 16), date(2024, 1, 14), "repair on 2024-01-14", id="repair-day-before"),
        pytest.param(
            date(2023, 12, 1), date(2024, 1, 2), "failure on 2023-12-01, repair on 2024-01-02", id="both-before"
        ),
        pytest.param(
            date(2023, 1, 15), date(2023, 1, 15), "failure on 2023-01-15, repair on 2023-01-15", id="a-year-before"
        ),
    ],
)
def test_before_sale_flags_a_failure_or_repair_before_the_sale_day(failure, repair, early):
    assert checks.before_sale(facts(failure_date=failure, repair_date=repair)) == [
        ("BEFORE_SALE", f"The {early} precedes the sale on 2024-01-15 ({SALE_WORDS}).")
    ]


@pytest.mark.parametrize(
    ("failure", "repair"),
    [
        pytest.param(date(2024, 1, 15), date(2024, 1, 15), id="both-on-sale-day"),
        pytest.param(date(2024, 1, 15), date(2024, 1, 16), id="failure-on-sale-day"),
        pytest.param(date(2024, 6, 1), date(2024, 6, 3), id="after-sale"),
    ],
)
def test_before_sale_passes_a_failure_and_repair_from_the_sale_day_on(failure, repair):
    assert checks.before_sale(facts(failure_date=failure, repair_date=repair)) == []


def test_before_sale_passes_an_unknown_serial():
    assert checks.before_sale(facts(sale=None, failure_date=date(2000, 1, 1), repair_date=date(2000, 1, 2))) == []


# ---------------------------------------------------------------- OUT_OF_WARRANTY


@pytest.mark.parametrize(
    ("failure", "parts"),
    [
        pytest.param(date(2024, 1, 15), (), id="on-sale-day"),
        pytest.param(date(2024, 6, 1), (), id="within-whole-unit"),
        pytest.param(date(2025, 1, 14), (), id="last-day-of-whole-unit"),
        pytest.param(date(2025, 1, 14), (REMOTE,), id="non-main-part-on-last-day-of-whole-unit"),
        pytest.param(date(2025, 1, 14), (PANEL, REMOTE), id="mixed-parts-within-whole-unit"),
        pytest.param(date(2025, 1, 15), (PANEL,), id="main-part-on-whole-unit-end-day"),
        pytest.param(date(2025, 6, 1), (PANEL, BOARD), id="main-parts-after-whole-unit"),
        pytest.param(date(2027, 1, 14), (PANEL,), id="last-day-of-main-parts"),
    ],
)
def test_out_of_warranty_passes_a_failure_within_its_period(failure, parts):
    assert checks.out_of_warranty_under(failing_on(failure, parts), TV_POLICY) == []


WHOLE_ENDED = "after the whole-unit warranty ended on 2025-01-15 (12 months from the sale on 2024-01-15)"


@pytest.mark.parametrize(
    ("failure", "parts", "message"),
    [
        pytest.param(
            date(2025, 1, 15), (), f"The failure on 2025-01-15 is {WHOLE_ENDED}.", id="whole-unit-end-day-no-parts"
        ),
        pytest.param(
            date(2025, 6, 1),
            (REMOTE,),
            f"The failure on 2025-06-01 is {WHOLE_ENDED}; only main parts stay covered until 2027-01-15, "
            "and REMOTE are not.",
            id="non-main-part",
        ),
        pytest.param(
            date(2025, 6, 1),
            (PANEL, REMOTE, Part("KNOB", False)),
            f"The failure on 2025-06-01 is {WHOLE_ENDED}; only main parts stay covered until 2027-01-15, "
            "and REMOTE, KNOB are not.",
            id="main-and-non-main-parts",
        ),
        pytest.param(
            date(2027, 1, 15),
            (PANEL,),
            f"The failure on 2027-01-15 is {WHOLE_ENDED}, and after the main-part warranty ended on 2027-01-15 "
            "(36 months).",
            id="main-part-end-day",
        ),
        pytest.param(
            date(2028, 3, 1),
            (PANEL, REMOTE),
            f"The failure on 2028-03-01 is {WHOLE_ENDED}.",
            id="mixed-parts-after-both-periods",
        ),
    ],
)
def test_out_of_warranty_flags_a_failure_past_its_period_and_says_which(failure, parts, message):
    assert checks.out_of_warranty_under(failing_on(failure, parts), TV_POLICY) == [("OUT_OF_WARRANTY", message)]


def test_out_of_warranty_flags_a_unit_whose_category_has_no_policy():
    assert checks.out_of_warranty_under(facts(sale=Sale(WM8)), None) == [
        ("OUT_OF_WARRANTY", "No warranty policy covers the category washing_machine of this unit.")
    ]


def test_out_of_warranty_passes_an_unknown_serial_without_looking_for_a_policy():
    assert checks.out_of_warranty(failing_on(date(2030, 1, 1), sale=None)) == []


@pytest.mark.parametrize(
    ("sold", "months", "last_covered", "ends"),
    [
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 28), date(2024, 2, 29), id="31-jan-plus-1-leap-year"),
        pytest.param(date(2023, 1, 31), 1, date(2023, 2, 27), date(2023, 2, 28), id="31-jan-plus-1-common-year"),
        pytest.param(date(2024, 2, 29), 12, date(2025, 2, 27), date(2025, 2, 28), id="leap-day-plus-a-year"),
        pytest.param(date(2024, 2, 29), 48, date(2028, 2, 28), date(2028, 2, 29), id="leap-day-plus-four-years"),
        pytest.param(date(2023, 8, 31), 6, date(2024, 2, 28), date(2024, 2, 29), id="31-aug-plus-6"),
        pytest.param(date(2024, 3, 31), 1, date(2024, 4, 29), date(2024, 4, 30), id="31-mar-plus-1"),
        pytest.param(date(2024, 12, 15), 1, date(2025, 1, 14), date(2025, 1, 15), id="across-the-year-end"),
        pytest.param(date(2024, 1, 15), 24, date(2026, 1, 14), date(2026, 1, 15), id="two-years"),
    ],
)
def test_the_whole_unit_period_ends_on_the_same_day_months_later_clamped_to_the_months_end(
    sold, months, last_covered, ends
):
    policy = SimpleNamespace(whole_unit_months=months, main_part_months=months)
    sale = Sale(TV55, sale_date=sold)
    assert checks.out_of_warranty_under(failing_on(last_covered, sale=sale), policy) == []
    flags = checks.out_of_warranty_under(failing_on(ends, sale=sale), policy)
    assert flags == [
        (
            "OUT_OF_WARRANTY",
            f"The failure on {ends.isoformat()} is after the whole-unit warranty ended on {ends.isoformat()} "
            f"({months} months from the sale on {sold.isoformat()}).",
        )
    ]


@pytest.mark.parametrize(
    ("failure", "flagged"),
    [(date(2025, 2, 27), False), (date(2025, 2, 28), True)],
    ids=["day-before-clamped-end", "clamped-end"],
)
def test_the_main_part_period_is_clamped_to_the_months_end_too(failure, flagged):
    policy = SimpleNamespace(whole_unit_months=1, main_part_months=12)
    sale = Sale(TV55, sale_date=date(2024, 2, 29))
    flags = checks.out_of_warranty_under(failing_on(failure, (PANEL,), sale=sale), policy)
    assert [code for code, _ in flags] == (["OUT_OF_WARRANTY"] if flagged else [])


# ---------------------------------------------------------------- REGION_MISMATCH


def region_mismatch(claim):
    return checks.region_mismatch_with(claim, PLACES.__getitem__)


@pytest.mark.parametrize(
    "regions",
    [
        pytest.param([JINAN], id="the-sale-city"),
        pytest.param([QINGDAO], id="another-city-of-the-sale-province"),
        pytest.param([LICHENG], id="a-county-of-the-sale-province"),
        pytest.param([SHANDONG], id="the-sale-province"),
        pytest.param([GUANGZHOU, QINGDAO], id="two-provinces-one-of-them"),
    ],
)
def test_region_mismatch_passes_a_provider_working_in_the_sale_province(regions):
    assert region_mismatch(facts(provider=Provider("P02", regions))) == []


@pytest.mark.parametrize(
    "regions",
    [
        pytest.param([GUANGZHOU], id="a-city-of-another-province"),
        pytest.param([GUANGDONG], id="another-province"),
        pytest.param([], id="no-region-at-all"),
    ],
)
def test_region_mismatch_flags_a_provider_working_elsewhere_and_names_the_province(regions):
    assert region_mismatch(facts(provider=Provider("P02", regions))) == [
        (
            "REGION_MISMATCH",
            f"The unit was sold in Shandong (370000), which provider P02 does not cover ({SALE_WORDS}).",
        )
    ]


def test_region_mismatch_looks_up_the_province_of_the_sale_for_its_message():
    flags = region_mismatch(facts(sale=Sale(TV55, province_id=GUANGDONG.id)))
    assert flags[0][1].startswith("The unit was sold in Guangdong (440000), which provider P01 does not cover")


@pytest.mark.parametrize("sale", [None, Sale(TV55, province_id=None)], ids=["unknown-serial", "sold-without-province"])
def test_region_mismatch_passes_a_unit_without_a_province(sale):
    assert region_mismatch(facts(sale=sale, provider=Provider("P02", [GUANGZHOU]))) == []


def test_region_mismatch_looks_nothing_up_when_the_province_is_covered():
    def find_region(region_id):
        raise AssertionError("looked up a region")

    assert checks.region_mismatch_with(facts(), find_region) == []


# ---------------------------------------------------------------- SCAN_MISMATCH


@pytest.mark.parametrize(
    "scan",
    [
        pytest.param(None, id="no-scan"),
        pytest.param(SimpleNamespace(id=5, serial=SERIAL), id="same-serial"),
        pytest.param(SimpleNamespace(id=5, serial=""), id="scan-without-serial"),
        pytest.param(SimpleNamespace(id=5, serial=None), id="scan-serial-none"),
    ],
)
def test_scan_mismatch_passes_a_scan_that_reads_the_claimed_serial_or_nothing(scan):
    assert checks.scan_mismatch(facts(scan=scan)) == []


def test_scan_mismatch_flags_a_scan_of_another_serial_and_names_both():
    assert checks.scan_mismatch(facts(scan=SimpleNamespace(id=5, serial="TV55000002"))) == [
        ("SCAN_MISMATCH", "The label photo of scan 5 reads serial TV55000002, not the claimed TV55000001.")
    ]


# ---------------------------------------------------------------- PHOTO_REUSED (the part before the query)


@pytest.mark.parametrize(
    "scan",
    [
        pytest.param(None, id="no-scan"),
        pytest.param(SimpleNamespace(id=5, photo_sha256=None, flags=[{"code": "PHOTO_REUSED"}]), id="no-photo"),
        pytest.param(SimpleNamespace(id=5, photo_sha256="", flags=[{"code": "PHOTO_REUSED"}]), id="empty-photo-hash"),
    ],
)
def test_photo_reused_passes_a_claim_without_a_label_photo(scan):
    assert checks.photo_reused(facts(scan=scan)) == []


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        pytest.param(
            [{"code": "PHOTO_REUSED", "message": "Same photo as scan 3 of job J9."}],
            "Same photo as scan 3 of job J9.",
            id="with-its-message",
        ),
        pytest.param([{"code": "PHOTO_REUSED"}], "The label photo was used before.", id="without-a-message"),
        pytest.param(
            [{"code": "BLURRY", "message": "blurred"}, {"code": "PHOTO_REUSED", "message": "seen before"}],
            "seen before",
            id="among-other-flags",
        ),
    ],
)
def test_photo_reused_repeats_the_scans_own_reuse_flag(flags, message):
    scan = SimpleNamespace(id=5, photo_sha256="ab" * 32, flags=flags)
    assert checks.photo_reused(facts(scan=scan)) == [("PHOTO_REUSED", message)]


# ---------------------------------------------------------------- run_checks


def test_the_checks_run_in_the_order_an_auditor_reads_them():
    assert [check.__name__ for check in checks.CHECKS] == [
        "unknown_serial",
        "serial_format",
        "model_mismatch",
        "before_sale",
        "out_of_warranty",
        "card_invalid",
        "region_mismatch",
        "duplicate_claim",
        "scan_mismatch",
        "photo_reused",
        "old_photo",
        "evidence_photo_reused",
        "no_confirmation",
        "code_mismatch",
        "signature_reused",
        "no_checkin_check",
        "far_from_address_check",
        "impossible_travel_check",
        "overlapping_visits_check",
    ]


def test_run_checks_gives_every_flag_of_every_check_in_check_order(monkeypatch):
    seen = []

    def flagging(*flags):
        def check(claim):
            seen.append(claim)
            return list(flags)

        return check

    monkeypatch.setattr(checks, "CHECKS", (flagging(("A", "a1"), ("A", "a2")), flagging(), flagging(("B", "b"))))
    claim = facts()
    assert checks.run_checks(claim) == [("A", "a1"), ("A", "a2"), ("B", "b")]
    assert seen == [claim, claim, claim]
