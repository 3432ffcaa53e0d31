"""A claim's fault code must be one the knowledge base knows.

The world is the claims tests' (tests/fixtures/claims.py): TV55 sold units, providers P01 and P02.
"""

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.claims.models import Claim
from server.extensions import db
from tests.helpers import assert_error
from tests.knowledge.factories import ensure_fault_code


def claims():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Claim))


def test_a_claim_naming_a_known_fault_code_is_filed(sell, submit):
    ensure_fault_code("E01")
    sell("SN0001")
    response = submit(serial="SN0001")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["fault_code"] == "E01"


@pytest.mark.parametrize("code", ["E02", "e01", "E01-"], ids=["unknown", "other-case", "longer"])
def test_an_unknown_fault_code_is_422_and_files_nothing(sell, submit, manager, snapshot, code):
    ensure_fault_code("E01")
    sell("SN0001")
    manager("P01")  # the provider's manager exists before, as any who files a claim
    before = snapshot()
    error = assert_error(submit(serial="SN0001", fault_code=code), 422, "validation_error", fields=["fault_code"])
    assert error["details"]["fields"]["fault_code"] == [f"unknown fault code {code}"]
    assert snapshot() == before
    assert claims() == 0


def test_a_withdrawn_fault_code_still_names_the_fault_of_an_earlier_repair(sell, submit):
    ensure_fault_code("E01", active=False)
    sell("SN0001")
    response = submit(serial="SN0001")
    assert response.status_code == 201, response.get_json()
    assert claims() == 1
