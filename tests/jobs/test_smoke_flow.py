"""The whole life of one job through the API, end to end."""


def test_a_request_goes_from_new_to_closed(client, people, open_job, walk):
    job = open_job()
    assert job["state"] == "new"
    assert job["job_type"] == "warranty"
    assert job["sla"]["contact_due_at"]
    closed = walk(job, "closed")
    assert closed["state"] == "closed"
    events = client.get(f"/api/jobs/{job['id']}/events", headers=people.admin.headers).get_json()
    assert [event["kind"] for event in events] == [
        "created",
        "dispatched",
        "assigned",
        "accept",
        "depart",
        "arrive",
        "scan",
        "complete",
        "close",
    ]
