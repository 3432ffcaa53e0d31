"""Charge statistics: paid repairs by technician and category, quoted against the guide, paid and owed."""

from tests.charges.conftest import approved
from tests.charges.conftest import payment_body
from tests.charges.conftest import quote_body


def test_the_charges_report_groups_quoted_paid_discounted_and_owed(client, guide, apply, device, paid_job, as_role):
    tech2 = device("tech2")
    first, second = paid_job(), paid_job("SN-OLD2", guide.tech2)
    apply("payment.record", first, payment_body(approved(apply, first), 10_000))
    # tech2's quote waits for the customer: quoted, nothing owed yet.
    assert apply("quote.save", second, quote_body(discount_cents=0), tech2)["result"] == "applied"
    report = client.get("/api/reports/charges?group=technician", headers=as_role("auditor")).json
    assert report["rows"] == [
        {
            "key": "tech2",
            "label": "tech2",
            "jobs": 1,
            "quoted_cents": 29_000,
            "guide_cents": 31_000,
            "discount_cents": 2_000,
            "paid_cents": 0,
            "outstanding_cents": 0,
        },
        {
            "key": "tech1",
            "label": "tech1",
            "jobs": 1,
            "quoted_cents": 28_000,
            "guide_cents": 31_000,
            "discount_cents": 3_000,
            "paid_cents": 10_000,
            "outstanding_cents": 18_000,
        },
    ]
    by_category = client.get("/api/reports/charges?group=category", headers=guide.pm1.headers).json
    assert [(row["key"], row["jobs"], row["paid_cents"]) for row in by_category["rows"]] == [("tv", 2, 10_000)]
    assert by_category["totals"]["quoted_cents"] == 57_000
    # Another provider's manager reads its own jobs only: none.
    assert client.get("/api/reports/charges?group=provider", headers=guide.pm2.headers).json["rows"] == []
    csv = client.get("/api/reports/charges.csv?group=category", headers=as_role("admin")).get_data(as_text=True)
    assert csv.lstrip("\ufeff").splitlines() == [
        "key,label,jobs,quoted_cents,guide_cents,discount_cents,paid_cents,outstanding_cents",
        "tv,tv,2,57000,62000,5000,10000,18000",
        "total,,2,57000,62000,5000,10000,18000",
    ]
