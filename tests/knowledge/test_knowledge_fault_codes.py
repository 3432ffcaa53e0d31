"""Fault codes come from the knowledge base: the list the forms offer, and a job's completion through the API
and through a phone's sync."""

import pytest
from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from tests.helpers import assert_error

COMPLETION = {"summary": "换背光灯条", "confirmed_by": "王先生"}


@pytest.fixture
def codes(add_entry, faq, call):
    """Defects E21 (TV55), E30 (whole tv category), F10 (FR40) and W99 (withdrawn), and an FAQ."""
    add_entry()
    add_entry(title="主板故障", fault_code="E30", models=[], categories=["tv"])
    add_entry(title="不制冷", fault_code="F10", models=["FR40"], parts=[])
    withdrawn = add_entry(title="旧代码", fault_code="W99")
    call("post", f"/api/knowledge/{withdrawn['id']}/deactivate", "admin")
    faq(title="使用常见问题")


def stored_code(job_id):
    db.session.expire_all()
    return db.session.scalar(select(Job.fault_code).where(Job.id == job_id))


def test_the_fault_codes_are_the_active_defects_with_title_and_models(call, codes):
    status, body = call("get", "/api/fault-codes", "tech1")
    assert status == 200, body
    assert body["items"] == [
        {"fault_code": "E21", "title": "有声音无图像 (no picture)", "models": ["TV55"], "categories": []},
        {"fault_code": "E30", "title": "主板故障", "models": [], "categories": ["tv"]},
        {"fault_code": "F10", "title": "不制冷", "models": ["FR40"], "categories": []},
    ]


@pytest.mark.parametrize(("model", "found"), [("TV55", ["E21", "E30"]), ("TV65", ["E30"]), ("FR40", ["F10"])])
def test_the_fault_codes_of_a_model_include_its_categorys(call, codes, model, found):
    status, body = call("get", f"/api/fault-codes?model={model}", "tech1")
    assert (status, [item["fault_code"] for item in body["items"]]) == (200, found)


def test_the_fault_codes_of_an_unknown_model_is_422(client, kb, codes):
    response = client.get("/api/fault-codes?model=NOPE", headers=kb.tech1.headers)
    assert_error(response, 422, "validation_error", fields=["model"])


def test_a_completion_records_the_fault_code_found(call, codes, on_site, fetch):
    job = on_site()
    status, body = call("post", f"/api/jobs/{job['id']}/complete", "tech1", {**COMPLETION, "fault_code": "E21"})
    assert (status, body["state"], body["fault_code"]) == (200, "completed", "E21"), body
    assert stored_code(job["id"]) == "E21"


@pytest.mark.parametrize("body", [COMPLETION, {**COMPLETION, "fault_code": None}], ids=["absent", "null"])
def test_a_completion_without_a_fault_code_records_none(call, codes, on_site, body):
    job = on_site()
    status, answer = call("post", f"/api/jobs/{job['id']}/complete", "tech1", body)
    assert (status, answer["state"], answer["fault_code"]) == (200, "completed", None), answer
    assert stored_code(job["id"]) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("E99", "unknown fault code E99"),
        ("W99", "fault code W99 was withdrawn from the knowledge base"),
        ("e21", "unknown fault code e21"),
        ("E 21", "Use 1-32 letters, digits or '_.-'."),
    ],
    ids=["unknown", "withdrawn", "wrong-case", "malformed"],
)
def test_a_completion_with_a_code_the_knowledge_base_does_not_offer_is_422_and_changes_nothing(
    client, kb, codes, on_site, snapshot, code, message
):
    job = on_site()
    before = snapshot()
    response = client.post(
        f"/api/jobs/{job['id']}/complete", json={**COMPLETION, "fault_code": code}, headers=kb.tech1.headers
    )
    error = assert_error(response, 422, "validation_error", fields=["fault_code"])
    assert error["details"]["fields"]["fault_code"] == [message]
    assert snapshot() == before


def test_a_completion_synced_from_a_phone_records_the_fault_code(device, codes, on_site, fetch):
    job = on_site()
    phone = device("tech1")
    status, body = phone.push([phone.op("job.complete", job["id"], {**COMPLETION, "fault_code": "E30"})])
    assert status == 200, body
    assert [(r["result"], r["code"]) for r in body["results"]] == [("applied", "")]
    assert fetch(job["id"])["fault_code"] == "E30"
    assert stored_code(job["id"]) == "E30"


@pytest.mark.parametrize("code", ["E99", "W99"], ids=["unknown", "withdrawn"])
def test_a_synced_completion_with_a_code_not_offered_is_rejected_with_its_reason(device, codes, on_site, fetch, code):
    job = on_site()
    phone = device("tech1")
    ops = [
        phone.op("job.complete", job["id"], {**COMPLETION, "fault_code": code}),
        phone.op("note.add", job["id"], {"text": "客户要求改天再来"}),
    ]
    status, body = phone.push(ops)
    assert status == 200, body
    assert [(r["result"], r["code"]) for r in body["results"]] == [
        ("rejected", "validation_error"),
        ("applied", ""),
    ]
    assert f"fault code {code}" in body["results"][0]["message"]
    assert fetch(job["id"])["state"] == "on_site"
    assert stored_code(job["id"]) is None
