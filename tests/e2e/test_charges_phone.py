"""A paid repair on the phone, end to end (收费): an out-of-warranty television on site, the technician offline
quotes it from the fee guide (labour of the unit's category, the panel at its customer price, the travel fee of
the job's area class), the customer signs; a price changed after approval makes a new version, which the
customer signs again; the technician records the cash, shows the receipt and completes the job. Online, the ops
sync once each, the receipt number made on the phone answers at the public address, the job closes, and the
provider manager's statement for the month shows the charge collected. Every screen is looked at in both
languages at 360 and 1280 px (tests/e2e/screens.py).

On PostgreSQL, with one gunicorn for the module (tests/fixtures/browser.py).
"""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy import update

from server.charges.models import FeeItem
from server.charges.models import TravelFee
from server.core.clock import local_today
from server.devicesync.models import PushedOp
from server.extensions import db
from server.messaging.models import Message
from server.parts.models import Part
from tests.e2e.screens import AXE
from tests.e2e.test_screens import switch_language

# PostgreSQL only, one live server for the module's tests, all on one xdist worker (tests/fixtures/browser.py).
pytestmark = [pytest.mark.postgres_only, pytest.mark.live, pytest.mark.commits, pytest.mark.xdist_group(__name__)]

PANEL_LABOUR = 20_000
PANEL_PRICE = 98_000
TRAVEL = 3_000


def fee_guide():
    """The guide the phone pulls: panel and board labour for televisions, the travel fee of a county."""
    db.session.add_all(
        [
            FeeItem(code="TV-PANEL", category="tv", repair_type="panel", name="更换屏幕", labour_cents=PANEL_LABOUR),
            FeeItem(code="TV-BOARD", category="tv", repair_type="board", name="更换主板", labour_cents=12_000),
            FeeItem(code="WM-DRUM", category="washer", repair_type="drum", name="更换滚筒", labour_cents=30_000),
            TravelFee(area_class="county", fee_cents=TRAVEL),
            TravelFee(area_class="city", fee_cents=2_000),
        ]
    )
    db.session.execute(update(Part).where(Part.part_no == "PANEL").values(customer_price_cents=PANEL_PRICE))
    db.session.commit()


def sign(device, form):
    """The customer's signature on the pad in ``form``, drawn with a finger's strokes."""
    page = device.page
    pad = form.get_by_test_id("signature-pad")
    pad.wait_for()
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 18, box["y"] + box["height"] * (0.7 - 0.4 * (step % 2)), steps=3)
    page.mouse.up()


def approve_by_signature(device):
    charges = device.page.get_by_test_id("charges")
    charges.locator("[data-action=approve]").click()
    form = device.page.locator("form[data-form=approve]")
    # Offline, the code is not offered: the customer signs.
    expect(form.locator("input[name=approval][value=code]")).to_be_disabled()
    sign(device, form)
    return form


def test_a_paid_repair_quoted_approved_paid_and_reconciled(
    live, api, phone, desk, catalogue, open_job, walk, make_user, auth
):
    fee_guide()
    job = walk(open_job(serial=None, model="TV55", job_type="paid"), "on_site", catalogue.tech1)
    device = phone(locale="zh-CN")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.wait_for_service_worker()
    device.sync()
    page.add_script_tag(url=AXE)
    client_id = page.evaluate("globalThis.sanbao.db.get('meta', 'client_id')")
    device.context.set_offline(True)

    # The list says which job the customer pays for.
    expect(page.locator(f"[data-job-id='{job['id']}']").get_by_test_id("paid-mark")).to_have_text(device.t("jobs.paid"))
    problems = device.inspect("jobs-paid-zh", touch=True)
    device.open_job(job["id"])
    charges = page.get_by_test_id("charges")
    expect(charges.get_by_test_id("no-quote")).to_have_text(device.t("quote.none"))
    problems += device.inspect("charges-none-zh", touch=True)

    # The quote: the travel fee of the job's county is there already; the panel's labour and the panel added.
    charges.locator("[data-action=quote]").click()
    form = page.locator("form[data-form=quote]")
    rows = form.locator(".quote-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-kind", "travel")
    expect(rows.first.get_by_test_id("quote-price")).to_have_value("30.00")
    # Only the labour of the unit's category is offered.
    expect(form.locator("select[name=fee] option[value='WM-DRUM']")).to_have_count(0)
    form.locator("select[name=fee]").select_option("TV-PANEL")
    form.locator("[data-action=add-labour]").click()
    form.locator("select[name=part]").select_option("PANEL")
    form.locator("[data-action=add-part]").click()
    expect(rows).to_have_count(3)
    form.get_by_test_id("quote-discount").fill("20")
    expect(form.get_by_test_id("quote-form-total")).to_contain_text("¥1,190.00")
    problems += device.inspect("quote-form-zh", touch=True)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    expect(charges.get_by_test_id("quote-state")).to_contain_text(device.t("quote.waiting"))
    expect(charges.get_by_test_id("quote-total")).to_have_text("¥1,190.00")

    # The customer signs for it.
    form = approve_by_signature(device)
    problems += device.inspect("quote-approve-zh", touch=True)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    expect(charges).to_have_attribute("data-charge-state", "owed")
    expect(charges.get_by_test_id("quote-changes")).to_have_text(device.t("quote.changeNeedsApproval"))

    # The labour lowered after approval: a new version, which waits for the customer again.
    charges.locator("[data-action=quote]").click()
    form = page.locator("form[data-form=quote]")
    expect(form.locator(".charge-notice")).to_have_text(device.t("quote.newVersion"))
    form.locator(".quote-row[data-kind=labour]").get_by_test_id("quote-price").fill("150")
    expect(form.get_by_test_id("quote-form-total")).to_contain_text("¥1,140.00")
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    expect(charges).to_have_attribute("data-charge-state", "waiting")
    expect(charges.get_by_test_id("quote-state")).to_contain_text(device.t("quote.version", n=2))
    assert charges.locator("[data-action=pay]").count() == 0
    problems += device.inspect("quote-waiting-zh", touch=True)
    form = approve_by_signature(device)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    expect(charges.get_by_test_id("outstanding")).to_have_text("¥1,140.00")

    # The cash: what is owed is the amount offered; the receipt follows.
    charges.locator("[data-action=pay]").click()
    form = page.locator("form[data-form=pay]")
    expect(form.get_by_test_id("pay-amount")).to_have_value("1140.00")
    # More than is owed is refused on the phone, as the server would.
    form.get_by_test_id("pay-amount").fill("1200")
    form.locator("button[type=submit]").click()
    expect(form.locator("label", has=page.get_by_test_id("pay-amount")).locator(".error")).to_have_text(
        device.t("pay.tooMuch", amount="¥1,140.00")
    )
    form.get_by_test_id("pay-amount").fill("1140")
    problems += device.inspect("pay-zh", touch=True)
    form.locator("button[type=submit]").click()
    receipt = page.get_by_test_id("receipt")
    receipt.wait_for()
    number = receipt.get_by_test_id("receipt-number").text_content()
    assert len(number) == 10
    expect(receipt.get_by_test_id("receipt-amount")).to_have_text("¥1,140.00")
    expect(receipt.get_by_test_id("receipt-address")).to_have_text(f"{live.url}/r/{number}")
    receipt.scroll_into_view_if_needed()
    problems += device.inspect("receipt-zh", touch=True)
    switch_language(device)
    receipt = page.get_by_test_id("receipt")
    receipt.locator("h2").filter(has_text="Receipt").wait_for()
    problems += device.inspect("receipt-en", touch=True)
    # Printed, the receipt is all there is on the page.
    page.emulate_media(media="print")
    expect(page.locator(".steps")).to_be_hidden()
    expect(receipt.locator("[data-action=print]")).to_be_hidden()
    expect(receipt.get_by_test_id("receipt-number")).to_be_visible()
    device.screenshot("receipt-print-en")
    page.emulate_media(media="screen")
    receipt.locator("[data-action=close-receipt]").click()
    expect(charges).to_have_attribute("data-charge-state", "paid")
    problems += device.inspect("charges-paid-en", touch=True)

    ops = device.outbox()
    assert [op["type"] for op in ops] == [
        "quote.save",
        "quote.approve",
        "quote.save",
        "quote.approve",
        "payment.record",
    ]
    second = ops[2]["payload"]
    assert second["lines"] == [
        {"kind": "travel", "unit_price_cents": TRAVEL},
        {"kind": "labour", "fee_code": "TV-PANEL", "quantity": 1, "unit_price_cents": 15_000},
        {"kind": "part", "part_code": "PANEL", "quantity": 1, "unit_price_cents": PANEL_PRICE},
    ]
    assert second["discount_cents"] == 2_000
    assert ops[3]["payload"]["ref"] == second["ref"]
    assert ops[3]["payload"]["method"] == "signature"
    payment = ops[4]["payload"]
    assert payment == {
        "ref": payment["ref"],
        "quote_ref": second["ref"],
        "method": "cash",
        "reference": "",
        "amount_cents": 114_000,
        "receipt_number": number,
    }

    # Paid in full: the completion asks for no unpaid reason.
    device.step("complete")
    form = page.locator("form[data-form='complete']")
    assert form.get_by_test_id("unpaid-reason").count() == 0
    form.locator("textarea[name=summary]").fill("Panel replaced, picture fine")
    form.locator("input[name=confirmed_by]").fill("Mr Wang")
    device.confirm_with_signature(form)
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()

    # Online: everything reaches the server once.
    device.context.set_offline(False)
    device.wait_pending(0)
    pushed = db.session.execute(
        select(PushedOp.type, PushedOp.result).where(PushedOp.client_id == client_id).order_by(PushedOp.seq)
    ).all()
    db.session.rollback()
    assert pushed == [
        ("quote.save", "applied"),
        ("quote.approve", "applied"),
        ("quote.save", "applied"),
        ("quote.approve", "applied"),
        ("payment.record", "applied"),
        ("job.complete", "applied"),
    ]
    charged = api.get(f"/api/jobs/{job['id']}/charges", headers=catalogue.tech1.headers).get_json()
    assert charged["quote"]["version"] == 2
    assert charged["quote"]["status"] == "approved"
    assert charged["outstanding_cents"] == 0
    assert [each["receipt_number"] for each in charged["payments"]] == [number]

    # The receipt number made offline answers at the public address, with no sign-in.
    public = api.get(f"/api/receipts/{number}")
    assert public.status_code == 200, public.get_json()
    assert public.get_json()["amount_cents"] == 114_000
    # The customer's page at the address on the receipt, opened on the technician's phone: the server's page,
    # never the app's shell the service worker holds.
    customer = device.context.new_page()
    customer.goto(f"/r/{number}")
    expect(customer.locator("main")).to_contain_text(number)
    expect(customer.locator("main")).to_contain_text("¥1140.00")
    customer.close()

    closed = api.post(f"/api/jobs/{job['id']}/close", json={"note": ""}, headers=catalogue.dispatcher.headers)
    assert closed.status_code == 200, closed.get_json()
    assert closed.get_json()["state"] == "closed"

    # The month's statement, built by an auditor, shows the charge collected by tech1.
    auditor = make_user("auditor", username="auditor-charges")
    auditor.headers = auth(auditor)
    month = local_today().strftime("%Y-%m")
    made = api.post(
        "/api/settlements", json={"provider_id": catalogue.pm1.provider_id, "month": month}, headers=auditor.headers
    )
    assert made.status_code == 201, made.get_json()
    statement = made.get_json()["id"]
    view = api.get(f"/api/settlements/{statement}", headers=catalogue.pm1.headers).get_json()
    assert view["charges"]["collected_cents"] == 114_000
    [collected] = view["charges"]["by_technician"]
    assert (collected["technician_id"], collected["collected_cents"]) == (catalogue.tech1.id, 114_000)

    manager = desk(locale="en")
    manager.sign_in_at_desk(catalogue.pm1)
    shown_page = manager.page
    shown_page.locator("a[data-tab=statements]").click()
    shown_page.get_by_test_id("statements").locator(f"tr[data-settlement-id='{statement}'] a").click()
    section = shown_page.get_by_test_id("statement-charges")
    expect(section.get_by_test_id("charges-collected")).to_have_text("¥1,140.00")
    expect(
        section.get_by_test_id("charges-by-technician").locator(f"tr[data-technician-id='{catalogue.tech1.id}']")
    ).to_contain_text("¥1,140.00")
    expect(section.get_by_test_id("charges-owed")).to_have_text("¥1,140.00")
    # What is owed comes off the statement as a deduction, said in words.
    owed = shown_page.get_by_test_id("deductions").locator("li[data-rule=CHARGES_OWED]")
    expect(owed).to_contain_text(manager.t("team.statements.rule.CHARGES_OWED"))
    section.scroll_into_view_if_needed()
    problems += manager.inspect("statement-charges-en", ready=section)
    # The remittance: refused on the desk without the bank's reference, then recorded.
    form = section.get_by_test_id("remittance-form")
    expect(form.get_by_test_id("remit-amount")).to_have_value("1140.00")
    form.locator("[data-action=remit]").click()
    expect(form.locator("[data-error-for=reference]")).to_have_text(manager.t("team.charges.referenceNeeded"))
    form.get_by_test_id("remit-reference").fill("BANK-20261207-001")
    form.locator("[data-action=remit]").click()
    section = shown_page.get_by_test_id("statement-charges")
    expect(section.get_by_test_id("charges-remitted")).to_have_text("¥1,140.00")
    expect(section.get_by_test_id("charges-owed")).to_have_text("¥0.00")
    assert section.get_by_test_id("remittance-form").count() == 0
    switch_language(manager)
    section = shown_page.get_by_test_id("statement-charges")
    section.locator("h3").filter(has_text="客户收费").wait_for()
    problems += manager.inspect("statement-charges-zh", ready=section)
    assert problems == []
    assert device.errors == []
    assert manager.errors == []


def quote_code(job_id):
    """The approval code the server texted the customer for the job's latest quote."""
    body = db.session.scalar(
        select(Message.body).where(Message.job_id == job_id, Message.kind == "quote_code").order_by(Message.id.desc())
    )
    db.session.rollback()
    return re.search(r"确认码为(\d{6})", body).group(1)


def test_a_code_approves_online_a_wrong_one_is_refused_in_words_and_an_unpaid_close_out_says_why(
    live, api, phone, catalogue, open_job, walk
):
    fee_guide()
    job = walk(open_job(serial=None, model="TV55", job_type="paid"), "on_site", catalogue.tech1)
    device = phone(locale="en-GB")
    page = device.page
    device.sign_in(catalogue.tech1)
    device.sync()
    page.add_script_tag(url=AXE)
    device.open_job(job["id"])
    charges = page.get_by_test_id("charges")

    # Online: the quote syncs as it is saved, and the server texts the customer a code.
    charges.locator("[data-action=quote]").click()
    form = page.locator("form[data-form=quote]")
    form.locator("select[name=fee]").select_option("TV-BOARD")
    form.locator("[data-action=add-labour]").click()
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    device.wait_pending(0)
    code = quote_code(job["id"])

    # A code not the one sent: the server refuses it, and the phone says why in the technician's words.
    charges.locator("[data-action=approve]").click()
    form = page.locator("form[data-form=approve]")
    form.locator("input[name=approval][value=code]").check()
    form.get_by_test_id("approve-code").fill(f"{(int(code) + 1) % 1_000_000:06d}")
    problems = device.inspect("quote-approve-code-en", touch=True)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    page.get_by_test_id("rejected").click()
    refused = page.get_by_test_id("refused-list").locator("li[data-type='quote.approve']")
    expect(refused).to_have_attribute("data-code", "wrong_code")
    expect(refused.locator(".reason")).to_have_text(device.t("reason.wrong_code"))
    expect(refused.get_by_test_id("carried")).to_have_text(device.t("record.approvedBy", how=device.t("quote.by.code")))
    problems += device.inspect("refused-wrong-code-en", touch=True)
    page.locator("[data-action=dismiss-all]").click()

    # The right code approves it; the quote shows as approved once the server says so.
    page.evaluate("location.hash = '#/jobs'")
    device.open_job(job["id"])
    expect(charges).to_have_attribute("data-charge-state", "waiting")
    charges.locator("[data-action=approve]").click()
    form = page.locator("form[data-form=approve]")
    form.locator("input[name=approval][value=code]").check()
    form.get_by_test_id("approve-code").fill(code)
    form.locator("button[type=submit]").click()
    form.wait_for(state="detached")
    device.wait_pending(0)
    expect(charges).to_have_attribute("data-charge-state", "owed")
    expect(charges.get_by_test_id("quote-state")).to_contain_text(device.t("quote.by.code"))

    # Nothing paid: the completion asks why, and will not go without it.
    device.step("complete")
    form = page.locator("form[data-form='complete']")
    expect(form.get_by_test_id("unpaid-hint")).to_have_text(device.t("pay.unpaidHint"))
    form.locator("textarea[name=summary]").fill("Board replaced")
    form.locator("input[name=confirmed_by]").fill("Mr Wang")
    device.confirm_with_signature(form)
    form.locator("button[type=submit]").click()
    reason = form.locator("label", has=page.get_by_test_id("unpaid-reason")).locator(".error")
    expect(reason).to_have_text(device.t("form.required"))
    form.get_by_test_id("unpaid-reason").fill("The customer pays by bank transfer tomorrow")
    form.get_by_test_id("unpaid-reason").scroll_into_view_if_needed()
    problems += device.inspect("complete-unpaid-en", touch=True)
    form.locator("button[type=submit]").click()
    page.locator("[data-testid=job-state].state-completed").wait_for()
    device.wait_pending(0)
    assert device.page.evaluate("globalThis.sanbao.engine.status.rejected") == []
    events = api.get(f"/api/jobs/{job['id']}/events", headers=catalogue.tech1.headers).get_json()
    [completed] = [event for event in events if event["kind"] == "complete"]
    assert completed["data"]["unpaid_reason"] == "The customer pays by bank transfer tomorrow"
    assert problems == []
    assert device.errors == []
