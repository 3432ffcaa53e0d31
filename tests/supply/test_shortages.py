"""Parts missing on a job: the job waits and a requisition goes to its province's parts clerk, in one request.

The world's jobs lie in province 370000, whose clerk is ``clerk``; ``clerk2`` answers
for province 440000 (see ``conftest``).
"""

from datetime import datetime

import pytest
from sqlalchemy import select

from server.extensions import db
from server.supply.models import Requisition
from tests.races import send_together
from tests.supply.helpers import count
from tests.supply.helpers import lines

PHONE_TIME = "2026-03-01T09:30:00+08:00"


def same_instant(text, expected):
    return datetime.fromisoformat(text) == datetime.fromisoformat(expected)


@pytest.fixture
def report(client, catalogue):
    """``report(job_id, body, user="tech1")`` → the response to POST /api/jobs/<id>/shortages."""

    def post(job_id, body, user="tech1"):
        return client.post(f"/api/jobs/{job_id}/shortages", json=body, headers=getattr(catalogue, user).headers)

    return post


def stored_requisitions(job_id):
    db.session.expire_all()
    return list(db.session.scalars(select(Requisition.id).where(Requisition.job_id == job_id).order_by(Requisition.id)))


def listed(call, user, query=""):
    status, page = call("get", f"/api/requisitions{query}", user)
    assert status == 200, page
    return [r["id"] for r in page["items"]]


# ---------------------------------------------------------------- the job and its requisition


def test_a_shortage_puts_the_job_in_waiting_parts(on_site, short, fetch):
    job = on_site()
    short(job["id"], [("BOARD", 2)])
    assert fetch(job["id"])["state"] == "waiting_parts"


def test_a_shortage_raises_a_pending_requisition_for_the_job(on_site, short):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 2)])
    assert (
        requisition["job_id"],
        requisition["status"],
        requisition["provider_code"],
        requisition["province_code"],
        requisition["raised_by"],
        requisition["decided_by"],
        requisition["path"],
    ) == (job["id"], "pending", "P01", "370000", "tech1", None, None)
    assert requisition["number"]


def test_the_requisition_is_stored_with_the_job(on_site, short):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 2)])
    db.session.expire_all()
    stored = db.session.get(Requisition, requisition["id"])
    assert (stored.job_id, stored.status, stored.province.code) == (job["id"], "pending", "370000")


def test_the_requisition_lines_carry_the_prices_of_the_day(on_site, short):
    job = on_site()
    requisition = short(job["id"], [("PANEL", 1), ("BOARD", 2)])
    assert [(line["part_no"], line["name"], line["qty"], line["price"]) for line in requisition["lines"]] == [
        ("BOARD", "Main board", 2, "120.00"),
        ("PANEL", "Panel", 1, "800.00"),
    ]


def test_a_later_price_change_does_not_alter_the_requisition(on_site, short, client, catalogue, call):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 2)])
    changed = client.patch("/api/admin/parts/BOARD", json={"price": "150.00"}, headers=catalogue.admin.headers)
    assert changed.status_code == 200, changed.get_json()
    status, again = call("get", f"/api/requisitions/{requisition['id']}", "clerk")
    assert status == 200, again
    assert [(line["part_no"], line["price"]) for line in again["lines"]] == [("BOARD", "120.00")]


def test_a_part_named_twice_is_one_line_of_both_quantities(on_site, short):
    job = on_site()
    requisition = short(job["id"], [("REMOTE", 1), ("REMOTE", 4)])
    assert [(line["part_no"], line["qty"]) for line in requisition["lines"]] == [("REMOTE", 5)]


def test_the_note_and_the_phones_clock_are_kept(on_site, report):
    job = on_site()
    response = report(job["id"], {"parts": lines(("BOARD", 1)), "note": "主板烧了", "device_time": PHONE_TIME})
    assert response.status_code == 201, response.get_json()
    requisition = response.get_json()
    assert requisition["note"] == "主板烧了"
    assert same_instant(requisition["device_time"], "2026-03-01T01:30:00+00:00")


def test_a_shortage_moves_no_stock(on_site, short, stock_books):
    job = on_site()
    short(job["id"], [("BOARD", 2)])
    assert (stock_books("RDC-370000", "BOARD"), stock_books("PROV-P01", "BOARD")) == ((3, 3), (1, 1))


def test_the_hold_is_recorded_with_the_requisition_and_parts(on_site, report, events):
    job = on_site()
    response = report(job["id"], {"parts": lines(("BOARD", 2)), "note": "主板烧了", "device_time": PHONE_TIME})
    assert response.status_code == 201, response.get_json()
    event = events(job["id"])[-1]
    assert (event["kind"], event["actor"], event["from_state"], event["to_state"], event["note"]) == (
        "hold_for_parts",
        "tech1",
        "on_site",
        "waiting_parts",
        "主板烧了",
    )
    assert event["data"] == {"requisition": response.get_json()["number"], "parts": [{"part_no": "BOARD", "qty": 2}]}
    assert same_instant(event["device_time"], "2026-03-01T01:30:00+00:00")


@pytest.mark.parametrize("state", ["accepted", "en_route", "on_site"])
def test_a_shortage_may_be_reported_before_or_on_arrival(reach, short, fetch, events, state):
    job = reach(state)
    requisition = short(job["id"], [("BOARD", 1)])
    assert requisition["status"] == "pending"
    assert fetch(job["id"])["state"] == "waiting_parts"
    assert events(job["id"])[-1]["from_state"] == state


# ---------------------------------------------------------------- a second shortage


def test_a_second_shortage_while_waiting_raises_a_second_requisition(on_site, short):
    job = on_site()
    first = short(job["id"], [("BOARD", 1)])
    second = short(job["id"], [("PANEL", 1)])
    assert second["id"] != first["id"]
    assert second["number"] != first["number"]
    assert (second["status"], [line["part_no"] for line in second["lines"]]) == ("pending", ["PANEL"])
    assert count(Requisition) == 2


def test_a_second_shortage_leaves_the_job_waiting(on_site, short, fetch):
    job = on_site()
    short(job["id"], [("BOARD", 1)])
    short(job["id"], [("PANEL", 1)])
    assert fetch(job["id"])["state"] == "waiting_parts"


def test_a_second_shortage_is_recorded_as_report_shortage(on_site, short, events):
    job = on_site()
    short(job["id"], [("BOARD", 1)])
    second = short(job["id"], [("PANEL", 1)])
    kinds = [(e["kind"], e["from_state"], e["to_state"]) for e in events(job["id"])[-2:]]
    assert kinds == [
        ("hold_for_parts", "on_site", "waiting_parts"),
        ("report_shortage", "waiting_parts", "waiting_parts"),
    ]
    assert events(job["id"])[-1]["data"] == {"requisition": second["number"], "parts": [{"part_no": "PANEL", "qty": 1}]}


# ---------------------------------------------------------------- who is told


def test_the_provinces_clerk_is_told(on_site, short, notified):
    job = on_site()
    short(job["id"], [("BOARD", 1)])
    assert notified("clerk", "requisition_raised") == [job["id"]]


def test_another_provinces_clerk_is_not_told(on_site, short, notified):
    job = on_site()
    short(job["id"], [("BOARD", 1)])
    assert notified("clerk2", "requisition_raised") == []


def test_the_admins_are_not_told_when_the_province_has_a_clerk(on_site, short, notified):
    job = on_site()
    short(job["id"], [("BOARD", 1)])
    assert notified("admin", "requisition_raised") == []


@pytest.fixture
def far_job(catalogue, make_geography, make_provider, make_user, auth, open_job, walk):
    """A job on site in province 320000, which has no parts clerk, with ``tech4`` of provider P04."""
    make_geography("320000", "320100", "320112")
    make_provider("P04", region_codes=["320100"])
    tech4 = make_user("technician", username="tech4", provider_code="P04")
    tech4.headers = auth(tech4)
    catalogue.tech4 = tech4
    return walk(open_job(region_code="320112"), "on_site", tech4)


def test_the_admins_are_told_when_the_province_has_no_clerk(far_job, short, notified):
    requisition = short(far_job["id"], [("BOARD", 1)], user="tech4")
    assert requisition["province_code"] == "320000"
    assert notified("admin", "requisition_raised") == [far_job["id"]]


def test_no_clerk_is_told_of_a_province_not_theirs(far_job, short, notified):
    short(far_job["id"], [("BOARD", 1)], user="tech4")
    assert (notified("clerk", "requisition_raised"), notified("clerk2", "requisition_raised")) == ([], [])


# ---------------------------------------------------------------- who sees it


def test_the_clerk_sees_it_among_the_pending(on_site, short, call):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 1)])
    assert listed(call, "clerk", "?status=pending") == [requisition["id"]]


@pytest.mark.parametrize("user", ["clerk2", "tech2", "tech3", "pm2"])
def test_others_do_not_see_it(on_site, short, call, user):
    job = on_site()
    short(job["id"], [("BOARD", 1)])
    assert listed(call, user) == []


@pytest.mark.parametrize("user", ["tech1", "pm1", "admin"])
def test_the_technician_their_provider_and_the_admin_see_it(on_site, short, call, user):
    job = on_site()
    requisition = short(job["id"], [("BOARD", 1)])
    assert listed(call, user) == [requisition["id"]]


def test_the_jobs_parts_list_its_requisitions(on_site, short, call):
    job = on_site()
    first = short(job["id"], [("BOARD", 1)])
    second = short(job["id"], [("PANEL", 2)])
    status, parts = call("get", f"/api/jobs/{job['id']}/parts", "tech1")
    assert status == 200, parts
    assert parts["used"] == []
    assert [
        (r["id"], r["status"], [(line["part_no"], line["qty"]) for line in r["lines"]]) for r in parts["requisitions"]
    ] == [
        (first["id"], "pending", [("BOARD", 1)]),
        (second["id"], "pending", [("PANEL", 2)]),
    ]


# ---------------------------------------------------------------- refused


def test_an_unknown_part_leaves_the_job_on_site_and_raises_nothing(on_site, report, fetch, notified):
    job = on_site()
    assert report(job["id"], {"parts": lines(("BOARD", 1), ("NOPE-1", 1))}).status_code == 422
    assert fetch(job["id"])["state"] == "on_site"
    assert count(Requisition) == 0
    assert notified("clerk", "requisition_raised") == []


# ---------------------------------------------------------------- at the same moment

ROUNDS = 3


@pytest.mark.commits
def test_two_shortages_on_one_job_at_once_are_both_kept_and_hold_the_job_once(
    app, backend, on_site, events, fetch, catalogue
):
    """The phone sends two shortages at the same moment. On PostgreSQL the job's row lock queues the second
    behind the first, so both are kept; on SQLite the second may instead be refused as a concurrent change,
    and then nothing of it is kept. Either way the job is held once and every requisition has its event."""
    for round_ in range(ROUNDS):
        job = on_site(serial=f"RACE-{round_}")
        path = f"/api/jobs/{job['id']}/shortages"
        answers = send_together(
            app,
            [
                ("POST", path, lines(("BOARD", 1)), catalogue.tech1.headers),
                ("POST", path, lines(("PANEL", 1)), catalogue.tech1.headers),
            ],
        )
        kept = [answer for status, answer in answers if status == 201]
        refused = [answer["error"]["code"] for status, answer in answers if status != 201]
        allowed = [[]] if backend == "postgresql" else [[], ["concurrent_change"]]
        assert refused in allowed, (round_, answers)
        recorded = [e for e in events(job["id"]) if e["kind"] in ("hold_for_parts", "report_shortage")]
        assert [(e["kind"], e["from_state"]) for e in recorded] == [
            ("hold_for_parts", "on_site"),
            ("report_shortage", "waiting_parts"),
        ][: len(kept)], round_
        assert sorted(e["data"]["requisition"] for e in recorded) == sorted(r["number"] for r in kept)
        assert stored_requisitions(job["id"]) == sorted(r["id"] for r in kept)
        assert fetch(job["id"])["state"] == "waiting_parts"
