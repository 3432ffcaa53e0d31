"""Pulling the change feed: the snapshot a fresh device takes, the log it reads after, and the cursor between.

The world (tests/fixtures/supply.py): tech1 and tech2 work for P01, tech3 for
P02; pm1 manages P01, pm2 P02; clerk approves for province 370000 (where every
job here is), clerk2 for 440000. Parts BOARD, PANEL and REMOTE.
"""

import base64
import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.devicesync import feed
from server.devicesync.models import Audience
from server.devicesync.models import Change
from server.evidence.models import EvidencePhoto
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import PositionFix
from server.jobs.services.lifecycle import shown_on_devices
from server.knowledge.models import Article
from server.network.models import Provider
from server.parts.models import Part
from server.supply.models import Requisition
from server.users.models import User
from sync import cursor
from tests.fixtures.jobs import PHONE
from tests.helpers import assert_error

pytestmark = pytest.mark.both_backends

SECRET = b"test-secret-key-of-enough-length-for-hs256"  # tests/conftest.py's SECRET_KEY


def pull(client, user, **query):
    """GET /api/sync/pull as ``user`` (a person of the world, with ``.headers``) → the response."""
    return client.get("/api/sync/pull", query_string=query, headers=user.headers)


def pages(client, user, limit=500, token=None):
    """Every page of a pull from ``token`` (none: a snapshot) until has_more is false → (pages, last cursor)."""
    answers = []
    while True:
        query = {"limit": limit} | ({"cursor": token} if token else {})
        response = pull(client, user, **query)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        answers.append(body)
        token = body["cursor"]
        if not body["has_more"]:
            return answers, token


def keys(changes):
    return [(change["entity"], change["id"]) for change in changes]


def held_ids(device, entity):
    return {int(i) for e, i in device.held if e == entity}


def without_actions(job):
    """A job as the API shows it, as the phone holds it: without its actions, with its charges (none here)."""
    return {**{name: value for name, value in job.items() if name != "actions"}, "quote": None, "payments": []}


def job_row(job_id):
    db.session.expire_all()
    return db.session.get(Job, job_id)


def part_ids(*part_nos):
    return {db.session.scalar(select(Part.id).where(Part.part_no == part_no)) for part_no in part_nos}


ALL_PARTS = ("BOARD", "PANEL", "REMOTE")


# ---------------------------------------------------------------- the snapshot


@pytest.fixture
def scene(walk, open_job, on_site, short, catalogue):
    """Jobs of three technicians of two providers, and a requisition on tech1's job and on tech3's.

    ``{"a": tech1's assigned job, "b": tech2's, "c": tech3's (P02), "d": tech1's on site waiting for parts,
    "e": tech3's likewise, "rd": d's requisition, "re": e's}``, ids.
    """
    ids = {
        "a": walk(open_job(serial=None), "assigned")["id"],
        "b": walk(open_job(serial=None), "assigned", catalogue.tech2)["id"],
        "c": walk(open_job(serial=None), "assigned", catalogue.tech3)["id"],
        "d": on_site(serial=None)["id"],
        "e": on_site(catalogue.tech3, serial=None)["id"],
    }
    ids["rd"] = short(ids["d"], [("PANEL", 1)])["id"]
    ids["re"] = short(ids["e"], [("PANEL", 1)], user="tech3")["id"]
    return ids


# Who holds what after a snapshot: the jobs and requisitions, by the scene's names.
SNAPSHOTS = [
    ("tech1", {"a", "d"}, {"rd"}),
    ("tech2", {"b"}, set()),
    ("tech3", {"c", "e"}, {"re"}),
    ("pm1", {"a", "b", "d"}, {"rd"}),
    ("pm2", {"c", "e"}, {"re"}),
    ("clerk", set(), {"rd", "re"}),
    ("clerk2", set(), set()),
]


@pytest.mark.parametrize(("who", "jobs", "requisitions"), SNAPSHOTS)
def test_a_snapshot_holds_what_the_user_may_see_and_the_whole_catalogue(device, scene, who, jobs, requisitions):
    phone = device(who)
    phone.drain()
    assert held_ids(phone, "job") == {scene[name] for name in jobs}
    assert held_ids(phone, "requisition") == {scene[name] for name in requisitions}
    assert held_ids(phone, "part") == part_ids(*ALL_PARTS)


def test_a_snapshot_comes_parts_then_jobs_then_requisitions_each_by_id_and_says_reset_first(client, catalogue, scene):
    answers, _ = pages(client, catalogue.pm1, limit=2)
    changes = [change for body in answers for change in body["changes"]]
    order = {"part": 0, "job": 1, "requisition": 2}
    assert keys(changes) == sorted(keys(changes), key=lambda key: (order[key[0]], int(key[1])))
    assert {change["op"] for change in changes} == {"put"}
    assert [body["reset"] for body in answers] == [True] + [False] * (len(answers) - 1)


def test_snapshot_entities_are_sent_as_the_api_shows_them(client, device, catalogue, scene):
    phone = device("tech1")
    phone.drain()
    for name in ("a", "d"):
        shown = client.get(f"/api/jobs/{scene[name]}", headers=catalogue.tech1.headers).get_json()
        assert phone.held[("job", str(scene[name]))] == without_actions(shown)
    listed = client.get(f"/api/requisitions?job_id={scene['d']}", headers=catalogue.tech1.headers).get_json()
    assert phone.held[("requisition", str(scene["rd"]))] == listed["items"][0]
    board = client.get("/api/admin/parts/BOARD", headers=catalogue.tech1.headers).get_json()
    assert phone.held[("part", str(board["id"]))] == board


def test_a_snapshot_gives_each_job_its_own_fixes_and_photos_in_their_order_across_pages(
    client, catalogue, scene, on_site
):
    # Jobs with none, and jobs whose fixes and photos were written interleaved with another's.
    more = [on_site(serial=None)["id"] for _ in range(3)]
    visited = [scene["d"], more[0], more[2]]
    at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
    for n in range(6):
        job_id = visited[n % 3]
        db.session.add(
            PositionFix(
                job_id=job_id,
                technician_id=catalogue.tech1.id,
                step=("arrive", "complete")[n // 3],
                lat=36.6 + n / 1000,
                lng=117.0 + job_id / 1000,
                accuracy_m=5 + n,
                fix_time=at + timedelta(minutes=n),
            )
        )
        db.session.add(
            EvidencePhoto(
                job_id=job_id,
                stage=("before", "after")[n // 3],
                sha256=f"{n:064x}",
                original_sha256=f"{n + 100:064x}",
                taken_at=at + timedelta(minutes=n),
            )
        )
    db.session.commit()
    answers, _ = pages(client, catalogue.tech1, limit=2)
    held = {change["id"]: change["data"] for body in answers for change in body["changes"] if change["entity"] == "job"}
    for job_id in [scene["a"], scene["d"], *more]:
        shown = client.get(f"/api/jobs/{job_id}", headers=catalogue.tech1.headers).get_json()
        assert held[str(job_id)] == without_actions(shown)
    assert [len(held[str(job_id)]["visit"]["fixes"]) for job_id in [scene["a"], scene["d"], *more]] == [0, 2, 2, 0, 2]
    assert [photo["sha256"][-1] for photo in held[str(more[2])]["photos"]] == ["2", "5"]


def test_a_snapshot_puts_carry_the_jobs_version(client, catalogue, scene):
    answers, _ = pages(client, catalogue.tech1)
    versions = {
        int(change["id"]): change["version"]
        for body in answers
        for change in body["changes"]
        if change["entity"] == "job"
    }
    assert versions == {scene[name]: job_row(scene[name]).version for name in ("a", "d")}
    assert all(versions.values())


@pytest.mark.parametrize(
    ("state", "days_ago", "held"),
    [
        ("closed", 31, False),
        ("closed", 29, True),
        ("cancelled", 31, False),
        ("cancelled", 29, True),
        ("assigned", 90, True),  # an open job is held however long it has waited
    ],
)
def test_jobs_finished_more_than_30_days_ago_stay_out_of_the_snapshot(
    device, walk, open_job, call, state, days_ago, held
):
    if state == "cancelled":
        job = walk(open_job(serial=None), "assigned")
        status, body = call("post", f"/api/jobs/{job['id']}/cancel", "dispatcher", {"reason": "客户取消"})
        assert status == 200, body
    else:
        job = walk(open_job(serial=None), state)
    # No request can make a job a month old: its last change is moved back in the database directly. A bulk
    # UPDATE goes through no flush, so it writes nothing to the feed, and the snapshot alone is what is tested.
    db.session.execute(
        update(Job).where(Job.id == job["id"]).values(updated_at=datetime.now(UTC) - timedelta(days=days_ago))
    )
    db.session.commit()
    phone = device("tech1")
    phone.drain()
    assert (job["id"] in phone.jobs()) is held


@pytest.mark.parametrize(("status", "days_ago", "held"), [("rejected", 31, False), ("rejected", 29, True)])
def test_requisitions_decided_against_more_than_30_days_ago_stay_out_of_the_snapshot(
    device,
    on_site,
    short,
    call,
    status,
    days_ago,
    held,
):
    requisition = short(on_site(serial=None)["id"], [("PANEL", 1)])
    answer, body = call("post", f"/api/requisitions/{requisition['id']}/reject", "clerk", {"reason": "缺货"})
    assert answer == 200, body
    assert body["status"] == status
    # As for jobs: nothing makes a requisition a month old but a direct UPDATE, which writes no change.
    db.session.execute(
        update(Requisition)
        .where(Requisition.id == requisition["id"])
        .values(raised_at=datetime.now(UTC) - timedelta(days=days_ago))
    )
    db.session.commit()
    phone = device("clerk")
    phone.drain()
    assert (requisition["id"] in held_ids(phone, "requisition")) is held


def test_an_open_requisition_is_held_however_old(device, on_site, short):
    requisition = short(on_site(serial=None)["id"], [("PANEL", 1)])
    db.session.execute(
        update(Requisition)
        .where(Requisition.id == requisition["id"])
        .values(raised_at=datetime.now(UTC) - timedelta(days=90))
    )
    db.session.commit()
    phone = device("clerk")
    phone.drain()
    assert requisition["id"] in held_ids(phone, "requisition")


# ---------------------------------------------------------------- paging


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_small_pages_carry_every_entity_exactly_once_and_end(client, catalogue, scene, limit):
    answers, _ = pages(client, catalogue.pm1, limit=limit)
    changes = [change for body in answers for change in body["changes"]]
    assert all(len(body["changes"]) <= limit for body in answers)
    assert len(keys(changes)) == len(set(keys(changes)))
    whole, _ = pages(client, catalogue.pm1, limit=1000)
    assert len(whole) == 1  # the snapshot and the (empty) log after it, in one page
    assert set(keys(changes)) == set(keys(whole[0]["changes"]))
    assert len(changes) == len(ALL_PARTS) + 3 + 1  # pm1: three jobs, one requisition
    assert [body["has_more"] for body in answers][-1] is False
    assert all(body["has_more"] for body in answers[:-1])


def test_after_draining_a_pull_brings_nothing_and_no_more(client, catalogue, scene):
    _, token = pages(client, catalogue.tech1, limit=2)
    for _ in range(2):
        response = pull(client, catalogue.tech1, cursor=token)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert (body["changes"], body["has_more"], body["reset"]) == ([], False, False)
        token = body["cursor"]


def test_a_pull_always_answers_the_same_fields(client, catalogue):
    response = pull(client, catalogue.tech1)
    assert response.status_code == 200
    assert set(response.get_json()) == {"changes", "cursor", "has_more", "acked_seq", "reset", "fees", "travel_fees"}


# ---------------------------------------------------------------- the log after the snapshot


def test_a_job_assigned_after_draining_arrives_as_the_api_shows_it(client, device, walk, open_job, catalogue):
    phone = device("tech1")
    phone.drain()
    job = walk(open_job(serial=None), "assigned")
    status, body = phone.pull()
    assert status == 200, body
    shown = client.get(f"/api/jobs/{job['id']}", headers=catalogue.tech1.headers).get_json()
    assert body["changes"] == [
        {
            "entity": "job",
            "id": str(job["id"]),
            "op": "put",
            "version": shown["version"],
            "data": without_actions(shown),
        }
    ]
    assert (body["has_more"], body["reset"]) == (False, False)


def test_a_part_price_edited_after_draining_arrives_as_the_api_shows_it(client, device, call):
    phone = device("tech1")
    phone.drain()
    status, edited = call("patch", "/api/admin/parts/BOARD", "admin", {"price": "150.00"})
    assert status == 200, edited
    status, body = phone.pull()
    assert status == 200, body
    assert body["changes"] == [{"entity": "part", "id": str(edited["id"]), "op": "put", "version": 0, "data": edited}]
    assert edited["price"] == "150.00"


@pytest.mark.parametrize(("limit", "more"), [(1, [True, True, True, False]), (3, [True, False]), (4, [False])])
def test_the_log_comes_in_commit_order_across_feeds_a_page_at_a_time(
    client, device, walk, open_job, call, catalogue, limit, more
):
    phone = device("tech1")
    phone.drain()
    job = walk(open_job(serial=None), "assigned")
    status, board = call("patch", "/api/admin/parts/BOARD", "admin", {"price": "150.00"})
    assert status == 200, board
    status, accepted = call("post", f"/api/jobs/{job['id']}/accept", "tech1", {})
    assert status == 200, accepted
    status, panel = call("patch", "/api/admin/parts/PANEL", "admin", {"name": "面板"})
    assert status == 200, panel
    answers, _ = pages(client, catalogue.tech1, limit=limit, token=phone.cursor)
    changes = [change for body in answers for change in body["changes"]]
    assert [(change["entity"], change["id"]) for change in changes] == [
        ("job", str(job["id"])),
        ("part", str(board["id"])),
        ("job", str(job["id"])),
        ("part", str(panel["id"])),
    ]
    assert [change["data"]["state"] for change in changes if change["entity"] == "job"] == ["dispatched", "accepted"]
    assert [body["has_more"] for body in answers] == more
    assert not any(body["reset"] for body in answers)


def test_changes_made_while_the_snapshot_is_paged_are_not_missed(client, catalogue, scene, walk, open_job, call):
    first = pull(client, catalogue.tech1, limit=1).get_json()
    assert first["reset"] is True
    late = walk(open_job(serial=None), "assigned")  # made after the snapshot began
    status, edited = call("patch", "/api/admin/parts/BOARD", "admin", {"price": "150.00"})  # its page was sent
    assert status == 200, edited
    answers, _ = pages(client, catalogue.tech1, limit=1, token=first["cursor"])
    changes = [change for body in [first, *answers] for change in body["changes"]]
    assert ("job", str(late["id"])) in keys(changes)
    boards = [change for change in changes if change["id"] == str(edited["id"]) and change["entity"] == "part"]
    assert boards[-1]["data"]["price"] == "150.00"


def test_the_page_that_ends_a_snapshot_carries_what_was_logged_since_it_began(client, catalogue, scene, walk, open_job):
    """A phone on a slow line needs no extra request after its snapshot to learn what happened meanwhile."""
    first = pull(client, catalogue.tech1, limit=len(ALL_PARTS)).get_json()
    assert (first["reset"], first["has_more"]) == (True, True)
    late = walk(open_job(serial=None), "assigned")  # made while the snapshot is being read

    rest = pull(client, catalogue.tech1, limit=1000, cursor=first["cursor"]).get_json()

    assert rest["has_more"] is False
    assert keys(rest["changes"])[-1] == ("job", str(late["id"]))
    again = pull(client, catalogue.tech1, cursor=rest["cursor"]).get_json()
    assert (again["changes"], again["has_more"]) == ([], False)


def test_a_device_holds_what_the_api_shows_after_a_busy_day(
    client,
    device,
    walk,
    open_job,
    on_site,
    short,
    call,
    catalogue,
):
    phone = device("tech1")
    phone.drain()
    kept = walk(open_job(serial=None), "accepted")
    waiting = on_site(serial=None)
    short(waiting["id"], [("PANEL", 1)])
    assert phone.pull(limit=3)[0] == 200
    given_away = walk(open_job(serial=None), "assigned")
    assert phone.pull(limit=1)[0] == 200
    status, body = call(
        "post", f"/api/jobs/{given_away['id']}/assign", "dispatcher", {"technician_id": catalogue.tech2.id}
    )
    assert status == 200, body
    cancelled = walk(open_job(serial=None), "assigned")
    status, body = call("post", f"/api/jobs/{cancelled['id']}/cancel", "dispatcher", {"reason": "客户取消"})
    assert status == 200, body
    status, body = call("post", f"/api/jobs/{kept['id']}/depart", "tech1", {})
    assert status == 200, body
    phone.drain()
    listed = client.get("/api/jobs?per_page=100", headers=phone.user.headers).get_json()["items"]
    assert phone.jobs() == {job["id"]: without_actions(job) for job in listed}
    assert set(phone.jobs()) == {kept["id"], waiting["id"], cancelled["id"]}
    requisitions = client.get("/api/requisitions?per_page=100", headers=phone.user.headers).get_json()["items"]
    assert {int(i): data for (e, i), data in phone.held.items() if e == "requisition"} == {
        item["id"]: item for item in requisitions
    }


# ---------------------------------------------------------------- the cursor


def forged(token, **seqs):
    """``token`` with its positions changed and its signature kept, as a device trying to skip ahead would."""
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    body, _, signature = raw.rpartition(b".")
    state = json.loads(body)
    state["seqs"] = {**state["seqs"], **seqs}
    body = json.dumps(state, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(body + b"." + signature).decode().rstrip("=")


def test_a_cursor_altered_on_the_device_is_refused(client, catalogue):
    _, token = pages(client, catalogue.tech1)
    response = pull(client, catalogue.tech1, cursor=forged(token, catalogue=10**6))
    assert_error(response, 422, "bad_cursor")


def test_another_users_cursor_is_refused(client, catalogue):
    _, token = pages(client, catalogue.tech2)
    error = assert_error(pull(client, catalogue.tech1, cursor=token), 422, "bad_cursor")
    assert "another user" in error["message"]


@pytest.mark.parametrize("token", ["garbage", "!!!!", "a" * 4096, base64.urlsafe_b64encode(b"{}.").decode()])
def test_a_cursor_this_server_never_issued_is_refused(client, catalogue, token):
    error = assert_error(pull(client, catalogue.tech1, cursor=token), 422, "bad_cursor")
    assert "pull without a cursor" in error["message"]


def test_a_cursor_signed_with_another_key_is_refused(client, catalogue):
    token = cursor.encode(b"some other server's key", catalogue.tech1.id, {"seqs": {}})
    assert_error(pull(client, catalogue.tech1, cursor=token), 422, "bad_cursor")


def test_a_cursor_longer_than_4096_characters_is_refused_as_invalid(client, catalogue):
    assert_error(pull(client, catalogue.tech1, cursor="a" * 4097), 422, "validation_error", fields=["cursor"])


def _set_floor(audience, floor):
    # Compaction has no API yet: the floor it would leave behind is set in the database directly.
    db.session.execute(update(Audience).where(Audience.name == audience).values(floor_seq=floor))
    db.session.commit()


def _last_seq(audience):
    return db.session.scalar(select(Audience.last_seq).where(Audience.name == audience))


def test_a_cursor_below_a_compacted_floor_starts_a_snapshot_again(client, device, walk, open_job, catalogue):
    phone = device("tech1")
    phone.drain()
    reached = _last_seq(feed.technician(catalogue.tech1.id)) or 0
    first = walk(open_job(serial=None), "assigned")
    second = walk(open_job(serial=None), "assigned")
    _set_floor(feed.technician(catalogue.tech1.id), reached + 1)
    status, body = phone.pull()
    assert status == 200, body
    assert body["reset"] is True
    phone.drain()
    assert set(phone.jobs()) == {first["id"], second["id"]}
    assert held_ids(phone, "part") == part_ids(*ALL_PARTS)


def test_a_cursor_at_the_compacted_floor_reads_on(client, device, walk, open_job, catalogue):
    phone = device("tech1")
    phone.drain()
    reached = _last_seq(feed.technician(catalogue.tech1.id)) or 0
    job = walk(open_job(serial=None), "assigned")
    _set_floor(feed.technician(catalogue.tech1.id), reached)
    status, body = phone.pull()
    assert status == 200, body
    assert (body["reset"], keys(body["changes"])) == (False, [("job", str(job["id"]))])


def test_a_catalogue_compacted_past_the_cursor_starts_a_snapshot_again(device, call):
    phone = device("tech1")
    phone.drain()
    status, body = call("patch", "/api/admin/parts/BOARD", "admin", {"price": "150.00"})
    assert status == 200, body
    _set_floor(feed.CATALOGUE, _last_seq(feed.CATALOGUE))
    status, body = phone.pull()
    assert status == 200, body
    assert body["reset"] is True
    phone.drain()
    board = [data for (entity, _), data in phone.held.items() if entity == "part" and data["part_no"] == "BOARD"]
    assert board[0]["price"] == "150.00"


def test_a_manager_moved_to_another_provider_starts_a_snapshot_of_the_new_one(device, scene, catalogue):
    phone = device("pm1")
    phone.drain()
    assert held_ids(phone, "job") == {scene[name] for name in ("a", "b", "d")}
    # No API moves a manager between providers; the move (and so a change of feed) is made in the database.
    p02 = db.session.scalar(select(Provider.id).where(Provider.code == "P02"))
    db.session.execute(update(User).where(User.id == catalogue.pm1.id).values(provider_id=p02))
    db.session.commit()
    status, body = phone.pull()
    assert status == 200, body
    assert body["reset"] is True
    phone.drain()
    assert held_ids(phone, "job") == {scene["c"], scene["e"]}
    assert held_ids(phone, "requisition") == {scene["re"]}


# ---------------------------------------------------------------- the customer's phone on a device

# The world's customer (tests/fixtures/jobs.py PHONE) as provider staff see them: the last four digits.
MASKED = "*******" + PHONE[-4:]


@pytest.mark.parametrize("who", ["tech1", "pm1"])
def test_a_snapshot_carries_the_customers_phone_as_its_last_four_digits(device, scene, who):
    phone = device(who)
    phone.drain()
    assert phone.jobs()
    assert {job["request"]["customer_phone"] for job in phone.jobs().values()} == {MASKED}


def test_a_job_changed_by_the_dispatcher_reaches_the_phones_masked_though_the_desk_is_shown_it_in_full(
    device, call, walk, open_job, catalogue
):
    technician, manager = device("tech1"), device("pm1")
    technician.drain()
    manager.drain()
    job_id = walk(open_job(serial=None), "assigned", catalogue.tech2)["id"]
    status, body = call("post", f"/api/jobs/{job_id}/assign", "dispatcher", {"technician_id": catalogue.tech1.id})
    assert status == 200, body
    assert body["request"]["customer_phone"] == PHONE
    technician.drain()
    manager.drain()
    assert technician.jobs()[job_id]["request"]["customer_phone"] == MASKED
    assert manager.jobs()[job_id]["request"]["customer_phone"] == MASKED


def test_no_feed_holds_a_customers_phone_in_full_after_a_day_of_desk_and_field_work(
    client, device, call, walk, open_job, on_site, short, catalogue
):
    device("tech1").drain()
    job_id = walk(open_job(serial=None), "accepted")["id"]
    assert call("post", f"/api/jobs/{job_id}/contact", "pm1", {"reached": False})[0] == 200
    assert call("post", f"/api/jobs/{job_id}/escalate", "agent", {"reason": "客户催促"})[0] == 200
    assert call("post", f"/api/jobs/{job_id}/depart", "tech1", {})[0] == 200
    waiting = on_site(serial=None)
    short(waiting["id"], [("PANEL", 1)])
    assert (
        call("post", f"/api/jobs/{waiting['id']}/assign", "dispatcher", {"technician_id": catalogue.tech2.id})[0] == 200
    )
    changes = db.session.execute(select(Change.entity, Change.data).where(Change.op == "put")).all()
    jobs = [data for entity, data in changes if entity == "job"]
    assert len(jobs) >= 10
    assert {job["request"]["customer_phone"] for job in jobs} == {MASKED}
    assert not [data for _, data in changes if PHONE in json.dumps(data, ensure_ascii=False)]


# ---------------------------------------------------------------- who may pull, and with what


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("technician", 200),
        ("provider_manager", 200),
        ("parts_clerk", 200),
        ("admin", 403),
        ("agent", 403),
        ("dispatcher", 403),
        ("hq_planner", 403),
        ("auditor", 403),
    ],
)
def test_only_the_field_and_its_desks_may_pull(client, catalogue, as_role, role, status):
    response = client.get("/api/sync/pull", headers=as_role(role))
    if status == 200:
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["reset"] is True
    else:
        assert_error(response, 403, "role_forbidden")


def test_pulling_without_signing_in_is_refused(client, catalogue):
    assert_error(client.get("/api/sync/pull"), 401, "token_missing")


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "ten"])
def test_a_limit_outside_1_to_1000_is_refused(client, catalogue, limit):
    assert_error(pull(client, catalogue.tech1, limit=limit), 422, "validation_error", fields=["limit"])


@pytest.mark.parametrize("limit", [1, 1000])
def test_limits_1_and_1000_are_taken(client, catalogue, limit):
    response = pull(client, catalogue.tech1, limit=limit)
    assert response.status_code == 200, response.get_json()
    assert len(response.get_json()["changes"]) == min(limit, len(ALL_PARTS))


def test_a_page_is_500_changes_unless_told(client, catalogue, make_part):
    for n in range(501):
        make_part(f"BULK{n:03d}", models=())
    response = pull(client, catalogue.tech1)
    assert len(response.get_json()["changes"]) == 500


@pytest.mark.parametrize(
    ("whose", "acked"),
    [("own", 2), ("unknown", 0), ("another user's", 0), (None, 0)],
)
def test_acked_seq_is_the_last_op_this_users_device_pushed(client, device, walk, open_job, catalogue, whose, acked):
    job = walk(open_job(serial=None), "assigned")
    phone = device("tech1")
    status, body = phone.push([phone.op("job.accept", job["id"]), phone.op("job.arrive", job["id"])])
    assert status == 200, body
    assert body["acked_seq"] == 2
    other = device("tech2")
    status, body = other.push([other.op("note.add", job["id"], {"text": "x"})])
    assert status == 200, body
    client_id = {"own": phone.client_id, "unknown": "dev-never-seen", "another user's": other.client_id, None: None}
    query = {"client_id": client_id[whose]} if client_id[whose] else {}
    response = pull(client, catalogue.tech1, **query)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["acked_seq"] == acked


def test_what_an_acknowledged_op_did_is_in_the_same_pull(device, walk, open_job):
    job = walk(open_job(serial=None), "assigned")
    phone = device("tech1")
    phone.drain()
    phone.push([phone.op("job.accept", job["id"])])
    status, body = phone.pull()
    assert status == 200, body
    assert body["acked_seq"] == 1
    assert phone.jobs()[job["id"]]["state"] == "accepted"


# ---------------------------------------------------------------- sync.cursor itself


def test_a_cursor_carries_its_state_back_to_its_user():
    state = {"seqs": {"catalogue": 3, "tech:7": 12}}
    token = cursor.encode(SECRET, 7, state)
    assert cursor.decode(SECRET, 7, token) == state
    assert "=" not in token  # it travels in a query string as it is


def test_a_cursor_of_a_snapshot_carries_its_position():
    state = {"snap": {"i": 1, "after": 40, "seqs": {"catalogue": 0}}}
    assert cursor.decode(SECRET, 7, cursor.encode(SECRET, 7, state)) == state


def test_a_cursor_of_another_user_is_bad():
    with pytest.raises(cursor.BadCursor, match="another user"):
        cursor.decode(SECRET, 8, cursor.encode(SECRET, 7, {"seqs": {}}))


def test_a_cursor_under_another_key_is_bad():
    with pytest.raises(cursor.BadCursor):
        cursor.decode(SECRET, 7, cursor.encode(b"another key", 7, {"seqs": {}}))


def test_a_cursor_with_its_positions_changed_is_bad_and_said_to_be_altered():
    # Fails: decode raises BadCursor("the cursor was altered") inside its own try, whose
    # ``except ValueError`` (BadCursor is one) turns it into "not one this server issued".
    token = cursor.encode(SECRET, 7, {"seqs": {"catalogue": 3}})
    with pytest.raises(cursor.BadCursor, match="altered"):
        cursor.decode(SECRET, 7, forged(token, catalogue=4))


def test_a_cursor_claiming_another_user_with_the_signature_kept_is_bad():
    token = cursor.encode(SECRET, 7, {"seqs": {}})
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    body, _, signature = raw.rpartition(b".")
    token = base64.urlsafe_b64encode(body.replace(b'"u":7', b'"u":8') + b"." + signature).decode()
    with pytest.raises(cursor.BadCursor):
        cursor.decode(SECRET, 8, token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "!!!!",
        "é",
        "a" * 4096,
        base64.urlsafe_b64encode(b"no dot at all").decode(),
        base64.urlsafe_b64encode(b'{"u":7}.not base64 !').decode(),
    ],
)
def test_a_token_that_is_not_a_cursor_is_bad(token):
    with pytest.raises(cursor.BadCursor):
        cursor.decode(SECRET, 7, token)


def test_a_signed_body_that_is_not_an_object_is_bad():
    body = b"[1, 2]"
    token = base64.urlsafe_b64encode(body + b"." + base64.urlsafe_b64encode(cursor._sign(SECRET, body))).decode()
    with pytest.raises(cursor.BadCursor, match="another user"):
        cursor.decode(SECRET, 7, token)


@pytest.mark.parametrize("who", ["tech1", "pm1", "clerk"])
def test_a_snapshot_carries_each_entity_as_its_schema_dumps_it(client, catalogue, scene, walk, open_job, who):
    """The snapshot's fast serialising (server/core/dumping.py, loads by page) changes nothing a device gets:
    every change is the marshmallow dump of the entity read afresh, jobs in every state included."""
    for state in ("new", "accepted", "on_site", "completed", "closed"):
        walk(open_job(serial=None), state)
    answers, _ = pages(client, getattr(catalogue, who), limit=3)
    changes = [change for answer in answers for change in answer["changes"]]
    assert changes, "the snapshot is empty"
    models = {"job": Job, "requisition": Requisition, "part": Part, "article": Article}
    db.session.expire_all()
    for change in changes:
        entity = db.session.get(models[change["entity"]], int(change["id"]))
        if change["entity"] == "job":
            entity = shown_on_devices(entity)  # as its feeds show it: the customer's phone masked, the relay's call
        expected = feed._schema(change["entity"]).dump(entity)
        if change["entity"] == "job":
            expected |= {"quote": None, "payments": []}  # its charges: none here
        assert change["data"] == json.loads(json.dumps(expected, default=str)), (change["entity"], change["id"])
