"""Which of the barcodes on a rating plate is the unit's serial, and why.

A plate carries the model code, the serial, the product's EAN (the same on
every unit of a model) and often a QR code whose payload is a registration
URL with the serial inside. The serial is, in order of trust:

1. a barcode (or a value inside a QR payload) matching a product's serial
   format, with its check digit when the product has one;
2. otherwise one the install base knows;
3. otherwise nothing: when two different candidates are equally good, the
   choice is left to the person holding the unit, never guessed.
"""

import re
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Literal
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

from scanning.decode import Barcode

# Query keys registration URLs put the serial under.
SERIAL_KEYS = {"sn", "serial", "serialno", "serial_no", "serialnumber", "s", "sno", "barcode", "code", "id"}
# Symbologies that carry trade item numbers (the model's EAN, the same on every unit), not serials.
PRODUCT_CODE_SYMBOLOGIES = {"EAN13", "EAN8", "UPCA", "UPCE"}
PAYLOAD_SYMBOLOGIES = {"QRCODE", "MICROQRCODE", "DATAMATRIX", "PDF417", "AZTEC"}
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{5,63}")


def _ascii_digits(serial: str) -> bool:
    # str.isdigit() also says yes to "²" and other digits int() cannot read.
    return serial.isascii() and serial.isdigit()


def luhn(serial: str) -> bool:
    """The Luhn (mod 10) check over an all-digit serial."""
    if not _ascii_digits(serial):
        return False
    total = 0
    for index, digit in enumerate(int(c) for c in reversed(serial)):
        if index % 2:
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return total % 10 == 0


def gs1(serial: str) -> bool:
    """The GS1 mod 10 check (weights 3 and 1 from the right), as on EAN and ITF codes."""
    if not _ascii_digits(serial) or len(serial) < 2:
        return False
    body, check = serial[:-1], int(serial[-1])
    total = sum(int(c) * (3 if index % 2 == 0 else 1) for index, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def mod37_36(serial: str) -> bool:
    """ISO 7064 MOD 37,36: a check character over a serial of digits and capital letters."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if len(serial) < 2 or any(c not in alphabet for c in serial):
        return False
    product = 36
    for char in serial[:-1]:
        total = (product + alphabet.index(char)) % 36 or 36
        product = (total * 2) % 37
    return (37 - product) % 36 == alphabet.index(serial[-1])


CHECK_RULES = {"luhn": luhn, "gs1": gs1, "mod37_36": mod37_36}


@dataclass(frozen=True)
class SerialRule:
    """A model's serial format: a regular expression the whole serial matches, and an optional check rule."""

    model: str
    pattern: str
    check: str | None = None

    def matches(self, serial: str) -> bool:
        if not self.pattern or re.fullmatch(self.pattern, serial) is None:
            return False
        return self.check is None or CHECK_RULES[self.check](serial)


@dataclass(frozen=True)
class Candidate:
    serial: str
    symbology: str
    embedded: bool  # found inside a QR (or other) payload rather than as the whole barcode


@dataclass
class SerialChoice:
    serial: str | None
    source: Literal["serial_format", "install_base"] | None  # None when nothing was chosen
    model: str | None
    reason: str
    candidates: list[Candidate] = field(default_factory=list)


def candidates(barcodes: Iterable[Barcode]) -> list[Candidate]:
    """Every value on the plate that could be a serial: each barcode's text, and the values inside payloads."""
    found: list[Candidate] = []

    def add(text: str, symbology: str, embedded: bool) -> None:
        text = text.strip().upper()
        if text and not any(c.serial == text for c in found):
            found.append(Candidate(text, symbology, embedded))

    for barcode in barcodes:
        if barcode.symbology in PRODUCT_CODE_SYMBOLOGIES:
            continue
        if "\n" not in barcode.text and len(barcode.text) <= 64 and not _looks_like_url(barcode.text):
            add(barcode.text, barcode.symbology, False)
        if barcode.symbology in PAYLOAD_SYMBOLOGIES or _looks_like_url(barcode.text):
            for value in _payload_values(barcode.text):
                add(value, barcode.symbology, True)
    return found


def _looks_like_url(text: str) -> bool:
    return "://" in text or text.lower().startswith("www.")


def _payload_values(text: str) -> list[str]:
    """Values a payload holds: a URL's serial-like query parameters first, then every long token."""
    values = []
    if _looks_like_url(text):
        parts = urlsplit(text if "://" in text else "http://" + text)
        for key, value in parse_qsl(parts.query):
            if key.lower() in SERIAL_KEYS:
                values.append(value)
        values.extend(segment for segment in parts.path.split("/") if segment)
        text = parts.query
    values.extend(_TOKEN.findall(text))
    return [value for value in values if 1 <= len(value) <= 64 and not value.isspace()]


def select_serial(
    barcodes: Iterable[Barcode],
    rules: Collection[SerialRule] = (),
    known: Callable[[str], bool] | None = None,
) -> SerialChoice:
    """Pick the unit's serial from the barcodes of a plate; explain the choice or why there is none.

    ``rules``: the SerialRule of each model that may be on the plate.
    ``known(serial)``: whether the install base has the serial (optional).
    """
    pool = candidates(barcodes)
    if not pool:
        return SerialChoice(None, None, None, "No barcode on the label holds a serial.", pool)

    formatted = [(c, rule) for c in pool for rule in rules if rule.matches(c.serial)]
    distinct = {c.serial for c, _ in formatted}
    if len(distinct) == 1:
        chosen, rule = formatted[0]
        check = f" and its {rule.check} check digit" if rule.check else ""
        return SerialChoice(
            chosen.serial,
            "serial_format",
            rule.model,
            f"{chosen.serial} {_where(chosen)} matches the serial format of model {rule.model}{check}.",
            pool,
        )
    if len(distinct) > 1 and known is not None:
        formatted_in_base = [(c, rule) for c, rule in formatted if known(c.serial)]
        if len({c.serial for c, _ in formatted_in_base}) == 1:
            chosen, rule = formatted_in_base[0]
            return SerialChoice(
                chosen.serial,
                "serial_format",
                rule.model,
                f"{chosen.serial} {_where(chosen)} matches the serial format of model {rule.model} "
                f"and is in the install base; {len(distinct) - 1} other value(s) match the format but are not.",
                pool,
            )
    if len(distinct) > 1:
        return SerialChoice(
            None,
            None,
            None,
            f"{len(distinct)} values match a serial format ({', '.join(sorted(distinct))}); pick the serial by hand.",
            pool,
        )

    if known is not None:
        in_base = [c for c in pool if known(c.serial)]
        if len(in_base) == 1:
            chosen = in_base[0]
            return SerialChoice(
                chosen.serial, "install_base", None, f"{chosen.serial} {_where(chosen)} is in the install base.", pool
            )
        if len(in_base) > 1:
            serials = ", ".join(c.serial for c in in_base)
            return SerialChoice(
                None, None, None, f"Several values are in the install base ({serials}); pick one by hand.", pool
            )
    return SerialChoice(None, None, None, "No barcode matches a serial format or a unit of the install base.", pool)


def _where(candidate: Candidate) -> str:
    if candidate.embedded:
        return f"(inside the {candidate.symbology} payload)"
    return f"(the {candidate.symbology} barcode)"


MAX_SERIAL = 64


SERIAL_PATTERN = re.compile(rf"[^\s\x00]{{1,{MAX_SERIAL}}}")


def normalise_serial(serial: str) -> str:
    """Serials are compared trimmed and in upper case."""
    return serial.strip().upper()


def valid_serial(serial: str) -> bool:
    """A normalised serial: 1 to 64 characters, none of them spaces (of any kind) or NUL."""
    return SERIAL_PATTERN.fullmatch(serial) is not None
