"""Fixtures of the service-card tests: a card's JSON, and a poster of it."""

import pytest


def card_body(**overrides):
    """An extended warranty EW1 on SN1 and SN2 for two phones, all of 2026; a field given as ``...`` is left out."""
    body = {
        "number": "EW1",
        "card_type": "extended_warranty",
        "coverage": "whole_unit",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "serials": ["sn1 ", "SN2"],
        "phones": ["13800000001", " 13800000002"],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
def post_card(client, admin, make_part):
    """``post_card(**fields)`` → the response to POST /api/cards of ``card_body(**fields)``; parts BOARD and
    PANEL exist."""
    make_part("BOARD")
    make_part("PANEL", main_part=True)

    def post(**overrides):
        return client.post("/api/cards", json=card_body(**overrides), headers=admin)

    return post
