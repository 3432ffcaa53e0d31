"""Knowledge-base entries travel to every phone in the catalogue feed: new, edited and withdrawn."""

import pytest

from server.devicesync import feed


def articles(phone):
    return {int(i): data for (entity, i), data in phone.held.items() if entity == "article"}


@pytest.fixture
def synced(device, kb):
    """``synced(name)`` → a phone of that person, drained once (it holds the snapshot)."""

    def make(name="tech1"):
        phone = device(name)
        phone.drain()
        return phone

    return make


def test_a_new_entry_reaches_a_phone_as_the_api_shows_it(synced, add_entry, call):
    phone = synced()
    made = add_entry()
    phone.drain()
    assert articles(phone) == {made["id"]: call("get", f"/api/knowledge/{made['id']}", "tech1")[1]}


def test_a_fresh_phone_takes_the_active_entries_in_its_snapshot(device, add_entry, call):
    kept = add_entry()
    withdrawn = add_entry(title="old", fault_code="E00")
    call("post", f"/api/knowledge/{withdrawn['id']}/deactivate", "admin")
    phone = device("tech1")
    phone.drain()
    assert set(articles(phone)) == {kept["id"]}


def test_an_edit_reaches_the_phone_with_its_new_version(synced, add_entry, call):
    made = add_entry()
    phone = synced()
    status, edited = call("patch", f"/api/knowledge/{made['id']}", "admin", {"fix": "先查电源板", "models": ["TV65"]})
    assert status == 200, edited
    _, body = phone.pull()
    [change] = [c for c in body["changes"] if c["entity"] == "article"]
    assert (change["op"], change["id"], change["version"]) == ("put", str(made["id"]), edited["version"])
    assert articles(phone)[made["id"]] == edited


def test_a_withdrawn_entry_leaves_the_phone(synced, add_entry, call):
    made = add_entry()
    other = add_entry(title="stays", fault_code="E22")
    phone = synced()
    assert set(articles(phone)) == {made["id"], other["id"]}
    call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")
    _, body = phone.pull()
    assert [(c["entity"], c["id"], c["op"]) for c in body["changes"]] == [("article", str(made["id"]), "remove")]
    assert set(articles(phone)) == {other["id"]}


def test_an_entry_brought_back_returns_to_the_phone(synced, add_entry, call):
    made = add_entry()
    call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")
    phone = synced()
    assert articles(phone) == {}
    call("patch", f"/api/knowledge/{made['id']}", "admin", {"active": True})
    phone.drain()
    assert set(articles(phone)) == {made["id"]}


def test_an_edit_of_a_withdrawn_entry_reaches_no_phone(synced, add_entry, call):
    made = add_entry()
    call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")
    phone = synced()
    call("patch", f"/api/knowledge/{made['id']}", "admin", {"title": "still withdrawn"})
    _, body = phone.pull()
    assert body["changes"] == []


def test_a_refused_entry_writes_nothing_to_the_feed(client, kb, synced, add_entry):
    add_entry()
    before = feed.latest([feed.CATALOGUE])
    response = client.post("/api/knowledge", json={"type": "defect", "title": "x"}, headers=kb.admin.headers)
    assert response.status_code == 422
    assert feed.latest([feed.CATALOGUE]) == before


@pytest.mark.parametrize("name", ["pm1", "clerk"])
def test_every_phone_user_gets_the_entries(synced, add_entry, name):
    phone = synced(name)
    made = add_entry()
    phone.drain()
    assert set(articles(phone)) == {made["id"]}
