"""The automatic checks of a warranty claim, one small function each.

Every check takes the facts of one claim and returns the flags it raises as
``(code, message)`` pairs; the message names the sale record, the earlier
claim or the policy date, so an auditor sees why without digging.
"""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import timedelta
from typing import Any

from sqlalchemy import or_
from sqlalchemy import select

from server.cards import rules as card_rules
from server.cards.models import PARTS
from server.claims import confirmation_checks
from server.claims import photo_checks
from server.claims.models import REJECTED
from server.claims.models import Claim
from server.claims.position_checks import POSITION_CHECKS
from server.extensions import db
from server.installbase.models import SaleRecord
from server.jobs.models import Scan
from server.network.models import Provider
from server.network.models import Region
from server.parts.models import Part
from server.products.models import Product
from server.products.models import WarrantyPolicy
from server.products.warranty import add_months
from server.products.warranty import policy_for

# A flag a check raises: its code and the message an auditor reads, and, from the checks that keep them, the
# facts the message names (distances, times, the other job…) for a client to word in the user's language.
Flag = tuple[str, str] | tuple[str, str, dict[str, Any]]


@dataclass
class ClaimFacts:
    """What the checks look at: the claim as submitted and the sale record of its serial."""

    serial: str
    model: str
    failure_date: date
    repair_date: date
    provider: Provider
    product: Product | None  # the product of the claimed model
    sale: SaleRecord | None  # the sale record of the serial, if any
    parts: list[tuple[Part, int]] = field(default_factory=list)
    job_id: int | None = None
    claim_id: int | None = None  # the claim being checked, excluded from duplicates
    duplicate_window_days: int = 30
    scan: Scan | None = None  # the serial scan backing the claim, if any
    card_number: str | None = None  # the service card the claim cites, if any
    card: card_rules.CardTerms | None = None  # that card
    customer_phone: str | None = None  # the phone of its job's customer (None: filed without a job)


def _sale_words(sale: SaleRecord) -> str:
    where = f" at {sale.store}" if sale.store else ""
    return f"sale record of {sale.serial}: model {sale.product.model}, sold {sale.sale_date.isoformat()}{where}"


def unknown_serial(facts: ClaimFacts) -> list[Flag]:
    if facts.sale is None:
        return [("UNKNOWN_SERIAL", f"No sale record has serial {facts.serial}: the install base never sold this unit.")]
    return []


def serial_format(facts: ClaimFacts) -> list[Flag]:
    product = facts.sale.product if facts.sale is not None else facts.product
    if product is not None and not product.serial_matches(facts.serial):
        return [
            (
                "SERIAL_FORMAT",
                f"Serial {facts.serial} does not have the serial format of model {product.model} "
                f"(pattern {product.serial_pattern or 'any'}"
                + (f", {product.serial_check} check digit" if product.serial_check else "")
                + ").",
            )
        ]
    return []


def model_mismatch(facts: ClaimFacts) -> list[Flag]:
    if facts.sale is not None and facts.sale.product.model != facts.model:
        return [
            (
                "MODEL_MISMATCH",
                f"Claimed as model {facts.model}, but serial {facts.serial} was sold as model "
                f"{facts.sale.product.model} ({_sale_words(facts.sale)}).",
            )
        ]
    return []


def before_sale(facts: ClaimFacts) -> list[Flag]:
    if facts.sale is None:
        return []
    sold = facts.sale.sale_date
    early = [name for name, day in (("failure", facts.failure_date), ("repair", facts.repair_date)) if day < sold]
    if early:
        days = ", ".join(f"{name} on {getattr(facts, name + '_date').isoformat()}" for name in early)
        return [("BEFORE_SALE", f"The {days} precedes the sale on {sold.isoformat()} ({_sale_words(facts.sale)}).")]
    return []


def out_of_warranty(facts: ClaimFacts) -> list[Flag]:
    if facts.sale is None or covered_by_card(facts):
        return []
    return out_of_warranty_under(facts, policy_for(facts.sale.product.category))


def _part_nos(facts: ClaimFacts) -> list[str]:
    return [part.part_no for part, _ in facts.parts]


def covered_by_card(facts: ClaimFacts) -> bool:
    """Whether the cited card covers the failure: its day, unit and user, and the whole unit or, for a parts
    card, every part claimed (a parts card covers no claim without parts)."""
    card = facts.card
    if card is None:
        return False
    if card.coverage == PARTS and not facts.parts:
        return False
    return not card_rules.card_problems(card, facts.serial, facts.customer_phone, facts.failure_date, _part_nos(facts))


def card_invalid(facts: ClaimFacts) -> list[Flag]:
    """CARD_INVALID: the cited card had not started or had ended on the failure day, does not cover the unit,
    is not one the job's customer may use, or does not list a claimed part."""
    card = facts.card
    if card is None:
        return []
    problems = card_rules.card_problems(card, facts.serial, facts.customer_phone, facts.failure_date, _part_nos(facts))
    if not problems:
        return []
    uncovered = card_rules.uncovered_parts(card, _part_nos(facts))
    words = {
        card_rules.CARD_NOT_STARTED: f"it starts on {card.starts_on.isoformat()}, after the failure",
        card_rules.CARD_EXPIRED: f"it ended on {card.ends_on.isoformat()}, before the failure",
        card_rules.UNIT_NOT_COVERED: f"it does not cover serial {facts.serial}",
        card_rules.CALLER_NOT_CARD_USER: "the job's customer phone is not one of its users",
        card_rules.PART_NOT_COVERED: f"it does not cover part(s) {', '.join(uncovered)}",
    }
    message = (
        f"Service card {facts.card_number} does not cover the failure on {facts.failure_date.isoformat()}: "
        + "; ".join(words[problem] for problem in problems)
        + "."
    )
    flag_facts: dict[str, Any] = {
        "card_number": facts.card_number,
        "reasons": problems,
        "failure_date": facts.failure_date.isoformat(),
        "starts_on": card.starts_on.isoformat(),
        "ends_on": card.ends_on.isoformat(),
        "serial": facts.serial,
    }
    if uncovered:
        flag_facts["uncovered_parts"] = uncovered
    return [("CARD_INVALID", message, flag_facts)]


def out_of_warranty_under(facts: ClaimFacts, policy: WarrantyPolicy | None) -> list[Flag]:
    """OUT_OF_WARRANTY under ``policy``, the WarrantyPolicy of the sold unit's category (None: there is none).

    The rule apart from the policy's lookup, so it is tested without a database.
    """
    assert facts.sale is not None  # asked only of a unit the install base sold
    if policy is None:
        category = facts.sale.product.category
        return [("OUT_OF_WARRANTY", f"No warranty policy covers the category {category} of this unit.")]
    sold = facts.sale.sale_date
    whole_end = add_months(sold, policy.whole_unit_months)
    if facts.failure_date < whole_end:
        return []
    main_end = add_months(sold, policy.main_part_months)
    only_main_parts = bool(facts.parts) and all(part.main_part for part, _ in facts.parts)
    if only_main_parts and facts.failure_date < main_end:
        return []
    message = (
        f"The failure on {facts.failure_date.isoformat()} is after the whole-unit warranty ended on "
        f"{whole_end.isoformat()} ({policy.whole_unit_months} months from the sale on {sold.isoformat()})"
    )
    if only_main_parts:
        message += (
            f", and after the main-part warranty ended on {main_end.isoformat()} ({policy.main_part_months} months)"
        )
    elif facts.failure_date < main_end:
        others = [part.part_no for part, _ in facts.parts if not part.main_part]
        if others:
            message += f"; only main parts stay covered until {main_end.isoformat()}, and {', '.join(others)} are not"
    return [("OUT_OF_WARRANTY", message + ".")]


def region_mismatch(facts: ClaimFacts) -> list[Flag]:
    return region_mismatch_with(facts, lambda region_id: db.session.get_one(Region, region_id))


def region_mismatch_with(facts: ClaimFacts, find_region: Callable[[int], Region]) -> list[Flag]:
    """REGION_MISMATCH, finding the sale's province for the message with ``find_region(id)``.

    The rule apart from that lookup, so it is tested without a database.
    """
    if facts.sale is None or facts.sale.province_id is None:
        return []
    covered = _provinces_of(facts.provider)
    if facts.sale.province_id in covered:
        return []
    province = find_region(facts.sale.province_id)
    return [
        (
            "REGION_MISMATCH",
            f"The unit was sold in {province.name} ({province.code}), which provider {facts.provider.code} "
            f"does not cover ({_sale_words(facts.sale)}).",
        )
    ]


def _provinces_of(provider):
    provinces = set()
    for region in provider.regions:
        provinces.add(region.province().id)
    return provinces


def duplicate_claim(facts: ClaimFacts) -> list[Flag]:
    window = timedelta(days=facts.duplicate_window_days)
    same_unit = (Claim.serial == facts.serial) & Claim.repair_date.between(
        facts.repair_date - window, facts.repair_date + window
    )
    condition = or_(same_unit, Claim.job_id == facts.job_id) if facts.job_id is not None else same_unit
    statement = select(Claim).where(condition, Claim.status != REJECTED).order_by(Claim.id)
    if facts.claim_id is not None:
        statement = statement.where(Claim.id != facts.claim_id)
    flags: list[Flag] = []
    for other in db.session.scalars(statement):
        if facts.job_id is not None and other.job_id == facts.job_id:
            why = f"for the same job {facts.job_id}"
        else:
            why = (
                f"for serial {facts.serial} repaired on {other.repair_date.isoformat()}, "
                f"within {facts.duplicate_window_days} days of {facts.repair_date.isoformat()}"
            )
        flags.append(
            (
                "DUPLICATE_CLAIM",
                f"Claim {other.id} by provider {other.provider.code} ({other.status}) already claims {why}.",
            )
        )
    return flags


# In the order an auditor reads them: is the unit real, is it this unit, is it covered, is it claimed twice.
def scan_mismatch(facts: ClaimFacts) -> list[Flag]:
    if facts.scan is not None and facts.scan.serial and facts.scan.serial != facts.serial:
        return [
            (
                "SCAN_MISMATCH",
                f"The label photo of scan {facts.scan.id} reads serial {facts.scan.serial}, "
                f"not the claimed {facts.serial}.",
            )
        ]
    return []


def photo_reused(facts: ClaimFacts) -> list[Flag]:
    """The scan's photo was already found to be a reused photograph, or it backs another claim."""
    scan = facts.scan
    if scan is None or not scan.photo_sha256:
        return []
    for flag in scan.flags or []:
        if flag.get("code") == "PHOTO_REUSED":
            return [("PHOTO_REUSED", flag.get("message", "The label photo was used before."))]
    other = db.session.scalar(
        select(Claim.id)
        .join(Scan, Scan.id == Claim.scan_id)
        .where(Scan.photo_sha256 == scan.photo_sha256, Claim.id != facts.claim_id, Claim.status != REJECTED)
        .order_by(Claim.id)
        .limit(1)
    )
    if other is not None:
        return [("PHOTO_REUSED", f"The label photo of scan {scan.id} also backs claim {other}.")]
    return []


CHECKS = (
    unknown_serial,
    serial_format,
    model_mismatch,
    before_sale,
    out_of_warranty,
    card_invalid,
    region_mismatch,
    duplicate_claim,
    scan_mismatch,
    photo_reused,
    *photo_checks.PHOTO_CHECKS,
    *confirmation_checks.CHECKS,
    *POSITION_CHECKS,
)


def run_checks(facts: ClaimFacts) -> list[Flag]:
    """Every flag the claim raises, in check order."""
    return [flag for check in CHECKS for flag in check(facts)]
