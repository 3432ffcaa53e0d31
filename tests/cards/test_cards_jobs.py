"""A valid card in the call centre's work: the caller lookup shows it beside the unit, and a unit out of its
factory warranty under a whole-unit card its caller holds becomes a warranty job that remembers the card."""

from datetime import timedelta

import pytest

from server.cards.services import create_card
from server.core.clock import local_today
from server.extensions import db
from tests.fixtures.jobs import PHONE
from tests.fixtures.jobs import request_body

OTHER_PHONE = "13900000077"


@pytest.fixture
def card(people, make_part):
    """``card(**fields)``: a stored card on SN-OLD (sold 800 days ago: out of its 12-month warranty) for PHONE,
    valid from a month ago to a year ahead."""
    make_part("BOARD")

    def make(**fields):
        today = local_today()
        values = {
            "number": "EW1",
            "card_type": "extended_warranty",
            "coverage": "whole_unit",
            "starts_on": today - timedelta(days=30),
            "ends_on": today + timedelta(days=365),
            "serials": ["SN-OLD"],
            "phones": [PHONE],
            **fields,
        }
        made = create_card(values)
        db.session.commit()
        return made

    return make


def lookup(client, people, phone=PHONE):
    units = client.get("/api/customers", query_string={"phone": phone}, headers=people.agent.headers).json["units"]
    return {unit["serial"]: unit for unit in units}


def test_the_lookup_shows_the_valid_card_beside_its_unit(client, people, card):
    card()
    units = lookup(client, people)
    assert units["SN-OLD"]["card"] == {
        "number": "EW1",
        "card_type": "extended_warranty",
        "coverage": "whole_unit",
        "ends_on": (local_today() + timedelta(days=365)).isoformat(),
    }
    assert [each["number"] for each in units["SN-OLD"]["cards"]] == ["EW1"]
    assert (units["SN-IN"]["card"], units["SN-IN"]["cards"]) == (None, [])


@pytest.mark.parametrize(
    "fields",
    [{"phones": [OTHER_PHONE]}, {"ends_on": -1, "starts_on": -60}, {"serials": ["SN-IN"]}],
    ids=["caller-not-a-user", "expired", "other-unit"],
)
def test_the_lookup_shows_no_card_that_is_not_valid_for_the_caller_today(client, people, card, fields):
    days = {name: local_today() + timedelta(days=value) for name, value in fields.items() if isinstance(value, int)}
    card(**{**fields, **days})
    assert lookup(client, people)["SN-OLD"]["card"] is None


def test_a_unit_out_of_warranty_under_the_callers_whole_unit_card_is_a_warranty_job(client, people, card):
    card()
    response = client.post("/api/requests", json=request_body(serial="SN-OLD"), headers=people.agent.headers)
    assert response.status_code == 201, response.json
    job = response.json
    assert (job["job_type"], job["card_number"]) == ("warranty", "EW1")


@pytest.mark.parametrize(
    "fields",
    [None, {"phones": [OTHER_PHONE]}, {"coverage": "parts", "parts": ["BOARD"]}],
    ids=["no-card", "caller-not-a-user", "parts-card"],
)
def test_without_a_whole_unit_card_the_caller_holds_the_unit_out_of_warranty_is_a_paid_job(
    client, people, card, fields
):
    if fields is not None:
        card(**fields)
    response = client.post("/api/requests", json=request_body(serial="SN-OLD"), headers=people.agent.headers)
    job = response.json
    assert (job["job_type"], job["card_number"]) == ("paid", None)


def test_a_unit_in_warranty_needs_no_card(client, people, card):
    card(serials=["SN-IN"])
    response = client.post("/api/requests", json=request_body(serial="SN-IN"), headers=people.agent.headers)
    job = response.json
    assert (job["job_type"], job["card_number"]) == ("warranty", None)


def test_the_unit_page_lists_the_cards_covering_it_today_whoever_holds_them(client, people, card):
    card(phones=[OTHER_PHONE])
    unit = client.get("/api/install-base/SN-OLD", headers=people.agent.headers).json
    assert [each["number"] for each in unit["cards"]] == ["EW1"]
    assert client.get("/api/install-base/SN-IN", headers=people.agent.headers).json["cards"] == []
