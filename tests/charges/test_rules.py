"""The pure rules of charges: the receipt number the phone makes offline, and the share a provider remits."""

import pytest

from server.charges.quotes import CROCKFORD
from server.charges.quotes import receipt_number
from server.charges.reconciliation import remit_due


def test_a_receipt_number_is_ten_crockford_characters_from_the_sha256_of_the_uuid():
    # The phone's rule, written out: SHA-256 of the lower-case uuid text, its first 50 bits, in base32.
    ref = "3f2b8c1e-9a4d-4e6f-8b7a-0c1d2e3f4a5b"
    assert receipt_number(ref) == "2QD63FTA5Q"
    assert receipt_number(ref.upper()) == receipt_number(ref)
    assert all(char in CROCKFORD for char in receipt_number(ref))
    assert len(receipt_number(ref)) == 10


def test_receipt_numbers_of_different_payments_differ():
    refs = [f"00000000-0000-4000-8000-{n:012d}" for n in range(2000)]
    assert len({receipt_number(ref) for ref in refs}) == len(refs)


@pytest.mark.parametrize(
    ("collected", "percent", "due"),
    [(10_000, 100, 10_000), (10_000, 0, 0), (10_001, 50, 5_001), (10_003, 30, 3_001), (0, 70, 0)],
)
def test_the_remit_due_is_the_contract_share_to_the_nearest_cent(collected, percent, due):
    assert remit_due(collected, percent) == due
