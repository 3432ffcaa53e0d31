"""Amounts in the provider ledger's messages: integer cents shown as yuan, never through a float."""

import pytest

from server.network.ledger import yuan


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (12345, "123.45"),
        (0, "0.00"),
        (1, "0.01"),
        (5, "0.05"),
        (10, "0.10"),
        (99, "0.99"),
        (100, "1.00"),
        (100_000, "1000.00"),
        (999_999_999_999, "9999999999.99"),
        (2**63 - 1, "92233720368547758.07"),
        (-1, "-0.01"),
        (-5, "-0.05"),
        (-100, "-1.00"),
        (-12345, "-123.45"),
    ],
)
def test_cents_are_shown_as_yuan_with_two_decimals_and_the_sign_in_front(cents, text):
    assert yuan(cents) == text
