"""The rules of service cards, each both ways, without a database: the period, the holders, the coverage,
overlapping periods, a card's validity for a use, and the claim checks that read a cited card."""

from dataclasses import dataclass
from dataclasses import field
from datetime import date
from types import SimpleNamespace

import pytest

from server.cards import rules
from server.claims.checks import ClaimFacts
from server.claims.checks import card_invalid
from server.claims.checks import covered_by_card
from server.errors import InvalidInput

START, END = date(2026, 1, 1), date(2026, 12, 31)


@dataclass
class Card:
    coverage: str = "whole_unit"
    starts_on: date = START
    ends_on: date = END
    serials: list = field(default_factory=lambda: ["SN1", "SN2"])
    phones: list = field(default_factory=lambda: ["13800000001", "13800000002"])
    part_nos: list = field(default_factory=list)


def named(exc_info):
    return list(exc_info.value.details["fields"])


# ---------------------------------------------------------------- the card's own rules


@pytest.mark.parametrize("ends_on", [START, END])
def test_a_card_may_end_on_or_after_its_first_day(ends_on):
    rules.check_period(START, ends_on)


def test_a_card_ending_before_it_starts_is_refused_naming_ends_on():
    with pytest.raises(InvalidInput) as refused:
        rules.check_period(START, date(2025, 12, 31))
    assert named(refused) == ["ends_on"]


@pytest.mark.parametrize(("serials", "phones", "field_name"), [([], ["1"], "serials"), (["SN1"], [], "phones")])
def test_a_card_needs_a_unit_and_a_user(serials, phones, field_name):
    with pytest.raises(InvalidInput) as refused:
        rules.check_holders(serials, phones)
    assert named(refused) == [field_name]


def test_a_card_with_a_unit_and_a_user_has_its_holders():
    rules.check_holders(["SN1"], ["13800000001"])


@pytest.mark.parametrize(("coverage", "parts"), [("parts", []), ("whole_unit", ["BOARD"])])
def test_a_parts_card_lists_parts_and_a_whole_unit_card_none(coverage, parts):
    with pytest.raises(InvalidInput) as refused:
        rules.check_coverage(coverage, parts)
    assert named(refused) == ["parts"]


@pytest.mark.parametrize(("coverage", "parts"), [("parts", ["BOARD"]), ("whole_unit", [])])
def test_coverage_and_parts_that_agree_pass(coverage, parts):
    rules.check_coverage(coverage, parts)


@pytest.mark.parametrize(
    ("other", "overlapping"),
    [
        ((date(2025, 1, 1), date(2025, 12, 31)), False),  # ends the day before
        ((date(2025, 1, 1), START), True),  # ends on its first day: both ends are included
        ((END, date(2027, 6, 30)), True),  # starts on its last day
        ((date(2027, 1, 1), date(2027, 12, 31)), False),  # starts the day after
        ((date(2026, 3, 1), date(2026, 4, 1)), True),  # inside
    ],
)
def test_periods_overlap_when_they_share_a_day(other, overlapping):
    assert rules.overlaps(START, END, *other) is overlapping
    assert rules.overlaps(*other, START, END) is overlapping


# ---------------------------------------------------------------- validity for a use


def test_a_card_covers_its_unit_for_its_user_inside_its_period():
    for day in (START, date(2026, 6, 1), END):
        assert rules.card_problems(Card(), "SN2", "13800000002", day) == []


@pytest.mark.parametrize(
    ("day", "reason"), [(date(2025, 12, 31), "card_not_started"), (date(2027, 1, 1), "card_expired")]
)
def test_a_card_outside_its_period_does_not_cover(day, reason):
    assert rules.card_problems(Card(), "SN1", "13800000001", day) == [reason]


def test_a_unit_the_card_does_not_list_is_not_covered():
    assert rules.card_problems(Card(), "SN9", "13800000001", START) == ["unit_not_covered"]


def test_a_caller_who_is_not_a_user_cannot_use_the_card_and_an_unknown_caller_is_not_asked():
    assert rules.card_problems(Card(), "SN1", "13900000000", START) == ["caller_not_card_user"]
    assert rules.card_problems(Card(), "SN1", None, START) == []


def test_a_parts_card_covers_only_its_parts_and_a_whole_unit_card_every_part():
    parts_card = Card(coverage="parts", part_nos=["BOARD"])
    assert rules.card_problems(parts_card, "SN1", "13800000001", START, ["BOARD"]) == []
    assert rules.card_problems(parts_card, "SN1", "13800000001", START, ["BOARD", "PANEL"]) == ["part_not_covered"]
    assert rules.uncovered_parts(parts_card, ["BOARD", "PANEL"]) == ["PANEL"]
    assert rules.card_problems(Card(), "SN1", "13800000001", START, ["PANEL"]) == []


def test_every_reason_is_given_at_once_in_order():
    card = Card(coverage="parts", part_nos=["BOARD"])
    assert rules.card_problems(card, "SN9", "1", date(2027, 1, 1), ["PANEL"]) == [
        "card_expired",
        "unit_not_covered",
        "caller_not_card_user",
        "part_not_covered",
    ]


# ---------------------------------------------------------------- the claim checks of a cited card

BOARD, PANEL = SimpleNamespace(part_no="BOARD", main_part=False), SimpleNamespace(part_no="PANEL", main_part=True)


def claim(card, failure=date(2026, 5, 1), serial="SN1", phone="13800000001", parts=(BOARD,)):
    return ClaimFacts(
        serial=serial,
        model="TV55",
        failure_date=failure,
        repair_date=failure,
        provider=None,
        product=None,
        sale=None,
        parts=[(part, 1) for part in parts],
        card_number="EW1" if card is not None else None,
        card=card,
        customer_phone=phone,
    )


def test_a_valid_card_raises_no_flag_and_covers_the_failure():
    facts = claim(Card())
    assert card_invalid(facts) == []
    assert covered_by_card(facts)


def test_no_card_raises_no_flag_and_covers_nothing():
    assert card_invalid(claim(None)) == []
    assert not covered_by_card(claim(None))


@pytest.mark.parametrize(
    ("overrides", "reasons", "words"),
    [
        ({"failure": date(2027, 2, 1)}, ["card_expired"], "it ended on 2026-12-31, before the failure"),
        ({"failure": date(2025, 2, 1)}, ["card_not_started"], "it starts on 2026-01-01, after the failure"),
        ({"serial": "SN9"}, ["unit_not_covered"], "it does not cover serial SN9"),
        ({"phone": "13900000000"}, ["caller_not_card_user"], "the job's customer phone is not one of its users"),
    ],
    ids=["expired", "not-started", "other-unit", "not-a-user"],
)
def test_a_card_that_does_not_cover_the_claim_is_flagged_and_covers_nothing(overrides, reasons, words):
    facts = claim(Card(), **overrides)
    [(code, message, data)] = card_invalid(facts)
    assert (code, data["reasons"], data["card_number"]) == ("CARD_INVALID", reasons, "EW1")
    assert message.startswith(f"Service card EW1 does not cover the failure on {facts.failure_date.isoformat()}: ")
    assert words in message
    assert not covered_by_card(facts)


def test_a_parts_card_covers_a_claim_of_its_parts_only():
    card = Card(coverage="parts", part_nos=["BOARD"])
    assert covered_by_card(claim(card))
    assert card_invalid(claim(card)) == []
    both = claim(card, parts=(BOARD, PANEL))
    [(code, message, data)] = card_invalid(both)
    assert (code, data["uncovered_parts"]) == ("CARD_INVALID", ["PANEL"])
    assert "it does not cover part(s) PANEL" in message
    assert not covered_by_card(both)
    assert not covered_by_card(claim(card, parts=()))  # labour alone is not a part it lists
