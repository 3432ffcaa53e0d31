"""The call-centre supervisor's campaign desk, end to end: a template refused for an unknown placeholder in the
supervisor's language, then added; a campaign written with the placeholder chips, previewed (count, opted out,
real messages), saved, planned (the opted-out phone left out) and started; an opt-out recorded and lifted; and
every screen looked at in Chinese and in English, at 360 and 1280 px.

The world: TVs and washers sold in two provinces to four customers, one of whom opted out.
On PostgreSQL, with one gunicorn for the module (tests/e2e/conftest.py).
"""

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from server.campaigns.models import Campaign
from server.campaigns.models import MessageTemplate
from server.extensions import db
from server.installbase.models import SaleRecord
from server.messaging.models import OptOut

pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]


@pytest.fixture
def customers(make_geography, make_product, make_policy, make_user):
    shandong, jinan, _ = make_geography("370000", "370100", "370112")
    guangdong, guangzhou, _ = make_geography("440000", "440100", "440106")
    for region, name in ((shandong, "山东省"), (jinan, "济南市"), (guangdong, "广东省"), (guangzhou, "广州市")):
        region.name = name
    tv = make_product("TV55", "tv", name="55寸电视")
    washer = make_product("WM8", "washing_machine", name="滚筒洗衣机")
    make_policy("tv", 12, 36)
    make_policy("washing_machine", 24, 60)
    today = date.today()
    sales = [
        ("E2ECAMP0001", washer, today.replace(year=today.year - 1), shandong, jinan, "13900000001"),
        ("E2ECAMP0002", washer, today.replace(year=today.year - 1), shandong, jinan, "13900000002"),
        ("E2ECAMP0003", washer, today.replace(year=today.year - 4), guangdong, guangzhou, "13900000003"),
        ("E2ECAMP0004", tv, today.replace(year=today.year - 1), shandong, jinan, "13900000004"),
    ]
    for serial, product, sold, province, city, phone in sales:
        db.session.add(
            SaleRecord(
                serial=serial,
                product_id=product.id,
                sale_date=sold,
                province_id=province.id,
                city_id=city.id,
                customer_phone=phone,
            )
        )
    db.session.add(OptOut(phone="13900000002", source="agent"))
    db.session.commit()
    return SimpleNamespace(supervisor=make_user("supervisor", username="supervisor1"))


def go(device, address):
    """Opens ``address`` and waits for the desk's new root (each address draws one once its data is in)."""
    page = device.page
    page.evaluate(
        """(address) => {
             window.lastRoot = document.querySelector('main#view > .campaigns-desk');
             location.hash = address;
           }""",
        address,
    )
    page.wait_for_function(
        """() => {
             const root = document.querySelector('main#view > .campaigns-desk');
             return root && root !== window.lastRoot;
           }"""
    )


def template_names():
    found = list(db.session.scalars(select(MessageTemplate.name)))
    db.session.rollback()
    return found


def campaigns():
    found = [
        (campaign.name, campaign.status, campaign.planned_count) for campaign in db.session.scalars(select(Campaign))
    ]
    db.session.rollback()
    return found


def test_a_supervisor_writes_previews_plans_and_starts_a_campaign(desk, customers):
    device = desk("zh-CN")
    page = device.page
    device.sign_in_at_desk(customers.supervisor)
    # The supervisor's home is the campaigns.
    page.get_by_test_id("campaigns-desk").wait_for()
    assert page.url.endswith("#/campaigns")
    problems = device.inspect("campaigns-empty")

    # A template with a detail the message cannot hold is refused, the field and the placeholder named in Chinese.
    go(device, "#/campaigns/templates")
    page.locator("#template-code").fill("filter-clean")
    page.locator("#template-name").fill("滤网清洗提醒")
    page.locator("#template-body").fill("尊敬的{客户}：")
    page.locator("[data-action=add-template]").click()
    body_error = page.locator("[data-error-for=body]")
    body_error.filter(has_text="{客户}").wait_for()
    assert "不是短信可以填入的客户信息" in body_error.text_content()
    problems += device.inspect("campaigns-template-refused")
    page.locator("#template-body").fill("您的")
    page.locator(".template-form [data-placeholder=model]").click()
    page.locator("#template-body").press("End")
    page.locator("#template-body").type("该清洗滤网了，热线")
    page.locator(".template-form [data-placeholder=hotline]").click()
    assert page.locator("#template-body").input_value() == "您的{model}该清洗滤网了，热线{hotline}"
    page.locator("[data-action=add-template]").click()
    page.get_by_test_id("template-list").wait_for()
    problems += device.inspect("campaigns-templates", ready=page.get_by_test_id("template-list"))
    # Renamed in place: the form opens on the template, and its changes are saved to it.
    page.locator("[data-template-id] [data-action=edit]").click()
    page.locator("[data-action=save-template]").wait_for()
    assert page.locator("#template-code").input_value() == "filter-clean"
    page.locator("#template-name").fill("滤网清洗提醒（洗衣机）")
    problems += device.inspect("campaigns-template-edit", ready=page.locator("[data-action=save-template]"))
    page.locator("[data-action=save-template]").click()
    page.locator("[data-template-id] strong", has_text="滤网清洗提醒（洗衣机）").wait_for()
    assert template_names() == ["滤网清洗提醒（洗衣机）"]

    # A campaign from the template, to washer owners in Shandong; previewed before it is saved.
    go(device, "#/campaigns/new")
    page.locator("#campaign-name").fill("洗衣机滤网清洗")
    page.locator("#campaign-template").select_option(label="滤网清洗提醒（洗衣机）")
    page.locator("[data-filter=categories] input[value=washing_machine]").check()
    page.locator("[data-filter=provinces] input[value='370000']").check()
    page.locator("#campaign-rate").fill("120")
    page.locator("[data-action=preview]").click()
    count = page.get_by_test_id("preview-count")
    count.wait_for()
    assert count.text_content() == device.t("campaigns.reach", count=1, optedOut=1)
    assert page.get_by_test_id("preview-sample").locator("li").all_text_contents() == [
        "*******0001您的WM8该清洗滤网了，热线400-800-3150 回TD退订"
    ]
    problems += device.inspect("campaigns-new-preview", ready=count)

    # A sale-date range that ends before it starts is said under the field before anything is sent.
    page.locator("#campaign-from").fill("2025-06-01")
    page.locator("#campaign-to").fill("2025-05-01")
    page.locator("[data-action=save]").click()
    page.locator("[data-error-for='filters.sold_to']").filter(has_text=device.t("campaigns.badDates")).wait_for()
    assert campaigns() == []
    page.locator("#campaign-from").fill("")
    page.locator("#campaign-to").fill("")

    page.locator("[data-action=save]").click()
    status = page.get_by_test_id("campaign-status")
    status.wait_for()
    assert status.get_attribute("data-status") == "draft"
    assert campaigns() == [("洗衣机滤网清洗", "draft", 0)]

    page.locator("[data-action=plan]").click()
    page.locator("[data-testid=campaign-status][data-status=planned]").wait_for()
    assert page.get_by_test_id("desk-notice").text_content() == device.t("campaigns.planned", count=1, optedOut=1)
    page.locator("[data-action=start]").click()
    page.locator("[data-testid=campaign-status][data-status=sending]").wait_for()
    assert campaigns() == [("洗衣机滤网清洗", "sending", 1)]
    problems += device.inspect("campaigns-sending", ready=page.get_by_test_id("campaign-results"))

    go(device, "#/campaigns")
    problems += device.inspect("campaigns-list", ready=page.get_by_test_id("campaign-list"))

    # An opt-out told on the phone, then lifted.
    go(device, "#/campaigns/opt-outs")
    page.locator("#opt-out-phone").fill("13900000009")
    page.locator("[data-action=opt-out]").click()
    page.locator("[data-testid=opt-out-list] tr[data-phone='13900000009']").wait_for()
    problems += device.inspect("campaigns-opt-outs", ready=page.get_by_test_id("opt-out-list"))
    page.locator("tr[data-phone='13900000009'] [data-action=opt-in]").click()
    page.get_by_test_id("desk-notice").filter(has_text="13900000009").wait_for()
    assert page.locator("tr[data-phone='13900000009']").count() == 0

    # The same screens in English.
    english = desk("en")
    english.sign_in_at_desk(customers.supervisor)
    english.page.get_by_test_id("campaign-list").wait_for()
    problems += english.inspect("campaigns-list-en", ready=english.page.get_by_test_id("campaign-list"))
    go(english, "#/campaigns/new")
    english.page.locator("#campaign-name").fill("Filter reminder")
    english.page.locator("#campaign-body").fill("Your {modle} needs cleaning")
    english.page.locator("[data-action=preview]").click()
    refused = english.page.locator("[data-error-for=body]").filter(has_text="{modle}")
    refused.wait_for()
    assert "is not a customer detail" in refused.text_content()
    problems += english.inspect("campaigns-new-en")
    go(english, "#/campaigns/templates")
    problems += english.inspect("campaigns-templates-en", ready=english.page.get_by_test_id("template-list"))
    go(english, "#/campaigns/opt-outs")
    problems += english.inspect("campaigns-opt-outs-en", ready=english.page.get_by_test_id("opt-out-list"))

    assert not problems, "\n".join(problems)
