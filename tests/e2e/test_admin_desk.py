"""The admin's desk (系统管理) in a real browser: a file of sale records imported with its upload's progress and
its one bad line listed; files of the wrong kind or not UTF-8 refused whole, naming their first bad line; a user
created, given a new password and deactivated; an SLA policy edited; a knowledge-base entry created, edited (a
stale edit refused and the fresh entry shown) and withdrawn; and every screen of the desk looked at in Chinese.

The world: tests/fixtures/jobs.py and supply.py (province 370000, providers P01-P03, model TV55, parts BOARD,
PANEL and REMOTE, users ``admin``, ``tech1`` …). On PostgreSQL, with one gunicorn for the module.
"""

import re
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import SlaPolicy
from server.knowledge.models import Article
from server.scheduler.runner import Scheduler
from server.scheduler.tasks import TASKS
from server.users.models import User
from tests.knowledge.factories import ensure_fault_code

pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

SALES_HEADER = "serial,model,sale_date,province,city,store,customer_phone"
SALE_COLUMNS = "serial, model, sale_date, province, city, store, customer_phone"


def sales_file(count, bad_line=None):
    """A sale-record CSV of ``count`` good lines, and one with an unknown model on line ``bad_line``."""
    lines = [SALES_HEADER]
    for n in range(1, count + 1):
        lines.append(f"SNE2E{n:06d},TV55,2025-03-01,370000,370100,苏宁 {n % 7},1380000{n:04d}")
    if bad_line is not None:
        lines.insert(bad_line - 1, "SNE2EBAD,TV99,2025-03-01,370000,370100,苏宁,13800009999")
    return ("\n".join(lines) + "\n").encode()


def imported_serials():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(SaleRecord).where(SaleRecord.serial.like("SNE2E%")))


def open_desk(desk, user, locale, tab="imports"):
    device = desk(locale)
    device.sign_in_at_desk(user)
    go(device, f"#/admin/{tab}")
    return device


def go(device, address):
    """Opens ``address`` in the app (no reload) and waits until its screen is drawn: each address draws a new
    root for the desk, put on the page once its data has arrived."""
    page = device.page
    page.evaluate(
        """(address) => {
             window.lastRoot = document.querySelector('main#view > .admin-desk');
             location.hash = address;
           }""",
        address,
    )
    page.wait_for_function(
        """() => {
             const root = document.querySelector('main#view > .admin-desk');
             return root && root !== window.lastRoot;
           }"""
    )


def upload(page, content, name, kind="install-base"):
    page.locator("select[name=kind]").select_option(kind)
    page.locator("input[name=file]").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.locator("[data-action=import]").click()


def test_a_file_of_sale_records_is_imported_with_its_progress_and_its_bad_line_listed(desk, people):
    before = imported_serials()
    device = open_desk(desk, people.admin, "en")
    page = device.page
    # The bar follows the upload; the file is large enough for the browser to report its progress.
    page.evaluate(
        """() => { window.seen = []; new MutationObserver(() => window.seen.push(
             document.querySelector('[data-testid=upload-progress]')?.value)).observe(document.body,
             {subtree: true, attributes: true, attributeFilter: ['value'], childList: true}); }"""
    )
    upload(page, sales_file(3000, bad_line=1500), "sales-march.csv")
    page.get_by_test_id("rejected-lines").wait_for()

    assert page.get_by_test_id("upload-progress").evaluate("(bar) => bar.value") == 100
    assert page.get_by_test_id("upload-status").text_content() == device.t("admin.import.done")
    assert page.get_by_test_id("import-inserted").locator("strong").text_content() == "3000"
    assert page.get_by_test_id("import-rejected").locator("strong").text_content() == "1"
    rows = page.get_by_test_id("rejected-lines").locator("tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-line") == "1500"
    assert rows.first.locator("td").all_text_contents() == [
        "1500",
        device.t("admin.rejected.unknown_model", model="TV99"),
    ]
    assert 100 in page.evaluate("window.seen")
    device.screenshot("admin-import-done")

    assert imported_serials() == before + 3000


def test_a_file_of_the_wrong_kind_is_refused_whole_naming_its_first_bad_line(desk, people, snapshot):
    device = open_desk(desk, people.admin, "en")
    page = device.page
    notice = page.get_by_test_id("desk-notice")
    before = snapshot()

    # A providers file sent as sale records: its header is another kind's.
    providers = b"code,name,region_codes,deposit,credit_limit\nP09,Provider Nine,370100,1000,500\n"
    upload(page, providers, "providers.csv")
    expected = device.t("admin.refused.missing_columns", missing=SALE_COLUMNS)
    page.locator(".notice.error", has_text=expected).wait_for()
    assert "Line 1" in notice.text_content()
    assert page.get_by_test_id("upload-status").text_content() == device.t("admin.import.refused", file="providers.csv")
    assert page.get_by_test_id("rejected-lines").count() == 0
    device.screenshot("admin-import-wrong-kind")

    # Sale records sent as providers: refused the same way, by the reference data's import.
    upload(page, sales_file(3), "sales.csv", kind="providers")
    page.locator(
        ".notice.error",
        has_text=device.t("admin.refused.missing_columns", missing="code, name, region_codes, deposit, credit_limit"),
    ).wait_for()

    # A spreadsheet saved in GBK: the first line that is not UTF-8 is named, though good lines come before it.
    gbk = sales_file(2) + "SNE2EGBK,TV55,2025-03-01,370000,370100,国美,1\n".encode("gbk")
    upload(page, gbk, "gbk.csv")
    page.locator(".notice.error", has_text=device.t("admin.refused.not_utf8", line=4)).wait_for()

    # The template to fill in names every column the kind takes, the optional ones after the others.
    page.locator("select[name=kind]").select_option("parts")
    with page.expect_download() as download:
        page.locator("[data-action=template]").click()
    header = Path(download.value.path()).read_text().strip()
    assert header == "part_no,name,price,models,claimable,key_part,main_part,return_required,customer_price_cents"

    assert snapshot() == before


def test_a_user_is_created_given_a_new_password_and_deactivated(desk, people, api):
    device = open_desk(desk, people.admin, "en", tab="users")
    page = device.page
    page.locator("[data-action=new-user]").click()
    form = page.get_by_test_id("user-form")
    form.locator("input[name=username]").fill("tech1")
    form.locator("input[name=display_name]").fill("王师傅")
    form.locator("select[name=role]").select_option("technician")
    form.locator("select[name=provider_code]").select_option("P01")
    # Too short a password is caught before anything is sent.
    form.locator("input[name=password]").fill("short")
    form.locator("[data-action=create-user]").click()
    assert form.locator("[data-error-for=password]").text_content() == device.t("admin.users.invalid.password")
    # The server refuses a username that is taken (a 409), in the user's language, and creates nothing.
    form.locator("input[name=password]").fill("first password 1")
    form.locator("[data-action=create-user]").click()
    form.locator("[data-error-for=username]", has_text=device.t("admin.users.taken")).wait_for()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.display_name == "王师傅")) == 0

    form.locator("input[name=username]").fill("Wang.Tech")
    form.locator("[data-action=create-user]").dblclick()
    detail = page.get_by_test_id("user-detail")
    detail.wait_for()
    assert page.get_by_test_id("desk-notice").text_content() == device.t(
        "admin.users.createdDone", username="wang.tech", role=device.t("admin.role.technician")
    )
    assert "Provider P01" in page.get_by_test_id("user-facts").text_content()
    db.session.rollback()
    [created] = db.session.scalars(select(User).where(User.username == "wang.tech")).all()
    assert (created.role, created.provider.code, created.display_name, created.active) == (
        "technician",
        "P01",
        "王师傅",
        True,
    )
    device.screenshot("admin-user-created")

    def sign_in(password):
        return api.post("/api/auth/token", json={"username": "wang.tech", "password": password})

    assert sign_in("first password 1").status_code == 200
    detail.locator("input[name=password]").fill("second password 2")
    detail.locator("[data-action=reset-password]").click()
    page.locator(".notice.ok", has_text=device.t("admin.users.passwordSet", username="wang.tech")).wait_for()
    assert sign_in("second password 2").status_code == 200
    assert sign_in("first password 1").status_code == 401

    detail.locator("[data-action=deactivate]").click()
    page.locator(".notice.ok", has_text=device.t("admin.users.deactivated", username="wang.tech")).wait_for()
    assert page.get_by_test_id("user-detail").locator("[data-action=activate]").is_visible()
    db.session.rollback()
    assert db.session.scalar(select(User.active).where(User.username == "wang.tech")) is False
    refused = sign_in("second password 2")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (401, "account_disabled")
    # The list says so too, by the role's and the provider's names.
    row = page.get_by_test_id("users").locator("tr[data-username='wang.tech']")
    assert row.locator("td a").text_content() == "wang.tech"
    assert row.locator("td .sub").text_content() == "王师傅"
    assert row.locator("td").all_text_contents()[1:] == [
        device.t("admin.role.technician"),
        "Provider P01",
        device.t("admin.users.inactive"),
    ]


def test_an_sla_policy_is_edited_and_a_knowledge_entry_created_edited_and_withdrawn(desk, catalogue, api):
    device = open_desk(desk, catalogue.admin, "en", tab="sla")
    page = device.page
    notice = page.get_by_test_id("desk-notice")

    # Deadlines out of order are refused on the screen and nothing is stored.
    remote = page.locator("form.sla-policy[data-area=remote]")
    remote.locator("input[name=contact_minutes]").fill("10")
    remote.locator("input[name=arrive_minutes]").fill("5")
    remote.locator("[data-action=save-sla]").click()
    assert remote.locator("[data-error-for=arrive_minutes]").text_content() == device.t("admin.sla.invalid.order")

    county = page.locator("form.sla-policy[data-area=county]")
    county.locator("input[name=contact_minutes]").fill("3")
    county.locator("input[name=arrive_minutes]").fill("30")
    county.locator("input[name=complete_minutes]").fill("80.5")
    county.locator("[data-action=save-sla]").click()
    page.locator(".notice.ok", has_text=device.t("admin.sla.saved", area=device.t("admin.area.county"))).wait_for()
    assert page.locator("form.sla-policy[data-area=county] [data-testid=sla-standing]").text_content() == device.t(
        "admin.sla.set"
    )
    assert page.locator("form.sla-policy[data-area=county] input[name=complete_minutes]").input_value() == "80.5"
    db.session.rollback()
    stored = db.session.execute(
        select(SlaPolicy.area_class, SlaPolicy.contact_minutes, SlaPolicy.arrive_minutes, SlaPolicy.complete_minutes)
    ).all()
    assert stored == [("county", 180, 1800, 4830)]
    device.screenshot("admin-sla-saved")

    go(device, "#/admin/knowledge")
    page.locator("[data-action=new-article]").click()
    editor = page.get_by_test_id("kb-editor")
    editor.locator("select[name=type]").select_option("defect")
    editor.locator("input[name=title]").fill("Screen flickers")
    editor.locator("input[name=fault_code]").fill("E77")
    editor.locator("textarea[name=symptom]").fill("The picture flickers after ten minutes.")
    editor.locator("textarea[name=fix]").fill("Replace the main board.")
    editor.locator("input[name=models]").fill("TV55, TV99")
    editor.locator("input[name=parts]").fill("BOARD")
    editor.locator("[data-action=save-article]").click()
    # A model the catalogue lacks is named before anything is sent.
    assert editor.locator("[data-error-for=models]").text_content() == device.t("admin.kb.unknownModels", codes="TV99")
    editor.locator("input[name=models]").fill("TV55")
    editor.locator("[data-action=save-article]").dblclick()
    page.locator("[data-testid=article-status]").wait_for()
    db.session.rollback()
    [article] = db.session.scalars(select(Article).where(Article.fault_code == "E77")).all()
    article_id = article.id
    assert (article.title, [p.model for p in article.products], [p.part_no for p in article.parts], article.active) == (
        "Screen flickers",
        ["TV55"],
        ["BOARD"],
        True,
    )
    assert page.get_by_test_id("articles").locator(f"tr[data-article-id='{article_id}']").count() == 1

    editor = page.get_by_test_id("kb-editor")
    editor.locator("input[name=title]").fill("Screen flickers (backlight)")
    editor.locator("[data-action=save-article]").click()
    page.locator(".notice.ok", has_text=device.t("admin.kb.saved", title="Screen flickers (backlight)")).wait_for()
    db.session.rollback()
    assert db.session.scalar(select(Article.title).where(Article.id == article_id)) == "Screen flickers (backlight)"

    # Another admin changes the entry meanwhile: this screen's edit is refused, explained, and the fresh
    # entry drawn for editing again.
    changed = api.patch(
        f"/api/knowledge/{article_id}", json={"title": "Flicker, changed elsewhere"}, headers=catalogue.admin.headers
    )
    assert changed.status_code == 200, changed.get_json()
    editor.locator("textarea[name=cause]").fill("A dry joint on the board.")
    editor.locator("[data-action=save-article]").click()
    page.locator(".notice.error", has_text=device.t("desk.reloaded")).wait_for()
    assert device.t("error.concurrent_change") in notice.text_content()
    assert page.get_by_test_id("kb-editor").locator("input[name=title]").input_value() == "Flicker, changed elsewhere"
    db.session.rollback()
    assert db.session.scalar(select(Article.cause).where(Article.id == article_id)) == ""

    page.get_by_test_id("kb-editor").locator("[data-action=withdraw]").click()
    page.locator(
        ".notice.ok", has_text=device.t("admin.kb.withdrawnDone", title="Flicker, changed elsewhere")
    ).wait_for()
    assert page.get_by_test_id("article-status").text_content() == device.t("admin.kb.withdrawnOne")
    db.session.rollback()
    assert db.session.scalar(select(Article.active).where(Article.id == article_id)) is False
    device.screenshot("admin-knowledge-withdrawn")


def test_every_screen_of_the_admin_desk_in_chinese(desk, catalogue, app):
    scheduler = Scheduler(app, TASKS, worker="e2e:1")
    try:
        assert len(scheduler.run_all()) == len(TASKS)
    finally:
        scheduler.lock.release()
    article = ensure_fault_code("E21", title="有声音无图像")
    device = open_desk(desk, catalogue.admin, "zh-CN")
    page = device.page
    problems = []

    upload(page, sales_file(20, bad_line=7), "三月销售.csv")
    problems += device.inspect("admin-imports", ready=page.get_by_test_id("rejected-lines"))

    go(device, "#/admin/users")
    problems += device.inspect("admin-users", ready=page.get_by_test_id("users"))
    go(device, "#/admin/users/tech1")
    problems += device.inspect("admin-user", ready=page.get_by_test_id("user-detail"))
    go(device, "#/admin/users/new")
    page.get_by_test_id("user-form").locator("select[name=role]").select_option("parts_clerk")
    problems += device.inspect("admin-user-new", ready=page.get_by_test_id("user-form"))

    go(device, "#/admin/sla")
    problems += device.inspect("admin-sla", ready=page.locator("form.sla-policy"))

    go(device, "#/admin/scheduler")
    tasks = page.get_by_test_id("scheduler-tasks")
    problems += device.inspect("admin-scheduler", ready=tasks)
    # Every run's sentence is said in Chinese: none is left in the server's English.
    said = tasks.locator("tbody tr td:last-child").all_text_contents()
    assert len(said) == len(TASKS)
    assert [text for text in said if re.search("[A-Za-z]{3,}", text)] == []

    go(device, "#/admin/knowledge")
    problems += device.inspect("admin-knowledge", ready=page.get_by_test_id("articles"))
    go(device, f"#/admin/knowledge/{article.id}")
    problems += device.inspect("admin-knowledge-entry", ready=page.get_by_test_id("kb-editor"))
    go(device, "#/admin/knowledge/new")
    problems += device.inspect("admin-knowledge-new", ready=page.get_by_test_id("kb-editor"))

    assert not problems, "\n".join(problems)
