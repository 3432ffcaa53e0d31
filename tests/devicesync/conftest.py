"""Fixtures of the sync tests: the dispatch world, a device per technician, and push/pull helpers."""

import uuid
from datetime import UTC
from datetime import datetime
from types import SimpleNamespace

import pytest

from tests.supply.conftest import call  # noqa: F401  (fixtures shared with the parts-supply tests)
from tests.supply.conftest import catalogue  # noqa: F401
from tests.supply.conftest import events  # noqa: F401
from tests.supply.conftest import fetch  # noqa: F401
from tests.supply.conftest import make_part  # noqa: F401
from tests.supply.conftest import make_policy  # noqa: F401
from tests.supply.conftest import make_product  # noqa: F401
from tests.supply.conftest import make_stock  # noqa: F401
from tests.supply.conftest import notified  # noqa: F401
from tests.supply.conftest import on_site  # noqa: F401
from tests.supply.conftest import open_job  # noqa: F401
from tests.supply.conftest import people  # noqa: F401
from tests.supply.conftest import staff  # noqa: F401
from tests.supply.conftest import stock_books  # noqa: F401
from tests.supply.conftest import walk  # noqa: F401
from tests.supply.conftest import world  # noqa: F401


class Device:
    """A phone: its client id, its own op sequence, and what it holds after pulls."""

    def __init__(self, client, user, client_id=None):
        self.client = client
        self.user = user
        self.client_id = client_id or f"dev-{uuid.uuid4().hex[:12]}"
        self.seq = 0
        self.cursor = None
        self.held = {}

    def op(self, op_type, entity_id, payload=None, **extra):
        self.seq += 1
        return {
            "op_id": str(uuid.uuid4()),
            "seq": self.seq,
            "type": op_type,
            "entity_id": str(entity_id),
            "payload": payload or {},
            "client_time": datetime.now(UTC).isoformat(),
            **extra,
        }

    def push(self, ops, schema_version=1):
        response = self.client.post(
            "/api/sync/push",
            json={"client_id": self.client_id, "schema_version": schema_version, "ops": ops},
            headers=self.user.headers,
        )
        return response.status_code, response.get_json()

    def pull(self, limit=500):
        query = {"limit": limit, "client_id": self.client_id}
        if self.cursor:
            query["cursor"] = self.cursor
        response = self.client.get("/api/sync/pull", query_string=query, headers=self.user.headers)
        body = response.get_json()
        if response.status_code == 200:
            if body["reset"]:
                self.held = {}
            for change in body["changes"]:
                key = (change["entity"], change["id"])
                if change["op"] == "put":
                    self.held[key] = change["data"]
                else:
                    self.held.pop(key, None)
            self.cursor = body["cursor"]
        return response.status_code, body

    def drain(self):
        while True:
            status, body = self.pull()
            assert status == 200, body
            if not body["has_more"]:
                return body

    def jobs(self):
        return {int(i): data for (entity, i), data in self.held.items() if entity == "job"}


def differences(held, server):
    """``{id: {field: (held, server)}}`` where a phone's copy and the server's differ, or which side lacks it."""
    found = {}
    for key in sorted(set(held) | set(server)):
        mine, theirs = held.get(key), server.get(key)
        if theirs is None:
            found[key] = "held, not on the server"
        elif mine is None:
            found[key] = "on the server, not held"
        elif mine != theirs:
            found[key] = {
                name: (mine.get(name), theirs.get(name)) for name in mine | theirs if mine.get(name) != theirs.get(name)
            }
    return found


def seen(item):
    """What a phone shows of a job or requisition, and the server's list must agree on: all but a job's
    buttons for the caller and which of its SLA stages are overdue (computed at the moment of reading)."""
    shown = {name: value for name, value in item.items() if name != "actions"}
    if "sla" in item:
        shown["sla"] = {name: value for name, value in item["sla"].items() if name != "overdue"}
    return shown


# The state a phone expects after its own op (from the states where the server allows it).
AFTER = {
    "job.accept": {"dispatched": "accepted"},
    "job.depart": {"accepted": "en_route"},
    "job.arrive": {"accepted": "on_site", "en_route": "on_site"},
    "job.complete": {"on_site": "completed"},
    "parts.shortage": {"accepted": "waiting_parts", "en_route": "waiting_parts", "on_site": "waiting_parts"},
}


class Outbox:
    """What a simulated phone made (``made``) and the server acknowledged (``acked``), for its ``jobs()``."""

    @property
    def outbox(self):
        return [op for op in self.made if op["seq"] > self.acked]

    def local_state(self, job_id):
        """The job's state as the app shows it: as last pulled, moved on by the ops still in the outbox."""
        state = self.jobs()[job_id]["state"]
        for op in self.outbox:
            if op["entity_id"] == str(job_id):
                state = AFTER.get(op["type"], {}).get(state, state)
        return state


@pytest.fixture
def factories(
    make_geography,
    make_provider,
    make_policy,  # noqa: F811
    make_product,  # noqa: F811
    make_part,  # noqa: F811
    make_stock,  # noqa: F811
    make_user,
    auth,
):
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


@pytest.fixture
def device(client, catalogue):  # noqa: F811
    """``device("tech1")`` → a new Device of that person."""

    def make(name, client_id=None):
        return Device(client, getattr(catalogue, name), client_id)

    return make
