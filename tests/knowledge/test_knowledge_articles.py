"""Knowledge-base entries through the API: what an admin writes, what it must hold, who reads it."""

import pytest

from tests.helpers import assert_error
from tests.knowledge.factories import entry_body


def test_an_admin_adds_a_defect_entry_with_its_models_and_parts(call, kb):
    status, body = call("post", "/api/knowledge", "admin", entry_body(categories=["fridge"]))
    assert status == 201, body
    assert {key: body[key] for key in ("type", "title", "fault_code", "models", "categories", "active", "version")} == {
        "type": "defect",
        "title": "有声音无图像 (no picture)",
        "fault_code": "E21",
        "models": ["TV55"],
        "categories": ["fridge"],
        "active": True,
        "version": 1,
    }
    assert body["parts"] == [{"part_no": "BOARD", "name": "Main board"}]
    assert (body["symptom"], body["cause"], body["fix"]) == (
        "开机有声音，屏幕全黑。Sound but a black screen.",
        "背光灯条损坏。Broken LED backlight.",
        "更换背光灯条。Replace the backlight.",
    )


def test_an_entry_reads_back_as_it_was_written(call, add_entry):
    made = add_entry()
    status, body = call("get", f"/api/knowledge/{made['id']}", "tech1")
    assert (status, body) == (200, made)


def test_an_faq_has_no_fault_code(faq):
    body = faq(title="如何恢复出厂设置")
    assert (body["type"], body["fault_code"]) == ("faq", None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"type": "manual"}, "type"),
        ({"type": ...}, "type"),
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": ...}, "title"),
        ({"fault_code": "E 21; DROP"}, "fault_code"),
        ({"fault_code": "E" * 33}, "fault_code"),
        ({"fault_code": None}, "fault_code"),
        ({"fault_code": ...}, "fault_code"),
        ({"type": "faq"}, "fault_code"),
        ({"models": ["TV55", "NOPE"]}, "models"),
        ({"categories": ["toaster"]}, "categories"),
        ({"parts": ["NOPART"]}, "parts"),
        ({"fix": "x" * 10_001}, "fix"),
        ({"symptom": 5}, "symptom"),
        ({"no_such_field": 1}, "no_such_field"),
    ],
    ids=[
        "unknown-type",
        "no-type",
        "empty-title",
        "blank-title",
        "long-title",
        "no-title",
        "code-with-spaces",
        "long-code",
        "defect-null-code",
        "defect-without-code",
        "faq-with-code",
        "unknown-model",
        "unknown-category",
        "unknown-part",
        "long-fix",
        "number-symptom",
        "unknown-field",
    ],
)
def test_an_entry_that_breaks_a_rule_is_422_and_nothing_is_written(client, kb, snapshot, overrides, field):
    before = snapshot()
    response = client.post("/api/knowledge", json=entry_body(**overrides), headers=kb.admin.headers)
    assert_error(response, 422, "validation_error", fields=[field])
    assert snapshot() == before


def test_a_fault_code_held_by_another_entry_is_409_and_nothing_is_written(client, add_entry, kb, snapshot):
    first = add_entry()
    before = snapshot()
    response = client.post("/api/knowledge", json=entry_body(title="another"), headers=kb.admin.headers)
    error = assert_error(response, 409, "fault_code_taken")
    assert error["details"] == {"article_id": first["id"]}
    assert snapshot() == before


def test_a_fault_code_of_a_withdrawn_entry_is_still_taken(call, add_entry):
    first = add_entry()
    assert call("post", f"/api/knowledge/{first['id']}/deactivate", "admin")[0] == 200
    status, body = call("post", "/api/knowledge", "admin", entry_body(title="again"))
    assert (status, body["error"]["code"]) == (409, "fault_code_taken")


def test_an_edit_changes_the_fields_given_and_makes_a_new_version(call, add_entry):
    made = add_entry()
    status, body = call(
        "patch",
        f"/api/knowledge/{made['id']}",
        "admin",
        {"fix": "先查电源板。Check the power board first.", "models": ["TV55", "TV65"], "parts": []},
    )
    assert status == 200, body
    assert body["fix"] == "先查电源板。Check the power board first."
    assert (body["models"], body["parts"], body["title"]) == (["TV55", "TV65"], [], made["title"])
    assert body["version"] == made["version"] + 1
    assert body["updated_at"] > made["updated_at"]


def test_an_edit_of_only_the_categories_is_a_new_version(call, add_entry):
    made = add_entry(categories=["tv"])
    status, body = call("patch", f"/api/knowledge/{made['id']}", "admin", {"categories": ["tv", "fridge"]})
    assert (status, body["categories"], body["version"]) == (200, ["fridge", "tv"], made["version"] + 1)


def test_an_edit_that_changes_nothing_keeps_the_version(call, add_entry):
    made = add_entry()
    status, body = call("patch", f"/api/knowledge/{made['id']}", "admin", {"title": made["title"], "models": ["TV55"]})
    assert (status, body["version"]) == (200, made["version"])


def test_an_edit_based_on_an_old_version_is_409_and_changes_nothing(client, add_entry, kb, snapshot):
    made = add_entry()
    client.patch(f"/api/knowledge/{made['id']}", json={"title": "newer"}, headers=kb.admin.headers)
    before = snapshot()
    response = client.patch(
        f"/api/knowledge/{made['id']}", json={"title": "stale", "version": made["version"]}, headers=kb.admin.headers
    )
    assert_error(response, 409, "concurrent_change")
    assert snapshot() == before


def test_a_defect_turned_into_an_faq_gives_its_fault_code_up(call, add_entry):
    made = add_entry()
    status, body = call("patch", f"/api/knowledge/{made['id']}", "admin", {"type": "faq"})
    assert (status, body["type"], body["fault_code"]) == (200, "faq", None)
    assert call("post", "/api/knowledge", "admin", entry_body(title="the code is free again"))[0] == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"fault_code": None}, "fault_code"),
        ({"type": "faq", "fault_code": "E21"}, "fault_code"),
        ({"models": ["NOPE"]}, "models"),
        ({"active": "maybe"}, "active"),
        ({"version": "1"}, "version"),
    ],
    ids=["empty-title", "defect-loses-code", "faq-keeps-code", "unknown-model", "bad-active", "text-version"],
)
def test_a_bad_edit_is_422_and_changes_nothing(client, add_entry, kb, snapshot, change, field):
    made = add_entry()
    before = snapshot()
    response = client.patch(f"/api/knowledge/{made['id']}", json=change, headers=kb.admin.headers)
    assert_error(response, 422, "validation_error", fields=[field])
    assert snapshot() == before


def test_an_edit_to_a_code_another_entry_holds_is_409(client, add_entry, kb, snapshot):
    add_entry()
    other = add_entry(title="other", fault_code="E22")
    before = snapshot()
    response = client.patch(f"/api/knowledge/{other['id']}", json={"fault_code": "E21"}, headers=kb.admin.headers)
    assert_error(response, 409, "fault_code_taken")
    assert snapshot() == before


def test_a_withdrawn_entry_is_hidden_from_everyone_but_the_admin(call, add_entry):
    made = add_entry()
    status, body = call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")
    assert (status, body["active"], body["version"]) == (200, False, made["version"] + 1)
    status, body = call("get", f"/api/knowledge/{made['id']}", "tech1")
    assert (status, body["error"]["code"]) == (404, "article_not_found")
    status, body = call("get", f"/api/knowledge/{made['id']}", "admin")
    assert (status, body["active"]) == (200, False)


def test_withdrawing_twice_changes_nothing_the_second_time(call, add_entry):
    made = add_entry()
    first = call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")[1]
    status, second = call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")
    assert (status, second["version"]) == (200, first["version"])


def test_a_withdrawn_entry_comes_back_with_an_edit(call, add_entry, search):
    made = add_entry()
    call("post", f"/api/knowledge/{made['id']}/deactivate", "admin")
    status, body = call("patch", f"/api/knowledge/{made['id']}", "admin", {"active": True})
    assert (status, body["active"]) == (200, True)
    assert search() == [made["id"]]


@pytest.mark.parametrize("method", ["get", "patch"])
def test_an_entry_that_does_not_exist_is_404(call, kb, method):
    status, body = call(method, "/api/knowledge/4242", "admin", {} if method == "patch" else None)
    assert (status, body["error"]["code"]) == (404, "article_not_found")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/knowledge", entry_body()),
        ("patch", "/api/knowledge/{id}", {"title": "mine now"}),
        ("post", "/api/knowledge/{id}/deactivate", None),
    ],
    ids=["create", "edit", "deactivate"],
)
def test_a_technician_may_not_write_the_knowledge_base(client, add_entry, kb, snapshot, method, path, body):
    made = add_entry(fault_code="E99", title="existing")
    before = snapshot()
    response = getattr(client, method)(path.format(id=made["id"]), json=body, headers=kb.tech1.headers)
    assert_error(response, 403, "role_forbidden")
    assert snapshot() == before
