"""Searching the knowledge base: words in Chinese and English, type and model filters, withdrawn entries."""

import pytest

from tests.helpers import assert_error


@pytest.fixture
def entries(add_entry, faq):
    """Four entries by name: a TV55 backlight defect, a TV65 panel defect, a TV-wide FAQ and a fridge FAQ."""
    return {
        "backlight": add_entry()["id"],
        "panel": add_entry(
            title="屏幕有竖线 (vertical lines)",
            symptom="画面出现彩色竖线",
            cause="屏线松动 Loose panel cable",
            fix="重新插拔屏线",
            fault_code="P-01",
            models=["TV65"],
            parts=["PANEL"],
        )["id"],
        "reset": faq(
            title="如何恢复出厂设置 (factory reset)",
            symptom="系统卡顿",
            cause="",
            fix="设置 → 系统 → 恢复出厂设置 Settings, then System",
            models=[],
            categories=["tv"],
        )["id"],
        "fridge": faq(
            title="冰箱不制冷 (fridge not cooling)",
            symptom="冷藏室温度高",
            cause="门封不严 Door seal",
            fix="检查门封 100% closed",
            models=["FR40"],
        )["id"],
    }


@pytest.mark.parametrize(
    ("q", "found"),
    [
        ("背光", ["backlight"]),
        ("屏幕", ["panel", "backlight"]),
        ("竖线", ["panel"]),
        ("backlight", ["backlight"]),
        ("BACKLIGHT", ["backlight"]),
        ("BackLight", ["backlight"]),
        ("seal", ["fridge"]),
        ("e21", ["backlight"]),
        ("P-01", ["panel"]),
        ("恢复出厂", ["reset"]),
        ("屏 竖线", ["panel"]),
        ("屏幕 背光", ["backlight"]),
        ("screen black", ["backlight"]),
        ("screen cable", []),
        ("  背光   ", ["backlight"]),
        ("洗衣机", []),
    ],
    ids=[
        "chinese-inside-a-word",
        "chinese-in-two",
        "chinese-in-the-title",
        "english",
        "english-upper",
        "english-mixed-case",
        "english-in-the-cause",
        "fault-code-any-case",
        "fault-code-with-dash",
        "chinese-in-the-fix",
        "two-words-both-in-one",
        "two-words-in-different-columns",
        "two-english-words",
        "two-words-in-different-entries-finds-none",
        "spaces-around",
        "nothing-matches",
    ],
)
def test_every_word_must_appear_and_chinese_matches_inside_words(search, entries, q, found):
    ids = {entries[name]: name for name in entries}
    assert sorted(ids[i] for i in search(q=q)) == sorted(found)


@pytest.mark.parametrize(("q", "found"), [("%", ["fridge"]), ("_", []), ("0%", ["fridge"]), ("\\", [])])
def test_percent_and_underscore_are_taken_literally(search, entries, q, found):
    ids = {entries[name]: name for name in entries}
    assert sorted(ids[i] for i in search(q=q)) == sorted(found)


def test_without_words_every_active_entry_is_listed_newest_first(search, entries):
    assert search() == [entries["fridge"], entries["reset"], entries["panel"], entries["backlight"]]


@pytest.mark.parametrize(("kind", "found"), [("faq", ["fridge", "reset"]), ("defect", ["backlight", "panel"])])
def test_the_type_filter_narrows(search, entries, kind, found):
    ids = {entries[name]: name for name in entries}
    assert sorted(ids[i] for i in search(type=kind)) == found


@pytest.mark.parametrize(
    ("model", "found"),
    [("TV55", ["backlight", "reset"]), ("TV65", ["panel", "reset"]), ("FR40", ["fridge"])],
)
def test_a_model_finds_the_entries_listing_it_and_those_of_its_whole_category(search, entries, model, found):
    ids = {entries[name]: name for name in entries}
    assert sorted(ids[i] for i in search(model=model)) == found


def test_words_type_and_model_combine(search, entries):
    assert search(q="屏", type="defect", model="TV65") == [entries["panel"]]


def test_a_withdrawn_entry_is_not_found(call, search, entries):
    call("post", f"/api/knowledge/{entries['backlight']}/deactivate", "admin")
    assert search(q="背光") == []


def test_the_admin_lists_withdrawn_entries_on_request(call, search, entries):
    call("post", f"/api/knowledge/{entries['panel']}/deactivate", "admin")
    assert search(user="admin", active="false") == [entries["panel"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"type": "manual"}, "type"),
        ({"model": "NOPE"}, "model"),
        ({"q": "x" * 201}, "q"),
        ({"active": "false"}, "active"),
        ({"page": "0"}, "page"),
    ],
    ids=["unknown-type", "unknown-model", "long-query", "withdrawn-for-a-technician", "page-zero"],
)
def test_a_bad_search_is_422(client, kb, entries, query, field):
    response = client.get("/api/knowledge", query_string=query, headers=kb.tech1.headers)
    assert_error(response, 422, "validation_error", fields=[field])


@pytest.mark.parametrize("role", ["technician", "agent", "auditor", "parts_clerk", "hq_planner"])
def test_every_signed_in_role_searches(client, as_role, entries, role):
    response = client.get("/api/knowledge", query_string={"q": "背光"}, headers=as_role(role))
    assert response.status_code == 200, response.get_json()
    assert [item["id"] for item in response.get_json()["items"]] == [entries["backlight"]]
