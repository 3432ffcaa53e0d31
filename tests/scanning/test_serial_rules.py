"""Serial rules test_serials.py leaves out: how a serial is normalised and what is a valid one, check digits
against published examples, a model's serial rule, where candidates come from, and the exact reasons given."""

import pytest

from scanning.decode import Barcode
from scanning.serials import CHECK_RULES
from scanning.serials import SerialRule
from scanning.serials import candidates
from scanning.serials import gs1
from scanning.serials import luhn
from scanning.serials import mod37_36
from scanning.serials import normalise_serial
from scanning.serials import select_serial
from scanning.serials import valid_serial

SERIAL = "WM10B1240100123"
WASHER = SerialRule("WM-D10B1", r"WM10B1\d{9}")


# ---------------------------------------------------------------- normalise_serial and valid_serial


@pytest.mark.parametrize(
    ("typed", "serial"),
    [
        ("wm10b1240100123", SERIAL),
        ("  WM10B1240100123  ", SERIAL),
        ("\tWm10b1240100123\r\n", SERIAL),
        ("\u3000WM10B1240100123\u3000", SERIAL),
        ("sn-00a1", "SN-00A1"),
        ("", ""),
        ("   ", ""),
        ("a b", "A B"),
    ],
    ids=["lower-case", "spaces", "tab-and-newline", "full-width-spaces", "mixed", "empty", "blank", "inner-space"],
)
def test_a_serial_is_compared_trimmed_and_in_upper_case(typed, serial):
    assert normalise_serial(typed) == serial


@pytest.mark.parametrize("serial", ["A", SERIAL, "X" * 64, "SN-00/A1", "编号123", "É1"])
def test_a_serial_of_1_to_64_characters_without_spaces_is_valid(serial):
    assert valid_serial(serial) is True


@pytest.mark.parametrize(
    "serial",
    [
        pytest.param("", id="empty"),
        pytest.param("X" * 65, id="65-characters"),
        pytest.param("WM10 B1", id="space"),
        pytest.param("WM10\tB1", id="tab"),
        pytest.param("WM10\nB1", id="newline"),
        pytest.param(SERIAL + "\n", id="trailing-newline"),
        pytest.param("WM10\u3000B1", id="full-width-space"),
        pytest.param("WM10\u00a0B1", id="no-break-space"),
        pytest.param("WM10\x00B1", id="nul"),
    ],
)
def test_a_serial_empty_too_long_or_with_a_space_or_nul_is_not_valid(serial):
    assert valid_serial(serial) is False


# ---------------------------------------------------------------- check digits


@pytest.mark.parametrize(
    ("serial", "valid"),
    [
        ("4111111111111111", True),
        ("378282246310005", True),
        ("0", True),
        ("18", True),
        ("4111111111111112", False),
        ("19", False),
        ("", False),
        ("4111-1111-1111-1111", False),
        (" 18", False),
    ],
)
def test_luhn_against_published_numbers(serial, valid):
    assert luhn(serial) is valid


@pytest.mark.parametrize(
    ("serial", "valid"),
    [
        ("96385074", True),  # EAN-8
        ("036000291452", True),  # UPC-A
        ("00", True),
        ("96385075", False),
        ("036000291453", False),
        ("", False),
        ("9638507X", False),
    ],
)
def test_gs1_against_published_codes(serial, valid):
    assert gs1(serial) is valid


@pytest.mark.parametrize(
    ("serial", "valid"),
    [
        ("00000000D07A0090Q", True),  # the ISAN root and episode with its first check character
        ("00000000D07A009000000000X", True),  # ... and the version with its second
        ("00000000D07A0090R", False),
        ("00000000D07A0091Q", False),
        ("00000000d07a0090Q", False),
        ("Q", False),
    ],
)
def test_mod37_36_against_the_isan_example(serial, valid):
    assert mod37_36(serial) is valid


@pytest.mark.parametrize("rule", [luhn, gs1])
def test_a_changed_digit_breaks_a_mod_10_check(rule):
    good = "4111111111111111" if rule is luhn else "036000291452"
    for index in range(len(good)):
        digit = str((int(good[index]) + 1) % 10)
        assert rule(good[:index] + digit + good[index + 1 :]) is False


def test_the_check_rules_are_named_as_products_name_them():
    assert {"luhn": luhn, "gs1": gs1, "mod37_36": mod37_36} == CHECK_RULES


# ---------------------------------------------------------------- a model's serial rule


@pytest.mark.parametrize(
    ("rule", "serial", "matches"),
    [
        pytest.param(WASHER, SERIAL, True, id="pattern"),
        pytest.param(WASHER, SERIAL + "4", False, id="longer-than-pattern"),
        pytest.param(WASHER, "X" + SERIAL, False, id="pattern-inside"),
        pytest.param(WASHER, SERIAL.lower(), False, id="case-matters"),
        pytest.param(SerialRule("C", r"\d{16}", "luhn"), "4111111111111111", True, id="pattern-and-check"),
        pytest.param(SerialRule("C", r"\d{16}", "luhn"), "4111111111111112", False, id="check-fails"),
        pytest.param(SerialRule("C", r"\d{15}", "luhn"), "4111111111111111", False, id="pattern-fails"),
        pytest.param(SerialRule("C", "", "luhn"), "4111111111111111", False, id="check-without-pattern"),
        pytest.param(SerialRule("C", ""), SERIAL, False, id="no-pattern"),
        pytest.param(SerialRule("C", ""), "", False, id="no-pattern-nothing-read"),
    ],
)
def test_a_serial_rule_needs_its_whole_pattern_and_its_check_digit(rule, serial, matches):
    assert rule.matches(serial) is matches


# ---------------------------------------------------------------- candidates


@pytest.mark.parametrize("symbology", ["EAN13", "EAN8", "UPCA", "UPCE"])
def test_trade_item_codes_are_never_candidates(symbology):
    assert candidates([Barcode("96385074", symbology)]) == []


@pytest.mark.parametrize(
    ("barcode", "serials"),
    [
        pytest.param(Barcode(f"https://r.example.cn/r?SN={SERIAL}", "QRCODE"), [SERIAL, "R"], id="key-any-case"),
        pytest.param(Barcode(f"www.r.example.cn/x?Sn={SERIAL}", "CODE128"), [SERIAL, "X"], id="www-url"),
        pytest.param(
            Barcode("https://r.example.cn/?lang=zh&model=XQG100&id=abc123", "QRCODE"),
            ["ABC123", "XQG100"],
            id="serial-keys-first-then-tokens",
        ),
        pytest.param(Barcode(f"S/N {SERIAL}\nMODEL XQG100", "DATAMATRIX"), [SERIAL, "XQG100"], id="payload-tokens"),
        pytest.param(Barcode(f"S/N {SERIAL}\nMODEL XQG100", "CODE128"), [], id="multi-line-non-payload"),
        pytest.param(Barcode("X" * 65, "CODE128"), [], id="longer-than-a-serial"),
        pytest.param(Barcode("  ", "CODE128"), [], id="blank"),
    ],
)
def test_candidates_come_from_whole_barcodes_and_from_inside_payloads(barcode, serials):
    assert [candidate.serial for candidate in candidates([barcode])] == serials


def test_a_candidate_says_whether_it_was_inside_a_payload():
    found = candidates([Barcode(SERIAL, "CODE128"), Barcode("https://r.example.cn/r?sn=SN0000001", "QRCODE")])
    assert [(c.serial, c.symbology, c.embedded) for c in found] == [
        (SERIAL, "CODE128", False),
        ("SN0000001", "QRCODE", True),
        ("R", "QRCODE", True),
    ]


def test_a_value_seen_twice_is_one_candidate_from_where_it_was_first_seen():
    found = candidates([Barcode(f"https://r.example.cn/r?sn={SERIAL}", "QRCODE"), Barcode(SERIAL, "CODE39")])
    assert (found[0].serial, found[0].symbology, found[0].embedded) == (SERIAL, "QRCODE", True)
    assert [c.serial for c in found].count(SERIAL) == 1


# ---------------------------------------------------------------- select_serial: the reasons given


@pytest.mark.parametrize(
    ("barcodes", "rules", "known", "chosen", "reason"),
    [
        pytest.param(
            [Barcode(SERIAL, "CODE128")],
            [WASHER],
            None,
            (SERIAL, "serial_format", "WM-D10B1"),
            f"{SERIAL} (the CODE128 barcode) matches the serial format of model WM-D10B1.",
            id="format",
        ),
        pytest.param(
            [Barcode("4111111111111111", "CODE39")],
            [SerialRule("CARD", r"\d{16}", "luhn")],
            None,
            ("4111111111111111", "serial_format", "CARD"),
            "4111111111111111 (the CODE39 barcode) matches the serial format of model CARD and its luhn check digit.",
            id="format-and-check",
        ),
        pytest.param(
            [Barcode(f"https://r.example.cn/r?sn={SERIAL}", "QRCODE")],
            [WASHER],
            None,
            (SERIAL, "serial_format", "WM-D10B1"),
            f"{SERIAL} (inside the QRCODE payload) matches the serial format of model WM-D10B1.",
            id="inside-a-payload",
        ),
        pytest.param(
            [Barcode(SERIAL, "CODE128"), Barcode("WM10B1240100999", "CODE39"), Barcode("WM10B1240100888", "CODE39")],
            [WASHER],
            lambda serial: serial == SERIAL,
            (SERIAL, "serial_format", "WM-D10B1"),
            f"{SERIAL} (the CODE128 barcode) matches the serial format of model WM-D10B1 and is in the install base; "
            "2 other value(s) match the format but are not.",
            id="install-base-breaks-a-tie",
        ),
        pytest.param(
            [Barcode("WM10B1240100999", "CODE39"), Barcode(SERIAL, "CODE128")],
            [WASHER],
            lambda serial: True,
            (None, None, None),
            f"2 values match a serial format ({SERIAL}, WM10B1240100999); pick the serial by hand.",
            id="install-base-knows-both",
        ),
        pytest.param(
            [Barcode("WM10B1240100999", "CODE39"), Barcode(SERIAL, "CODE128")],
            [WASHER],
            None,
            (None, None, None),
            f"2 values match a serial format ({SERIAL}, WM10B1240100999); pick the serial by hand.",
            id="no-install-base",
        ),
        pytest.param(
            [Barcode("ABC123", "CODE128")],
            [],
            lambda serial: serial == "ABC123",
            ("ABC123", "install_base", None),
            "ABC123 (the CODE128 barcode) is in the install base.",
            id="install-base-alone",
        ),
        pytest.param(
            [Barcode("ABC123", "CODE128"), Barcode("DEF456", "CODE39")],
            [],
            lambda serial: True,
            (None, None, None),
            "Several values are in the install base (ABC123, DEF456); pick one by hand.",
            id="install-base-knows-two",
        ),
        pytest.param(
            [Barcode("ABC123", "CODE128")],
            [WASHER],
            None,
            (None, None, None),
            "No barcode matches a serial format or a unit of the install base.",
            id="nothing-matches",
        ),
        pytest.param(
            [Barcode("96385074", "EAN8")],
            [WASHER],
            lambda serial: True,
            (None, None, None),
            "No barcode on the label holds a serial.",
            id="only-a-trade-item-code",
        ),
    ],
)
def test_select_serial_explains_its_choice_or_why_there_is_none(barcodes, rules, known, chosen, reason):
    choice = select_serial(barcodes, rules, known=known)
    assert ((choice.serial, choice.source, choice.model), choice.reason) == (chosen, reason)


def test_select_serial_keeps_every_candidate_it_weighed():
    barcodes = [Barcode(SERIAL, "CODE128"), Barcode("XQG100-B124", "CODE39")]
    assert [c.serial for c in select_serial(barcodes, [WASHER]).candidates] == [SERIAL, "XQG100-B124"]


@pytest.mark.parametrize("rule", [luhn, gs1])
@pytest.mark.parametrize("serial", ["12²4", "١٢٣٤٥", "0⁰"])
def test_digits_int_cannot_read_fail_the_check_instead_of_crashing(rule, serial):
    assert rule(serial) is False
