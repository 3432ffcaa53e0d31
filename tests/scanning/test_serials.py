"""Serial selection: which barcode of a plate is the serial, and why; never a guess."""

import pytest

from scanning.decode import Barcode
from scanning.serials import CHECK_RULES
from scanning.serials import SerialRule
from scanning.serials import candidates
from scanning.serials import gs1
from scanning.serials import luhn
from scanning.serials import mod37_36
from scanning.serials import select_serial

SERIAL = "WM10B1240100123"
WASHER = SerialRule("WM-D10B1", r"WM10B1\d{9}")
TV = SerialRule("TV-55U7", r"TV55U7\d{9}")

MODEL_CODE = Barcode("WM-D10B1", "CODE128")
SERIAL_CODE = Barcode(SERIAL, "CODE128")
EAN = Barcode("6901234567892", "EAN13")
QR = Barcode(f"https://reg.example.com/r?sn={SERIAL}&lang=zh", "QRCODE")
PLATE = [MODEL_CODE, SERIAL_CODE, EAN, QR]


@pytest.mark.parametrize(
    ("rule", "serial", "valid"),
    [
        (luhn, "79927398713", True),
        (luhn, "79927398710", False),
        (luhn, "7992739871A", False),
        (gs1, "4006381333931", True),
        (gs1, "4006381333932", False),
        (gs1, "6901234567892", True),
        (gs1, "7", False),
        (mod37_36, "a1", False),
        (mod37_36, "", False),
    ],
)
def test_check_digit_rules(rule, serial, valid):
    assert rule(serial) is valid


@pytest.mark.parametrize("body", ["A1B2C", "WM10B124010012", "0", "ZZZZZZZZ"])
def test_mod37_36_accepts_exactly_one_check_character_per_body(body):
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    assert sum(mod37_36(body + char) for char in alphabet) == 1


def test_every_named_check_rule_is_a_function_of_the_serial():
    assert set(CHECK_RULES) == {"luhn", "gs1", "mod37_36"}


def test_the_serial_is_the_barcode_matching_the_models_format():
    choice = select_serial(PLATE, [WASHER, TV])
    assert (choice.serial, choice.source, choice.model) == (SERIAL, "serial_format", "WM-D10B1")
    assert SERIAL in choice.reason
    assert "WM-D10B1" in choice.reason


def test_a_serial_only_inside_the_qr_payload_is_found_there():
    choice = select_serial([MODEL_CODE, EAN, QR], [WASHER])
    assert choice.serial == SERIAL
    assert "QRCODE payload" in choice.reason


def test_a_serial_in_a_url_path_is_found():
    choice = select_serial([Barcode(f"http://r.example.cn/u/{SERIAL}", "QRCODE")], [WASHER])
    assert choice.serial == SERIAL


def test_the_check_digit_decides_between_format_lookalikes():
    rule = SerialRule("WM-D10B1", r"\d{11}", check="luhn")
    choice = select_serial([Barcode("79927398710", "CODE128"), Barcode("79927398713", "CODE128")], [rule])
    assert choice.serial == "79927398713"
    assert "luhn" in choice.reason


def test_two_values_matching_a_format_are_not_guessed_between():
    other = Barcode("WM10B1240100999", "CODE39")
    choice = select_serial([SERIAL_CODE, other], [WASHER])
    assert choice.serial is None
    assert choice.source is None
    assert "pick the serial by hand" in choice.reason


def test_the_install_base_breaks_a_tie_between_format_matches():
    other = Barcode("WM10B1240100999", "CODE39")
    choice = select_serial([SERIAL_CODE, other], [WASHER], known=lambda serial: serial == SERIAL)
    assert (choice.serial, choice.source) == (SERIAL, "serial_format")
    assert "install base" in choice.reason


def test_without_a_format_the_install_base_picks_the_serial():
    choice = select_serial(PLATE, [], known=lambda serial: serial == SERIAL)
    assert (choice.serial, choice.source, choice.model) == (SERIAL, "install_base", None)


def test_two_install_base_units_on_one_label_are_not_guessed_between():
    choice = select_serial(PLATE, [], known=lambda serial: serial in {SERIAL, "WM-D10B1"})
    assert choice.serial is None
    assert "by hand" in choice.reason


def test_nothing_recognisable_chooses_nothing_and_says_so():
    choice = select_serial(PLATE, [TV], known=lambda serial: False)
    assert choice.serial is None
    assert "No barcode matches" in choice.reason


def test_a_label_with_no_barcode_chooses_nothing():
    assert select_serial([], [WASHER]).reason == "No barcode on the label holds a serial."


def test_the_products_ean_is_never_taken_for_a_serial():
    rule = SerialRule("ANY", r"\d{13}")
    assert select_serial([EAN], [rule]).serial is None
    assert all(candidate.symbology != "EAN13" for candidate in candidates(PLATE))


def test_candidates_are_normalised_and_listed_once():
    found = candidates([Barcode(" wm10b1240100123 ", "CODE128"), QR])
    assert [candidate.serial for candidate in found].count(SERIAL) == 1
