"""What devices pull is the same as before the sync was made fast: one world, pulled by each audience, against
the pull recorded before (tests/devicesync/pulled_world.json).

The world: jobs of P01 in every state a phone holds, one with parts fitted through a push of several ops, one
waiting for parts on a requisition the clerk approved, another technician's and another provider's job, and
the catalogue. It is pulled as tech1, pm1 and the province's clerk, in pages of 3 so that snapshots cross pages
and kinds; then a push of several steps changes one job and notes another, and each pulls the log from where
it was. Times, which differ from run to run, are compared by their presence: each is written as "<time>" (the
ids of a fresh SQLite database are the same each run). Run with ``RECORD_PULLED_WORLD=1`` to record the file
again, after a change the pull is meant to make.
"""

import json
import os
import re
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from pathlib import Path

import pytest

from tests.devicesync.test_pull import pages

RECORDED = Path(__file__).with_name("pulled_world.json")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$")


def _timeless(value):
    if isinstance(value, dict):
        return {key: _timeless(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_timeless(item) for item in value]
    if isinstance(value, str) and TIME.match(value):
        return "<time>"
    return value


@pytest.fixture
def world(catalogue, on_site, open_job, walk, short, call, device, client):
    people = catalogue
    serials = iter(f"SN-PULL-{n}" for n in range(1, 20))
    fitted = on_site(serial=next(serials))
    phone = device("tech1")
    status, body = phone.push(
        [
            phone.op("note.add", fitted["id"], {"text": "主板电容鼓包"}),
            phone.op("parts.used", fitted["id"], {"parts": [{"part_no": "BOARD", "qty": 1}]}),
            phone.op("note.add", fitted["id"], {"text": "已更换"}),
        ]
    )
    assert status == 200, body
    assert [result["result"] for result in body["results"]] == ["applied"] * 3
    waiting = on_site(serial=next(serials))
    requisition = short(waiting["id"], [("PANEL", 1)])
    status, body = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    assert status == 200, body
    for state in ("dispatched", "en_route"):
        walk(open_job(serial=next(serials)), state)
    accepted = walk(open_job(serial=next(serials)), "accepted")
    walk(open_job(serial=next(serials)), "accepted", people.tech2)
    walk(open_job(serial=next(serials)), "on_site", people.tech3)

    def later():
        """A push of several steps on one job and a note on another, after the snapshots."""
        status, body = phone.push(
            [
                phone.op(
                    "job.contact",
                    accepted["id"],
                    {"appointment_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()},
                ),
                phone.op("job.depart", accepted["id"]),
                phone.op("note.add", fitted["id"], {"text": "客户不在家"}),
                phone.op("job.arrive", accepted["id"]),
            ]
        )
        assert status == 200, body
        assert [result["result"] for result in body["results"]] == ["applied"] * 4, body["results"]

    return people, later


def pulled(client, world):
    people, later = world
    answers, cursors = {}, {}
    for name in ("tech1", "pm1", "clerk"):
        found, cursors[name] = pages(client, getattr(people, name), limit=3)
        answers[name] = found
    later()
    for name in ("tech1", "pm1", "clerk"):
        answers[name] += pages(client, getattr(people, name), limit=3, token=cursors[name])[0]
    kept = ("changes", "has_more", "reset")
    return _timeless({name: [{key: page[key] for key in kept} for page in found] for name, found in answers.items()})


def test_every_audience_pulls_what_it_pulled_before(world, client):
    answers = pulled(client, world)
    if os.environ.get("RECORD_PULLED_WORLD"):
        RECORDED.write_text(json.dumps(answers, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    recorded = json.loads(RECORDED.read_text())
    for name, pages_recorded in recorded.items():
        assert len(answers[name]) == len(pages_recorded), name
        for number, (page, before) in enumerate(zip(answers[name], pages_recorded, strict=True)):
            assert page == before, f"{name}'s page {number + 1} differs from the recorded pull"
