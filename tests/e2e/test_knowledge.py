"""The knowledge base on a technician's phone, end to end: entries written on the server arrive with a sync,
are searched with no signal (Chinese and English, by type, by the job's model), a completion records a fault
code offered from them, and an entry withdrawn on the server leaves the phone at its next sync.

On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/e2e/conftest.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

ENTRIES = {
    "backlight": {
        "type": "defect",
        "title": "有声音无图像：背光不亮 (no picture)",
        "symptom": "开机有声音，屏幕全黑。Sound but a black screen.",
        "cause": "背光灯条损坏。Broken LED backlight strip.",
        "fix": "更换背光灯条。Replace the backlight strip.",
        "fault_code": "E21",
        "models": ["TV55"],
        "parts": ["BOARD"],
    },
    "board": {
        "type": "defect",
        "title": "不开机，待机灯闪烁 (will not start)",
        "symptom": "待机灯反复闪烁。The standby light blinks.",
        "cause": "主板固件损坏。Corrupted main-board firmware.",
        "fix": "U 盘强制升级；无效则换主板。Force a USB update, else replace the board.",
        "fault_code": "E30",
        "categories": ["tv"],
    },
    "reset": {
        "type": "faq",
        "title": "如何恢复出厂设置 (factory reset)",
        "symptom": "系统卡顿，应用闪退。",
        "fix": "设置 → 系统 → 恢复出厂设置。Settings, System, Factory reset.",
        "categories": ["tv"],
    },
    "fridge": {
        "type": "faq",
        "title": "冰箱不制冷 (fridge not cooling)",
        "symptom": "冷藏室温度高。",
        "cause": "门封不严。A leaking door seal.",
        "models": ["FR40"],
    },
}


@pytest.fixture
def entries(api, catalogue, make_product):
    """The four entries above, written by the admin on the live server; their ids by name."""
    make_product("FR40", category="fridge")
    ids = {}
    for name, body in ENTRIES.items():
        response = api.post("/api/knowledge", json=body, headers=catalogue.admin.headers)
        assert response.status_code == 201, response.get_json()
        ids[name] = response.get_json()["id"]
    return ids


def shown(page):
    """The ids of the entries the knowledge view lists now."""
    return sorted(
        int(i)
        for i in page.locator("[data-testid=kb-results] li[data-article-id]").evaluate_all(
            "items => items.map((item) => item.dataset.articleId)"
        )
    )


def search(phone, query, kind=""):
    page = phone.page
    page.get_by_test_id("kb-type").select_option(kind)
    page.get_by_test_id("kb-query").fill(query)
    return shown(page)


def test_the_knowledge_base_is_searched_offline_and_its_fault_codes_reach_the_server(
    live, api, phone, catalogue, jobs_of, entries
):
    (job_id,) = jobs_of(1, state="on_site")
    tech1 = catalogue.tech1
    phone = phone()
    page = phone.page
    phone.sign_in(tech1)
    phone.wait_for_service_worker()
    assert phone.sync()["ok"] is True
    held = phone.until(
        """async () => {
            const ids = (await globalThis.sanbao.db.getAll('entities'))
                .filter((e) => e.entity === 'article').map((e) => Number(e.id));
            return ids.length === 4 && ids;
        }""",
        "the knowledge base to reach the phone",
    )
    assert sorted(held) == sorted(entries.values())

    phone.context.set_offline(True)
    page.get_by_test_id("nav-knowledge").click()
    page.get_by_test_id("knowledge").wait_for()
    assert shown(page) == sorted(entries.values())
    phone.screenshot("knowledge-search")

    # Chinese inside words, English in any case, two words that must both appear.
    assert search(phone, "背光") == [entries["backlight"]]
    assert search(phone, "BACKLIGHT strip") == [entries["backlight"]]
    assert search(phone, "Factory") == [entries["reset"]]
    assert search(phone, "屏幕 闪烁") == []
    assert search(phone, "e30") == [entries["board"]]
    assert page.get_by_test_id("kb-count").get_attribute("data-count") == "1"
    # The type filter narrows.
    assert search(phone, "", "faq") == sorted([entries["reset"], entries["fridge"]])
    assert search(phone, "", "defect") == sorted([entries["backlight"], entries["board"]])
    assert search(phone, "不", "faq") == [entries["fridge"]]

    # Tapping an entry shows what to do, with the parts it needs.
    search(phone, "背光")
    page.locator(f"li[data-article-id='{entries['backlight']}'] a").click()
    detail = page.get_by_test_id("kb-detail")
    detail.wait_for()
    text = detail.inner_text()
    for words in (ENTRIES["backlight"]["symptom"], ENTRIES["backlight"]["cause"], ENTRIES["backlight"]["fix"], "BOARD"):
        assert words in text
    phone.screenshot("knowledge-entry")
    page.get_by_test_id("kb-back").click()

    # From the job: the entries of its model, and those of its whole category.
    page.locator("a[href='#/jobs']").click()
    phone.open_job(job_id)
    page.get_by_test_id("job-knowledge").click()
    page.get_by_test_id("knowledge").wait_for()
    assert page.get_by_test_id("kb-model").input_value() == "TV55"
    assert shown(page) == sorted([entries["backlight"], entries["board"], entries["reset"]])

    # The completion offers the model's defect codes and sends the one chosen.
    page.go_back()
    page.get_by_test_id("job-detail").wait_for()
    phone.step("complete")
    form = page.locator("form[data-form='complete']")
    codes = form.locator("select[name=fault_code] option")
    codes.nth(2).wait_for(state="attached")
    assert codes.evaluate_all("options => options.map((o) => o.value)") == ["", "E21", "E30"]
    form.locator("textarea[name=summary]").fill("强制升级固件")
    form.locator("input[name=confirmed_by]").fill("王先生")
    form.locator("select[name=fault_code]").select_option("E30")
    phone.confirm_with_signature(form)
    phone.screenshot("knowledge-fault-code")
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()
    assert [op["payload"]["fault_code"] for op in phone.outbox()] == ["E30"]

    # Meanwhile the FAQ on factory resets is withdrawn on the server.
    response = api.post(f"/api/knowledge/{entries['reset']}/deactivate", headers=catalogue.admin.headers)
    assert response.status_code == 200, response.get_json()

    phone.context.set_offline(False)
    phone.wait_pending(0)
    assert db.session.scalar(select(Job.fault_code).where(Job.id == job_id)) == "E30"
    db.session.rollback()
    assert api.get(f"/api/jobs/{job_id}", headers=tech1.headers).get_json()["fault_code"] == "E30"

    # The next sync took the withdrawn entry off the phone.
    assert phone.sync()["ok"] is True
    phone.until(
        "async (id) => !(await globalThis.sanbao.db.get('entities', ['article', String(id)]))",
        "the withdrawn entry to leave the phone",
        entries["reset"],
    )
    page.locator("a[href='#/knowledge']").click()
    page.get_by_test_id("knowledge").wait_for()
    assert search(phone, "") == sorted([entries["backlight"], entries["board"], entries["fridge"]])
    assert search(phone, "Factory") == []
    assert phone.errors == []
