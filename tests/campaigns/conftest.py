"""The campaigns' world: two provinces, two product lines with their policies, and customers who bought units."""

from datetime import date
from types import SimpleNamespace

import pytest

from server.extensions import db
from server.installbase.models import SaleRecord


@pytest.fixture
def world(app, make_geography, make_product, make_policy):
    """Shandong (370000, Jinan 370100) and Guangdong (440000, Guangzhou 440100); TVs (12 months whole unit) and
    washers (24 months). Customers (phone → units):

    - 13900000001: a TV55 sold 2026-01-10 in Jinan (in warranty) and a WM8 sold 2023-05-01 in Jinan (out)
    - 13900000002: a TV55 sold 2024-03-01 in Guangzhou (out)
    - 13900000003: a WM8 sold 2025-12-01 in Guangzhou (in)
    - 13900000004: a TV65 sold 2026-05-20 in Jinan (in)
    - a TV55 sold with no phone (never a recipient)
    """
    shandong, jinan, _ = make_geography("370000", "370100", "370112")
    guangdong, guangzhou, _ = make_geography("440000", "440100", "440106")
    tv55 = make_product("TV55", "tv", name="55寸电视")
    tv65 = make_product("TV65", "tv", name="65寸电视")
    wm8 = make_product("WM8", "washing_machine", name="滚筒洗衣机")
    make_policy("tv", 12, 36)
    make_policy("washing_machine", 24, 60)
    rows = [
        ("SN-A1-0001", tv55, date(2026, 1, 10), shandong, jinan, "13900000001"),
        ("SN-A2-0002", wm8, date(2023, 5, 1), shandong, jinan, "13900000001"),
        ("SN-B1-0003", tv55, date(2024, 3, 1), guangdong, guangzhou, "13900000002"),
        ("SN-C1-0004", wm8, date(2025, 12, 1), guangdong, guangzhou, "13900000003"),
        ("SN-D1-0005", tv65, date(2026, 5, 20), shandong, jinan, "13900000004"),
        ("SN-E1-0006", tv55, date(2026, 2, 2), shandong, jinan, ""),
    ]
    for serial, product, sold, province, city, phone in rows:
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
    db.session.commit()
    return SimpleNamespace(tv55=tv55, wm8=wm8, tv65=tv65)


@pytest.fixture
def supervisor(as_role):
    return as_role("supervisor")
