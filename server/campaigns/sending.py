"""Sending campaigns: the scheduler's ``campaigns.send`` rounds, each sending what the campaigns' rates allow.

Each sending campaign earns ``rate_per_minute`` messages a minute from ``sent_until`` (at most one minute's
worth: a scheduler away for an hour does not send an hour's worth at once), and a round sends at most that
many of its pending recipients, moving ``sent_until`` on by exactly what it sent, so fractions carry over.

The campaigns together never send faster than the gateway's rate (``MESSAGE_RATE_PER_MINUTE``): a round shares
what the outbox's last minute leaves of it among the campaigns, in the order they were made.

Two rounds at once (two scheduler processes, a round overrunning the next) never send one recipient twice:
a round takes a campaign with ``FOR UPDATE SKIP LOCKED`` (its rate is one round's at a time) and its
recipients with ``FOR UPDATE SKIP LOCKED`` too, each batch held locked until it is committed as sent; a
recipient is sent only from ``pending``. A campaign with nothing left pending is ``done``.
"""

from datetime import datetime
from datetime import timedelta
from typing import TypedDict

from flask import current_app
from sqlalchemy import Row
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from server.campaigns.models import Campaign
from server.campaigns.models import CampaignRecipient
from server.campaigns.services import message_text
from server.campaigns.services import units
from server.core.clock import utcnow
from server.extensions import db
from server.messaging import gateway
from server.messaging.models import Message
from server.messaging.models import OptOut

# The longest a campaign's credit reaches back: one minute of its rate.
CREDIT = timedelta(minutes=1)
# Recipients taken, rendered and committed together.
BATCH = 500


class Round(TypedDict):
    campaigns: int
    sent: int
    opted_out: int
    done: int


def allowance(rate_per_minute: int, sent_until: datetime, now: datetime) -> tuple[int, datetime]:
    """How many messages the rate allows by ``now``, and the moment the credit counts from."""
    since = max(sent_until, now - CREDIT)
    if now <= since:
        return 0, since
    return int((now - since).total_seconds() * rate_per_minute // 60), since


def _take(campaign_id: int, limit: int) -> list[Row[tuple[int, str, int]]]:
    # SKIP LOCKED: recipients another round holds are being sent by it; this round takes the next ones.
    return list(
        db.session.execute(
            select(CampaignRecipient.id, CampaignRecipient.phone, CampaignRecipient.sale_record_id)
            .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == "pending")
            .order_by(CampaignRecipient.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _send_batch(campaign: Campaign, recipients: list[Row[tuple[int, str, int]]], now: datetime) -> tuple[int, int]:
    """Send ``recipients`` through the gateway, skipping those opted out since planning; ``(sent, opted out)``.

    Written set-wise: the batch's messages in one INSERT, its recipients marked in one UPDATE by id each."""
    phones = [recipient.phone for recipient in recipients]
    opted_out = set(db.session.scalars(select(OptOut.phone).where(OptOut.phone.in_(phones))))
    found = units([recipient.sale_record_id for recipient in recipients])
    to_send = [recipient for recipient in recipients if recipient.phone not in opted_out]
    texts = [(recipient.phone, message_text(campaign.body, found[recipient.sale_record_id])) for recipient in to_send]
    message_ids = gateway.send_texts("campaign", texts)
    sent = [
        {"id": recipient.id, "status": "sent", "message_id": message_id, "sent_at": now}
        for recipient, message_id in zip(to_send, message_ids, strict=True)
    ]
    skipped = [{"id": recipient.id, "status": "opted_out"} for recipient in recipients if recipient.phone in opted_out]
    for changes in (sent, skipped):
        if changes:
            db.session.execute(update(CampaignRecipient), changes)
    return len(sent), len(skipped)


def _has_pending(campaign_id: int) -> bool:
    return (
        db.session.scalar(
            select(CampaignRecipient.id)
            .where(CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == "pending")
            .limit(1)
        )
        is not None
    )


def gateway_room() -> int:
    """How many more campaign messages the gateway's rate allows now: ``MESSAGE_RATE_PER_MINUTE`` less those the
    outbox took in the last minute (by the clock the outbox is written with)."""
    since = utcnow() - CREDIT
    written = db.session.scalar(
        select(func.count()).select_from(Message).where(Message.kind == "campaign", Message.created_at > since)
    )
    return max(0, int(current_app.config["MESSAGE_RATE_PER_MINUTE"]) - int(written or 0))


def send_campaign(campaign: Campaign, now: datetime, room: int | None = None) -> Round:
    """One round of one campaign (held locked by the caller): what its rate allows, in batches, and no more than
    ``room`` (what the gateway's rate leaves)."""
    done: Round = {"campaigns": 1, "sent": 0, "opted_out": 0, "done": 0}
    allowed, since = allowance(campaign.rate_per_minute, campaign.sent_until or now, now)
    if room is not None:
        allowed = min(allowed, room)
    taken_total = 0
    while taken_total < allowed:
        recipients = _take(campaign.id, min(BATCH, allowed - taken_total))
        if not recipients:
            break
        sent, skipped = _send_batch(campaign, recipients, now)
        done["sent"] += sent
        done["opted_out"] += skipped
        taken_total += len(recipients)
    if taken_total < allowed:
        # Nothing (more) to take now: the credit not used is not kept.
        campaign.sent_until = now
    else:
        campaign.sent_until = since + timedelta(seconds=taken_total * 60 / campaign.rate_per_minute)
    if not _has_pending(campaign.id):
        campaign.status, campaign.finished_at = "done", now
        done["done"] = 1
    campaign.updated_at = now
    return done


def send_due(now: datetime | None = None) -> Round:
    """The scheduler's round: every sending campaign sends what its rate allows by ``now``. Commits each
    campaign's round as it ends; campaigns another round holds are passed by."""
    now = now or utcnow()
    total: Round = {"campaigns": 0, "sent": 0, "opted_out": 0, "done": 0}
    seen: set[int] = set()
    room = gateway_room()
    while room > 0:
        campaign = db.session.scalar(
            select(Campaign)
            .where(Campaign.status == "sending", Campaign.id.not_in(seen))
            .order_by(Campaign.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if campaign is None:
            break
        seen.add(campaign.id)
        done = send_campaign(campaign, now, room)
        room -= done["sent"] + done["opted_out"]
        db.session.commit()
        for key in total:
            total[key] += done[key]  # type: ignore[literal-required]
    return total
