"""Rules of service cards: their records (create, replace, delete, import), their search, and which card
covers a unit for a person on a day."""

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from typing import TypedDict

from sqlalchemy import select

from scanning.serials import normalise_serial
from scanning.serials import valid_serial
from server.cards import rules
from server.cards.models import PARTS
from server.cards.models import WHOLE_UNIT
from server.cards.models import ServiceCard
from server.cards.models import ServiceCardPart
from server.cards.models import ServiceCardUnit
from server.cards.models import ServiceCardUser
from server.cards.schemas import CardArgs
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.locks import serialise_on
from server.core.privacy import mask_phone
from server.core.reference import INSERTED
from server.core.reference import UNCHANGED
from server.core.reference import UPDATED
from server.core.reference import Outcome
from server.core.reference import ReferenceKind
from server.core.reference import invalid
from server.errors import Conflict
from server.errors import InvalidInput
from server.errors import NotFound
from server.extensions import db
from server.parts.models import Part

# A search answers at most this many cards (a phone or a serial has a handful).
SEARCH_LIMIT = 100


class CardView(TypedDict):
    number: str
    card_type: str
    coverage: str
    starts_on: date
    ends_on: date
    note: str
    serials: list[str]
    phones: list[str]  # masked for the roles that see customers' phones masked
    parts: list[str]
    valid_today: bool


class CardBrief(TypedDict):
    """A card as the caller lookup shows it beside a unit."""

    number: str
    card_type: str
    coverage: str
    ends_on: date


def normalise_phone(phone: str) -> str:
    """Phones are kept as customers' are: trimmed."""
    return phone.strip()


# ---------------------------------------------------------------- records


def _serials(serials: Iterable[str]) -> list[str]:
    normalised: list[str] = []
    for serial in (normalise_serial(each) for each in serials):
        if not valid_serial(serial):
            raise invalid("serials", f"{serial or 'an empty serial'}: a serial has 1 to 64 characters and no spaces")
        if serial not in normalised:
            normalised.append(serial)
    return sorted(normalised)


def _phones(phones: Iterable[str]) -> list[str]:
    return sorted({normalise_phone(phone) for phone in phones if phone.strip()})


def _parts(part_nos: Sequence[str]) -> list[Part]:
    if not part_nos:
        return []
    found = {part.part_no: part for part in db.session.scalars(select(Part).where(Part.part_no.in_(part_nos)))}
    unknown = [part_no for part_no in part_nos if part_no not in found]
    if unknown:
        raise invalid("parts", f"unknown part(s): {', '.join(unknown)}")
    return [found[part_no] for part_no in sorted(found)]


def refuse_overlap(serials: Sequence[str], starts_on: date, ends_on: date, card_id: int | None = None) -> None:
    """A unit is on one card at a time: InvalidInput on ``serials`` naming the other card whose period
    overlaps this one on one of ``serials``."""
    # Two cards for one unit written at once: the second waits here, then sees the first.
    serialise_on(*(f"card-serial:{serial}" for serial in serials))
    statement = (
        select(ServiceCardUnit.serial, ServiceCard.number, ServiceCard.starts_on, ServiceCard.ends_on)
        .join(ServiceCard, ServiceCard.id == ServiceCardUnit.card_id)
        .where(
            ServiceCardUnit.serial.in_(serials),
            ServiceCard.starts_on <= ends_on,
            ServiceCard.ends_on >= starts_on,
        )
        .order_by(ServiceCard.starts_on, ServiceCard.number)
        .limit(1)
    )
    if card_id is not None:
        statement = statement.where(ServiceCard.id != card_id)
    clash = db.session.execute(statement).first()
    if clash is None:
        return
    serial, number, other_start, other_end = clash
    message = (
        f"unit {serial} is on card {number} from {other_start.isoformat()} to {other_end.isoformat()}, "
        "which overlaps this card's period"
    )
    raise InvalidInput(
        f"serials: {message}",
        details={"fields": {"serials": [message]}, "card_number": number, "serial": serial},
    )


def _checked(values: Mapping[str, Any], card: ServiceCard | None) -> dict[str, Any]:
    """Complete, normalised values of a card (a partial import row completed from ``card``), every rule met."""
    merged = dict(values)
    if card is not None:
        defaults = {
            "card_type": card.card_type,
            "coverage": card.coverage,
            "starts_on": card.starts_on,
            "ends_on": card.ends_on,
            "note": card.note,
            "serials": card.serials,
            "phones": card.phones,
            "parts": card.part_nos,
        }
        merged = {**defaults, **merged}
    merged.setdefault("note", "")
    merged.setdefault("parts", [])
    merged["serials"] = _serials(merged["serials"])
    merged["phones"] = _phones(merged["phones"])
    rules.check_period(merged["starts_on"], merged["ends_on"])
    rules.check_holders(merged["serials"], merged["phones"])
    rules.check_coverage(merged["coverage"], merged["parts"])
    merged["part_rows"] = _parts(merged["parts"])
    refuse_overlap(merged["serials"], merged["starts_on"], merged["ends_on"], card.id if card else None)
    return merged


def _apply(card: ServiceCard, values: Mapping[str, Any]) -> bool:
    """Write checked ``values`` onto ``card``, keeping the rows that stay; True when anything changed."""
    changed = False
    for name in ("card_type", "coverage", "starts_on", "ends_on", "note"):
        if getattr(card, name) != values[name]:
            setattr(card, name, values[name])
            changed = True
    if card.serials != values["serials"]:
        kept_units = {unit.serial: unit for unit in card.units}
        card.units = [kept_units.get(s) or ServiceCardUnit(serial=s) for s in values["serials"]]
        changed = True
    if card.phones != values["phones"]:
        kept_users = {user.phone: user for user in card.users}
        card.users = [kept_users.get(p) or ServiceCardUser(phone=p) for p in values["phones"]]
        changed = True
    if card.part_nos != [part.part_no for part in values["part_rows"]]:
        kept_parts = {row.part_id: row for row in card.part_rows}
        card.part_rows = [kept_parts.get(p.id) or ServiceCardPart(part=p) for p in values["part_rows"]]
        changed = True
    if changed:
        # A change of its units, users or parts alone updates no column of the card itself.
        card.updated_at = utcnow()
    return changed


def create_card(values: Mapping[str, Any]) -> ServiceCard:
    """Record a card; 409 ``card_exists`` when its number is taken, 422 naming the field that breaks a rule."""
    number = values["number"].strip()
    if not number:
        raise invalid("number", "give the card's number")
    serialise_on(f"card:{number}")
    if find_card(number) is not None:
        raise Conflict(f"Card {number} exists already.", code="card_exists", details={"card_number": number})
    checked = _checked(values, None)
    card = ServiceCard(number=number, card_type=checked["card_type"], coverage=checked["coverage"])
    card.starts_on, card.ends_on, card.note = checked["starts_on"], checked["ends_on"], checked["note"]
    card.units, card.users, card.part_rows = [], [], []
    _apply(card, checked)
    db.session.add(card)
    db.session.flush()
    return card


def update_card(card: ServiceCard, values: Mapping[str, Any]) -> ServiceCard:
    """Replace a card's terms, units, users and parts (fields not given keep their values)."""
    _apply(card, _checked(values, card))
    db.session.flush()
    return card


def delete_card(card: ServiceCard) -> None:
    """Remove a card. Jobs and claims that cited it keep its number."""
    db.session.delete(card)
    db.session.flush()


def find_card(number: str) -> ServiceCard | None:
    return db.session.scalar(select(ServiceCard).where(ServiceCard.number == number))


def get_card(number: str) -> ServiceCard:
    """The card numbered ``number``; 404 ``card_not_found`` when there is none."""
    card = find_card(number)
    if card is None:
        raise NotFound(f"There is no service card {number}.", code="card_not_found")
    return card


# ---------------------------------------------------------------- reading


def card_view(card: ServiceCard, role: str, today: date) -> CardView:
    """A card as ``role`` reads it: customers' phones masked for those who see them masked."""
    return {
        "number": card.number,
        "card_type": card.card_type,
        "coverage": card.coverage,
        "starts_on": card.starts_on,
        "ends_on": card.ends_on,
        "note": card.note,
        "serials": card.serials,
        "phones": [mask_phone(phone, role) for phone in card.phones],
        "parts": card.part_nos,
        "valid_today": rules.active_on(card, today),
    }


def search_cards(role: str, args: Mapping[str, Any], today: date | None = None) -> list[CardView]:
    """The cards a phone may use, that cover a serial, or of a number (every filter given must hold),
    latest ending first."""
    today = today or local_today()
    statement = select(ServiceCard)
    if args.get("number"):
        statement = statement.where(ServiceCard.number == args["number"].strip())
    if args.get("serial"):
        serial = normalise_serial(args["serial"])
        statement = statement.where(ServiceCard.units.any(ServiceCardUnit.serial == serial))
    if args.get("phone"):
        phone = normalise_phone(args["phone"])
        statement = statement.where(ServiceCard.users.any(ServiceCardUser.phone == phone))
    cards = db.session.scalars(
        statement.order_by(ServiceCard.ends_on.desc(), ServiceCard.number).limit(SEARCH_LIMIT)
    ).all()
    return [card_view(card, role, today) for card in cards]


def valid_cards(serials: Sequence[str], phone: str | None, day: date) -> dict[str, list[ServiceCard]]:
    """``{serial: cards}``: the cards covering each of ``serials`` on ``day`` that ``phone`` may use, the
    whole-unit ones first, then the latest ending."""
    if not serials or not phone:
        return {}
    rows = db.session.execute(
        select(ServiceCardUnit.serial, ServiceCard)
        .join(ServiceCard, ServiceCard.id == ServiceCardUnit.card_id)
        .where(
            ServiceCardUnit.serial.in_(serials),
            ServiceCard.starts_on <= day,
            ServiceCard.ends_on >= day,
            ServiceCard.users.any(ServiceCardUser.phone == normalise_phone(phone)),
        )
    ).all()
    found: dict[str, list[ServiceCard]] = {}
    for serial, card in rows:
        found.setdefault(serial, []).append(card)
    for cards in found.values():
        cards.sort(key=lambda card: (card.coverage != WHOLE_UNIT, -card.ends_on.toordinal(), card.number))
    return found


def cards_on(serial: str, day: date) -> list[CardBrief]:
    """The cards covering ``serial`` on ``day``, whoever holds them, whole-unit ones first, latest ending first."""
    cards = db.session.scalars(
        select(ServiceCard)
        .where(
            ServiceCard.units.any(ServiceCardUnit.serial == serial),
            ServiceCard.starts_on <= day,
            ServiceCard.ends_on >= day,
        )
        .order_by(ServiceCard.coverage.desc(), ServiceCard.ends_on.desc(), ServiceCard.number)
    ).all()
    return [{"number": c.number, "card_type": c.card_type, "coverage": c.coverage, "ends_on": c.ends_on} for c in cards]


def whole_unit_card(serial: str, phone: str | None, day: date) -> ServiceCard | None:
    """The whole-unit card that covers ``serial`` for ``phone`` on ``day``, if any."""
    for card in valid_cards([serial], phone, day).get(serial, []):
        if card.coverage == WHOLE_UNIT:
            return card
    return None


@dataclass(frozen=True)
class CardTerms:
    """What the claim checks read of a card, for one unit and one person (rules.CardTerms): ``serials`` and
    ``phones`` hold the asked unit and person when the card lists them, and nothing else."""

    number: str
    card_type: str
    coverage: str
    starts_on: date
    ends_on: date
    serials: frozenset[str]
    phones: frozenset[str]
    part_nos: tuple[str, ...]


def card_terms(number: str, serial: str, phone: str | None) -> CardTerms | None:
    """The card ``number`` as the checks of a claim on ``serial`` by ``phone``'s customer need it, or None.

    One query answers whether the card lists the unit and the person (a card may list many), a second the
    parts of a parts card: a claim's checks stay within their time budget with 100,000 cards.
    """
    lists_unit = (
        select(ServiceCardUnit.card_id)
        .where(ServiceCardUnit.card_id == ServiceCard.id, ServiceCardUnit.serial == serial)
        .exists()
    )
    lists_user = (
        select(ServiceCardUser.card_id)
        .where(ServiceCardUser.card_id == ServiceCard.id, ServiceCardUser.phone == normalise_phone(phone or ""))
        .exists()
    )
    row = db.session.execute(
        select(
            ServiceCard.id,
            ServiceCard.card_type,
            ServiceCard.coverage,
            ServiceCard.starts_on,
            ServiceCard.ends_on,
            lists_unit,
            lists_user,
        ).where(ServiceCard.number == number)
    ).first()
    if row is None:
        return None
    card_id, card_type, coverage, starts_on, ends_on, has_unit, has_user = row
    part_nos: tuple[str, ...] = ()
    if coverage == PARTS:
        part_nos = tuple(
            db.session.scalars(
                select(Part.part_no)
                .join(ServiceCardPart, ServiceCardPart.part_id == Part.id)
                .where(ServiceCardPart.card_id == card_id)
                .order_by(Part.part_no)
            )
        )
    return CardTerms(
        number=number,
        card_type=card_type,
        coverage=coverage,
        starts_on=starts_on,
        ends_on=ends_on,
        serials=frozenset([serial] if has_unit else []),
        phones=frozenset([normalise_phone(phone)] if has_user and phone is not None else []),
        part_nos=part_nos,
    )


def brief(card: ServiceCard | None) -> CardBrief | None:
    if card is None:
        return None
    return {"number": card.number, "card_type": card.card_type, "coverage": card.coverage, "ends_on": card.ends_on}


# ---------------------------------------------------------------- import


class CardKind(ReferenceKind[ServiceCard]):
    """Cards as a CSV import: ``number,card_type,coverage,starts_on,ends_on,serials,phones`` (lists split by
    ``;``) and optionally ``parts``. A row breaking a rule, or putting a unit on two cards at
    once (with a stored card or an earlier row of the file), is rejected by line."""

    name = "cards"
    label = "service card"
    model = ServiceCard
    key = "number"
    key_label = "number"
    args_schema = CardArgs
    columns = ("number", "card_type", "coverage", "starts_on", "ends_on", "serials", "phones")
    optional_columns = ("parts",)

    def create(self, values: Mapping[str, Any]) -> ServiceCard:
        return create_card(values)

    def upsert(self, values: Mapping[str, Any]) -> Outcome:
        card = self.find(values["number"])
        if card is None:
            create_card(values)
            return INSERTED
        changes = {name: value for name, value in values.items() if name != "number"}
        changed = _apply(card, _checked(changes, card))
        db.session.flush()
        return UPDATED if changed else UNCHANGED


cards = CardKind()
