"""The rules of service cards as plain functions of plain values, tested without a database.

A card is valid for a use — a unit, the person calling, a day, the parts a repair needs — when the day lies in
its period (both ends included), the unit is one it covers, the person is one of its users and, for a parts
card, every part is one it lists. Anything else is a reason it is not.
"""

from collections.abc import Collection
from collections.abc import Iterable
from datetime import date
from typing import Protocol

from server.cards.models import PARTS
from server.cards.models import WHOLE_UNIT
from server.core.reference import invalid

CARD_NOT_STARTED = "card_not_started"
CARD_EXPIRED = "card_expired"
UNIT_NOT_COVERED = "unit_not_covered"
CALLER_NOT_CARD_USER = "caller_not_card_user"
PART_NOT_COVERED = "part_not_covered"
REASONS = (CARD_NOT_STARTED, CARD_EXPIRED, UNIT_NOT_COVERED, CALLER_NOT_CARD_USER, PART_NOT_COVERED)


class CardTerms(Protocol):
    """What the rules read of a card (a ServiceCard, or any object with these)."""

    @property
    def coverage(self) -> str: ...
    @property
    def starts_on(self) -> date: ...
    @property
    def ends_on(self) -> date: ...
    @property
    def serials(self) -> Collection[str]: ...
    @property
    def phones(self) -> Collection[str]: ...
    @property
    def part_nos(self) -> Collection[str]: ...


def check_period(starts_on: date, ends_on: date) -> None:
    """A card ends on or after the day it starts; InvalidInput on ``ends_on`` otherwise."""
    if ends_on < starts_on:
        raise invalid("ends_on", f"the card ends on {ends_on.isoformat()}, before it starts on {starts_on.isoformat()}")


def check_holders(serials: Collection[str], phones: Collection[str]) -> None:
    """A card covers at least one unit and has at least one user."""
    if not serials:
        raise invalid("serials", "a card covers at least one unit: give its serial")
    if not phones:
        raise invalid("phones", "a card has at least one user: give a phone number")


def check_coverage(coverage: str, part_nos: Collection[str]) -> None:
    """A parts card lists the parts it covers; a whole-unit card lists none."""
    if coverage == PARTS and not part_nos:
        raise invalid("parts", "a parts card lists the parts it covers")
    if coverage == WHOLE_UNIT and part_nos:
        raise invalid("parts", "a whole-unit card covers every part: list none")


def overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Whether two periods, both ends included, share a day."""
    return a_start <= b_end and b_start <= a_end


def card_problems(
    card: CardTerms, serial: str, phone: str | None, day: date, part_nos: Iterable[str] = ()
) -> list[str]:
    """Why ``card`` does not cover this use, in REASONS' order; empty when it does.

    ``phone`` None: the person is not known (a claim filed without its job), and not asked about.
    """
    problems = []
    if day < card.starts_on:
        problems.append(CARD_NOT_STARTED)
    elif day > card.ends_on:
        problems.append(CARD_EXPIRED)
    if serial not in card.serials:
        problems.append(UNIT_NOT_COVERED)
    if phone is not None and phone not in card.phones:
        problems.append(CALLER_NOT_CARD_USER)
    if card.coverage == PARTS:
        listed = set(card.part_nos)
        if any(part_no not in listed for part_no in part_nos):
            problems.append(PART_NOT_COVERED)
    return problems


def uncovered_parts(card: CardTerms, part_nos: Iterable[str]) -> list[str]:
    """The parts of ``part_nos`` a parts card does not list (none for a whole-unit card)."""
    if card.coverage != PARTS:
        return []
    listed = set(card.part_nos)
    return [part_no for part_no in part_nos if part_no not in listed]


def active_on(card: CardTerms, day: date) -> bool:
    """Whether ``day`` lies in the card's period."""
    return card.starts_on <= day <= card.ends_on
