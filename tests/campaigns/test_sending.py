"""Sending a campaign: at its rate, each recipient once however often (or however many at once) it runs, the
opted out skipped, what the gateway failed counted as failed."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy import select

from server.campaigns import sending
from server.campaigns import services
from server.campaigns.models import Campaign
from server.campaigns.models import CampaignRecipient
from server.extensions import db
from server.installbase.models import SaleRecord
from server.messaging.models import Message
from server.messaging.models import OptOut
from tests.races import together

START = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def started(user, rate, body="您的{model}该保养了"):
    """A campaign to the world's four customers, planned and started at START."""
    campaign = services.create_campaign(
        user, {"name": "保养提醒", "body": body, "rate_per_minute": rate, "filters": {}}
    )
    services.plan(campaign, START)
    services.act(campaign, "start", START)
    db.session.commit()
    return campaign


def campaign_messages():
    return db.session.scalars(
        select(Message.recipient).where(Message.kind == "campaign").order_by(Message.recipient)
    ).all()


@pytest.mark.parametrize(
    ("rate", "seconds", "allowed"), [(4, 30, 2), (4, 15, 1), (4, 14, 0), (2, 60, 2), (1, 59, 0), (1000, 30, 4)]
)
def test_a_round_sends_no_more_than_the_rate_allows_since_the_last(world, make_user, rate, seconds, allowed):
    started(make_user("supervisor"), rate)

    done = sending.send_due(START + timedelta(seconds=seconds))

    assert done["sent"] == allowed == len(campaign_messages())


def test_the_rate_carries_its_fractions_and_a_pause_earns_nothing(world, make_user):
    campaign = started(make_user("supervisor"), rate=2)  # one message every 30 s

    assert sending.send_due(START + timedelta(seconds=20))["sent"] == 0
    assert sending.send_due(START + timedelta(seconds=40))["sent"] == 1  # the 20 s before count too
    assert sending.send_due(START + timedelta(seconds=50))["sent"] == 0
    services.act(campaign, "pause", START + timedelta(seconds=60))
    db.session.commit()
    assert sending.send_due(START + timedelta(hours=1))["sent"] == 0
    services.act(campaign, "start", START + timedelta(hours=1))
    db.session.commit()
    # An hour paused sends no burst: at most one minute's worth, however long the scheduler was away.
    assert sending.send_due(START + timedelta(hours=5))["sent"] == 2
    assert len(campaign_messages()) == 3


def test_a_campaign_run_again_and_again_sends_each_customer_once_then_is_done(world, make_user):
    campaign = started(make_user("supervisor"), rate=1000)

    first = sending.send_due(START + timedelta(minutes=1))
    second = sending.send_due(START + timedelta(minutes=2))

    assert (first["sent"], first["done"], second["sent"]) == (4, 1, 0)
    assert campaign_messages() == ["13900000001", "13900000002", "13900000003", "13900000004"]
    db.session.refresh(campaign)
    assert campaign.status == "done"
    assert campaign.finished_at == START + timedelta(minutes=1)
    assert services.results(campaign) == {"planned": 4, "sent": 4, "failed": 0, "opted_out": 0, "pending": 0}
    # The text is the snapshot, filled from the recipient's unit, with the opt-out wording.
    body = db.session.scalar(select(Message.body).where(Message.recipient == "13900000003"))
    assert body == "您的WM8该保养了 回TD退订"


def test_a_customer_opted_out_after_planning_is_skipped_and_counted(world, make_user):
    campaign = started(make_user("supervisor"), rate=1000)
    db.session.add(OptOut(phone="13900000002", source="reply"))
    db.session.commit()

    done = sending.send_due(START + timedelta(minutes=1))

    assert (done["sent"], done["opted_out"]) == (3, 1)
    assert "13900000002" not in campaign_messages()
    assert services.results(campaign)["opted_out"] == 1


def test_a_message_the_gateway_failed_is_counted_failed(world, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_BACKEND", "http")
    campaign = started(make_user("supervisor"), rate=1000)
    sending.send_due(START + timedelta(minutes=1))
    message = db.session.scalars(select(Message).where(Message.recipient == "13900000001")).one()
    message.status = "failed"
    db.session.commit()

    assert services.results(campaign) == {"planned": 4, "sent": 3, "failed": 1, "opted_out": 0, "pending": 0}


def test_the_campaign_api_plans_starts_pauses_and_cancels_and_refuses_the_rest(world, client, as_role):
    headers = as_role("supervisor")
    made = client.post(
        "/api/campaigns", json={"name": "提醒", "body": "{model}", "rate_per_minute": 10}, headers=headers
    ).json
    path = f"/api/campaigns/{made['id']}"
    assert made["actions"] == ["cancel", "plan", "edit"]

    assert client.post(f"{path}/start", headers=headers).json["error"]["code"] == "campaign_state"
    assert client.post(f"{path}/plan", headers=headers).json["actions"] == ["start", "cancel"]
    assert client.post(f"{path}/start", headers=headers).json["status"] == "sending"
    assert client.post(f"{path}/pause", headers=headers).json["status"] == "paused"
    assert client.post(f"{path}/cancel", headers=headers).json["status"] == "cancelled"
    assert client.post(f"{path}/start", headers=headers).status_code == 409
    listed = client.get("/api/campaigns", headers=headers).json
    assert [(item["id"], item["status"], item["results"]["pending"]) for item in listed["items"]] == [
        (made["id"], "cancelled", 4)
    ]


@pytest.mark.postgres_only
@pytest.mark.commits
def test_two_senders_at_once_send_each_recipient_once(app, world, make_user, monkeypatch):
    """Two scheduler rounds in two threads, each with its own connection, over campaigns of many recipients."""
    monkeypatch.setitem(app.config, "MESSAGE_RATE_PER_MINUTE", 100_000)  # a gateway that takes them all at once
    supervisor = make_user("supervisor")
    product = world.tv55
    db.session.execute(
        SaleRecord.__table__.insert(),
        [
            {
                "serial": f"RACE{n:06d}",
                "product_id": product.id,
                "sale_date": START.date(),
                "customer_phone": f"1380{n:07d}",
            }
            for n in range(1200)
        ],
    )
    db.session.commit()
    campaigns = [started(supervisor, rate=100_000) for _ in range(3)]
    now = START + timedelta(minutes=1)

    rounds = together([lambda: sending.send_due(now), lambda: sending.send_due(now)], app=app)

    recipients = 1204 * len(campaigns)
    assert sum(done["sent"] for done in rounds) == recipients
    assert db.session.scalar(select(func.count()).select_from(Message).where(Message.kind == "campaign")) == recipients
    per_phone = select(Message.recipient, func.count()).where(Message.kind == "campaign").group_by(Message.recipient)
    assert {count for _, count in db.session.execute(per_phone)} == {len(campaigns)}
    assert (
        db.session.scalar(select(func.count()).select_from(CampaignRecipient).where(CampaignRecipient.status != "sent"))
        == 0
    )
    assert {campaign.status for campaign in db.session.scalars(select(Campaign))} == {"done"}


@pytest.mark.postgres_only
@pytest.mark.commits
def test_two_plannings_at_once_queue_each_phone_once(app, world, make_user):
    """Two plannings of one draft in two threads: one queues the recipients, the other finds it planned (409)."""
    campaign = services.create_campaign(
        make_user("supervisor"), {"name": "保养提醒", "body": "{model}", "rate_per_minute": 60, "filters": {}}
    )
    db.session.commit()
    campaign_id = campaign.id

    def plan():
        try:
            services.plan(services.get_campaign(campaign_id), START)
            return "planned"
        except Exception as error:  # the loser's refusal, brought back as its code
            db.session.rollback()
            return getattr(error, "code", repr(error))

    outcomes = together([plan, plan], app=app)

    assert sorted(outcomes) == ["campaign_not_draft", "planned"]
    assert db.session.scalar(select(func.count()).select_from(CampaignRecipient)) == 4


def test_campaigns_sending_at_once_share_the_gateways_rate(world, make_user, app, monkeypatch):
    monkeypatch.setitem(app.config, "MESSAGE_RATE_PER_MINUTE", 3)
    supervisor = make_user("supervisor")
    started(supervisor, rate=3)
    started(supervisor, rate=3, body="{model}保养季")

    # Each campaign's own rate allows three in a minute; the gateway takes three in all.
    assert sending.send_due(START + timedelta(minutes=1))["sent"] == 3
    # Within the same minute of the outbox's clock the gateway has no room left, whatever the campaigns earn.
    assert sending.send_due(START + timedelta(minutes=2))["sent"] == 0
    assert len(campaign_messages()) == 3
