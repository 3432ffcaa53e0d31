"""POST /api/sync/push: a device's ops applied in seq order, once each, each kept with its result.

The phone ``tech1`` works jobs of P01 in province 370000; ``dispatcher``
(370000) and ``pm1`` (P01) hear of what could not be applied. The race at the
end runs on PostgreSQL only, where two connections really push side by side.
"""

import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest
from sqlalchemy import event as orm_events
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from server.devicesync import push
from server.devicesync.models import Client
from server.devicesync.models import PushedOp
from server.extensions import db
from server.supply.models import Requisition
from tests.fixtures.device import Device
from tests.helpers import assert_error
from tests.races import send_together

pytestmark = pytest.mark.both_backends

CST = timezone(timedelta(hours=8))
# The phone's clock when the visit was made offline: yesterday morning, in the customer's time zone.
OFFLINE = datetime.now(CST).replace(microsecond=0) - timedelta(days=1)


def pushed(client_id=None):
    """The ops the server kept (of ``client_id``, or all), in seq order."""
    db.session.expire_all()
    statement = select(PushedOp).order_by(PushedOp.client_id, PushedOp.seq)
    if client_id is not None:
        statement = statement.where(PushedOp.client_id == client_id)
    return db.session.scalars(statement).all()


def acked(client_id):
    db.session.expire_all()
    return db.session.scalar(select(Client.last_seq).where(Client.client_id == client_id))


def count(model, **where):
    db.session.expire_all()
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


def outcomes(body):
    return [(r["seq"], r["result"], r["code"]) for r in body["results"]]


def at(text):
    return datetime.fromisoformat(text) if text else None


def field_events(events, job_id, after):
    """The job's events past the first ``after``, as what they say (not their ids or server times)."""
    kept = []
    for event in events(job_id)[after:]:
        data = dict(event["data"] or {})
        data.pop("scan_id", None)  # a row id, different per job
        data.pop("serial", None)  # each job's own unit
        kept.append(
            (
                event["kind"],
                event["from_state"],
                event["to_state"],
                event["actor"],
                at(event["device_time"]),
                event["note"],
                data,
            )
        )
    return kept


# ---------------------------------------------------------------- applied


def test_ops_change_the_job_exactly_as_the_api_steps_do(device, catalogue, walk, open_job, call, events, fetch):
    by_api = walk(open_job(serial="SN-IN"), "assigned")
    by_push = walk(open_job(serial="SN-OLD"), "assigned")
    before = len(events(by_api["id"]))
    assert len(events(by_push["id"])) == before
    when = OFFLINE.isoformat()
    appointment = (datetime.now(CST) + timedelta(days=2)).replace(microsecond=0).isoformat()
    steps = [
        ("/accept", "job.accept", {}),
        ("/contact", "job.contact", {"appointment_at": appointment, "note": "约好了"}),
        ("/depart", "job.depart", {"note": "出发"}),
        ("/arrive", "job.arrive", {}),
        ("/scans", "scan.add", {"source": "camera", "symbology": "CODE128"}),
        ("/parts-used", "parts.used", {"parts": [{"part_no": "REMOTE", "qty": 1}]}),
        ("/complete", "job.complete", {"summary": "换遥控器", "confirmed_by": "王先生"}),
    ]
    for path, _, payload in steps:
        body = {**payload, "device_time": when}
        if path == "/scans":
            body["serial"] = "SN-IN"
        status, answer = call("post", f"/api/jobs/{by_api['id']}{path}", "tech1", body)
        assert status in (200, 201), (path, answer)
    phone = device("tech1")
    ops = []
    for _, op_type, payload in steps:
        if op_type == "scan.add":
            payload = {**payload, "serial": "SN-OLD"}
        ops.append(phone.op(op_type, by_push["id"], payload, client_time=when))

    status, body = phone.push(ops)

    assert status == 200, body
    assert [r["result"] for r in body["results"]] == ["applied"] * len(steps), body
    assert body["acked_seq"] == len(steps)
    api_events = field_events(events, by_api["id"], before)
    push_events = field_events(events, by_push["id"], before)
    assert push_events == api_events
    assert [e[0] for e in push_events] == ["accept", "contact", "depart", "arrive", "scan", "use_parts", "complete"]
    assert all(e[4] == OFFLINE for e in push_events)
    api_job, push_job = fetch(by_api["id"]), fetch(by_push["id"])
    for key in ("state", "appointment_at", "completion_summary", "confirmed_by", "version"):
        assert push_job[key] == api_job[key], key
    assert push_job["state"] == "completed"
    assert {k for k, v in push_job["sla"].items() if v} == {k for k, v in api_job["sla"].items() if v}


def test_each_applied_op_is_kept_with_its_result_and_the_device_acknowledged(device, on_site):
    job = on_site()
    phone = device("tech1")
    ops = [phone.op("note.add", job["id"], {"text": "客户不在家"}, client_time=OFFLINE.isoformat())]

    status, body = phone.push(ops)

    assert status == 200, body
    assert body == {
        "results": [{"op_id": ops[0]["op_id"], "seq": 1, "result": "applied", "code": "", "message": ""}],
        "acked_seq": 1,
    }
    [kept] = pushed(phone.client_id)
    assert (kept.op_id, kept.seq, kept.type, kept.job_id, kept.result) == (
        ops[0]["op_id"],
        1,
        "note.add",
        job["id"],
        "applied",
    )
    assert kept.payload == {"text": "客户不在家"}
    assert kept.client_time == OFFLINE
    assert kept.user_id == phone.user.id
    assert acked(phone.client_id) == 1


def test_an_op_without_client_time_is_applied_without_a_device_time(device, on_site, events):
    job = on_site()
    phone = device("tech1")
    op = phone.op("note.add", job["id"], {"text": "x"})
    del op["client_time"]

    status, body = phone.push([op])

    assert status == 200, body
    assert outcomes(body) == [(1, "applied", "")], body
    assert events(job["id"])[-1]["kind"] == "note"
    assert events(job["id"])[-1]["device_time"] is None


# ---------------------------------------------------------------- once each


def test_a_whole_push_replayed_is_all_duplicate_and_nothing_is_applied_twice(device, on_site, events, stock_books):
    job = on_site()
    phone = device("tech1")
    ops = [
        phone.op("parts.used", job["id"], {"parts": [{"part_no": "BOARD", "qty": 1}]}),
        phone.op("note.add", job["id"], {"text": "主板烧了"}),
        phone.op("parts.shortage", job["id"], {"parts": [{"part_no": "PANEL", "qty": 1}], "note": "面板也坏了"}),
    ]
    status, first = phone.push(ops)
    assert [r["result"] for r in first["results"]] == ["applied"] * 3, first
    history = events(job["id"])
    books = stock_books("PROV-P01", "BOARD")
    kept = [(op.op_id, op.result, op.received_at) for op in pushed(phone.client_id)]

    status, again = phone.push(ops)

    assert status == 200, again
    assert again["acked_seq"] == 3
    assert [(r["op_id"], r["seq"], r["result"], r["stored_result"]) for r in again["results"]] == [
        (op["op_id"], op["seq"], "duplicate", "applied") for op in ops
    ]
    assert events(job["id"]) == history
    assert stock_books("PROV-P01", "BOARD") == books == (0, 0)
    assert count(Requisition, job_id=job["id"]) == 1
    assert [(op.op_id, op.result, op.received_at) for op in pushed(phone.client_id)] == kept


def test_a_replayed_op_answers_with_the_result_it_had(device, walk, open_job):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    ops = [phone.op("job.complete", job["id"], {"summary": "x", "confirmed_by": "y"})]
    status, first = phone.push(ops)
    assert outcomes(first) == [(1, "conflict", "illegal_transition")]

    status, again = phone.push(ops)

    assert status == 200, again
    [answer] = again["results"]
    assert (answer["result"], answer["stored_result"], answer["code"]) == (
        "duplicate",
        "conflict",
        "illegal_transition",
    )
    assert answer["message"] == first["results"][0]["message"]


def test_a_push_repeating_acknowledged_ops_applies_only_the_new_ones(device, walk, open_job, events, fetch):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    ops = [
        phone.op("job.accept", job["id"]),
        phone.op("job.depart", job["id"]),
        phone.op("job.arrive", job["id"]),
        phone.op("note.add", job["id"], {"text": "到了"}),
    ]
    status, first = phone.push(ops[:2])
    assert first["acked_seq"] == 2
    kinds = [e["kind"] for e in events(job["id"])]

    status, body = phone.push(ops)

    assert status == 200, body
    assert outcomes(body) == [(1, "duplicate", ""), (2, "duplicate", ""), (3, "applied", ""), (4, "applied", "")]
    assert body["acked_seq"] == 4
    assert [e["kind"] for e in events(job["id"])] == [*kinds, "arrive", "note"]
    assert fetch(job["id"])["state"] == "on_site"


def test_a_gap_in_the_sequence_stops_the_push_until_the_missing_op_comes(device, walk, open_job, fetch):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    ops = [
        phone.op("job.accept", job["id"]),
        phone.op("job.depart", job["id"]),
        phone.op("job.arrive", job["id"]),
        phone.op("note.add", job["id"], {"text": "到了"}),
    ]

    status, body = phone.push([ops[0], ops[1], ops[3]])

    assert status == 200, body
    assert outcomes(body) == [(1, "applied", ""), (2, "applied", "")]
    assert body["acked_seq"] == 2
    assert [op.seq for op in pushed(phone.client_id)] == [1, 2]
    assert fetch(job["id"])["state"] == "en_route"

    status, body = phone.push(ops[2:])

    assert outcomes(body) == [(3, "applied", ""), (4, "applied", "")]
    assert body["acked_seq"] == 4
    assert fetch(job["id"])["state"] == "on_site"


def test_a_first_push_that_does_not_start_at_one_applies_nothing(device, walk, open_job, fetch):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    phone.seq = 4

    status, body = phone.push([phone.op("job.accept", job["id"])])

    assert status == 200, body
    assert body == {"results": [], "acked_seq": 0}
    assert pushed(phone.client_id) == []
    assert fetch(job["id"])["state"] == "dispatched"


def test_ops_sent_out_of_order_are_applied_in_seq_order(device, walk, open_job, events, fetch):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    accept, depart, arrive = (phone.op(t, job["id"]) for t in ("job.accept", "job.depart", "job.arrive"))

    status, body = phone.push([arrive, accept, depart])

    assert status == 200, body
    assert outcomes(body) == [(1, "applied", ""), (2, "applied", ""), (3, "applied", "")], body
    assert [r["op_id"] for r in body["results"]] == [accept["op_id"], depart["op_id"], arrive["op_id"]]
    assert [e["kind"] for e in events(job["id"])][-3:] == ["accept", "depart", "arrive"]
    assert fetch(job["id"])["state"] == "on_site"


def test_a_seq_reused_by_another_op_is_refused_and_not_kept(device, walk, open_job, fetch):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    accept = phone.op("job.accept", job["id"])
    phone.push([accept])
    impostor = {**phone.op("job.decline", job["id"], {"reason": "太远"}), "seq": 1}

    status, body = phone.push([impostor])

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", "seq_taken")]
    assert body["results"][0]["op_id"] == impostor["op_id"]
    assert body["acked_seq"] == 1
    assert [op.op_id for op in pushed(phone.client_id)] == [accept["op_id"]]
    assert fetch(job["id"])["state"] == "accepted"


def test_an_op_id_another_device_used_is_refused_and_not_kept(device, walk, open_job):
    job = walk(open_job(), "assigned")
    old, new = device("tech1"), device("tech1")
    accept = old.op("job.accept", job["id"])
    old.push([accept])

    status, body = new.push([accept])

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", "seq_taken")]
    assert body["acked_seq"] == 0
    assert pushed(new.client_id) == []
    assert len(pushed(old.client_id)) == 1


# ---------------------------------------------------------------- not applied, kept, sequence moves on


def test_an_illegal_step_is_a_kept_conflict_and_the_ops_after_it_apply(device, walk, open_job, fetch, events, notified):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    ops = [
        phone.op("job.accept", job["id"]),
        phone.op("job.complete", job["id"], {"summary": "换主板", "confirmed_by": "王先生"}),
        phone.op("job.depart", job["id"]),
    ]

    status, body = phone.push(ops)

    assert status == 200, body
    assert outcomes(body) == [(1, "applied", ""), (2, "conflict", "illegal_transition"), (3, "applied", "")]
    assert "accepted" in body["results"][1]["message"]
    assert body["acked_seq"] == 3
    kept = pushed(phone.client_id)
    assert [(op.seq, op.result, op.code, op.job_id) for op in kept] == [
        (1, "applied", "", job["id"]),
        (2, "conflict", "illegal_transition", job["id"]),
        (3, "applied", "", job["id"]),
    ]
    assert kept[1].payload == {"summary": "换主板", "confirmed_by": "王先生"}
    assert fetch(job["id"])["state"] == "en_route"
    assert "complete" not in [e["kind"] for e in events(job["id"])]
    assert notified("dispatcher", "sync_conflict") == [job["id"]]
    assert notified("pm1", "sync_conflict") == [job["id"]]
    assert notified("pm2", "sync_conflict") == []


BAD_PAYLOADS = [
    ("job.decline", {}, "reason"),
    ("job.decline", {"reason": ""}, "reason"),
    ("job.complete", {"summary": "换主板"}, "confirmed_by"),
    ("job.contact", {"appointment_at": "2030-01-01T10:00:00"}, "appointment_at"),
    ("job.contact", {"appointment_at": "2020-01-01T10:00:00+08:00"}, "appointment_at"),
    ("job.contact", {"reached": False, "appointment_at": "2030-01-01T10:00:00+08:00"}, "appointment_at"),
    ("parts.receive", {}, "sales_order_id"),
    ("parts.receive", {"sales_order_id": "1"}, "sales_order_id"),
    ("parts.used", {"parts": [{"part_no": "BOARD", "qty": 1}], "sales_order_id": 0}, "sales_order_id"),
    ("job.arrive", {"surprise": 1}, "surprise"),
    ("scan.add", {"serial": "SN-IN", "source": "laser"}, "source"),
    ("scan.add", {"source": "camera"}, "serial"),
    ("scan.add", {"serial": "SN-IN", "source": "photo", "photo_sha256": "NOT-A-HASH"}, "photo_sha256"),
    ("parts.used", {"parts": [{"part_no": "BOARD", "qty": 1.5}]}, "parts"),
    ("parts.used", {"parts": []}, "parts"),
    ("parts.used", {"parts": [{"part_no": "NOPE", "qty": 1}]}, "parts"),
    ("parts.shortage", {}, "parts"),
    ("note.add", {"text": ""}, "text"),
]


@pytest.mark.parametrize(("op_type", "payload", "field"), BAD_PAYLOADS)
def test_a_bad_payload_is_rejected_kept_and_the_ops_after_it_apply(
    device, walk, open_job, fetch, events, notified, op_type, payload, field
):
    job = walk(open_job(), "accepted")
    phone = device("tech1")
    history = events(job["id"])
    ops = [phone.op(op_type, job["id"], payload), phone.op("job.depart", job["id"])]

    # An appointment in the past has a code of its own, which the phone words in its user's language.
    code = "appointment_in_past" if payload.get("appointment_at", "").startswith("2020") else "validation_error"

    status, body = phone.push(ops)

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", code), (2, "applied", "")], body
    assert field in body["results"][0]["message"]
    assert body["acked_seq"] == 2
    [bad, _] = pushed(phone.client_id)
    assert (bad.result, bad.code, bad.job_id, bad.payload) == ("rejected", code, job["id"], payload)
    assert events(job["id"])[: len(history)] == history
    assert [e["kind"] for e in events(job["id"])[len(history) :]] == ["depart"]
    assert fetch(job["id"])["state"] == "en_route"
    assert notified("dispatcher", "sync_rejected") == [job["id"]]
    assert notified("pm1", "sync_rejected") == [job["id"]]


def test_rejected_ops_are_listed_with_their_payload_to_dispatch_and_the_provider(
    device, walk, open_job, call, catalogue
):
    job = walk(open_job(), "accepted")
    other = walk(open_job(serial="SN-OLD"), "accepted", catalogue.tech3)
    phone, far = device("tech1"), device("tech3")
    bad = phone.op("job.decline", job["id"], {"reason": ""})
    phone.push([bad, phone.op("job.depart", job["id"])])
    far.push([far.op("note.add", other["id"], {"text": ""})])

    for reader in ("dispatcher", "pm1", "admin"):
        status, page = call("get", f"/api/sync/ops?result=rejected&job_id={job['id']}", reader)
        assert status == 200, page
        [listed] = page["items"]
        assert listed["op_id"] == bad["op_id"]
        assert (listed["type"], listed["job_id"], listed["seq"], listed["user"]) == (
            "job.decline",
            job["id"],
            1,
            "tech1",
        )
        assert (listed["result"], listed["code"], listed["payload"]) == ("rejected", "validation_error", bad["payload"])
        assert listed["client_id"] == phone.client_id
        assert at(listed["client_time"]) == at(bad["client_time"])
    status, page = call("get", "/api/sync/ops", "pm1")
    assert {(op["job_id"], op["result"]) for op in page["items"]} == {(job["id"], "rejected"), (job["id"], "applied")}
    status, page = call("get", "/api/sync/ops?result=rejected", "pm2")
    assert [op["job_id"] for op in page["items"]] == [other["id"]]
    status, page = call("get", "/api/sync/ops?result=rejected&result=conflict", "dispatcher")
    assert {op["job_id"] for op in page["items"]} == {job["id"], other["id"]}


@pytest.mark.parametrize("reader", ["tech1", "clerk", "agent", "planner"])
def test_only_dispatch_and_providers_read_pushed_ops(call, reader):
    status, body = call("get", "/api/sync/ops", reader)
    assert status == 403, body
    assert body["error"]["code"] == "role_forbidden"


@pytest.mark.parametrize(
    ("query", "field"),
    [("result=duplicate", "result"), ("result=applied&result=nope", "result"), ("job_id=x", "job_id")],
)
def test_the_ops_list_refuses_unknown_filters(call, query, field):
    status, body = call("get", f"/api/sync/ops?{query}", "dispatcher")
    assert status == 422, body
    assert body["error"]["code"] == "validation_error"
    assert field in body["error"]["details"]["fields"]


def test_an_entity_id_that_is_no_job_id_is_rejected_and_the_sequence_moves_on(device, on_site):
    job = on_site()
    phone = device("tech1")
    ops = [phone.op("note.add", "abc", {"text": "x"}), phone.op("note.add", job["id"], {"text": "y"})]

    status, body = phone.push(ops)

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", "validation_error"), (2, "applied", "")]
    assert "entity_id" in body["results"][0]["message"]
    assert pushed(phone.client_id)[0].job_id is None


def test_an_op_on_a_job_that_does_not_exist_is_rejected(device, on_site):
    job = on_site()
    phone = device("tech1")
    ops = [phone.op("note.add", 999_999, {"text": "x"}), phone.op("note.add", job["id"], {"text": "y"})]

    status, body = phone.push(ops)

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", "job_not_found"), (2, "applied", "")]
    assert body["acked_seq"] == 2


INVALID_OPS = [
    pytest.param({"type": "job.teleport"}, "job.teleport", id="unknown-type"),
    pytest.param({"type": None}, "None", id="no-type"),
    pytest.param({"type": 7}, "7", id="type-not-text"),
    pytest.param({"payload": ["BOARD"]}, "note.add", id="payload-not-object"),
    pytest.param({"payload": "text"}, "note.add", id="payload-text"),
    pytest.param({"entity_id": {"id": 1}}, "note.add", id="entity-id-object"),
    pytest.param({"client_time": "2026-03-01T09:30:00"}, "note.add", id="client-time-without-offset"),
    pytest.param({"client_time": "yesterday"}, "note.add", id="client-time-not-iso"),
    pytest.param({"client_time": 1767225600}, "note.add", id="client-time-number"),
]


@pytest.mark.parametrize(("change", "stored_type"), INVALID_OPS)
def test_an_op_of_unusable_shape_is_rejected_as_invalid_kept_and_the_sequence_moves_on(
    device, on_site, events, notified, change, stored_type
):
    job = on_site()
    phone = device("tech1")
    history = events(job["id"])
    bad = {**phone.op("note.add", job["id"], {"text": "x"}), **change}
    ops = [bad, phone.op("note.add", job["id"], {"text": "y"})]

    status, body = phone.push(ops)

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", "invalid_op"), (2, "applied", "")], body
    assert body["results"][0]["message"]
    assert body["acked_seq"] == 2
    first = pushed(phone.client_id)[0]
    assert (first.op_id, first.result, first.code, first.type) == (bad["op_id"], "rejected", "invalid_op", stored_type)
    assert [e["note"] for e in events(job["id"])[len(history) :]] == ["y"]


def test_an_op_on_a_job_reassigned_meanwhile_is_a_conflict_dispatch_hears_of(
    device, walk, open_job, call, catalogue, fetch, events, notified
):
    job = walk(open_job(), "accepted")
    phone = device("tech1")
    status, body = call("post", f"/api/jobs/{job['id']}/assign", "dispatcher", {"technician_id": catalogue.tech2.id})
    assert status == 200, body
    history = events(job["id"])

    status, body = phone.push([phone.op("job.depart", job["id"]), phone.op("note.add", job["id"], {"text": "x"})])

    assert status == 200, body
    assert outcomes(body) == [(1, "conflict", "job_reassigned"), (2, "conflict", "job_reassigned")]
    assert body["acked_seq"] == 2
    assert [(op.result, op.job_id) for op in pushed(phone.client_id)] == [("conflict", job["id"])] * 2
    assert events(job["id"]) == history
    assert fetch(job["id"])["technician"]["id"] == catalogue.tech2.id
    assert notified("dispatcher", "sync_conflict") == [job["id"]] * 2
    assert notified("pm1", "sync_conflict") == [job["id"]] * 2
    assert notified("tech2", "sync_conflict") == []


def test_an_op_on_a_job_cancelled_meanwhile_is_a_conflict(device, walk, open_job, call, fetch, notified):
    job = walk(open_job(), "accepted")
    phone = device("tech1")
    status, body = call("post", f"/api/jobs/{job['id']}/cancel", "dispatcher", {"reason": "客户撤单"})
    assert status == 200, body

    status, body = phone.push([phone.op("job.arrive", job["id"])])

    assert outcomes(body) == [(1, "conflict", "illegal_transition")]
    assert fetch(job["id"])["state"] == "cancelled"
    assert notified("dispatcher", "sync_conflict") == [job["id"]]


def test_a_step_another_role_takes_is_rejected_not_a_conflict(device, walk, open_job, fetch):
    job = walk(open_job(), "assigned")
    desk = device("pm1")

    status, body = desk.push([desk.op("job.accept", job["id"])])

    assert status == 200, body
    assert outcomes(body) == [(1, "rejected", "role_forbidden")]
    assert fetch(job["id"])["state"] == "dispatched"


def test_a_provider_manager_records_a_customer_contact_from_the_app(device, walk, open_job, events):
    job = walk(open_job(), "accepted")
    desk = device("pm1")
    appointment = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)

    status, body = desk.push([desk.op("job.contact", job["id"], {"appointment_at": appointment.isoformat()})])

    assert status == 200, body
    assert outcomes(body) == [(1, "applied", "")], body
    last = events(job["id"])[-1]
    assert (last["kind"], last["actor"]) == ("contact", "pm1")


# ---------------------------------------------------------------- refused whole


def test_a_client_id_of_another_users_device_is_403_and_nothing_is_kept(device, walk, open_job, snapshot, fetch):
    job = walk(open_job(), "assigned")
    mine = device("tech1")
    mine.push([mine.op("note.add", job["id"], {"text": "x"})])
    thief = device("tech2", client_id=mine.client_id)
    thief.seq = 1
    before = snapshot()

    response = thief.client.post(
        "/api/sync/push",
        json={"client_id": mine.client_id, "schema_version": 1, "ops": [thief.op("job.accept", job["id"])]},
        headers=thief.user.headers,
    )

    assert_error(response, 403, "client_not_yours")
    assert snapshot() == before
    assert fetch(job["id"])["state"] == "dispatched"


def good_op(seq=1, **change):
    return {
        "op_id": str(uuid.uuid4()),
        "seq": seq,
        "type": "note.add",
        "entity_id": "1",
        "payload": {"text": "x"},
        "client_time": OFFLINE.isoformat(),
        **change,
    }


def envelope(**change):
    body = {"client_id": "phone-0001", "schema_version": 1, "ops": [good_op()]}
    body.update(change)
    return {k: v for k, v in body.items() if v is not ...}


SAME_ID = str(uuid.uuid4())
ENVELOPES = [
    pytest.param([good_op()], "body", id="body-a-list"),
    pytest.param("ops", "body", id="body-a-string"),
    pytest.param(envelope(client_id=...), "client_id", id="client-id-missing"),
    pytest.param(envelope(client_id="short"), "client_id", id="client-id-too-short"),
    pytest.param(envelope(client_id="x" * 65), "client_id", id="client-id-too-long"),
    pytest.param(envelope(client_id="phone 0001"), "client_id", id="client-id-space"),
    pytest.param(envelope(client_id="phone/0001"), "client_id", id="client-id-slash"),
    pytest.param(envelope(client_id=12345678), "client_id", id="client-id-number"),
    pytest.param(envelope(schema_version=...), "schema_version", id="schema-missing"),
    pytest.param(envelope(schema_version=0), "schema_version", id="schema-zero"),
    pytest.param(envelope(schema_version="1"), "schema_version", id="schema-text"),
    pytest.param(envelope(schema_version=True), "schema_version", id="schema-bool"),
    pytest.param(envelope(schema_version=1.5), "schema_version", id="schema-fraction"),
    pytest.param(envelope(ops=...), "ops", id="ops-missing"),
    pytest.param(envelope(ops={"1": good_op()}), "ops", id="ops-object"),
    pytest.param(envelope(ops=[good_op(), "op"]), "ops[1]", id="op-not-object"),
    pytest.param(envelope(ops=[good_op(seq=...)]), "ops[0].seq", id="seq-missing"),
    pytest.param(envelope(ops=[good_op(seq=0)]), "ops[0].seq", id="seq-zero"),
    pytest.param(envelope(ops=[good_op(seq=-1)]), "ops[0].seq", id="seq-negative"),
    pytest.param(envelope(ops=[good_op(seq="1")]), "ops[0].seq", id="seq-text"),
    pytest.param(envelope(ops=[good_op(seq=True)]), "ops[0].seq", id="seq-bool"),
    pytest.param(envelope(ops=[good_op(seq=1.0)]), "ops[0].seq", id="seq-float"),
    pytest.param(envelope(ops=[good_op(op_id=...)]), "ops[0].op_id", id="op-id-missing"),
    pytest.param(envelope(ops=[good_op(op_id="op-1")]), "ops[0].op_id", id="op-id-not-uuid"),
    pytest.param(envelope(ops=[good_op(1), good_op(2), good_op(2)]), "ops[2]", id="seq-twice"),
    pytest.param(envelope(ops=[good_op(1, op_id=SAME_ID), good_op(2, op_id=SAME_ID)]), "ops[1]", id="op-id-twice"),
    pytest.param(
        envelope(ops=[good_op(1, op_id=SAME_ID), good_op(2, op_id=SAME_ID.upper())]), "ops[1]", id="op-id-case"
    ),
    pytest.param(envelope(ops=[good_op(i) for i in range(1, 1002)]), "ops", id="1001-ops"),
]


def drop_missing(body):
    """``...`` in a test body marks a key left out."""
    if isinstance(body, dict):
        return {k: drop_missing(v) for k, v in body.items() if v is not ...}
    if isinstance(body, list):
        return [drop_missing(v) for v in body]
    return body


@pytest.mark.parametrize(("body", "field"), ENVELOPES)
def test_a_push_whose_envelope_is_wrong_is_refused_whole(client, on_site, catalogue, snapshot, body, field):
    on_site()
    before = snapshot()

    response = client.post("/api/sync/push", json=drop_missing(body), headers=catalogue.tech1.headers)

    error = assert_error(response, 422, "validation_error", fields=[field])
    assert error["message"].startswith(field)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"client_id=phone-0001", "text/plain"),
        # Deeper than the decoder recurses: it raised RecursionError, a 500.
        (b"[" * 100_000, "application/json"),
    ],
    ids=["malformed", "empty", "not-json", "nested-100000-deep"],
)
def test_a_push_that_is_not_json_is_refused(client, catalogue, snapshot, data, content_type):
    before = snapshot()

    response = client.post("/api/sync/push", data=data, content_type=content_type, headers=catalogue.tech1.headers)

    assert_error(response, 422, "validation_error", fields=["body"])
    assert snapshot() == before


def test_the_most_ops_a_push_carries_is_a_setting(app, device, on_site, monkeypatch, snapshot):
    monkeypatch.setitem(app.config, "SYNC_MAX_OPS", 3)
    job = on_site()
    phone = device("tech1")
    ops = [phone.op("note.add", job["id"], {"text": str(i)}) for i in range(4)]
    before = snapshot()

    status, body = phone.push(ops)

    assert status == 422, body
    assert body["error"]["details"]["fields"] == {
        "ops": ["at most 3 operations per push; send the rest in the next one"]
    }
    assert snapshot() == before
    status, body = phone.push(ops[:3])
    assert [r["result"] for r in body["results"]] == ["applied"] * 3


def test_a_push_over_the_size_limit_is_413_and_nothing_is_kept(app, device, on_site, monkeypatch, snapshot):
    monkeypatch.setitem(app.config, "SYNC_PUSH_MAX_BYTES", 2000)
    job = on_site()
    phone = device("tech1")
    before = snapshot()

    status, body = phone.push([phone.op("note.add", job["id"], {"text": "长" * 1000})])

    assert status == 413, body
    assert body["error"]["code"] == "payload_too_large"
    assert snapshot() == before


def test_an_empty_push_registers_the_device_and_acknowledges_nothing(device, catalogue):
    phone = device("tech1")

    status, body = phone.push([], schema_version=3)

    assert (status, body) == (200, {"results": [], "acked_seq": 0})
    db.session.expire_all()
    client = db.session.get(Client, phone.client_id)
    assert (client.user_id, client.last_seq, client.schema_version) == (catalogue.tech1.id, 0, 3)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("tech1", 200),
        ("pm1", 200),
        ("clerk", 200),
        ("agent", 403),
        ("dispatcher", 403),
        ("admin", 403),
        ("planner", 403),
    ],
)
def test_who_may_push(client, catalogue, snapshot, name, status):
    before = snapshot()

    response = client.post(
        "/api/sync/push",
        json={"client_id": f"phone-of-{name}", "schema_version": 1, "ops": []},
        headers=getattr(catalogue, name).headers,
    )

    if status == 200:
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"results": [], "acked_seq": 0}
    else:
        assert_error(response, 403, "role_forbidden")
        assert snapshot() == before


def test_a_push_needs_a_signed_in_user(client, catalogue, snapshot):
    before = snapshot()
    response = client.post("/api/sync/push", json={"client_id": "phone-0001", "schema_version": 1, "ops": []})
    assert_error(response, 401, "token_missing")
    assert snapshot() == before


# ---------------------------------------------------------------- the database fails, or cannot hold an op


@pytest.mark.parametrize(
    ("per_commit", "kept"),
    [(1, [1]), (50, [])],
    ids=["each op committed", "ops committed together"],
)
def test_a_database_failure_mid_push_is_503_and_keeps_only_what_was_committed(
    app, device, walk, open_job, fetch, monkeypatch, per_commit, kept
):
    """The op before the failure stands when it was committed on its own, and is undone with the failed
    one when they were to be committed together; either way the answer says how far the server got and
    the device's resend completes the push, each op once."""
    monkeypatch.setitem(app.config, "SYNC_OPS_PER_COMMIT", per_commit)
    job = walk(open_job(), "assigned")
    before = fetch(job["id"])["state"]
    phone = device("tech1")
    ops = [
        phone.op("job.accept", job["id"]),
        phone.op("note.add", job["id"], {"text": "x"}),
        phone.op("job.depart", job["id"]),
    ]

    def connection_lost(*args):
        raise OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"))

    with monkeypatch.context() as patch:
        patch.setitem(push.HANDLERS, "note.add", (push.NoteArgs, connection_lost))
        status, body = phone.push(ops)

    assert status == 503, body
    assert body["error"]["code"] == "unavailable"
    assert body["error"]["details"] == {"acked_seq": len(kept)}
    assert [op.seq for op in pushed(phone.client_id)] == kept
    assert fetch(job["id"])["state"] == ("accepted" if kept else before)
    status, body = phone.push(ops)
    first = "duplicate" if kept else "applied"
    assert outcomes(body) == [(1, first, ""), (2, "applied", ""), (3, "applied", "")]
    assert fetch(job["id"])["state"] == "en_route"


@pytest.mark.commits
def test_a_long_push_is_committed_in_chunks_and_answered_whole(app, device, on_site, monkeypatch):
    monkeypatch.setitem(app.config, "SYNC_OPS_PER_COMMIT", 2)
    job = on_site()
    phone = device("tech1")
    ops = [phone.op("note.add", job["id"], {"text": str(n)}) for n in range(5)]
    ops[3]["payload"] = {"text": ""}
    commits = []

    def committed(connection):
        commits.append(connection)

    # COMMITs the database itself saw (not the savepoints each op is applied in).
    orm_events.listen(db.engine, "commit", committed)
    try:
        phone.push([])  # the device is known: its push of ops commits nothing besides them
        commits.clear()
        status, body = phone.push(ops)
    finally:
        orm_events.remove(db.engine, "commit", committed)

    assert status == 200, body
    assert outcomes(body) == [
        (1, "applied", ""),
        (2, "applied", ""),
        (3, "applied", ""),
        (4, "rejected", "validation_error"),
        (5, "applied", ""),
    ]
    assert body["acked_seq"] == 5
    assert len(commits) == 3  # three chunks of at most two ops
    assert [op.seq for op in pushed(phone.client_id)] == [1, 2, 3, 4, 5]


# Lists in lists, shallower than the decoder's limit and deeper than anything the app sends.
NESTED = [[]]
for _ in range(600):
    NESTED = [NESTED]

# An op the database cannot hold as sent must still get a result and let the device's queue move on:
# otherwise it is refused with 503 (or 500) on every retry and the ops after it never apply.
UNSTORABLE = [
    pytest.param({"entity_id": "3000000000"}, ("rejected", "job_not_found"), id="job-id-beyond-int4"),
    pytest.param({"entity_id": "9" * 20}, ("rejected", "job_not_found"), id="job-id-beyond-int8"),
    pytest.param({"entity_id": "1\u0000"}, ("rejected", "invalid_op"), id="nul-in-entity-id"),
    pytest.param({"type": "note\u0000add"}, ("rejected", "invalid_op"), id="nul-in-type"),
    pytest.param({"payload": {"text": "客户\u0000不在"}}, None, id="nul-in-note-text"),
    # A time that overflowed when kept in UTC (500), and nesting the checks recursed through (RecursionError).
    pytest.param({"client_time": "0001-01-01T00:00:00+08:00"}, ("rejected", "invalid_op"), id="client-time-year-1"),
    pytest.param({"client_time": "9999-12-31T20:00:00-08:00"}, ("rejected", "invalid_op"), id="client-time-year-9999"),
    pytest.param({"payload": {"text": NESTED}}, ("rejected", "invalid_op"), id="payload-nested-600-deep"),
]


@pytest.mark.parametrize(("change", "expected"), UNSTORABLE)
def test_an_op_the_database_cannot_hold_never_blocks_the_devices_queue(device, on_site, change, expected):
    """Fails (server bug): PostgreSQL answers 503 for every case; SQLite raises OverflowError for int8."""
    job = on_site()
    phone = device("tech1")
    ops = [{**phone.op("note.add", job["id"], {"text": "x"}), **change}, phone.op("note.add", job["id"], {"text": "y"})]

    status, body = phone.push(ops)

    assert status == 200, body
    assert body["acked_seq"] == 2
    assert len(body["results"]) == 2
    if expected is not None:
        assert (body["results"][0]["result"], body["results"][0]["code"]) == expected
    assert outcomes(body)[1] == (2, "applied", "")
    assert [op.seq for op in pushed(phone.client_id)] == [1, 2]


@pytest.mark.parametrize("version", [2**31, 2**63, 2**70])
def test_a_schema_version_too_large_to_store_is_refused_as_an_envelope_error(client, catalogue, snapshot, version):
    """Fails (server bug): read_push takes any positive int; storing it raises DataError / OverflowError (500)."""
    before = snapshot()

    response = client.post(
        "/api/sync/push",
        json={"client_id": "phone-0001", "schema_version": version, "ops": []},
        headers=catalogue.tech1.headers,
    )

    assert_error(response, 422, "validation_error", fields=["schema_version"])
    assert snapshot() == before


# ---------------------------------------------------------------- races (PostgreSQL)


def push_request(phone, ops):
    return (
        "POST",
        "/api/sync/push",
        {"client_id": phone.client_id, "schema_version": 1, "ops": ops},
        phone.user.headers,
    )


@pytest.mark.commits
@pytest.mark.postgres_only
def test_the_same_push_sent_twice_at_once_applies_each_op_once(app, device, on_site, events, stock_books):
    """One push retried on a second connection while the first is still running: every op lands exactly once."""
    for _ in range(5):
        job = on_site(serial=None)
        phone = device("tech1")
        ops = [
            phone.op("parts.used", job["id"], {"parts": [{"part_no": "REMOTE", "qty": 1}]}),
            phone.op("note.add", job["id"], {"text": "主板烧了"}),
            phone.op("parts.shortage", job["id"], {"parts": [{"part_no": "PANEL", "qty": 1}]}),
            phone.op("note.add", job["id"], {"text": "等配件"}),
        ]
        before = len(events(job["id"]))
        remote = stock_books("PROV-P01", "REMOTE")

        answers = send_together(app, [push_request(phone, ops), push_request(phone, ops)])

        assert [status for status, _ in answers] == [200, 200], answers
        for index, op in enumerate(ops):
            both = sorted(body["results"][index]["result"] for _, body in answers)
            assert both == ["applied", "duplicate"], answers
            assert all(body["results"][index]["op_id"] == op["op_id"] for _, body in answers)
        assert [body["acked_seq"] for _, body in answers] == [4, 4]
        assert [e["kind"] for e in events(job["id"])[before:]] == ["use_parts", "note", "hold_for_parts", "note"]
        assert count(Requisition, job_id=job["id"]) == 1
        on_hand, ledger = stock_books("PROV-P01", "REMOTE")
        assert on_hand == ledger == (remote[0] or 0) - 1
        assert [(op.seq, op.result) for op in pushed(phone.client_id)] == [(i, "applied") for i in range(1, 5)]
        assert acked(phone.client_id) == 4


@pytest.mark.commits
@pytest.mark.postgres_only
def test_two_ops_with_one_seq_sent_at_once_take_it_once(app, device, on_site, events):
    """Two different ops numbered 1 by one device, on two connections at once: one is applied, one refused."""
    for _ in range(5):
        job = on_site(serial=None)
        phone = device("tech1")
        first = phone.op("note.add", job["id"], {"text": "一"})
        second = {**phone.op("note.add", job["id"], {"text": "二"}), "seq": 1}
        before = len(events(job["id"]))

        answers = send_together(app, [push_request(phone, [first]), push_request(phone, [second])])

        assert [status for status, _ in answers] == [200, 200], answers
        got = sorted((body["results"][0]["result"], body["results"][0]["code"]) for _, body in answers)
        assert got == [("applied", ""), ("rejected", "seq_taken")], answers
        assert len(events(job["id"])) == before + 1
        assert len(pushed(phone.client_id)) == 1


@pytest.mark.parametrize(
    ("count", "status", "code"),
    [(100_000, 413, "payload_too_large"), (1_001, 422, "validation_error")],
    ids=["a hundred thousand ops", "one op past the limit"],
)
def test_a_push_of_too_many_ops_is_refused_whole_at_the_default_limits(
    client, on_site, catalogue, snapshot, count, status, code
):
    """With the settings as shipped: a phone whose outbox ran away is told so, and nothing of it is kept."""
    job = on_site()
    phone = Device(client, catalogue.tech1)
    ops = [phone.op("note.add", job["id"], {"text": "客户不在家"}) for _ in range(count)]
    before = snapshot()

    answer, body = phone.push(ops)

    assert answer == status, body
    assert body["error"]["code"] == code, body
    assert snapshot() == before
