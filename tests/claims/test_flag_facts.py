"""The facts of a flag read back from its evidence sentence, without a database: every sentence the checks
write (run here on the plain objects of test_check_rules.py) gives back the facts it was written from, so a
check's wording cannot change without its pattern. The checks that ask the database are read back in
test_checks.py."""

from datetime import date
from types import SimpleNamespace

import pytest

from server.claims import checks
from server.claims.flag_facts import facts_of
from tests.claims.test_check_rules import BOARD
from tests.claims.test_check_rules import GUANGZHOU
from tests.claims.test_check_rules import LUHN
from tests.claims.test_check_rules import PANEL
from tests.claims.test_check_rules import PLACES
from tests.claims.test_check_rules import REMOTE
from tests.claims.test_check_rules import SERIAL
from tests.claims.test_check_rules import TV55
from tests.claims.test_check_rules import TV_POLICY
from tests.claims.test_check_rules import WM8
from tests.claims.test_check_rules import Provider
from tests.claims.test_check_rules import Sale
from tests.claims.test_check_rules import facts
from tests.claims.test_check_rules import failing_on


def read_back(flags):
    """The facts of the one flag raised."""
    [(code, message)] = flags
    found = facts_of(code, message)
    assert found is not None, f"no pattern reads {code}: {message!r}"
    return found


def test_an_unknown_serial_names_the_serial():
    assert read_back(checks.unknown_serial(facts(sale=None, serial="TV55999999"))) == {"serial": "TV55999999"}


@pytest.mark.parametrize(
    ("serial", "product", "expected"),
    [
        pytest.param("TV5500001", TV55, {"pattern": r"TV55\d{6}"}, id="pattern"),
        pytest.param("12345678901", LUHN, {"pattern": r"\d{11}", "check": "luhn"}, id="pattern-and-check-digit"),
    ],
)
def test_a_bad_serial_format_names_serial_model_and_pattern(serial, product, expected):
    flags = checks.serial_format(facts(serial=serial, model=product.model, product=product, sale=None))
    assert read_back(flags) == {"serial": serial, "model": product.model, **expected}


@pytest.mark.parametrize(("store", "named"), [("Suning Quancheng", {"store": "Suning Quancheng"}), ("", {})])
def test_a_model_mismatch_names_both_models_and_the_sale(store, named):
    flags = checks.model_mismatch(facts(model="TV65", sale=Sale(TV55, store=store)))
    assert read_back(flags) == {
        "model": "TV65",
        "serial": SERIAL,
        "sold_model": "TV55",
        "sale_date": "2024-01-15",
        **named,
    }


@pytest.mark.parametrize(
    ("failure", "repair", "expected"),
    [
        pytest.param(date(2024, 1, 14), date(2024, 1, 20), {"failure_date": "2024-01-14"}, id="failure"),
        pytest.param(date(2024, 1, 16), date(2024, 1, 14), {"repair_date": "2024-01-14"}, id="repair"),
        pytest.param(
            date(2023, 12, 1),
            date(2024, 1, 2),
            {"failure_date": "2023-12-01", "repair_date": "2024-01-02"},
            id="both",
        ),
    ],
)
def test_before_sale_names_the_early_days_and_the_sale(failure, repair, expected):
    flags = checks.before_sale(facts(failure_date=failure, repair_date=repair))
    assert read_back(flags) == {**expected, "sale_date": "2024-01-15", "store": "Suning Quancheng"}


WHOLE_UNIT = {"whole_unit_end": "2025-01-15", "whole_unit_months": 12, "sale_date": "2024-01-15"}


@pytest.mark.parametrize(
    ("failure", "parts", "expected"),
    [
        pytest.param(date(2025, 6, 1), (), {"failure_date": "2025-06-01", **WHOLE_UNIT}, id="whole-unit"),
        pytest.param(
            date(2028, 3, 1),
            (PANEL, BOARD),
            {"failure_date": "2028-03-01", **WHOLE_UNIT, "main_part_end": "2027-01-15", "main_part_months": 36},
            id="main-parts-too",
        ),
        pytest.param(
            date(2025, 6, 1),
            (PANEL, REMOTE),
            {
                "failure_date": "2025-06-01",
                **WHOLE_UNIT,
                "main_parts_until": "2027-01-15",
                "uncovered_parts": ["REMOTE"],
            },
            id="only-main-parts-covered",
        ),
    ],
)
def test_out_of_warranty_names_the_periods_that_ended(failure, parts, expected):
    assert read_back(checks.out_of_warranty_under(failing_on(failure, parts), TV_POLICY)) == expected


def test_out_of_warranty_names_the_parts_not_covered_each():
    remote_too = SimpleNamespace(part_no="REMOTE2", main_part=False)
    flags = checks.out_of_warranty_under(failing_on(date(2025, 6, 1), (PANEL, REMOTE, remote_too)), TV_POLICY)
    assert read_back(flags)["uncovered_parts"] == ["REMOTE", "REMOTE2"]


def test_out_of_warranty_without_a_policy_names_the_category():
    flags = checks.out_of_warranty_under(facts(model="WM8", product=WM8, sale=Sale(WM8)), None)
    assert read_back(flags) == {"category": "washing_machine"}


def test_a_region_mismatch_names_the_province_and_the_provider():
    provider = Provider("P44", [GUANGZHOU])
    flags = checks.region_mismatch_with(facts(provider=provider), PLACES.__getitem__)
    assert read_back(flags) == {
        "province_name": "Shandong",
        "province_code": "370000",
        "provider_code": "P44",
        "sale_date": "2024-01-15",
        "store": "Suning Quancheng",
    }


def test_a_scan_mismatch_names_the_scan_and_both_serials():
    scan = SimpleNamespace(id=41, serial="TV55000002")
    assert read_back(checks.scan_mismatch(facts(scan=scan))) == {
        "scan_id": 41,
        "scanned_serial": "TV55000002",
        "serial": SERIAL,
    }


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        pytest.param("The same photograph backs scan 7 (job 3).", {"other_scan_id": 7, "job_id": 3}, id="of-a-job"),
        pytest.param("The same photograph backs scan 7 (another scan).", {"other_scan_id": 7}, id="of-no-job"),
        pytest.param("The label photo was used before.", {}, id="said-before"),
        pytest.param("The label photo of scan 5 also backs claim 12.", {"scan_id": 5, "claim_id": 12}, id="claim"),
    ],
)
def test_a_reused_photo_names_the_other_scan_or_claim(message, expected):
    """The scan's own sentences (server/evidence) reach a claim as they are; the claim's is checks.py's."""
    assert facts_of("PHOTO_REUSED", message) == expected


def test_a_scan_found_reused_is_read_back_as_the_claim_check_passes_it_on():
    scan = SimpleNamespace(
        id=5,
        serial=SERIAL,
        photo_sha256="a" * 64,
        flags=[{"code": "PHOTO_REUSED", "message": "The same photograph backs scan 7 (job 3)."}],
    )
    assert read_back(checks.photo_reused(facts(scan=scan))) == {"other_scan_id": 7, "job_id": 3}


@pytest.mark.parametrize(
    ("code", "message"),
    [
        pytest.param("UNKNOWN_SERIAL", "The serial is unknown.", id="another-wording"),
        pytest.param("DUPLICATE_CLAIM", "Claim twelve by provider P01 (approved) already claims it.", id="no-number"),
        pytest.param("NO_SUCH_FLAG", "No sale record has serial X: the install base never sold this unit.", id="code"),
        pytest.param(
            "UNKNOWN_SERIAL", "No sale record has serial X: the install base never sold this unit. Also", id="tail"
        ),
    ],
)
def test_a_sentence_no_pattern_knows_gives_no_facts(code, message):
    assert facts_of(code, message) is None
