"""In-app notifications: each user's own list, newest first, the unread badge, marking read; and ``notify``.

Notifications are made with the service (as every domain makes them) and
committed; the API is then read as their owner or as someone else.
"""

from datetime import datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.core.roles import ROLES
from server.extensions import db
from server.notifications.models import Notification
from server.notifications.services import notify
from tests.helpers import assert_error


@pytest.fixture
def alice(make_user, auth):
    user = make_user("agent", username="alice")
    user.headers = auth(user)
    return user


@pytest.fixture
def bob(make_user, auth):
    user = make_user("dispatcher", username="bob")
    user.headers = auth(user)
    return user


@pytest.fixture
def send():
    """``send(user, kind, **fields)`` → the id of a notification sent to ``user`` alone, committed."""

    def make(user, kind, message=None, **fields):
        (created,) = notify([user], kind, message or f"about {kind}", **fields)
        db.session.commit()
        return created.id

    return make


@pytest.fixture
def listing(client):
    """``listing(user, **query)`` → the JSON of GET /api/notifications as ``user``."""

    def get(user, **query):
        response = client.get("/api/notifications", query_string=query, headers=user.headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    return get


@pytest.fixture
def read(client):
    def post(user, notification_id):
        return client.post(f"/api/notifications/{notification_id}/read", headers=user.headers)

    return post


def stored_count(**where):
    db.session.expire_all()
    statement = select(func.count()).select_from(Notification)
    for column, value in where.items():
        statement = statement.where(getattr(Notification, column) == value)
    return db.session.scalar(statement)


# ---------------------------------------------------------------- the list


def test_the_list_holds_the_callers_own_newest_first(alice, bob, send, listing):
    for kind in ("first", "second", "third"):
        send(alice, kind)
    send(bob, "for_bob")
    page = listing(alice)
    assert [n["kind"] for n in page["items"]] == ["third", "second", "first"]
    assert (page["total"], page["unread"]) == (3, 3)


def test_a_user_with_none_has_an_empty_list(alice, bob, send, listing):
    send(bob, "for_bob")
    page = listing(alice)
    assert (page["items"], page["total"], page["unread"]) == ([], 0, 0)


def test_a_notification_shows_what_it_is_about(alice, send, listing):
    send(alice, "job_escalated", "Job J1 was escalated", data={"by": 7})
    (item,) = listing(alice)["items"]
    assert {k: item[k] for k in ("kind", "message", "job_id", "data", "read_at")} == {
        "kind": "job_escalated",
        "message": "Job J1 was escalated",
        "job_id": None,
        "data": {"by": 7},
        "read_at": None,
    }
    assert datetime.fromisoformat(item["created_at"]).tzinfo is not None


def test_a_notice_about_a_job_carries_the_number_people_know_it_by(alice, send, listing, open_job):
    job = open_job()
    send(alice, "job_escalated", job=SimpleNamespace(id=job["id"]))
    send(alice, "about_nothing")
    numbers = {n["kind"]: (n["job_id"], n["job_number"]) for n in listing(alice)["items"]}
    assert numbers == {"job_escalated": (job["id"], job["number"]), "about_nothing": (None, None)}


def test_the_badge_counts_every_unread_not_only_the_page(alice, send, listing):
    for kind in ("a", "b", "c"):
        send(alice, kind)
    page = listing(alice, per_page=1)
    assert [n["kind"] for n in page["items"]] == ["c"]
    assert (page["total"], page["pages"], page["unread"]) == (3, 3, 3)


@pytest.mark.parametrize(
    ("query", "kinds"),
    [({"unread": "true"}, ["c", "a"]), ({"unread": "false"}, ["c", "b", "a"]), ({}, ["c", "b", "a"])],
    ids=["unread-only", "unread-false", "no-filter"],
)
def test_the_unread_filter(alice, send, listing, read, query, kinds):
    ids = {kind: send(alice, kind) for kind in ("a", "b", "c")}
    assert read(alice, ids["b"]).status_code == 200
    page = listing(alice, **query)
    assert [n["kind"] for n in page["items"]] == kinds
    assert page["unread"] == 2


def test_a_bad_unread_filter_is_422(alice, client):
    response = client.get("/api/notifications", query_string={"unread": "perhaps"}, headers=alice.headers)
    assert_error(response, 422, "validation_error", fields=["unread"])


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_its_own_notifications(make_user, auth, send, client, role):
    user = make_user(role)
    send(user, "hello")
    response = client.get("/api/notifications", headers=auth(user))
    assert response.status_code == 200, response.get_json()
    assert [n["kind"] for n in response.get_json()["items"]] == ["hello"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/notifications"), ("post", "/api/notifications/1/read"), ("post", "/api/notifications/read-all")],
)
def test_notifications_need_a_signed_in_user(client, method, path):
    assert_error(getattr(client, method)(path), 401, "token_missing")


# ---------------------------------------------------------------- marking read


def test_marking_read_sets_the_read_time_and_lowers_the_badge(alice, send, listing, read):
    first = send(alice, "a")
    send(alice, "b")
    response = read(alice, first)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["id"] == first
    assert response.get_json()["read_at"] is not None
    assert listing(alice)["unread"] == 1


def test_marking_read_twice_keeps_the_first_read_time(alice, send, read, listing):
    notification_id = send(alice, "a")
    first = read(alice, notification_id).get_json()["read_at"]
    again = read(alice, notification_id)
    assert again.status_code == 200, again.get_json()
    assert again.get_json()["read_at"] == first
    assert listing(alice)["unread"] == 0


def test_someone_elses_notification_is_404_and_stays_unread(alice, bob, send, read, listing, snapshot):
    theirs = send(bob, "for_bob")
    before = snapshot()
    assert_error(read(alice, theirs), 404, "notification_not_found")
    assert snapshot() == before
    assert listing(bob)["unread"] == 1


def test_an_unknown_notification_is_404(alice, read):
    assert_error(read(alice, 999_999), 404, "notification_not_found")


def test_read_all_marks_the_callers_unread_and_says_how_many(alice, bob, send, read, client, listing):
    ids = [send(alice, kind) for kind in ("a", "b", "c")]
    send(bob, "for_bob")
    read(alice, ids[0])
    response = client.post("/api/notifications/read-all", headers=alice.headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"marked": 2}
    assert listing(alice)["unread"] == 0
    assert all(n["read_at"] is not None for n in listing(alice)["items"])


def test_read_all_leaves_other_users_unread(alice, bob, send, client, listing):
    send(alice, "a")
    send(bob, "for_bob")
    client.post("/api/notifications/read-all", headers=alice.headers)
    assert listing(bob)["unread"] == 1


def test_read_all_with_nothing_unread_marks_nothing(alice, send, client):
    send(alice, "a")
    client.post("/api/notifications/read-all", headers=alice.headers)
    again = client.post("/api/notifications/read-all", headers=alice.headers)
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {"marked": 0}


# ---------------------------------------------------------------- the service


@pytest.mark.parametrize("commit_between", [True, False], ids=["committed-between", "same-transaction"])
def test_notify_with_the_same_dedupe_key_twice_makes_one_per_user(alice, bob, commit_between):
    first = notify([alice, bob], "reminder", "Visit today", dedupe_key="k")
    if commit_between:
        db.session.commit()
    second = notify([alice, bob], "reminder", "Visit today", dedupe_key="k")
    db.session.commit()
    assert (len(first), second) == (2, [])
    assert (stored_count(user_id=alice.id), stored_count(user_id=bob.id)) == (1, 1)


def test_notify_with_a_dedupe_key_reaches_a_user_who_did_not_have_it_yet(alice, bob):
    notify([alice], "reminder", "Visit today", dedupe_key="k")
    db.session.commit()
    created = notify([alice, bob], "reminder", "Visit today", dedupe_key="k")
    db.session.commit()
    assert [n.user_id for n in created] == [bob.id]
    assert (stored_count(user_id=alice.id), stored_count(user_id=bob.id)) == (1, 1)


def test_notify_with_different_dedupe_keys_sends_both(alice):
    notify([alice], "reminder", "Visit today", dedupe_key="k1")
    notify([alice], "reminder", "Visit tomorrow", dedupe_key="k2")
    db.session.commit()
    assert stored_count(user_id=alice.id) == 2


def test_notify_without_a_key_sends_every_time(alice):
    notify([alice], "job_assigned", "Job J1 is yours")
    notify([alice], "job_assigned", "Job J1 is yours")
    db.session.commit()
    assert stored_count(user_id=alice.id) == 2


def test_notify_reaches_each_user_once_and_skips_nobody(alice, bob):
    created = notify([alice, None, bob, alice], "job_cancelled", "Job J1 was cancelled")
    db.session.commit()
    assert sorted(n.user_id for n in created) == sorted([alice.id, bob.id])
    assert stored_count() == 2


def test_a_notification_about_a_job_names_the_job(people, open_job, walk, listing):
    job = open_job()
    walk(job, "dispatched")
    items = listing(people.pm1)["items"]
    assert [(n["kind"], n["job_id"]) for n in items] == [("job_dispatched", job["id"])]
