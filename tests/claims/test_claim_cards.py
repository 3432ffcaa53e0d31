"""A claim citing a service card: the card it cites (its job's, or given on filing) is kept, a valid card
covering the failure keeps OUT_OF_WARRANTY away, and a card that does not cover it raises CARD_INVALID."""

from datetime import date

import pytest

from server.cards.services import create_card
from server.extensions import db
from server.jobs.models import Job
from tests.helpers import assert_error

# SN0001 was sold 2025-01-15 with a 12-month whole-unit warranty: a failure on 2026-03-01 is out of it.
AFTER = {"failure_date": "2026-03-01", "repair_date": "2026-03-02"}


@pytest.fixture
def card(claims_world):
    def make(**fields):
        values = {
            "number": "EW1",
            "card_type": "extended_warranty",
            "coverage": "whole_unit",
            "starts_on": date(2026, 1, 15),
            "ends_on": date(2027, 1, 14),
            "serials": ["SN0001"],
            "phones": ["13800000000"],
            **fields,
        }
        create_card(values)
        db.session.commit()

    return make


def codes(response):
    return [flag["code"] for flag in response.json["flags"]]


def test_out_of_warranty_without_a_card_is_flagged(sell, submit):
    sell("SN0001")
    assert codes(submit(**AFTER)) == ["OUT_OF_WARRANTY"]


def test_a_valid_whole_unit_card_keeps_out_of_warranty_away(sell, submit, card):
    sell("SN0001")
    card()
    response = submit(card_number="EW1", **AFTER)
    assert response.status_code == 201, response.json
    assert (response.json["status"], codes(response), response.json["card_number"]) == ("approved", [], "EW1")


def test_a_parts_card_covers_a_claim_of_its_parts_only(sell, submit, card):
    sell("SN0001")
    card(coverage="parts", parts=["BOARD"])
    assert codes(submit(card_number="EW1", **AFTER)) == []
    both = submit(card_number="EW1", parts=[{"part_no": "BOARD", "qty": 1}, {"part_no": "PANEL", "qty": 1}], **AFTER)
    assert codes(both) == ["OUT_OF_WARRANTY", "CARD_INVALID", "DUPLICATE_CLAIM"]
    flag = next(flag for flag in both.json["flags"] if flag["code"] == "CARD_INVALID")
    assert (flag["data"]["reasons"], flag["data"]["uncovered_parts"]) == (["part_not_covered"], ["PANEL"])


def test_a_card_expired_at_the_failure_is_invalid_and_covers_nothing(sell, submit, card):
    sell("SN0001")
    card(ends_on=date(2026, 2, 28))
    response = submit(card_number="EW1", **AFTER)
    assert codes(response) == ["OUT_OF_WARRANTY", "CARD_INVALID"]
    flag = response.json["flags"][1]
    assert flag["data"]["reasons"] == ["card_expired"]
    assert flag["message"] == (
        "Service card EW1 does not cover the failure on 2026-03-01: it ended on 2026-02-28, before the failure."
    )


def test_a_claim_cites_its_jobs_card_and_the_jobs_customer_must_be_a_card_user(sell, submit, card, make_job):
    sell("SN0001")
    card(phones=["13900000001"])
    job = db.session.get(Job, make_job("P01"))
    job.card_number = "EW1"
    db.session.commit()
    response = submit(job_id=job.id, **AFTER)
    assert response.json["card_number"] == "EW1"
    assert codes(response) == ["OUT_OF_WARRANTY", "CARD_INVALID"]
    assert response.json["flags"][1]["data"]["reasons"] == ["caller_not_card_user"]


def test_an_unknown_card_is_refused_naming_card_number(sell, submit, manager, snapshot):
    sell("SN0001")
    manager("P01")
    before = snapshot()
    assert_error(submit(card_number="NOPE", **AFTER), 422, "validation_error", ["card_number"])
    assert snapshot() == before
