"""Parts a technician fitted: issued from the provider's stock through the ledger, never refused for want of it.

P01's stock room (PROV-P01) opens with 1 BOARD and nothing else (see ``conftest``).
"""

from datetime import datetime

import pytest
from sqlalchemy import select

from server.extensions import db
from server.supply.models import PartUsage
from tests.helpers import assert_error
from tests.races import send_together
from tests.supply.helpers import lines


@pytest.fixture
def use(client, catalogue):
    """``use(job_id, body, user="tech1")`` → the response to POST /api/jobs/<id>/parts-used."""

    def post(job_id, body, user="tech1"):
        return client.post(f"/api/jobs/{job_id}/parts-used", json=body, headers=getattr(catalogue, user).headers)

    return post


@pytest.fixture
def used(use):
    """``used(job_id, [(part_no, qty)], **fields)`` → the usages recorded (201 asserted)."""

    def record(job_id, pairs, **fields):
        response = use(job_id, {"parts": lines(*pairs), **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return record


def discrepancy_list(call, user, provider_id):
    return call("get", f"/api/providers/{provider_id}/discrepancies", user)


# ---------------------------------------------------------------- the stock side


def test_a_usage_is_issued_from_the_providers_stock_through_the_ledger(on_site, used, stock_books):
    job = on_site()
    used(job["id"], [("BOARD", 1)])
    assert stock_books("PROV-P01", "BOARD") == (0, 0)


def test_the_issue_is_a_ledger_entry_referring_to_the_job(on_site, used, movements, catalogue):
    job = on_site()
    used(job["id"], [("BOARD", 1)])
    assert movements("PROV-P01", "BOARD")[-1] == ("issue", -1, f"job {job['number']}", catalogue.tech1.id)


def test_the_rdc_stock_is_not_touched_by_a_usage(on_site, used, stock_books):
    job = on_site()
    used(job["id"], [("BOARD", 1)])
    assert stock_books("RDC-370000", "BOARD") == (3, 3)


def test_the_response_lists_each_usage(on_site, used):
    job = on_site()
    usages = used(job["id"], [("BOARD", 1), ("REMOTE", 2)])
    assert [(u["job_id"], u["part_no"], u["qty"], u["shortfall"], u["recorded_by"]) for u in usages] == [
        (job["id"], "BOARD", 1, 0, "tech1"),
        (job["id"], "REMOTE", 2, 2, "tech1"),
    ]


# ---------------------------------------------------------------- beyond the stock


def test_usage_beyond_the_stock_is_kept_and_the_stock_goes_negative(on_site, use, stock_books):
    job = on_site()
    response = use(job["id"], {"parts": lines(("BOARD", 3))})
    assert response.status_code == 201, response.get_json()
    assert [(u["part_no"], u["qty"], u["shortfall"]) for u in response.get_json()] == [("BOARD", 3, 2)]
    assert stock_books("PROV-P01", "BOARD") == (-2, -2)


def test_a_part_never_stocked_is_short_by_all_of_it(on_site, used, stock_books):
    job = on_site()
    usages = used(job["id"], [("PANEL", 2)])
    assert [(u["qty"], u["shortfall"]) for u in usages] == [(2, 2)]
    assert stock_books("PROV-P01", "PANEL") == (-2, -2)


def test_when_the_stock_is_already_negative_the_whole_quantity_is_short(on_site, used, stock_books):
    first, second = on_site(), on_site(serial="SN-OLD")
    used(first["id"], [("BOARD", 3)])
    usages = used(second["id"], [("BOARD", 2)])
    assert [(u["qty"], u["shortfall"]) for u in usages] == [(2, 2)]
    assert stock_books("PROV-P01", "BOARD") == (-4, -4)


def test_the_shortfall_is_stored_on_the_usage_row(on_site, used):
    job = on_site()
    used(job["id"], [("BOARD", 4)])
    db.session.expire_all()
    rows = db.session.scalars(select(PartUsage).where(PartUsage.job_id == job["id"])).all()
    assert [(row.part.part_no, row.qty, row.shortfall) for row in rows] == [("BOARD", 4, 3)]


def test_the_providers_managers_are_told_of_a_usage_beyond_the_stock(on_site, used, notified):
    job = on_site()
    used(job["id"], [("BOARD", 2)])
    assert notified("pm1", "stock_discrepancy") == [job["id"]]


def test_another_providers_manager_is_not_told(on_site, used, notified):
    job = on_site()
    used(job["id"], [("BOARD", 2)])
    assert notified("pm2", "stock_discrepancy") == []


def test_nobody_is_told_when_the_stock_sufficed(on_site, used, notified):
    job = on_site()
    used(job["id"], [("BOARD", 1)])
    assert notified("pm1", "stock_discrepancy") == []


def test_a_provider_without_a_stock_room_gets_one_on_its_first_usage(on_site, use, stock_books, catalogue):
    job = on_site(technician=catalogue.tech3)
    response = use(job["id"], {"parts": lines(("REMOTE", 2))}, user="tech3")
    assert response.status_code == 201, response.get_json()
    assert [(u["qty"], u["shortfall"]) for u in response.get_json()] == [(2, 2)]
    assert stock_books("PROV-P02", "REMOTE") == (-2, -2)
    assert stock_books("PROV-P01", "REMOTE") == (None, 0)


def test_the_usage_providers_managers_are_the_ones_told(on_site, use, notified, catalogue):
    job = on_site(technician=catalogue.tech3)
    assert use(job["id"], {"parts": lines(("REMOTE", 2))}, user="tech3").status_code == 201
    assert (notified("pm2", "stock_discrepancy"), notified("pm1", "stock_discrepancy")) == ([job["id"]], [])


# ---------------------------------------------------------------- discrepancies


def test_the_discrepancies_list_only_the_short_usages(on_site, used, call, catalogue):
    job = on_site()
    used(job["id"], [("BOARD", 1)])
    used(job["id"], [("REMOTE", 2)])
    status, page = discrepancy_list(call, "pm1", catalogue.pm1.provider_id)
    assert status == 200, page
    assert [(u["part_no"], u["qty"], u["shortfall"], u["job_id"]) for u in page["items"]] == [
        ("REMOTE", 2, 2, job["id"])
    ]


def test_the_discrepancies_come_newest_first(on_site, used, call, catalogue):
    job = on_site()
    used(job["id"], [("PANEL", 1)])
    used(job["id"], [("REMOTE", 1)])
    status, page = discrepancy_list(call, "pm1", catalogue.pm1.provider_id)
    assert status == 200, page
    assert [u["part_no"] for u in page["items"]] == ["REMOTE", "PANEL"]


def test_another_providers_manager_cannot_read_the_discrepancies(client, on_site, used, catalogue):
    job = on_site()
    used(job["id"], [("REMOTE", 2)])
    response = client.get(f"/api/providers/{catalogue.pm1.provider_id}/discrepancies", headers=catalogue.pm2.headers)
    assert_error(response, 404, "provider_not_found")


# ---------------------------------------------------------------- what the body may be


@pytest.mark.parametrize("qty", [1, 10_000])
def test_the_quantity_bounds_are_accepted(on_site, use, qty):
    job = on_site()
    response = use(job["id"], {"parts": lines(("REMOTE", qty))})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()[0]["qty"] == qty


def test_a_hundred_lines_are_accepted(on_site, use):
    job = on_site()
    response = use(job["id"], {"parts": lines(*[("REMOTE", 1)] * 100)})
    assert response.status_code == 201, response.get_json()
    assert [(u["part_no"], u["qty"]) for u in response.get_json()] == [("REMOTE", 100)]


def test_a_part_named_twice_is_one_usage_of_both_quantities(on_site, used, movements):
    job = on_site()
    usages = used(job["id"], [("REMOTE", 2), ("REMOTE", 3)])
    assert [(u["part_no"], u["qty"], u["shortfall"]) for u in usages] == [("REMOTE", 5, 5)]
    assert [m[:2] for m in movements("PROV-P01", "REMOTE")] == [("issue", -5)]


def test_the_phones_clock_is_kept_on_the_usage(on_site, used):
    job = on_site()
    usages = used(job["id"], [("BOARD", 1)], device_time="2026-03-01T09:30:00+08:00")
    assert datetime.fromisoformat(usages[0]["device_time"]) == datetime.fromisoformat("2026-03-01T01:30:00+00:00")


# ---------------------------------------------------------------- the job's record


def test_the_job_records_a_use_parts_event_with_the_parts(on_site, used, events):
    job = on_site()
    used(job["id"], [("BOARD", 2), ("REMOTE", 1)], device_time="2026-03-01T09:30:00+08:00")
    event = events(job["id"])[-1]
    assert (event["kind"], event["actor"], event["from_state"], event["to_state"]) == (
        "use_parts",
        "tech1",
        "on_site",
        "on_site",
    )
    assert event["data"] == {
        "parts": [
            {"part_no": "BOARD", "qty": 2, "shortfall": 1},
            {"part_no": "REMOTE", "qty": 1, "shortfall": 1},
        ]
    }
    assert datetime.fromisoformat(event["device_time"]) == datetime.fromisoformat("2026-03-01T01:30:00+00:00")


def test_a_usage_leaves_the_job_in_its_state(on_site, used, fetch):
    job = on_site()
    used(job["id"], [("BOARD", 1)])
    assert fetch(job["id"])["state"] == "on_site"


def test_the_jobs_parts_show_what_was_used(on_site, used, call):
    job = on_site()
    used(job["id"], [("BOARD", 1), ("REMOTE", 2)])
    status, parts = call("get", f"/api/jobs/{job['id']}/parts", "tech1")
    assert status == 200, parts
    assert parts["job_id"] == job["id"]
    assert [(u["part_no"], u["name"], u["qty"], u["shortfall"]) for u in parts["used"]] == [
        ("BOARD", "Main board", 1, 0),
        ("REMOTE", "Remote", 2, 2),
    ]
    assert parts["requisitions"] == []


# ---------------------------------------------------------------- when and by whom


@pytest.mark.parametrize("state", ["accepted", "en_route", "on_site", "completed"])
def test_parts_may_be_recorded_in_any_working_state(catalogue, open_job, walk, use, state):
    job = walk(open_job(), state)
    response = use(job["id"], {"parts": lines(("BOARD", 1))})
    assert response.status_code == 201, response.get_json()


def test_parts_may_be_recorded_while_the_job_waits_for_parts(on_site, short, use, fetch):
    job = on_site()
    short(job["id"], [("PANEL", 1)])
    assert fetch(job["id"])["state"] == "waiting_parts"
    response = use(job["id"], {"parts": lines(("BOARD", 1))})
    assert response.status_code == 201, response.get_json()


# ---------------------------------------------------------------- at the same moment

ROUNDS = 3


@pytest.mark.commits
def test_two_usages_of_the_last_part_at_once_leave_one_short_and_the_books_agreeing(
    app, on_site, make_stock, stock_books, catalogue
):
    """Two technicians of P01 fit the one BOARD in stock at the same moment: one of them is short by one."""
    for round_ in range(ROUNDS):
        make_stock("PROV-P01", "BOARD", 1)
        jobs = [on_site(serial=f"RACE-{round_}-A"), on_site(technician=catalogue.tech2, serial=f"RACE-{round_}-B")]
        answers = send_together(
            app,
            [
                ("POST", f"/api/jobs/{jobs[0]['id']}/parts-used", lines(("BOARD", 1)), catalogue.tech1.headers),
                ("POST", f"/api/jobs/{jobs[1]['id']}/parts-used", lines(("BOARD", 1)), catalogue.tech2.headers),
            ],
        )
        assert [status for status, _ in answers] == [201, 201], (round_, answers)
        assert sorted(answer[0]["shortfall"] for _, answer in answers) == [0, 1], (round_, answers)
        assert stock_books("PROV-P01", "BOARD") == (-1, -1)


@pytest.fixture
def tech5(catalogue, make_user, auth):
    """A second technician of P02 (``tech3`` is the first)."""
    user = make_user("technician", username="tech5", provider_code="P02")
    user.headers = auth(user)
    catalogue.tech5 = user
    return user


@pytest.mark.commits
def test_the_first_two_usages_of_a_provider_at_once_both_succeed(app, on_site, stock_books, catalogue, tech5):
    """P02 has no stock room yet; its two technicians record parts at the same moment: both are kept."""
    jobs = [on_site(technician=catalogue.tech3), on_site(technician=tech5, serial="SN-OLD")]
    answers = send_together(
        app,
        [
            ("POST", f"/api/jobs/{jobs[0]['id']}/parts-used", lines(("REMOTE", 1)), catalogue.tech3.headers),
            ("POST", f"/api/jobs/{jobs[1]['id']}/parts-used", lines(("REMOTE", 1)), tech5.headers),
        ],
    )
    assert [status for status, _ in answers] == [201, 201], answers
    assert stock_books("PROV-P02", "REMOTE") == (-2, -2)


@pytest.mark.commits
def test_two_first_reads_of_a_providers_discrepancies_at_once_both_answer(app, catalogue):
    """P02 has no stock room yet; its manager and an admin read its discrepancies at the same moment."""
    path = f"/api/providers/{catalogue.pm2.provider_id}/discrepancies"
    answers = send_together(
        app, [("GET", path, None, catalogue.pm2.headers), ("GET", path, None, catalogue.admin.headers)]
    )
    assert [status for status, _ in answers] == [200, 200], answers


def test_reading_the_discrepancies_changes_nothing(catalogue, call, snapshot):
    """A read is a read: P02, with no stock room yet, gets an empty list and no warehouse row."""
    before = snapshot()
    status, page = call("get", f"/api/providers/{catalogue.pm2.provider_id}/discrepancies", "pm2")
    assert (status, page["items"]) == (200, [])
    assert snapshot() == before
