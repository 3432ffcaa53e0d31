"""The fee guide as the admin keeps it: its kinds through the admin API and CSV, parts' customer prices, and the
providers' share of charges remitted."""

import io

import pytest
from sqlalchemy import select

from server.charges.models import FeeItem
from server.extensions import db
from server.parts.models import Part
from tests.helpers import assert_error

FEE = {"code": "TV-X", "category": "tv", "repair_type": "board", "name": "主板", "labour_cents": 9_000}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        pytest.param("/api/admin/fees", {**FEE, "labour_cents": -1}, "labour_cents", id="negative-labour"),
        pytest.param("/api/admin/fees", {**FEE, "code": "bad code"}, "code", id="bad-code"),
        pytest.param("/api/admin/travel-fees", {"area_class": "moon", "fee_cents": 1}, "area_class", id="area"),
    ],
)
def test_a_bad_guide_entry_is_refused_naming_its_field(client, catalogue, as_role, path, body, field):
    assert_error(client.post(path, json=body, headers=as_role("admin")), 422, "validation_error", fields=[field])
    assert db.session.scalar(select(FeeItem)) is None


def test_the_admin_keeps_the_guide_and_every_role_reads_it(client, catalogue, as_role):
    assert client.post("/api/admin/fees", json=FEE, headers=as_role("admin")).status_code == 201
    assert (
        client.patch("/api/admin/fees/TV-X", json={"labour_cents": 9_500}, headers=as_role("admin")).json[
            "labour_cents"
        ]
        == 9_500
    )
    assert client.get("/api/admin/fees", headers=catalogue.tech1.headers).json["items"][0]["code"] == "TV-X"
    answer = client.post(
        "/api/admin/travel-fees", json={"area_class": "remote", "fee_cents": 8_000}, headers=as_role("admin")
    )
    assert answer.status_code == 201


def test_parts_take_a_customer_price_by_api_and_csv(client, catalogue, as_role):
    patched = client.patch("/api/admin/parts/BOARD", json={"customer_price_cents": 25_000}, headers=as_role("admin"))
    assert patched.json["customer_price_cents"] == 25_000
    header = "part_no,name,price,models,claimable,key_part,main_part,customer_price_cents\n"
    content = (header + "REMOTE,Remote,15.00,TV55,true,false,false,2500\n").encode()
    response = client.post(
        "/api/admin/import/parts", data={"file": (io.BytesIO(content), "parts.csv")}, headers=as_role("admin")
    )
    assert response.json["updated"] == 1, response.json
    db.session.expire_all()
    prices = dict(db.session.execute(select(Part.part_no, Part.customer_price_cents)).all())
    assert (prices["BOARD"], prices["REMOTE"], prices["PANEL"]) == (25_000, 2_500, 0)


def test_a_providers_remit_share_is_a_percentage(client, catalogue, as_role):
    response = client.patch("/api/admin/providers/P01", json={"charges_remit_percent": 101}, headers=as_role("admin"))
    assert_error(response, 422, "validation_error", fields=["charges_remit_percent"])
    response = client.patch("/api/admin/providers/P01", json={"charges_remit_percent": 70}, headers=as_role("admin"))
    assert response.json["charges_remit_percent"] == 70
