"""Fixtures of the knowledge-base tests: the sync world (dispatch, parts, devices) and entry factories.

The world is the sync tests' (tests/syncing/conftest.py): TV55 (tv) with parts BOARD, PANEL and
REMOTE, provider P01 with technicians tech1 and tech2 and manager pm1, and an admin. ``kb`` adds a second
television TV65 and a fridge FR40, so that model and category filters have something to tell apart.
"""

import pytest

from server.extensions import db
from tests.devicesync.conftest import call  # noqa: F401  (fixtures shared with the sync tests)
from tests.devicesync.conftest import catalogue  # noqa: F401
from tests.devicesync.conftest import device  # noqa: F401
from tests.devicesync.conftest import events  # noqa: F401
from tests.devicesync.conftest import fetch  # noqa: F401
from tests.devicesync.conftest import make_part  # noqa: F401
from tests.devicesync.conftest import make_policy  # noqa: F401
from tests.devicesync.conftest import make_product  # noqa: F401
from tests.devicesync.conftest import make_stock  # noqa: F401
from tests.devicesync.conftest import notified  # noqa: F401
from tests.devicesync.conftest import on_site  # noqa: F401
from tests.devicesync.conftest import open_job  # noqa: F401
from tests.devicesync.conftest import people  # noqa: F401
from tests.devicesync.conftest import staff  # noqa: F401
from tests.devicesync.conftest import stock_books  # noqa: F401
from tests.devicesync.conftest import walk  # noqa: F401
from tests.devicesync.conftest import world  # noqa: F401


@pytest.fixture
def kb(catalogue, make_product):  # noqa: F811
    """The sync world plus TV65 (tv) and FR40 (fridge); the people, each with ``.headers``."""
    make_product("TV65", category="tv")
    make_product("FR40", category="fridge")
    db.session.commit()
    return catalogue


def entry_body(**overrides):
    """A defect entry of TV55: no picture, backlight."""
    body = {
        "type": "defect",
        "title": "有声音无图像 (no picture)",
        "symptom": "开机有声音，屏幕全黑。Sound but a black screen.",
        "cause": "背光灯条损坏。Broken LED backlight.",
        "fix": "更换背光灯条。Replace the backlight.",
        "fault_code": "E21",
        "models": ["TV55"],
        "parts": ["BOARD"],
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


@pytest.fixture
def add_entry(call, kb):  # noqa: F811
    """``add_entry(**fields)`` → the JSON of a new entry the admin made from ``entry_body(**fields)`` (201 asserted)."""

    def make(**overrides):
        status, body = call("post", "/api/knowledge", "admin", entry_body(**overrides))
        assert status == 201, body
        return body

    return make


@pytest.fixture
def faq(add_entry):
    """``faq(**fields)``: an FAQ (no fault code) made by the admin."""

    def make(**overrides):
        return add_entry(**{"type": "faq", "fault_code": ..., "parts": [], **overrides})

    return make


@pytest.fixture
def search(client, kb):
    """``search(user="tech1", **query)`` → the ids of the entries found (200 asserted), in the order given."""

    def run(user="tech1", **query):
        response = client.get("/api/knowledge", query_string=query, headers=getattr(kb, user).headers)
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    return run
