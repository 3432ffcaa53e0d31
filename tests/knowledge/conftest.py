"""Fixtures of the knowledge-base tests: the sync world (dispatch, parts, devices) and entry factories.

The world is the sync tests' (the plugins tests/fixtures/jobs.py and tests/fixtures/supply.py): TV55 (tv)
with parts BOARD, PANEL and REMOTE, provider P01 with technicians tech1 and tech2 and manager pm1, and an
admin. ``kb`` adds a second television TV65 and a fridge FR40, so that model and category filters have
something to tell apart.
"""

import pytest

from server.extensions import db
from tests.knowledge.factories import entry_body


@pytest.fixture
def kb(catalogue, make_product):
    """The sync world plus TV65 (tv) and FR40 (fridge); the people, each with ``.headers``."""
    make_product("TV65", category="tv")
    make_product("FR40", category="fridge")
    db.session.commit()
    return catalogue


@pytest.fixture
def add_entry(call, kb):
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
