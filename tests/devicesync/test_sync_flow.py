"""A technician's phone through one visit: snapshot, offline ops pushed once, changes pulled back."""


def test_a_visit_made_offline_arrives_once_and_comes_back_in_the_feed(device, on_site, walk, open_job, fetch):
    job = walk(open_job(), "assigned")
    phone = device("tech1")
    phone.drain()
    assert job["id"] in phone.jobs()
    assert any(entity == "part" for entity, _ in phone.held)
    ops = [
        phone.op("job.accept", job["id"]),
        phone.op("job.arrive", job["id"]),
        phone.op("parts.used", job["id"], {"parts": [{"part_no": "BOARD", "qty": 1}]}),
        phone.op("parts.shortage", job["id"], {"parts": [{"part_no": "PANEL", "qty": 1}]}),
        phone.op("note.add", job["id"], {"text": "客户不在家"}),
    ]
    status, body = phone.push(ops)
    assert status == 200, body
    assert [r["result"] for r in body["results"]] == ["applied"] * 5, body
    assert body["acked_seq"] == 5
    status, again = phone.push(ops)
    assert [r["result"] for r in again["results"]] == ["duplicate"] * 5
    assert fetch(job["id"])["state"] == "waiting_parts"
    phone.drain()
    assert phone.jobs()[job["id"]]["state"] == "waiting_parts"
    assert any(entity == "requisition" for entity, _ in phone.held)


def test_a_reassigned_job_leaves_the_old_phone_and_reaches_the_new(device, walk, open_job, call, catalogue):
    job = walk(open_job(), "accepted")
    old, new = device("tech1"), device("tech2")
    old.drain()
    new.drain()
    assert job["id"] in old.jobs()
    status, body = call("post", f"/api/jobs/{job['id']}/assign", "dispatcher", {"technician_id": catalogue.tech2.id})
    assert status == 200, body
    old.drain()
    new.drain()
    assert job["id"] not in old.jobs()
    assert job["id"] in new.jobs()
    status, body = old.push([old.op("job.arrive", job["id"])])
    assert body["results"][0]["result"] == "conflict"
    assert body["results"][0]["code"] == "job_reassigned"


def test_compaction_drops_old_changes_and_sends_a_device_left_behind_back_to_a_snapshot(device, walk, open_job):
    from datetime import timedelta

    from server.core.clock import utcnow
    from server.devicesync import feed
    from server.extensions import db

    job = walk(open_job(), "assigned")
    phone = device("tech1")
    phone.drain()
    walk_cursor = phone.cursor
    later = walk(open_job(serial="SN-OLD"), "assigned")
    assert feed.compact(utcnow() + timedelta(days=31), timedelta(days=30)) > 0
    db.session.commit()
    phone.cursor = walk_cursor
    status, body = phone.pull()
    assert status == 200, body
    assert body["reset"] is True
    phone.drain()
    assert {job["id"], later["id"]} <= set(phone.jobs())


def test_a_requisition_raised_offline_reaches_the_phone_as_the_server_shows_it(device, walk, open_job, call):
    job = walk(open_job(), "accepted")
    phone = device("tech1")
    phone.drain()
    shortage = phone.op(
        "parts.shortage",
        job["id"],
        {"parts": [{"part_no": "BOARD", "qty": 1}]},
        client_time="2026-11-22T10:00:00+08:00",
    )
    status, body = phone.push([shortage])
    assert status == 200, body
    assert body["results"][0]["result"] == "applied", body
    phone.drain()
    status, page = call("get", "/api/requisitions", "tech1")
    [requisition] = page["items"]
    assert requisition["device_time"] == "2026-11-22T02:00:00+00:00"
    assert phone.held[("requisition", str(requisition["id"]))] == requisition
