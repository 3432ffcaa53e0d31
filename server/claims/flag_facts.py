"""The facts a flag's evidence sentence names, read back from the sentence.

The checks (checks.py, and a scan's own PHOTO_REUSED from server/evidence) write each flag's evidence as an
English sentence, and that sentence is what is stored. An auditor reading Chinese needs the same evidence in
their language, and the audit screen needs the earlier claim or scan a flag points at: this module gives both
as plain facts (``{"claim_id": 12, "repair_date": "2025-03-03", ...}``) for a client to word and follow.

Each pattern mirrors one sentence of the checks; the claims tests run every check and read its sentence back,
so a check's wording cannot change without its pattern. A sentence no pattern knows (a wording from before
a change) gives None, and a client shows the stored sentence as it is.
"""

import re
from collections.abc import Callable
from typing import Any

Facts = dict[str, Any]

_DAY = r"\d{4}-\d{2}-\d{2}"
# "(sale record of SN1: model TV55, sold 2024-01-15 at Store 1)": the sale's day and store, after a flag's words.
_SALE = rf" \(sale record of \S+: model .+?, sold (?P<sale_date>{_DAY})(?: at (?P<store>.*))?\)"

_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "UNKNOWN_SERIAL": [
        re.compile(r"No sale record has serial (?P<serial>\S+): the install base never sold this unit\."),
    ],
    "SERIAL_FORMAT": [
        re.compile(
            r"Serial (?P<serial>\S+) does not have the serial format of model (?P<model>.+?) "
            r"\(pattern (?P<pattern>.*?)(?:, (?P<check>[^,]+?) check digit)?\)\."
        ),
    ],
    "MODEL_MISMATCH": [
        re.compile(
            r"Claimed as model (?P<model>.+?), but serial (?P<serial>\S+) was sold as model (?P<sold_model>.+?)"
            + _SALE
            + r"\."
        ),
    ],
    "BEFORE_SALE": [
        re.compile(
            rf"The (?:failure on (?P<failure_date>{_DAY}))?(?:, )?(?:repair on (?P<repair_date>{_DAY}))? "
            rf"precedes the sale on {_DAY}" + _SALE + r"\."
        ),
    ],
    "OUT_OF_WARRANTY": [
        re.compile(r"No warranty policy covers the category (?P<category>.+) of this unit\."),
        re.compile(
            rf"The failure on (?P<failure_date>{_DAY}) is after the whole-unit warranty ended on "
            rf"(?P<whole_unit_end>{_DAY}) \((?P<whole_unit_months>\d+) months from the sale on (?P<sale_date>{_DAY})\)"
            rf"(?:, and after the main-part warranty ended on (?P<main_part_end>{_DAY}) "
            rf"\((?P<main_part_months>\d+) months\)"
            rf"|; only main parts stay covered until (?P<main_parts_until>{_DAY}), "
            r"and (?P<uncovered_parts>.+) are not)?"
            r"\."
        ),
    ],
    "REGION_MISMATCH": [
        re.compile(
            r"The unit was sold in (?P<province_name>.+) \((?P<province_code>[^()]+)\), "
            r"which provider (?P<provider_code>\S+) does not cover" + _SALE + r"\."
        ),
    ],
    "DUPLICATE_CLAIM": [
        re.compile(
            r"Claim (?P<claim_id>\d+) by provider (?P<provider_code>\S+) \((?P<status>[a-z_]+)\) already claims "
            r"for the same job (?P<job_id>\d+)\."
        ),
        re.compile(
            r"Claim (?P<claim_id>\d+) by provider (?P<provider_code>\S+) \((?P<status>[a-z_]+)\) already claims "
            rf"for serial (?P<serial>\S+) repaired on (?P<repair_date>{_DAY}), "
            rf"within (?P<window_days>\d+) days of (?P<this_repair_date>{_DAY})\."
        ),
    ],
    "SCAN_MISMATCH": [
        re.compile(
            r"The label photo of scan (?P<scan_id>\d+) reads serial (?P<scanned_serial>\S+), "
            r"not the claimed (?P<serial>\S+)\."
        ),
    ],
    "PHOTO_REUSED": [
        # The claim's check: the scan's photo backs another claim.
        re.compile(r"The label photo of scan (?P<scan_id>\d+) also backs claim (?P<claim_id>\d+)\."),
        # The scan's own flag, found when the photo was read: the same photograph backs another scan.
        re.compile(r"The same photograph backs scan (?P<other_scan_id>\d+) \((?:job (?P<job_id>\d+)|another scan)\)\."),
        re.compile(r"The label photo was used before\."),
    ],
}

# Facts that are numbers (ids, months, days); the others stay text.
_NUMBERS = {
    "claim_id",
    "job_id",
    "scan_id",
    "other_scan_id",
    "window_days",
    "whole_unit_months",
    "main_part_months",
}
_LISTS: dict[str, Callable[[str], list[str]]] = {"uncovered_parts": lambda text: text.split(", ")}


def facts_of(code: str, message: str) -> Facts | None:
    """The facts ``message`` (a ``code`` flag's evidence sentence) names; None when no pattern knows it.

    Facts a sentence leaves out (a store, a repair date before the sale) are absent, never None.
    """
    for pattern in _PATTERNS.get(code, ()):
        match = pattern.fullmatch(message)
        if match is None:
            continue
        facts: Facts = {}
        for name, value in match.groupdict().items():
            if value is None:
                continue
            if name in _NUMBERS:
                facts[name] = int(value)
            elif name in _LISTS:
                facts[name] = _LISTS[name](value)
            else:
                facts[name] = value
        return facts
    return None
