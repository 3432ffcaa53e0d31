"""Service-card benchmark: what citing a card adds to one claim's checks, on PostgreSQL.

Target: with 100,000 cards (and their units and users) and as many sale records, the card checks (reading the
cited card with whether it lists the unit and the person and a parts card's parts, CARD_INVALID, and the
card's part in OUT_OF_WARRANTY) add under 2 ms to a claim's checks at p99. The same 2,000 claims are checked
without a card and citing the card of their unit, alternately, and both are printed with the difference; the
card's own work (reading the card and its two checks) is timed apart too, since the p99 of the whole checks
moves with the machine's other load.
"""

import io
import os
import random
import statistics
import time
from datetime import date
from datetime import timedelta
from types import SimpleNamespace

import flask_migrate
from sqlalchemy import insert
from sqlalchemy import select

from server import create_app
from server.cards.models import ServiceCard
from server.cards.models import ServiceCardPart
from server.cards.models import ServiceCardUnit
from server.cards.models import ServiceCardUser
from server.cards.services import card_terms
from server.claims.checks import card_invalid
from server.claims.checks import covered_by_card
from server.claims.checks import run_checks
from server.claims.services import claim_facts
from server.extensions import db
from server.installbase.services import import_sales
from server.parts.models import Part
from server.products.models import Product
from tests.conftest import app_config

CARDS = int(os.environ.get("BENCH_CARDS", "100000"))
CLAIMS = 2000
TARGET_MS = 2  # what citing a card may add to a claim's checks at p99
MODEL = "TV-55U7"
FIRST_SALE = date(2022, 1, 1)


def serial(n):
    return f"TV55U72401{n:07d}"


def phone(n):
    return f"13{n:09d}"


def world(url):
    """An app on ``url`` with a province, a provider, a TV model and its policy, a part, CARDS sale records and
    a card on each unit (one in five a parts card; one in ten ended), its buyer and a family member its users."""
    from server.network.services import providers
    from server.network.services import regions
    from server.parts.services import parts
    from server.products.services import policies
    from server.products.services import products
    from server.users.services import users

    app = create_app(app_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        regions.create({"code": "370000", "name": "SD", "level": "province", "parent_code": None, "area_class": "city"})
        regions.create({"code": "370100", "name": "JN", "level": "city", "parent_code": "370000", "area_class": "city"})
        products.create({"model": MODEL, "category": "tv", "name": MODEL, "serial_pattern": r"TV55U7\d{11}"})
        policies.create({"category": "tv", "whole_unit_months": 12, "main_part_months": 36})
        providers.create(
            {"code": "P1", "name": "P1", "region_codes": ["370100"], "deposit": 0, "credit_limit": 0, "active": True}
        )
        parts.create(
            {
                "part_no": "BOARD",
                "name": "Board",
                "price": 12000,
                "models": [MODEL],
                "claimable": True,
                "key_part": False,
                "main_part": False,
                "return_required": False,
            }
        )
        users.create(
            {"username": "pm", "password": "bench-password", "role": "provider_manager", "provider_code": "P1"}
        )
        rng = random.Random(5)
        rows = ["serial,model,sale_date,province,city,store,customer_phone"]
        for n in range(CARDS):
            sold = FIRST_SALE + timedelta(days=rng.randrange(900))
            rows.append(f"{serial(n)},{MODEL},{sold.isoformat()},370000,370100,S,{phone(n)}")
        import_sales(io.BytesIO(("\n".join(rows) + "\n").encode()), "bench.csv")
        board = db.session.scalar(select(Part.id).where(Part.part_no == "BOARD"))
        for start in range(0, CARDS, 10_000):
            batch = range(start, min(start + 10_000, CARDS))
            db.session.execute(
                insert(ServiceCard),
                [
                    {
                        "id": n + 1,
                        "number": f"EW{n:08d}",
                        "card_type": "extended_warranty",
                        "coverage": "parts" if n % 5 == 0 else "whole_unit",
                        "starts_on": date(2025, 1, 1),
                        "ends_on": date(2025, 3, 31) if n % 10 == 1 else date(2027, 12, 31),
                        "note": "",
                    }
                    for n in batch
                ],
            )
            db.session.execute(insert(ServiceCardUnit), [{"card_id": n + 1, "serial": serial(n)} for n in batch])
            db.session.execute(
                insert(ServiceCardUser),
                [{"card_id": n + 1, "phone": p} for n in batch for p in (phone(n), f"15{n:09d}")],
            )
            db.session.execute(
                insert(ServiceCardPart), [{"card_id": n + 1, "part_id": board} for n in batch if n % 5 == 0]
            )
        db.session.commit()
    return app


def percentiles(timings):
    timings = sorted(timings)
    return statistics.median(timings), timings[int(len(timings) * 0.99) - 1]


def checked(claim, card=None):
    """Milliseconds to build ``claim``'s facts and run every check, citing ``(number, phone)`` when given;
    and the flags raised."""
    started = time.perf_counter()
    facts = claim_facts(claim.provider, claim.values["serial"], claim.product, claim.parts, claim.values)
    if card is not None:
        number, phone_number = card
        facts.card_number, facts.card = number, card_terms(number, claim.values["serial"], phone_number)
        facts.customer_phone = phone_number
    flags = run_checks(facts)
    return (time.perf_counter() - started) * 1000, flags


def card_work(claim, number, phone_number):
    """Milliseconds of the card's part alone: reading the cited card, CARD_INVALID, and whether it covers."""
    facts = claim_facts(claim.provider, claim.values["serial"], claim.product, claim.parts, claim.values)
    started = time.perf_counter()
    facts.card_number, facts.card = number, card_terms(number, claim.values["serial"], phone_number)
    facts.customer_phone = phone_number
    card_invalid(facts)
    covered_by_card(facts)
    return (time.perf_counter() - started) * 1000


def test_what_citing_a_card_adds_to_a_claims_checks(postgres_url, machine):
    from server.users.models import User

    app = world(postgres_url)
    rng = random.Random(11)
    without, with_card, added, alone = [], [], [], []
    flagged = 0
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.username == "pm"))
        product = db.session.scalar(select(Product).where(Product.model == MODEL))
        board = db.session.scalar(select(Part).where(Part.part_no == "BOARD"))
        for n in range(CLAIMS):
            unit = rng.randrange(CARDS)
            values = {
                "serial": serial(unit),
                "model": MODEL,
                "failure_date": date(2025, 6, 1),
                "repair_date": date(2025, 6, 3),
                "job_id": None,
            }
            claim = SimpleNamespace(provider=manager.provider, product=product, parts=[(board, 1)], values=values)
            card = (f"EW{unit:08d}", phone(unit))
            # Alternate which goes first, so neither always finds the other's pages cached.
            if n % 2:
                plain_ms, _ = checked(claim)
                carded_ms, flags = checked(claim, card)
            else:
                carded_ms, flags = checked(claim, card)
                plain_ms, _ = checked(claim)
            alone.append(card_work(claim, *card))
            flagged += any(code == "CARD_INVALID" for code, *_ in flags)
            without.append(plain_ms)
            with_card.append(carded_ms)
            added.append(carded_ms - plain_ms)
            db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    p50_without, p99_without = percentiles(without)
    p50_with, p99_with = percentiles(with_card)
    p50_added, p99_added = percentiles(added)
    p50_alone, p99_alone = percentiles(alone)
    print(f"\n[{machine}] claim checks with {CARDS:,} cards and sale records on PostgreSQL, {CLAIMS:,} claims")
    print(f"  without a card: p50 {p50_without:.2f} ms, p99 {p99_without:.2f} ms")
    print(f"  citing a card:  p50 {p50_with:.2f} ms, p99 {p99_with:.2f} ms ({flagged} raised CARD_INVALID)")
    print(
        f"  difference:     p50 {p50_with - p50_without:.2f} ms, p99 {p99_with - p99_without:.2f} ms "
        f"(target < {TARGET_MS:.0f} ms at p99)"
    )
    print(f"  added per claim (paired): p50 {p50_added:.2f} ms, p99 {p99_added:.2f} ms")
    print(f"  the card checks alone:    p50 {p50_alone:.2f} ms, p99 {p99_alone:.2f} ms")
    # Figures are printed, not asserted (tests/bench/conftest.py): the p99 moves with the machine's other load.
    assert flagged > 0  # the ended cards and the parts cards' claims of other parts are found out
