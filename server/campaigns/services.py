"""The rules of templates and campaigns: plain functions that flush and never commit.

A campaign is written as a draft (its text copied from a template or written), previewed, planned (its
recipients chosen and queued in one INSERT … SELECT, each phone once, opted-out phones left out and counted),
started, and sent by the scheduler (``sending``) at its rate; it may be paused, started again, or cancelled.
"""

from collections.abc import Mapping
from datetime import date
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import literal
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from server.campaigns import audience
from server.campaigns.models import Campaign
from server.campaigns.models import CampaignRecipient
from server.campaigns.models import MessageTemplate
from server.campaigns.placeholders import TemplateError
from server.campaigns.placeholders import placeholders_in
from server.campaigns.placeholders import render
from server.campaigns.placeholders import serial_tail
from server.core.clock import local_today
from server.core.clock import utcnow
from server.core.privacy import last_four
from server.core.reference import invalid
from server.errors import Conflict
from server.errors import InvalidInput
from server.errors import NotFound
from server.extensions import db
from server.installbase.models import SaleRecord
from server.messaging.models import Message
from server.network.models import Region
from server.products.models import Product

SAMPLE_SIZE = 5

# What each action does to a campaign: the states it starts from and the state it leads to.
TRANSITIONS = {
    "start": (("planned", "paused"), "sending"),
    "pause": (("sending",), "paused"),
    "cancel": (("draft", "planned", "sending", "paused"), "cancelled"),
}
DONE = {"start": "started", "pause": "paused", "cancel": "cancelled"}


# ---------------------------------------------------------------- text


def check_body(body: str, field: str = "body") -> str:
    """``body`` when its placeholders are all known and its braces well formed; else a 422 naming ``field`` and
    the placeholder at fault (``details.placeholder``)."""
    try:
        placeholders_in(body)
    except TemplateError as error:
        raise InvalidInput(
            str(error), details={"fields": {field: [str(error)]}, "placeholder": error.placeholder}
        ) from None
    return body


def values_of(unit: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders' values for one recipient's unit (a row of ``_units``)."""
    return {
        "model": unit["model"],
        "category": unit["category"],
        "product_name": unit["product_name"],
        "sale_date": unit["sale_date"].isoformat() if unit["sale_date"] else "",
        "province": unit["province"] or "",
        "city": unit["city"] or "",
        "serial_tail": serial_tail(unit["serial"]),
        "hotline": current_app.config["CARE_HOTLINE"],
    }


def message_text(body: str, unit: Mapping[str, Any]) -> str:
    """What one recipient receives: ``body`` filled from their unit, ending with the opt-out wording."""
    return render(body, values_of(unit), current_app.config["CAMPAIGN_OPT_OUT_TEXT"])


def units(sale_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The details placeholders need of these sale records, by id."""
    if not sale_ids:
        return {}
    province, city = aliased(Region), aliased(Region)
    rows = db.session.execute(
        select(
            SaleRecord.id,
            SaleRecord.serial,
            SaleRecord.sale_date,
            Product.model,
            Product.category,
            Product.name.label("product_name"),
            province.name.label("province"),
            city.name.label("city"),
        )
        .join(Product, Product.id == SaleRecord.product_id)
        .outerjoin(province, province.id == SaleRecord.province_id)
        .outerjoin(city, city.id == SaleRecord.city_id)
        .where(SaleRecord.id.in_(sale_ids))
    ).mappings()
    return {row["id"]: dict(row) for row in rows}


# ---------------------------------------------------------------- templates


def all_templates() -> list[MessageTemplate]:
    """Every template, by name."""
    return list(db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.name, MessageTemplate.id)))


def get_template(template_id: int) -> MessageTemplate:
    template = db.session.get(MessageTemplate, template_id)
    if template is None:
        raise NotFound(f"No template {template_id}.", code="template_not_found")
    return template


def _code_taken(code: str, template_id: int | None = None) -> None:
    taken = db.session.scalar(select(MessageTemplate.id).where(MessageTemplate.code == code))
    if taken is not None and taken != template_id:
        raise Conflict(f"Another template has the code {code}.", code="template_code_taken")


def create_template(values: Mapping[str, Any]) -> MessageTemplate:
    """A new template; its body's placeholders are checked (422 naming ``body``), its code is its own (409)."""
    check_body(values["body"])
    _code_taken(values["code"])
    now = utcnow()
    template = MessageTemplate(**values, created_at=now, updated_at=now)
    db.session.add(template)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Conflict(f"Another template has the code {values['code']}.", code="template_code_taken") from None
    return template


def update_template(template: MessageTemplate, values: Mapping[str, Any]) -> MessageTemplate:
    """Change a template; campaigns already written from it keep their own copy of the text."""
    if "body" in values:
        check_body(values["body"])
    if "code" in values:
        _code_taken(values["code"], template.id)
    for name, value in values.items():
        setattr(template, name, value)
    template.updated_at = utcnow()
    db.session.flush()
    return template


def delete_template(template: MessageTemplate) -> None:
    db.session.delete(template)
    db.session.flush()


# ---------------------------------------------------------------- preview


def _text_from(values: Mapping[str, Any]) -> tuple[str, int | None]:
    """The text a campaign or preview sends, and its template: ``body`` when given, else the template's."""
    if values.get("body"):
        return check_body(values["body"]), values.get("template_id")
    if values.get("template_id"):
        return get_template(values["template_id"]).body, values["template_id"]
    message = "Give a template or the message's text."
    raise InvalidInput(message, details={"fields": {"body": [message]}})


def _where(filters: Mapping[str, Any], today: date | None = None) -> list[Any]:
    return audience.conditions(filters, audience.resolve(filters), today or local_today())


def preview(values: Mapping[str, Any]) -> dict[str, Any]:
    """How many customers ``values["filters"]`` reach (opted-out ones apart) and up to five of their messages,
    rendered from real units, the phones masked."""
    body, _ = _text_from(values)
    where = _where(values.get("filters") or {})
    sample = db.session.execute(audience.chosen_units(where).order_by(SaleRecord.customer_phone).limit(SAMPLE_SIZE))
    rows = sample.all()
    found = units([sale_id for _, sale_id in rows])
    return {
        "count": audience.reached_count(where),
        "opted_out": audience.opted_out_count(where),
        "sample": [{"phone": last_four(phone), "body": message_text(body, found[sale_id])} for phone, sale_id in rows],
    }


# ---------------------------------------------------------------- campaigns


def list_campaigns(args: Mapping[str, Any]) -> Select[Any]:
    statement = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    if args.get("status"):
        statement = statement.where(Campaign.status == args["status"])
    return statement


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.", code="campaign_not_found")
    return campaign


def _stored_filters(filters: Mapping[str, Any]) -> dict[str, Any]:
    """Filters as JSON keeps them: days as ISO text, empty ones left out."""
    kept = {}
    for name in audience.FILTER_NAMES:
        value = filters.get(name)
        if value in (None, "", []):
            continue
        kept[name] = value.isoformat() if isinstance(value, date) else value
    return kept


def loaded_filters(campaign: Campaign) -> dict[str, Any]:
    """A campaign's filters with their days as dates again."""
    filters = dict(campaign.filters or {})
    for name in ("sold_from", "sold_to"):
        if filters.get(name):
            filters[name] = date.fromisoformat(filters[name])
    return filters


def _within_gateway(rate: int) -> None:
    most = current_app.config["MESSAGE_RATE_PER_MINUTE"]
    if rate > most:
        raise invalid("rate_per_minute", f"the message gateway takes at most {most} messages a minute")


def create_campaign(user: Any, values: Mapping[str, Any]) -> Campaign:
    """A draft campaign: its text (copied from the template, or as written), its filters checked, its rate within
    the gateway's."""
    _within_gateway(values["rate_per_minute"])
    body, template_id = _text_from(values)
    filters = values.get("filters") or {}
    audience.resolve(filters)
    now = utcnow()
    campaign = Campaign(
        name=values["name"],
        template_id=template_id,
        body=body,
        filters=_stored_filters(filters),
        status="draft",
        rate_per_minute=values["rate_per_minute"],
        created_by_id=user.id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def update_campaign(campaign: Campaign, values: Mapping[str, Any]) -> Campaign:
    """Rewrite a draft (409 ``campaign_not_draft`` once planned): name, text, filters, rate."""
    if campaign.status != "draft":
        raise Conflict("Only a draft campaign can be changed.", code="campaign_not_draft")
    if "rate_per_minute" in values:
        _within_gateway(values["rate_per_minute"])
    if values.get("body") or values.get("template_id"):
        campaign.body, campaign.template_id = _text_from(values)
    if "filters" in values:
        audience.resolve(values["filters"] or {})
        campaign.filters = _stored_filters(values["filters"] or {})
    for name in ("name", "rate_per_minute"):
        if name in values:
            setattr(campaign, name, values[name])
    campaign.updated_at = utcnow()
    db.session.flush()
    return campaign


def plan(campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Choose and queue the recipients of a draft, set-wise: one INSERT … SELECT, one row per phone
    (``UNIQUE(campaign_id, phone)``), opted-out phones left out and counted. Planned once: a campaign past its
    draft is a 409 ``campaign_not_draft``, and a second planning racing this one waits for the row lock and then
    finds it planned."""
    now = now or utcnow()
    # The campaign row locked: two plannings at once queue the recipients once.
    db.session.refresh(campaign, with_for_update=True)
    if campaign.status != "draft":
        raise Conflict("This campaign is planned already.", code="campaign_not_draft")
    where = _where(loaded_filters(campaign), local_today(now))
    chosen = audience.chosen_units(where).add_columns(literal(campaign.id), literal("pending"))
    db.session.execute(
        insert(CampaignRecipient.__table__).from_select(["phone", "sale_record_id", "campaign_id", "status"], chosen)
    )
    # Counted, not read from the cursor: psycopg gives no row count for this INSERT … SELECT through the session.
    campaign.planned_count = (
        db.session.scalar(
            select(func.count()).select_from(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
        )
        or 0
    )
    campaign.opted_out_count = audience.opted_out_count(where)
    campaign.status, campaign.planned_at, campaign.updated_at = "planned", now, now
    db.session.flush()
    return campaign


def act(campaign: Campaign, action: str, now: datetime | None = None) -> Campaign:
    """Start (from planned or paused), pause (while sending) or cancel (before done) a campaign; 409
    ``campaign_state`` from any other state."""
    now = now or utcnow()
    db.session.refresh(campaign, with_for_update=True)
    starts, leads_to = TRANSITIONS[action]
    if campaign.status not in starts:
        raise Conflict(
            f"A {campaign.status} campaign cannot be {DONE[action]}.",
            code="campaign_state",
            details={"status": campaign.status},
        )
    campaign.status, campaign.updated_at = leads_to, now
    if action == "start":
        campaign.started_at = campaign.started_at or now
        # The rate counts from now: a pause earns no messages to send at once.
        campaign.sent_until = now
    if action == "cancel":
        campaign.finished_at = now
    db.session.flush()
    return campaign


def results(campaign: Campaign) -> dict[str, int]:
    """What became of a campaign's recipients: queued (pending), sent (handed to the gateway and not failed),
    failed (the gateway gave up on the message), opted out (at planning, and after it), planned."""
    outcome = case((Message.status == "failed", "failed"), else_=CampaignRecipient.status)
    rows = db.session.execute(
        select(outcome, func.count())
        .select_from(CampaignRecipient)
        .outerjoin(Message, Message.id == CampaignRecipient.message_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(outcome)
    ).all()
    counts = {"pending": 0, "sent": 0, "failed": 0, "opted_out": 0}
    for name, count in rows:
        counts[name] += count
    return {
        "planned": campaign.planned_count,
        "sent": counts["sent"],
        "failed": counts["failed"],
        "pending": counts["pending"],
        # Left out at planning, and skipped because they opted out after it.
        "opted_out": campaign.opted_out_count + counts["opted_out"],
    }


def shown(campaign: Campaign) -> dict[str, Any]:
    """A campaign as the API shows it, with its results and the actions its state allows."""
    return {
        **{column.key: getattr(campaign, column.key) for column in Campaign.__table__.columns},
        "results": results(campaign),
        "actions": [action for action, (starts, _) in TRANSITIONS.items() if campaign.status in starts]
        + (["plan", "edit"] if campaign.status == "draft" else []),
    }
