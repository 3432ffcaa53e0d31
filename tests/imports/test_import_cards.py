"""Importing service cards: lists split by ';', a parts card's parts, and rows that break a card's rules,
among them two rows of one file putting a unit on two cards at once, rejected by line naming the field."""

from sqlalchemy import select

from server.cards.models import ServiceCard
from server.extensions import db
from tests.helpers import counts
from tests.imports.helpers import HEADERS
from tests.imports.helpers import csv_bytes


def stored():
    db.session.expire_all()
    return {
        card.number: (card.coverage, card.serials, card.phones, card.part_nos)
        for card in db.session.scalars(select(ServiceCard).order_by(ServiceCard.number))
    }


def test_cards_import_with_their_units_users_and_parts(world, import_file):
    content = csv_bytes(
        HEADERS["cards"] + ",parts",
        "EW1,extended_warranty,whole_unit,2026-01-01,2026-12-31, sn1 ;SN2,13800000001;13800000002,",
        "SC1,service_contract,parts,2026-01-01,2026-12-31,SN3,13800000003,X1",
    )
    assert import_file("cards", content) == counts(inserted=2)
    assert stored() == {
        "EW1": ("whole_unit", ["SN1", "SN2"], ["13800000001", "13800000002"], []),
        "SC1": ("parts", ["SN3"], ["13800000003"], ["X1"]),
    }


def test_bad_rows_are_rejected_by_line_naming_the_field_and_the_good_rows_kept(world, imported, snapshot):
    result = imported(
        "cards",
        "EW1,extended_warranty,whole_unit,2026-01-01,2026-12-31,SN1,13800000001",
        "EW2,extended_warranty,whole_unit,2026-01-01,2025-12-31,SN2,13800000001",
        "EW3,extended_warranty,whole_unit,2026-06-01,2027-05-31,SN4;SN1,13800000001",
        "EW4,extended_warranty,parts,2026-01-01,2026-12-31,SN5,13800000001",
        "EW5,extended_warranty,whole_unit,2026-01-01,2026-12-31,,13800000001",
        "EW6,service_contract,whole_unit,2027-01-01,2027-12-31,SN1,13800000001",
    )
    rejected = {row["line"]: row for row in result["rejected"]}
    assert (result["inserted"], sorted(rejected)) == (2, [3, 4, 5, 6])
    assert list(rejected[3]["details"]["fields"]) == ["ends_on"]
    # The overlap with an earlier row of the same file names that row's card.
    assert (list(rejected[4]["details"]["fields"]), rejected[4]["details"]["card_number"]) == (["serials"], "EW1")
    assert "EW1" in rejected[4]["error"]
    assert list(rejected[5]["details"]["fields"]) == ["parts"]
    assert list(rejected[6]["details"]["fields"]) == ["serials"]
    assert list(stored()) == ["EW1", "EW6"]
