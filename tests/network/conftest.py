"""Fixtures of the network tests: admin headers."""

import pytest


@pytest.fixture
def admin(as_role):
    return as_role("admin", username="root")
