"""Fixtures of the sync tests beyond the plugins' (the supply world, and ``device``: the simulated phone of
tests/fixtures/device.py): the factories a whole world is built with, for the state machine and the fleet."""

from types import SimpleNamespace

import pytest


@pytest.fixture
def factories(make_geography, make_provider, make_policy, make_product, make_part, make_stock, make_user, auth):
    """The factories a whole world is built with, in one namespace (the state machine and the fleet)."""
    return SimpleNamespace(
        make_geography=make_geography,
        make_provider=make_provider,
        make_policy=make_policy,
        make_product=make_product,
        make_part=make_part,
        make_stock=make_stock,
        make_user=make_user,
        auth=auth,
    )
