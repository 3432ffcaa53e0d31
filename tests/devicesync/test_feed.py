"""The change log: what each commit writes into which audience's feed, numbered 1, 2, 3… in commit order.

Audiences: ``tech:<technician id>`` and ``prov:<provider id>`` carry jobs;
requisitions go to ``prov:``, ``region:<province id>`` and the job's
technician; parts to ``catalogue``. The races at the end run on PostgreSQL
only, with real concurrent connections.
"""

import io
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import text

from server.devicesync import feed
from server.devicesync.models import Audience
from server.devicesync.models import Change
from server.extensions import db
from server.network.models import Provider
from server.parts.models import Part
from server.supply.services import requisitions
from tests.helpers import assert_error
from tests.races import send
from tests.races import send_together
from tests.races import start
from tests.races import together

pytestmark = pytest.mark.both_backends

WRITERS = 8


def rows(audience=None):
    """Every change (of one audience), as ``(audience, seq, entity, entity_id, op, version, data)``, by audience
    then seq."""
    statement = select(
        Change.audience, Change.seq, Change.entity, Change.entity_id, Change.op, Change.version, Change.data
    ).order_by(Change.audience, Change.seq)
    if audience is not None:
        statement = statement.where(Change.audience == audience)
    found = [tuple(row) for row in db.session.execute(statement).all()]
    db.session.commit()  # no read transaction left open while requests write
    return found


def added(before, audience=None):
    """The change rows written since ``before`` (a ``rows()``), in audience and seq order."""
    known = {(row[0], row[1]) for row in before}
    return [row for row in rows(audience) if (row[0], row[1]) not in known]


def since(before, audience=None):
    """The changes written since ``before``, as ``{(audience, entity, id, op)}``."""
    return {(a, e, i, op) for a, _, e, i, op, _, _ in added(before, audience)}


def audiences():
    found = dict(db.session.execute(select(Audience.name, Audience.last_seq)).all())
    db.session.commit()
    return found


def provider_id(code):
    return db.session.scalar(select(Provider.id).where(Provider.code == code))


def job_data(client, job_id, headers):
    """A job as the feeds carry it: as the API shows it, without its actions, with its charges (none here)."""
    shown = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()
    return {**{name: value for name, value in shown.items() if name != "actions"}, "quote": None, "payments": []}


# ---------------------------------------------------------------- numbering


def test_every_feed_numbers_its_changes_1_to_n_in_commit_order(
    walk,
    open_job,
    on_site,
    short,
    call,
    catalogue,
):
    walk(open_job(serial=None), "accepted")
    walk(open_job(serial=None), "assigned", catalogue.tech2)
    short(on_site(serial=None)["id"], [("PANEL", 1)])
    moved = walk(open_job(serial=None), "on_site")
    status, body = call("post", f"/api/jobs/{moved['id']}/assign", "dispatcher", {"technician_id": catalogue.tech2.id})
    assert status == 200, body
    status, body = call("patch", "/api/admin/parts/BOARD", "admin", {"price": "150.00"})
    assert status == 200, body
    last = audiences()
    assert {"catalogue", feed.technician(catalogue.tech1.id), feed.technician(catalogue.tech2.id)} <= set(last)
    numbered = db.session.execute(select(Change.audience, Change.seq).order_by(Change.id)).all()
    db.session.commit()
    for name, last_seq in last.items():
        in_id_order = [seq for audience, seq in numbered if audience == name]
        assert in_id_order == list(range(1, last_seq + 1)), name


def test_a_jobs_versions_rise_through_each_feed(walk, open_job, catalogue):
    job = walk(open_job(serial=None), "scanned")
    for name in (feed.technician(catalogue.tech1.id), feed.provider(catalogue.tech1.provider_id)):
        versions = [version for _, _, entity, i, _, version, _ in rows(name) if (entity, i) == ("job", str(job["id"]))]
        assert versions == sorted(set(versions)), name
        assert versions[-1] == job["version"]


# ---------------------------------------------------------------- what a change is, and where it goes


def test_an_assignment_puts_the_job_in_its_technicians_and_providers_feeds_only(client, walk, open_job, catalogue):
    job = walk(open_job(serial=None), "dispatched")
    before = rows()
    status = client.post(
        f"/api/jobs/{job['id']}/assign",
        json={"technician_id": catalogue.tech1.id},
        headers=catalogue.dispatcher.headers,
    ).status_code
    assert status == 200
    new = added(before)
    tech, prov = feed.technician(catalogue.tech1.id), feed.provider(catalogue.tech1.provider_id)
    assert [(a, e, i, op) for a, _, e, i, op, _, _ in new] == [
        (prov, "job", str(job["id"]), "put"),
        (tech, "job", str(job["id"]), "put"),
    ]
    shown = job_data(client, job["id"], catalogue.tech1.headers)
    assert [(version, data) for *_, version, data in new] == [(shown["version"], shown)] * 2


def test_a_requisition_goes_to_its_provider_its_province_and_the_jobs_technician(
    walk,
    open_job,
    short,
    catalogue,
):
    job = walk(open_job(serial=None), "on_site")
    before = rows()
    requisition = short(job["id"], [("PANEL", 1)])
    province = db.session.scalar(select(Audience.name).where(Audience.name.like("region:%")))
    db.session.commit()
    expected = {
        (name, "requisition", str(requisition["id"]), "put")
        for name in (
            feed.provider(catalogue.tech1.provider_id),
            feed.technician(catalogue.tech1.id),
            province,
        )
    }
    assert {change for change in since(before) if change[1] == "requisition"} == expected
    puts = [data for _, _, entity, _, _, _, data in added(before) if entity == "requisition"]
    assert puts == [requisition] * 3


@pytest.mark.parametrize(
    ("path", "who", "body", "status", "code"),
    [
        ("/complete", "tech1", {"summary": "换主板", "confirmed_by": "王先生"}, 409, "illegal_transition"),
        ("/assign", "dispatcher", {"technician_id": "tech1"}, 409, "already_assigned"),
        ("/dispatch", "dispatcher", {"provider_code": "P03"}, 422, "validation_error"),
        ("/accept", "tech2", {}, 404, "job_not_found"),
        ("/cancel", "dispatcher", {"reason": ""}, 422, "validation_error"),
        ("/close", "dispatcher", {}, 409, "illegal_transition"),
    ],
)
def test_a_refused_request_writes_nothing_to_any_feed(client, walk, open_job, catalogue, path, who, body, status, code):
    job = walk(open_job(serial=None), "assigned")
    if body.get("technician_id") == "tech1":
        body = {"technician_id": catalogue.tech1.id}
    before, seqs = rows(), audiences()
    response = client.post(f"/api/jobs/{job['id']}{path}", json=body, headers=getattr(catalogue, who).headers)
    assert_error(response, status, code)
    assert (rows(), audiences()) == (before, seqs)


def test_an_op_the_server_refuses_writes_nothing_and_the_one_before_it_is_in_the_feed(
    client, device, walk, open_job, catalogue
):
    job = walk(open_job(serial=None), "assigned")
    phone = device("tech1")
    before = rows()
    done = {"summary": "换主板", "confirmed_by": "王先生"}
    status, body = phone.push([phone.op("job.accept", job["id"]), phone.op("job.complete", job["id"], done)])
    assert status == 200, body
    assert [(result["result"], result["code"]) for result in body["results"]] == [
        ("applied", ""),
        ("conflict", "illegal_transition"),
    ], body
    new = added(before)
    shown = job_data(client, job["id"], catalogue.tech1.headers)
    assert shown["state"] == "accepted"
    assert sorted((a, e, i, op, data["state"]) for a, _, e, i, op, _, data in new) == [
        (feed.provider(catalogue.tech1.provider_id), "job", str(job["id"]), "put", "accepted"),
        (feed.technician(catalogue.tech1.id), "job", str(job["id"]), "put", "accepted"),
    ]


# ---------------------------------------------------------------- a job changing hands


def test_a_reassigned_job_and_its_requisitions_leave_the_old_technician_and_reach_the_new(
    client,
    walk,
    open_job,
    short,
    catalogue,
):
    job = walk(open_job(serial=None), "on_site")
    requisition = short(job["id"], [("PANEL", 1)])
    old, new = feed.technician(catalogue.tech1.id), feed.technician(catalogue.tech2.id)
    before = rows()
    response = client.post(
        f"/api/jobs/{job['id']}/assign",
        json={"technician_id": catalogue.tech2.id},
        headers=catalogue.dispatcher.headers,
    )
    assert response.status_code == 200, response.get_json()
    ids = {"job": str(job["id"]), "requisition": str(requisition["id"])}
    assert {(e, i, op) for _, _, e, i, op, _, _ in added(before, old)} == {
        ("job", ids["job"], "remove"),
        ("requisition", ids["requisition"], "remove"),
    }
    assert all(data is None for *_, data in added(before, old))
    arrived = {(e, i, op): data for _, _, e, i, op, _, data in added(before, new)}
    assert set(arrived) == {("job", ids["job"], "put"), ("requisition", ids["requisition"], "put")}
    assert arrived[("job", ids["job"], "put")] == job_data(client, job["id"], catalogue.tech2.headers)
    assert arrived[("job", ids["job"], "put")]["technician"]["id"] == catalogue.tech2.id
    assert arrived[("requisition", ids["requisition"], "put")]["status"] == "pending"


def test_a_reassigned_jobs_remove_carries_the_version_the_put_does(client, walk, open_job, catalogue):
    job = walk(open_job(serial=None), "accepted")
    before = rows()
    response = client.post(
        f"/api/jobs/{job['id']}/assign",
        json={"technician_id": catalogue.tech2.id},
        headers=catalogue.dispatcher.headers,
    )
    assert response.status_code == 200, response.get_json()
    versions = {(op, version) for _, _, e, _, op, version, _ in added(before) if e == "job"}
    assert versions == {("put", response.get_json()["version"]), ("remove", response.get_json()["version"])}
    assert response.get_json()["version"] > job["version"]


def test_phones_follow_a_reassigned_job_with_its_requisitions(device, call, on_site, short, catalogue):
    job = on_site(serial=None)
    requisition = short(job["id"], [("PANEL", 1)])
    old, new = device("tech1"), device("tech2")
    old.drain()
    new.drain()
    status, body = call("post", f"/api/jobs/{job['id']}/assign", "dispatcher", {"technician_id": catalogue.tech2.id})
    assert status == 200, body
    old.drain()
    new.drain()
    key = ("requisition", str(requisition["id"]))
    assert (key in old.held, key in new.held) == (False, True)
    assert (job["id"] in old.jobs(), job["id"] in new.jobs()) == (False, True)


def test_a_job_dispatched_to_another_provider_leaves_the_old_providers_feed(client, walk, open_job, catalogue):
    job = walk(open_job(serial=None), "accepted")
    before = rows()
    response = client.post(
        f"/api/jobs/{job['id']}/dispatch", json={"provider_code": "P02"}, headers=catalogue.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()
    assert since(before) == {
        (feed.provider(provider_id("P01")), "job", str(job["id"]), "remove"),
        (feed.technician(catalogue.tech1.id), "job", str(job["id"]), "remove"),
        (feed.provider(provider_id("P02")), "job", str(job["id"]), "put"),
    }
    (put,) = [data for _, _, _, _, op, _, data in added(before) if op == "put"]
    assert (put["state"], put["provider_code"], put["technician"]) == ("dispatched", "P02", None)


def test_a_cancelled_job_is_put_with_its_state_and_stays_on_the_phone(client, device, walk, open_job, catalogue):
    job = walk(open_job(serial=None), "accepted")
    phone = device("tech1")
    phone.drain()
    before = rows()
    response = client.post(
        f"/api/jobs/{job['id']}/cancel", json={"reason": "客户取消"}, headers=catalogue.dispatcher.headers
    )
    assert response.status_code == 200, response.get_json()
    new = added(before)
    assert {(a, op, data["state"]) for a, _, _, _, op, _, data in new} == {
        (feed.provider(catalogue.tech1.provider_id), "put", "cancelled"),
        (feed.technician(catalogue.tech1.id), "put", "cancelled"),
    }
    phone.drain()
    assert phone.jobs()[job["id"]]["state"] == "cancelled"
    assert phone.jobs()[job["id"]]["cancel_reason"] == "客户取消"


# ---------------------------------------------------------------- the catalogue


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/admin/parts/BOARD", {"price": "150.00"}),
        ("patch", "/api/admin/parts/BOARD", {"name": "主板"}),
        ("patch", "/api/admin/parts/BOARD", {"models": []}),
        ("post", "/api/admin/parts", {"part_no": "LEG", "name": "Leg", "price": "3.00", "models": ["TV55"]}),
    ],
)
def test_a_part_written_by_the_admin_is_put_in_the_catalogue_only(call, catalogue, method, path, body):
    before = rows()
    status, part = call(method, path, "admin", body)
    assert status in (200, 201), part
    assert [(a, e, i, op, data) for a, _, e, i, op, _, data in added(before)] == [
        ("catalogue", "part", str(part["id"]), "put", part)
    ]


def test_a_part_edit_that_changes_nothing_writes_nothing(call, catalogue):
    before = rows()
    status, part = call("patch", "/api/admin/parts/BOARD", "admin", {"price": "120.00"})
    assert status == 200, part
    assert rows() == before


def test_the_good_rows_of_an_import_reach_the_catalogue_beside_a_rejected_one(client, catalogue):
    header = "part_no,name,price,models,claimable,key_part,main_part"
    lines = [
        header,
        "BOARD,Main board,150.00,TV55,true,true,false",
        "BAD,Bad,1.00,NO-SUCH-MODEL,,,",
        "LEG,Leg,3.00,TV55,,,",
    ]
    before = rows()
    response = client.post(
        "/api/admin/import/parts",
        data={"file": (io.BytesIO(("\n".join(lines) + "\n").encode()), "parts.csv")},
        headers=catalogue.admin.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert (response.get_json()["updated"], response.get_json()["inserted"]) == (1, 1)
    assert len(response.get_json()["rejected"]) == 1
    puts = {
        data["part_no"]: data for a, _, e, _, op, _, data in added(before) if (a, e, op) == ("catalogue", "part", "put")
    }
    assert set(puts) == {"BOARD", "LEG"}
    assert puts["BOARD"]["price"] == "150.00"


# ---------------------------------------------------------------- once per transaction, as it ends


def test_one_push_of_several_steps_on_a_job_writes_it_once_per_feed_with_its_final_version(
    client, device, walk, open_job, catalogue
):
    """Each op is applied in a savepoint of its own; releasing one is no commit.

    Fails: the feed was written as each op's savepoint was released, so the job went into each feed once
    per step (accepted, en route, on site) and another phone pulled all three versions of it.
    """
    job = walk(open_job(serial=None), "assigned")
    phone, other = device("tech1"), device("tech1")
    other.drain()
    before = rows()
    status, body = phone.push(
        [
            phone.op("job.accept", job["id"]),
            phone.op("job.depart", job["id"]),
            phone.op("job.arrive", job["id"]),
        ]
    )
    assert status == 200, body
    assert [result["result"] for result in body["results"]] == ["applied"] * 3, body
    shown = job_data(client, job["id"], catalogue.tech1.headers)
    assert shown["state"] == "on_site"
    assert [(a, e, i, op, version, data) for a, _, e, i, op, version, data in added(before)] == [
        (audience, "job", str(job["id"]), "put", shown["version"], shown)
        for audience in sorted([feed.provider(catalogue.tech1.provider_id), feed.technician(catalogue.tech1.id)])
    ]
    status, page = other.pull()
    assert status == 200, page
    assert [(c["entity"], c["id"], c["op"], c["data"]["version"]) for c in page["changes"]] == [
        ("job", str(job["id"]), "put", shown["version"])
    ]


def test_a_push_with_a_refused_op_between_writes_only_the_final_state_of_what_changed(
    client, device, walk, open_job, catalogue
):
    """``moved`` goes accepted, then en route, around an op on ``untouched`` the server refuses.

    Fails: ``moved`` went into each feed twice, once per savepoint released (accepted, then en route).
    """
    moved = walk(open_job(serial=None), "assigned")
    untouched = walk(open_job(serial=None), "assigned")
    phone = device("tech1")
    before = rows()
    done = {"summary": "换主板", "confirmed_by": "王先生"}
    status, body = phone.push(
        [
            phone.op("job.accept", moved["id"]),
            phone.op("job.complete", untouched["id"], done),
            phone.op("job.depart", moved["id"]),
        ]
    )
    assert status == 200, body
    assert [(result["result"], result["code"]) for result in body["results"]] == [
        ("applied", ""),
        ("conflict", "illegal_transition"),
        ("applied", ""),
    ], body
    shown = job_data(client, moved["id"], catalogue.tech1.headers)
    assert shown["state"] == "en_route"
    assert job_data(client, untouched["id"], catalogue.tech1.headers)["version"] == untouched["version"]
    assert [(a, e, i, op, data) for a, _, e, i, op, _, data in added(before)] == [
        (audience, "job", str(moved["id"]), "put", shown)
        for audience in sorted([feed.provider(catalogue.tech1.provider_id), feed.technician(catalogue.tech1.id)])
    ]


def test_a_change_rolled_back_to_its_savepoint_is_not_written_and_the_one_kept_before_it_is(call, catalogue):
    """BOARD's new price is kept in one savepoint; a second one changes BOARD and PANEL again, flushes and is
    rolled back. The transaction then commits.

    Fails: what the rolled-back savepoint had flushed stayed noted, so PANEL (unchanged) was put in the
    catalogue at commit, and BOARD twice (as the first savepoint was released, and again at commit).
    """
    board = db.session.scalar(select(Part).where(Part.part_no == "BOARD"))
    panel = db.session.scalar(select(Part).where(Part.part_no == "PANEL"))
    before = rows()
    kept = db.session.begin_nested()
    board.price_cents = 15_000
    db.session.flush()
    kept.commit()
    dropped = db.session.begin_nested()
    board.price_cents = 99_900
    panel.price_cents = 99_900
    db.session.flush()
    dropped.rollback()
    db.session.commit()
    status, shown = call("get", "/api/admin/parts/BOARD", "admin")
    assert status == 200, shown
    assert shown["price"] == "150.00"
    assert [(a, e, i, op, data) for a, _, e, i, op, _, data in added(before)] == [
        ("catalogue", "part", str(board.id), "put", shown)
    ]


@pytest.mark.parametrize("per_commit", [2, 50])
def test_phones_pulling_after_a_mixed_push_hold_what_the_server_lists(
    app, device, walk, open_job, on_site, short, catalogue, monkeypatch, per_commit
):
    """A day's outbox of every kind of op, some refused, some leaving the technician; the technician's other
    phone and the provider manager's, which had pulled everything before, pull the changes and hold what
    the server lists for them, as does a phone starting from a snapshot."""
    monkeypatch.setitem(app.config, "SYNC_OPS_PER_COMMIT", per_commit)
    visit = walk(open_job(serial=None), "assigned")
    busy = walk(open_job(serial=None), "assigned")
    waiting = on_site(serial=None)
    short(waiting["id"], [("PANEL", 1)])
    declined = walk(open_job(serial=None), "accepted")
    finished = on_site()
    phone, other, manager = device("tech1"), device("tech1"), device("pm1")
    other.drain()
    manager.drain()
    when = datetime.now(UTC) + timedelta(days=1)
    done = {"summary": "换主板", "confirmed_by": "王先生"}
    ops = [
        phone.op("job.accept", visit["id"]),
        phone.op("job.accept", busy["id"]),
        phone.op("job.depart", visit["id"]),
        phone.op("job.complete", busy["id"], done),  # not on site: a conflict
        phone.op("job.arrive", visit["id"]),
        phone.op("scan.add", visit["id"], {"serial": "SN-IN", "source": "camera", "symbology": "CODE128"}),
        phone.op("parts.used", visit["id"], {"parts": [{"part_no": "BOARD", "qty": 1}]}),
        phone.op("parts.shortage", visit["id"], {"parts": [{"part_no": "PANEL", "qty": 2}]}),
        phone.op("note.add", waiting["id"], {"text": "客户改约"}),
        phone.op("job.contact", busy["id"], {"appointment_at": when.isoformat()}),
        phone.op("parts.used", busy["id"], {"parts": [{"part_no": "NO-SUCH", "qty": 1}]}),  # rejected
        phone.op("job.decline", declined["id"], {"reason": "不在服务范围"}),
        phone.op("job.complete", finished["id"], done),
        phone.op("job.accept", 10**9),  # no such job: rejected
        phone.op("job.depart", busy["id"]),
    ]
    status, body = phone.push(ops)
    assert status == 200, body
    assert [result["result"] for result in body["results"]] == [
        *["applied"] * 3,
        "conflict",
        *["applied"] * 6,
        "rejected",
        "applied",
        "applied",
        "rejected",
        "applied",
    ], body
    fresh = device("tech1")
    for each in (phone, other, manager, fresh):
        each.drain()
        assert each.against_server() == {}, each.name
    assert other.held == fresh.held
    assert declined["id"] not in other.jobs()
    assert other.jobs()[visit["id"]]["state"] == "waiting_parts"


# ---------------------------------------------------------------- races (PostgreSQL)


def assert_numbered(name):
    seqs = [seq for _, seq, *_ in rows(name)]
    assert seqs == list(range(1, len(seqs) + 1)), (name, seqs)
    assert audiences()[name] == len(seqs)


@pytest.mark.commits
@pytest.mark.postgres_only
def test_jobs_assigned_to_one_technician_at_once_are_numbered_without_gaps(app, walk, open_job, catalogue):
    jobs = [walk(open_job(serial=None), "dispatched")["id"] for _ in range(WRITERS)]
    answers = send_together(
        app,
        [
            ("POST", f"/api/jobs/{job}/assign", {"technician_id": catalogue.tech1.id}, catalogue.dispatcher.headers)
            for job in jobs
        ],
    )
    assert [status for status, _ in answers] == [200] * WRITERS, answers
    tech = feed.technician(catalogue.tech1.id)
    assert_numbered(tech)
    assert_numbered(feed.provider(catalogue.tech1.provider_id))
    assert sorted(int(i) for _, _, _, i, _, _, _ in rows(tech)) == sorted(jobs)


@pytest.mark.commits
@pytest.mark.postgres_only
def test_parts_edited_at_once_are_numbered_without_gaps_in_the_catalogue(app, make_part, catalogue):
    part_nos = [f"RACE{n}" for n in range(WRITERS)]
    for part_no in part_nos:
        make_part(part_no)
    before = rows("catalogue")
    answers = send_together(
        app,
        [
            ("PATCH", f"/api/admin/parts/{part_no}", {"price": f"{n + 1}.00"}, catalogue.admin.headers)
            for n, part_no in enumerate(part_nos)
        ],
    )
    assert [status for status, _ in answers] == [200] * WRITERS, answers
    assert_numbered("catalogue")
    new = added(before, "catalogue")
    assert sorted(data["part_no"] for *_, data in new) == part_nos
    assert {data["part_no"]: data for *_, data in new} == {answer["part_no"]: answer for _, answer in answers}


@pytest.mark.commits
@pytest.mark.postgres_only
def test_a_phone_pulling_while_many_write_misses_no_change(app, device, walk, open_job, catalogue):
    """Each writer assigns a job to tech1, who accepts it and sets off: three commits into tech1's feed per
    writer, all at once, while the phone pulls three changes at a time. What it read is the feed, in order."""
    jobs = [walk(open_job(serial=None), "dispatched")["id"] for _ in range(WRITERS)]
    phone = device("tech1")
    phone.drain()
    tech = feed.technician(catalogue.tech1.id)
    logged = len(rows(tech))
    done = threading.Event()
    seen, pulls = [], []

    def read():
        client = app.test_client()
        token = phone.cursor
        while True:
            last = done.is_set()  # everything is committed before a pull that starts after this
            response = client.get(
                "/api/sync/pull", query_string={"cursor": token, "limit": 3}, headers=catalogue.tech1.headers
            )
            body = response.get_json()
            assert response.status_code == 200, body
            assert body["reset"] is False, body
            seen.extend(body["changes"])
            pulls.append(len(body["changes"]))
            token = body["cursor"]
            if last and not body["has_more"]:
                return

    reader = start(read, name="reader")
    tech1, dispatcher = catalogue.tech1.headers, catalogue.dispatcher.headers
    statuses = send_together(
        app,
        [
            [
                ("POST", f"/api/jobs/{job}/assign", {"technician_id": catalogue.tech1.id}, dispatcher),
                ("POST", f"/api/jobs/{job}/accept", {}, tech1),
                ("POST", f"/api/jobs/{job}/depart", {}, tech1),
            ]
            for job in jobs
        ],
        timeout=120,
    )
    done.set()
    reader.result(timeout=120)  # the reader caught up
    assert [[status for status, _ in script] for script in statuses] == [[200, 200, 200]] * WRITERS, statuses
    assert_numbered(tech)
    log = rows(tech)[logged:]
    assert len(log) == 3 * WRITERS
    assert [(c["entity"], c["id"], c["op"], c["version"], c["data"]) for c in seen] == [
        (entity, i, op, version, data) for _, _, entity, i, op, version, data in log
    ]
    assert sum(1 for count in pulls if count) > 1  # it did read while the writers wrote


def _waiting_on_locks(count, timeout=10):
    """Wait until ``count`` backends of this database wait on a lock."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            probe.rollback()
            if waiting >= count:
                return
            time.sleep(0.02)
    raise AssertionError(f"{count} requests never came to wait on the lock")


def while_holding(app, row, requests):
    """Send ``requests`` (``(method, path, json, headers)``) one after another while a connection of the test
    holds ``row`` (a SELECT … FOR UPDATE), each once the one before waits on it; then let go.

    Every request has then read what it reads before any of them writes past the held row, and they go on
    in the order they were sent. ``[(status, json)]`` in that order.
    """
    db.session.commit()
    sent = []
    with db.engine.connect() as holder:
        holder.execute(row.with_for_update())
        try:
            for request in requests:
                sent.append(start(lambda request=request: send(app.test_client(), request)))
                _waiting_on_locks(len(sent))
        finally:
            holder.rollback()
    return [request.result() for request in sent]


@pytest.mark.commits
@pytest.mark.postgres_only
def test_two_admins_editing_one_part_at_once_leave_the_phone_with_the_part_as_it_is(client, app, device, catalogue):
    """One admin renames BOARD while another reprices it: the part ends with both edits, and so must the phone.

    Fails: each request puts into the feed the part as its own session holds it, and the one that writes last
    read the part before the other's edit committed, so the last put carries the other column's old value.
    """
    phone = device("tech1")
    phone.drain()
    answers = while_holding(
        app,
        select(Part.id).where(Part.part_no == "BOARD"),
        [
            ("PATCH", "/api/admin/parts/BOARD", {"name": "主板"}, catalogue.admin.headers),
            ("PATCH", "/api/admin/parts/BOARD", {"price": "150.00"}, catalogue.admin.headers),
        ],
    )
    assert [status for status, _ in answers] == [200, 200], answers
    shown = client.get("/api/admin/parts/BOARD", headers=catalogue.admin.headers).get_json()
    assert (shown["name"], shown["price"]) == ("主板", "150.00")
    phone.drain()
    assert phone.held[("part", str(shown["id"]))] == shown


def test_a_scan_that_teaches_a_request_its_serial_reaches_the_phone(client, device, walk, open_job, catalogue):
    """The job's data carries its request; a request recorded without a serial learns it from the first scan.

    Fails: the scan changes the request (and adds a scan and an event) but not the job row, and the feed
    writes a job only when the job itself is flushed, so the phone keeps the request without its serial.
    """
    job = walk(open_job(serial=None), "on_site")
    phone = device("tech1")
    phone.drain()
    response = client.post(
        f"/api/jobs/{job['id']}/scans",
        json={"serial": "SN-IN", "source": "camera", "symbology": "CODE128"},
        headers=catalogue.tech1.headers,
    )
    assert response.status_code == 201, response.get_json()
    shown = job_data(client, job["id"], catalogue.tech1.headers)
    assert shown["request"]["serial"] == "SN-IN"
    phone.drain()
    assert phone.jobs()[job["id"]] == shown


def test_parts_received_on_part_of_a_requisition_reach_the_phone(client, device, call, on_site, short, catalogue):
    """BOARD comes from the RDC, PANEL waits for headquarters: receiving the RDC's order fills one line.

    Fails: the receipt changes the requisition's lines but not the requisition row while a line is still
    missing, and the feed writes a requisition only when the requisition itself is flushed.
    """
    job = on_site(serial=None)
    requisition = short(job["id"], [("BOARD", 1), ("PANEL", 1)])
    status, approved = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    assert status == 200, approved
    status, orders = call("get", f"/api/sales-orders?requisition_id={requisition['id']}", "clerk")
    (order,) = orders["items"]
    assert call("post", f"/api/sales-orders/{order['id']}/ship", "clerk")[0] == 200
    phone = device("tech1")
    phone.drain()
    status, received = call("post", f"/api/sales-orders/{order['id']}/receive", "pm1")
    assert status == 200, received
    listed = client.get(f"/api/requisitions?job_id={job['id']}", headers=catalogue.tech1.headers).get_json()
    (shown,) = listed["items"]
    assert [(line["part_no"], line["received_qty"]) for line in shown["lines"]] == [("BOARD", 1), ("PANEL", 0)]
    phone.drain()
    held = phone.held[("requisition", str(requisition["id"]))]
    assert [(line["part_no"], line["received_qty"]) for line in held["lines"]] == [("BOARD", 1), ("PANEL", 0)]
    assert held == shown


class ReassignedMeanwhile:
    """A request on a requisition that pauses, in its own thread, at a point of ``module.name`` while the
    dispatcher hands the job to another technician and commits; then both finish.

    The pause lasts at most a second: a server that orders the two makes the dispatcher wait for the
    request instead, and nobody waits forever.
    """

    def __init__(self, monkeypatch, module, name, before=None):
        self.paused = threading.Event()
        self.reassigned = threading.Event()
        original = getattr(module, name)

        def paused_here(*args):
            if threading.current_thread().name == "request" and not self.paused.is_set():
                if before:
                    before(*args)
                self.paused.set()
                self.reassigned.wait(timeout=1)
            return original(*args)

        monkeypatch.setattr(module, name, paused_here)

    def run(self, app, request, job_id, technician_id, dispatcher):
        """``request``: ``(path, headers)`` posted with ``{}``; the statuses of it and of the reassignment."""
        path, headers = request

        def send_request():
            return app.test_client().post(path, json={}, headers=headers).status_code

        def reassign():
            self.paused.wait(timeout=10)
            status = (
                app.test_client()
                .post(f"/api/jobs/{job_id}/assign", json={"technician_id": technician_id}, headers=dispatcher)
                .status_code
            )
            self.reassigned.set()
            return status

        statuses = together([send_request, reassign], names=["request", "dispatch"], timeout=30)
        return dict(zip(("request", "assign"), statuses, strict=True))


def last_requisition_change(audience, requisition_id):
    """The last change of the requisition in ``audience``'s feed: ``(…, op, version, data)``."""
    return [row for row in rows(audience) if row[2:4] == ("requisition", str(requisition_id))][-1]


@pytest.mark.postgres_only
def test_a_requisition_decided_while_its_job_changes_hands_follows_the_job(
    app,
    monkeypatch,
    walk,
    open_job,
    short,
    catalogue,
):
    """The clerk's approval has read the job (tech1's) and is about to tell its technician when the
    dispatcher hands the job to tech2 and commits. The approval's put must not land in tech1's feed after
    the reassignment's remove, and tech2 must end with the requisition as approved: the feed reads the
    requisition's technician from the job held and read afresh at commit, never from the copy the approval
    read before the reassignment.
    """
    job = walk(open_job(serial=None), "on_site")
    requisition = short(job["id"], [("BOARD", 1)])

    def reads_the_job(decided, kind, message):
        assert decided.job.technician_id is not None  # the approval has the job as it was

    race = ReassignedMeanwhile(monkeypatch, requisitions, "_tell_provider", before=reads_the_job)
    tech1, tech2 = catalogue.tech1.id, catalogue.tech2.id
    approval = (f"/api/requisitions/{requisition['id']}/approve", catalogue.clerk.headers)

    answers = race.run(app, approval, job["id"], tech2, catalogue.dispatcher.headers)

    assert answers == {"request": 200, "assign": 200}
    assert last_requisition_change(feed.technician(tech1), requisition["id"])[4] == "remove"
    latest = last_requisition_change(feed.technician(tech2), requisition["id"])
    assert latest[4] == "put"
    assert latest[6]["status"] == "approved"


@pytest.mark.postgres_only
def test_parts_from_headquarters_delivered_while_the_job_changes_hands_follow_the_job(
    app,
    monkeypatch,
    call,
    walk,
    open_job,
    short,
    catalogue,
):
    """Headquarters' goods reach a requisition (its sales order is raised) while the dispatcher hands its job
    to tech2: the delivery has worked out the requisition's feeds and is about to number them when the
    reassignment would commit. tech1's feed must end with the requisition removed, tech2's with it as it is:
    the delivery holds the job while it writes the feeds, so the reassignment waits for it.
    """
    job = walk(open_job(serial=None), "on_site")
    requisition = short(job["id"], [("PANEL", 1)])
    status, approved = call("post", f"/api/requisitions/{requisition['id']}/approve", "clerk", {})
    assert status == 200, approved
    assert approved["path"] == "hq", approved
    status, rolled = call("post", "/api/purchase-orders", "planner")
    assert status == 201, rolled
    race = ReassignedMeanwhile(monkeypatch, feed, "_bump")
    tech1, tech2 = catalogue.tech1.id, catalogue.tech2.id
    delivery = (f"/api/purchase-orders/{rolled['purchase_order']['id']}/receive", catalogue.planner.headers)

    answers = race.run(app, delivery, job["id"], tech2, catalogue.dispatcher.headers)

    assert answers == {"request": 200, "assign": 200}
    assert last_requisition_change(feed.technician(tech1), requisition["id"])[4] == "remove"
    latest = last_requisition_change(feed.technician(tech2), requisition["id"])
    assert latest[4] == "put"
    status, listed = call("get", f"/api/requisitions?job_id={job['id']}", "admin")
    assert status == 200, listed
    assert [latest[6]] == listed["items"]
