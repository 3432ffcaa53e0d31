"""Campaigns through the API: who the filters reach, planning each phone once without the opted out, the
bad input refused by field, and the opt-outs (by reply with the shared token, by an agent)."""

from datetime import date

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.campaigns import audience
from server.campaigns.models import Campaign
from server.campaigns.models import CampaignRecipient
from server.campaigns.models import MessageTemplate
from server.cards.models import ServiceCard
from server.cards.models import ServiceCardUnit
from server.extensions import db
from server.messaging.models import OptOut
from tests.helpers import assert_error

# Today, in the users' calendar, for the warranty filter (the world's sales are dated around it).
TODAY = date(2026, 6, 15)
ALL = {"13900000001", "13900000002", "13900000003", "13900000004"}


def reached(filters):
    """The phones ``filters`` reach (as of TODAY), read straight from the audience query."""
    resolved = audience.resolve(filters)
    return {
        phone for phone, _ in db.session.execute(audience.chosen_units(audience.conditions(filters, resolved, TODAY)))
    }


@pytest.mark.parametrize(
    ("filters", "phones"),
    [
        ({}, ALL),
        ({"categories": ["washing_machine"]}, {"13900000001", "13900000003"}),
        ({"models": ["TV65"]}, {"13900000004"}),
        ({"models": ["TV55", "TV65"]}, {"13900000001", "13900000002", "13900000004"}),
        ({"sold_from": date(2025, 12, 1)}, {"13900000001", "13900000003", "13900000004"}),
        ({"sold_to": date(2024, 3, 1)}, {"13900000001", "13900000002"}),
        ({"sold_from": date(2024, 1, 1), "sold_to": date(2025, 12, 31)}, {"13900000002", "13900000003"}),
        ({"province_codes": ["440000"]}, {"13900000002", "13900000003"}),
        ({"region_codes": ["370100"]}, {"13900000001", "13900000004"}),
        ({"region_codes": ["440000"]}, {"13900000002", "13900000003"}),
        # In warranty today: the TV of 2026-01-10 (12 months), the washer of 2025-12-01 (24), the TV of 2026-05-20.
        ({"warranty": "in"}, {"13900000001", "13900000003", "13900000004"}),
        ({"warranty": "out"}, {"13900000001", "13900000002"}),
        # Filters together narrow together: 13900000001's washer is out, its TV in.
        ({"warranty": "out", "categories": ["washing_machine"]}, {"13900000001"}),
        ({"warranty": "in", "categories": ["tv"], "province_codes": ["440000"]}, set()),
    ],
)
def test_each_filter_narrows_to_the_customers_it_names(world, filters, phones):
    assert reached(filters) == phones


@pytest.fixture
def carded(world):
    """An extended warranty valid today on 13900000001's old washer, a service contract on 13900000002's TV that
    ended before today, and one on 13900000004's TV valid today."""
    for number, card_type, serial, ends_on in [
        ("EW1", "extended_warranty", "SN-A2-0002", date(2027, 5, 1)),
        ("SC1", "service_contract", "SN-B1-0003", date(2026, 6, 14)),
        ("SC2", "service_contract", "SN-D1-0005", date(2026, 6, 15)),
    ]:
        card = ServiceCard(
            number=number, card_type=card_type, coverage="whole_unit", starts_on=date(2025, 1, 1), ends_on=ends_on
        )
        db.session.add(card)
        db.session.flush()
        db.session.add(ServiceCardUnit(card_id=card.id, serial=serial))
    db.session.commit()


@pytest.mark.parametrize(
    ("filters", "phones"),
    [
        ({"card": "valid"}, {"13900000001", "13900000004"}),
        ({"card": "extended_warranty"}, {"13900000001"}),
        ({"card": "service_contract"}, {"13900000004"}),
        # 13900000001's TV has no card, so the phone is reached through it.
        ({"card": "none"}, {"13900000001", "13900000002", "13900000003"}),
        # Out of the factory warranty yet under an extended one: the owners to offer a care visit.
        ({"card": "valid", "warranty": "out"}, {"13900000001"}),
    ],
)
def test_the_card_filter_reaches_units_under_a_card_valid_today_or_under_none(world, carded, filters, phones):
    assert reached(filters) == phones


def test_a_phone_with_two_units_is_one_recipient_its_placeholders_from_one_unit(app, world, client, supervisor):
    body = {"filters": {"region_codes": ["370100"]}, "body": "您的{model}，尾号{serial_tail}，热线{hotline}"}
    answer = client.post("/api/campaigns/preview", json=body, headers=supervisor)

    assert answer.status_code == 200, answer.json
    assert (answer.json["count"], answer.json["opted_out"]) == (2, 0)
    assert answer.json["sample"] == [
        # The newest matching unit of 13900000001 is its washer (added after the TV).
        {"phone": "*******0001", "body": "您的WM8，尾号0002，热线400-800-3150 回TD退订"},
        {"phone": "*******0004", "body": "您的TV65，尾号0005，热线400-800-3150 回TD退订"},
    ]


def new_campaign(client, headers, **fields):
    body = {"name": "滤网清洗提醒", "body": "您的{model}该清洗滤网了", "rate_per_minute": 60, "filters": {}, **fields}
    answer = client.post("/api/campaigns", json=body, headers=headers)
    assert answer.status_code == 201, answer.json
    return answer.json


def test_planning_queues_each_phone_once_and_leaves_the_opted_out_out(app, world, client, supervisor):
    db.session.add(OptOut(phone="13900000002", source="agent"))
    db.session.commit()
    campaign = new_campaign(client, supervisor)
    assert campaign["status"] == "draft"

    planned = client.post(f"/api/campaigns/{campaign['id']}/plan", headers=supervisor)

    assert planned.status_code == 200, planned.json
    assert planned.json["status"] == "planned"
    assert planned.json["results"] == {"planned": 3, "sent": 0, "failed": 0, "opted_out": 1, "pending": 3}
    phones = db.session.scalars(select(CampaignRecipient.phone).where(CampaignRecipient.campaign_id == campaign["id"]))
    assert sorted(phones) == ["13900000001", "13900000003", "13900000004"]


def test_planning_twice_is_refused_and_changes_nothing(app, world, client, supervisor):
    campaign = new_campaign(client, supervisor)
    client.post(f"/api/campaigns/{campaign['id']}/plan", headers=supervisor)

    again = client.post(f"/api/campaigns/{campaign['id']}/plan", headers=supervisor)

    assert_error(again, 409, "campaign_not_draft")
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)) == 4
    # Nor may a planned campaign be rewritten.
    rewrite = client.put(
        f"/api/campaigns/{campaign['id']}", json={"name": "x", "body": "y", "rate_per_minute": 1}, headers=supervisor
    )
    assert_error(rewrite, 409, "campaign_not_draft")


def test_a_draft_is_rewritten_and_its_text_is_a_copy_of_the_template(app, world, client, supervisor):
    template = client.post(
        "/api/campaigns/templates",
        json={"code": "filter-clean", "name": "滤网清洗", "body": "{model}该清洗滤网了"},
        headers=supervisor,
    )
    assert template.status_code == 201, template.json
    campaign = new_campaign(client, supervisor, body=None, template_id=template.json["id"])
    client.patch(f"/api/campaigns/templates/{template.json['id']}", json={"body": "changed"}, headers=supervisor)

    shown = client.get(f"/api/campaigns/{campaign['id']}", headers=supervisor).json
    assert (shown["body"], shown["template_id"]) == ("{model}该清洗滤网了", template.json["id"])

    put = client.put(
        f"/api/campaigns/{campaign['id']}",
        json={
            "name": "只发山东",
            "body": "{city}用户",
            "rate_per_minute": 5,
            "filters": {"province_codes": ["370000"]},
        },
        headers=supervisor,
    )
    assert put.status_code == 200, put.json
    assert (put.json["name"], put.json["body"], put.json["filters"]) == (
        "只发山东",
        "{city}用户",
        {"province_codes": ["370000"]},
    )


def table_counts():
    return [db.session.scalar(select(func.count()).select_from(model)) for model in (Campaign, MessageTemplate)]


BAD = [
    pytest.param({"body": "您好{name}"}, "body", id="unknown-placeholder"),
    pytest.param({"body": "您好{model"}, "body", id="lone-brace"),
    pytest.param({"filters": {"sold_from": "2025-06-01", "sold_to": "2025-05-31"}}, "filters.sold_to", id="dates"),
    pytest.param({"filters": {"region_codes": ["999999"]}}, "filters.region_codes", id="unknown-region"),
    pytest.param({"filters": {"province_codes": ["370100"]}}, "filters.province_codes", id="city-as-province"),
    pytest.param({"filters": {"categories": ["toaster"]}}, "filters.categories", id="unknown-category"),
    pytest.param({"filters": {"models": ["XX1"]}}, "filters.models", id="unknown-model"),
    pytest.param({"filters": {"warranty": "maybe"}}, "filters", id="warranty-state"),
    pytest.param({"filters": {"card": "gold"}}, "filters", id="card-state"),
    pytest.param({"rate_per_minute": 0}, "rate_per_minute", id="rate-zero"),
    pytest.param({"rate_per_minute": -5}, "rate_per_minute", id="rate-negative"),
    # Faster than the gateway takes (MESSAGE_RATE_PER_MINUTE, 6000 by default).
    pytest.param({"rate_per_minute": 6001}, "rate_per_minute", id="rate-above-gateway"),
]


@pytest.mark.parametrize(("fields", "named"), BAD)
def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(app, world, client, supervisor, fields, named):
    before = table_counts()
    body = {"name": "提醒", "body": "您的{model}", "rate_per_minute": 60, "filters": {}, **fields}

    created = client.post("/api/campaigns", json=body, headers=supervisor)

    assert_error(created, 422, "validation_error", fields=[named])
    assert table_counts() == before
    if "rate_per_minute" not in fields:
        asked = {key: body[key] for key in ("filters", "body")}
        previewed = client.post("/api/campaigns/preview", json=asked, headers=supervisor)
        assert_error(previewed, 422, "validation_error", fields=[named])


def test_a_template_with_an_unknown_placeholder_is_refused_naming_body_and_the_placeholder(app, client, supervisor):
    answer = client.post(
        "/api/campaigns/templates",
        json={"code": "bad", "name": "坏模板", "body": "尊敬的{customer}"},
        headers=supervisor,
    )

    error = assert_error(answer, 422, "validation_error", fields=["body"])
    assert error["details"]["placeholder"] == "{customer}"
    assert table_counts() == [0, 0]


# ---------------------------------------------------------------- opt-outs


def test_an_agent_opts_a_caller_out_and_a_supervisor_opts_them_back_in(app, client, as_role, supervisor):
    agent = as_role("agent")

    first = client.post("/api/opt-outs", json={"phone": "139 0000 0009"}, headers=agent)
    again = client.post("/api/opt-outs", json={"phone": "13900000009"}, headers=agent)

    assert first.status_code == again.status_code == 200, first.json
    assert (first.json["phone"], first.json["source"]) == ("13900000009", "agent")
    assert client.get("/api/opt-outs", headers=supervisor).json["total"] == 1
    assert client.delete("/api/opt-outs/13900000009", headers=supervisor).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == 0


@pytest.mark.parametrize("text", ["TD", " td ", "T", "N", "退订"])
def test_a_reply_with_the_token_opts_the_phone_out(app, client, monkeypatch, text):
    monkeypatch.setitem(app.config, "MESSAGE_INBOUND_TOKEN", "s3cret-token")

    answer = client.post(
        "/api/messages/inbound", json={"from": "13900000001", "text": text}, headers={"X-Message-Token": "s3cret-token"}
    )

    assert answer.status_code == 200, answer.json
    assert answer.json == {"opted_out": True}
    assert db.session.scalars(select(OptOut.source).where(OptOut.phone == "13900000001")).all() == ["reply"]


def test_a_reply_of_other_words_is_only_acknowledged(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_INBOUND_TOKEN", "s3cret-token")
    answer = client.post(
        "/api/messages/inbound",
        json={"from": "13900000001", "text": "谢谢"},
        headers={"X-Message-Token": "s3cret-token"},
    )
    assert answer.json == {"opted_out": False}
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == 0


@pytest.mark.parametrize(
    ("configured", "given"),
    [("s3cret-token", None), ("s3cret-token", "wrong"), (None, "anything"), (None, None), ("", "")],
)
def test_a_reply_without_the_token_or_with_none_set_is_refused(app, client, monkeypatch, configured, given):
    monkeypatch.setitem(app.config, "MESSAGE_INBOUND_TOKEN", configured)
    headers = {"X-Message-Token": given} if given is not None else {}

    answer = client.post("/api/messages/inbound", json={"from": "13900000001", "text": "TD"}, headers=headers)

    assert_error(answer, 401, "inbound_unauthorized")
    assert db.session.scalar(select(func.count()).select_from(OptOut)) == 0
