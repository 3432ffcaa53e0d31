"""The cards API: create, read, search, replace and delete; bad input names its field and changes nothing."""

from datetime import date

import pytest

from server.core.clock import local_today
from tests.cards.conftest import card_body
from tests.helpers import assert_error


def test_a_card_is_created_with_serials_and_phones_normalised(post_card):
    response = post_card()
    assert response.status_code == 201, response.json
    assert response.json == {
        "number": "EW1",
        "card_type": "extended_warranty",
        "coverage": "whole_unit",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31",
        "note": "",
        "serials": ["SN1", "SN2"],
        "phones": ["13800000001", "13800000002"],
        "parts": [],
        "valid_today": date(2026, 1, 1) <= local_today() <= date(2026, 12, 31),
    }


def test_a_card_valid_today_says_so(post_card):
    today = local_today()
    card = post_card(starts_on=today.isoformat(), ends_on=today.isoformat()).json
    assert card["valid_today"] is True
    assert (
        post_card(number="EW2", serials=["SN9"], ends_on="2020-01-01", starts_on="2020-01-01").json["valid_today"]
        is False
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": "2025-12-31"}, "ends_on"),
        ({"serials": []}, "serials"),
        ({"phones": []}, "phones"),
        ({"phones": ["not a phone"]}, "phones"),
        ({"coverage": "parts"}, "parts"),
        ({"coverage": "parts", "parts": ["NOPE"]}, "parts"),
        ({"parts": ["BOARD"]}, "parts"),
        ({"card_type": "gift"}, "card_type"),
        ({"number": ...}, "number"),
    ],
    ids=[
        "ends-first",
        "no-unit",
        "no-user",
        "bad-phone",
        "parts-none",
        "parts-unknown",
        "whole-with-parts",
        "type",
        "no-number",
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(post_card, snapshot, overrides, field):
    before = snapshot()
    assert_error(post_card(**overrides), 422, "validation_error", [field])
    assert snapshot() == before


def test_a_unit_on_an_overlapping_card_is_refused_naming_serials_and_the_other_card(post_card, snapshot):
    post_card()
    before = snapshot()
    error = assert_error(
        post_card(number="EW2", serials=["SN2", "SN3"], starts_on="2026-12-31", ends_on="2027-12-31"),
        422,
        "validation_error",
        ["serials"],
    )
    assert error["details"]["card_number"] == "EW1"
    assert "EW1" in error["details"]["fields"]["serials"][0]
    assert snapshot() == before
    # The day after the first card ends, the unit may go on another.
    assert (
        post_card(number="EW2", serials=["SN2", "SN3"], starts_on="2027-01-01", ends_on="2027-12-31").status_code == 201
    )


def test_a_taken_number_is_a_conflict(post_card):
    post_card()
    assert_error(post_card(serials=["SN7"], starts_on="2030-01-01", ends_on="2030-12-31"), 409, "card_exists")


def test_a_parts_card_lists_its_parts(post_card):
    response = post_card(coverage="parts", parts="PANEL;BOARD", card_type="service_contract")
    assert (response.status_code, response.json["parts"]) == (201, ["BOARD", "PANEL"])


def test_a_card_is_found_by_phone_serial_or_number_and_every_filter_must_hold(client, post_card, people):
    post_card()
    post_card(number="EW2", serials=["SN3"], phones=["13800000009"])

    def found(**query):
        answer = client.get("/api/cards", query_string=query, headers=people.agent.headers)
        return [card["number"] for card in answer.json["items"]]

    assert found(phone="13800000002") == ["EW1"]
    assert found(serial=" sn3") == ["EW2"]
    assert found(number="EW2") == ["EW2"]
    assert found(phone="13800000002", serial="SN3") == []
    assert_error(client.get("/api/cards", headers=people.agent.headers), 422, "validation_error", ["phone"])


def test_a_provider_manager_reads_phones_masked(client, post_card, people):
    post_card()
    card = client.get("/api/cards/EW1", headers=people.pm1.headers).json
    assert card["phones"] == ["*******0001", "*******0002"]
    assert client.get("/api/cards/EW1", headers=people.agent.headers).json["phones"] == ["13800000001", "13800000002"]
    assert_error(client.get("/api/cards/EW1", headers=people.tech1.headers), 403, "role_forbidden")


def test_a_card_is_replaced_and_bad_replacement_changes_nothing(client, admin, post_card, snapshot):
    post_card()
    post_card(number="EW2", serials=["SN3"], starts_on="2027-01-01", ends_on="2027-12-31")
    body = card_body(number=..., serials=["SN1", "SN3"], phones=["13800000003"], ends_on="2027-06-30")
    before = snapshot()
    error = assert_error(client.put("/api/cards/EW1", json=body, headers=admin), 422, "validation_error", ["serials"])
    assert error["details"]["card_number"] == "EW2"
    body["serials"], body["ends_on"] = ["SN1"], "2025-01-01"
    assert_error(client.put("/api/cards/EW1", json=body, headers=admin), 422, "validation_error", ["ends_on"])
    assert snapshot() == before
    body["ends_on"] = "2026-06-30"
    response = client.put("/api/cards/EW1", json=body, headers=admin)
    assert response.status_code == 200, response.json
    assert (response.json["serials"], response.json["phones"], response.json["ends_on"]) == (
        ["SN1"],
        ["13800000003"],
        "2026-06-30",
    )


def test_moving_a_card_onto_another_cards_unit_and_period_is_refused(client, admin, post_card):
    post_card()
    post_card(number="EW2", serials=["SN3"], starts_on="2027-01-01", ends_on="2027-12-31")
    body = card_body(number=..., serials=["SN3"], starts_on="2026-06-01", ends_on="2027-01-01")
    error = assert_error(client.put("/api/cards/EW1", json=body, headers=admin), 422, "validation_error", ["serials"])
    assert error["details"]["card_number"] == "EW2"


def test_a_card_is_deleted_by_an_admin_only(client, admin, post_card, people):
    post_card()
    assert_error(client.delete("/api/cards/EW1", headers=people.agent.headers), 403, "role_forbidden")
    assert client.delete("/api/cards/EW1", headers=admin).status_code == 204
    assert_error(client.get("/api/cards/EW1", headers=admin), 404, "card_not_found")
    assert_error(client.delete("/api/cards/EW1", headers=admin), 404, "card_not_found")
