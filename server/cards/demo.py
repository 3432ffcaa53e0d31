"""The demo's service cards: extended warranties on units whose factory warranty is over, a family's card
covering two units, a service contract on a unit's main parts, and one that has ended. Each is made through
``create_card`` under the cards' rules, on the demo's oldest sold units, so that the call centre finds a
caller whose unit out of its factory warranty is still covered. Loading it again adds nothing."""

from datetime import date
from datetime import timedelta

from sqlalchemy import select

from server.cards.models import EXTENDED_WARRANTY
from server.cards.models import PARTS
from server.cards.models import SERVICE_CONTRACT
from server.cards.models import WHOLE_UNIT
from server.cards.services import create_card
from server.cards.services import find_card
from server.extensions import db
from server.installbase.models import SaleRecord
from server.parts.models import Part
from server.products.warranty import warranty_status

# A family member who may use the family's card beside the buyer.
FAMILY_PHONE = "13700000001"


def seed_cards(today: date, source_file: str = "demo") -> int:
    """Make the demo's cards as of ``today`` on the oldest sale records of ``source_file``; return how many
    were new."""
    oldest = db.session.scalars(
        select(SaleRecord)
        .where(SaleRecord.source_file == source_file, SaleRecord.customer_phone != "")
        .order_by(SaleRecord.sale_date, SaleRecord.serial)
        .limit(20)
    ).all()
    # Units whose whole-unit factory warranty is over today.
    over = []
    for sale in oldest:
        whole = warranty_status(sale.product, sale.sale_date, today)["whole_unit"]
        if whole is not None and not whole["active"]:
            over.append((sale, whole["ends_on"]))
    if len(over) < 5:
        return 0
    (first, first_end), (second, second_end), (third, _), (fourth, fourth_end), (fifth, fifth_end) = over[:5]
    ended_on = min(today - timedelta(days=1), max(fifth_end, today - timedelta(days=30)))
    main_parts = [
        part.part_no
        for part in db.session.scalars(select(Part).where(Part.main_part).order_by(Part.part_no))
        if third.product in part.products
    ]
    cards = [
        # Extended warranty (延保) bought when the factory warranty ran out: valid today.
        {
            "number": "EW-DEMO-0001",
            "card_type": EXTENDED_WARRANTY,
            "coverage": WHOLE_UNIT,
            "starts_on": first_end,
            "ends_on": today + timedelta(days=730),
            "serials": [first.serial],
            "phones": [first.customer_phone],
        },
        # A family's card: two units, the buyer and a family member may call on it.
        {
            "number": "EW-DEMO-0002",
            "card_type": EXTENDED_WARRANTY,
            "coverage": WHOLE_UNIT,
            "starts_on": max(second_end, fourth_end),
            "ends_on": today + timedelta(days=365),
            "serials": [second.serial, fourth.serial],
            "phones": [second.customer_phone, fourth.customer_phone, FAMILY_PHONE],
        },
        # A service contract on the main parts of a unit (its whole unit if its model has no main part listed).
        {
            "number": "SC-DEMO-0003",
            "card_type": SERVICE_CONTRACT,
            "coverage": PARTS if main_parts else WHOLE_UNIT,
            "starts_on": today - timedelta(days=200),
            "ends_on": today + timedelta(days=165),
            "serials": [third.serial],
            "phones": [third.customer_phone],
            "parts": main_parts,
        },
        # An extended warranty that has ended: the call centre sees it, and that it no longer covers.
        {
            "number": "EW-DEMO-0004",
            "card_type": EXTENDED_WARRANTY,
            "coverage": WHOLE_UNIT,
            "starts_on": min(fifth_end, ended_on),
            "ends_on": ended_on,
            "serials": [fifth.serial],
            "phones": [fifth.customer_phone],
        },
    ]
    made = 0
    for values in cards:
        if find_card(values["number"]) is None:
            create_card(values)
            made += 1
    return made
