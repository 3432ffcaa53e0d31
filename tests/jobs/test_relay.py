"""The call relay (隐私号): each job's extension and its check digits, the ``call`` a job's JSON carries, and the
relay's question, POST /api/call-relay.

The pure rules first (no database): an extension is its job's id and four check digits keyed by SECRET_KEY,
read back only when every digit is right. Then ``call`` in a job's JSON: there only when the relay is set up
(its number and its token) and would put a call through (the job open, a technician holding it), alike for
everyone who sees the job and in the devices' feeds. Then the relay's adapter asking whom a call reaches: only
with the relay's token, only for an open job a technician holds, and the call kept on the job's record.
"""

import json

import pytest

from server.api import MAX_ID
from server.jobs.services.relay import job_of_extension
from server.jobs.services.relay import relay_extension
from tests.fixtures.jobs import PHONE
from tests.helpers import assert_error

KEY = "test-secret-key-of-enough-length-for-hs256"  # tests/conftest.py's SECRET_KEY
NUMBER = "95000000"
TOKEN = "relay-token-of-the-tests"


# ---------------------------------------------------------------- extensions (no database)


@pytest.mark.parametrize("job_id", [1, 7, 10, 12_345, 999_999, MAX_ID])
def test_an_extension_is_the_jobs_id_then_four_check_digits_and_reads_back_as_the_job(job_id):
    extension = relay_extension(KEY, job_id)
    assert extension.startswith(str(job_id))
    assert len(extension) == len(str(job_id)) + 4
    assert set(extension) <= set("0123456789")
    assert job_of_extension(KEY, extension) == job_id


def test_the_check_digits_are_the_keys():
    differ = [i for i in range(1, 201) if relay_extension(KEY, i) != relay_extension("another-key", i)]
    assert len(differ) > 190  # alike by chance 1 time in 10,000
    assert all(job_of_extension("another-key", relay_extension(KEY, i)) is None for i in differ)


@pytest.mark.parametrize("position", [-4, -3, -2, -1])
def test_a_check_digit_keyed_wrong_reaches_no_job(position):
    for job_id in (1, 42, 12_345):
        extension = relay_extension(KEY, job_id)
        digits = list(extension)
        digits[position] = str((int(digits[position]) + 1) % 10)
        assert job_of_extension(KEY, "".join(digits)) is None


def test_another_jobs_check_digits_reach_neither_job():
    ours, theirs = relay_extension(KEY, 41), relay_extension(KEY, 42)
    assert ours[-4:] != theirs[-4:]
    assert job_of_extension(KEY, "41" + theirs[-4:]) is None


@pytest.mark.parametrize(
    "extension",
    [
        "",
        "1234",  # the check digits alone: no job's id
        "123",
        "abcde",
        "12a45",
        "1234５",  # a fullwidth digit
        "１２３４５６",
        "²12345",
        "12345\n",
        " 12345",
        "123 45",
        "-12345",
        "+12345",
        "1.2345",
        "0" + "12345",  # an id with a leading zero
        "0000",
        "9" * 15,  # longer than any id and its check digits
        "9" * 400,
    ],
)
def test_what_is_not_an_id_and_four_digits_reaches_no_job(extension):
    assert job_of_extension(KEY, extension) is None


def test_an_id_past_the_largest_a_job_can_have_reaches_no_job_whatever_its_check_digits():
    assert job_of_extension(KEY, relay_extension(KEY, MAX_ID + 1)) is None
    assert job_of_extension(KEY, relay_extension(KEY, 10**10)) is None


def test_a_leading_zero_is_refused_though_the_id_and_its_digits_are_right():
    assert job_of_extension(KEY, "0" + relay_extension(KEY, 42)) is None


# ---------------------------------------------------------------- the call in a job's JSON


@pytest.fixture
def relay(app, monkeypatch):
    """The relay set up: its number and its token."""
    monkeypatch.setitem(app.config, "CALL_RELAY_NUMBER", NUMBER)
    monkeypatch.setitem(app.config, "CALL_RELAY_TOKEN", TOKEN)


def the_call(job_id):
    return {"number": NUMBER, "extension": relay_extension(KEY, job_id)}


@pytest.fixture
def cancelled(open_job, walk, people, client):
    def make():
        job_id = walk(open_job(serial=None), "accepted")["id"]
        response = client.post(
            f"/api/jobs/{job_id}/cancel", json={"reason": "客户取消"}, headers=people.dispatcher.headers
        )
        assert response.status_code == 200, response.get_json()
        return job_id

    return make


# The states a job is walked to (tests/fixtures/jobs.py), whether the relay would put a call through, and who
# sees the job then.
EVERYONE = ("tech1", "pm1", "dispatcher", "agent")
STATES = [
    ("new", False, ("dispatcher", "agent")),  # no provider, no technician
    ("dispatched", False, ("pm1", "dispatcher")),  # the provider has not given it to a technician yet
    ("assigned", True, EVERYONE),
    ("accepted", True, EVERYONE),
    ("en_route", True, EVERYONE),
    ("on_site", True, EVERYONE),
    ("completed", False, EVERYONE),
    ("closed", False, EVERYONE),
]


@pytest.mark.parametrize(("state", "callable_", "readers"), STATES, ids=[state for state, *_ in STATES])
def test_a_job_carries_the_call_for_everyone_who_sees_it_while_the_relay_would_put_it_through(
    relay, client, people, open_job, walk, state, callable_, readers
):
    job_id = walk(open_job(serial=None), state)["id"]
    for who in readers:
        response = client.get(f"/api/jobs/{job_id}", headers=getattr(people, who).headers)
        assert response.status_code == 200, (who, response.get_json())
        assert response.get_json()["call"] == (the_call(job_id) if callable_ else None), who


def test_a_cancelled_job_carries_no_call(relay, client, people, cancelled):
    job_id = cancelled()
    assert client.get(f"/api/jobs/{job_id}", headers=people.tech1.headers).get_json()["call"] is None


@pytest.mark.parametrize(
    ("number", "token", "callable_"),
    [(None, None, False), (NUMBER, None, False), (None, TOKEN, False), ("", TOKEN, False), (NUMBER, TOKEN, True)],
)
def test_a_job_carries_the_call_only_with_the_relays_number_and_token_both_set(
    app, monkeypatch, client, people, open_job, walk, number, token, callable_
):
    monkeypatch.setitem(app.config, "CALL_RELAY_NUMBER", number)
    monkeypatch.setitem(app.config, "CALL_RELAY_TOKEN", token)
    job_id = walk(open_job(serial=None), "accepted")["id"]
    listed = client.get("/api/jobs", headers=people.tech1.headers).get_json()["items"]
    shown = client.get(f"/api/jobs/{job_id}", headers=people.tech1.headers).get_json()
    assert [item["call"] for item in listed] == [shown["call"]]
    assert shown["call"] == (the_call(job_id) if callable_ else None)


def test_without_a_relay_every_job_says_so_with_a_null_call(client, people, open_job, walk):
    job_id = walk(open_job(serial=None), "accepted")["id"]
    shown = client.get(f"/api/jobs/{job_id}", headers=people.tech1.headers).get_json()
    assert "call" in shown
    assert shown["call"] is None


def test_a_steps_answer_carries_the_call_as_the_job_now_is(relay, client, people, open_job, walk):
    job_id = walk(open_job(serial=None), "on_site")["id"]
    body = {"summary": "换主板", "confirmed_by": "王先生"}
    accepted = walk(open_job(serial=None), "assigned")["id"]
    response = client.post(f"/api/jobs/{accepted}/accept", json={}, headers=people.tech1.headers)
    assert response.get_json()["call"] == the_call(accepted)
    response = client.post(f"/api/jobs/{job_id}/complete", json=body, headers=people.tech1.headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["call"] is None


def test_the_phones_feed_carries_the_call_and_drops_it_once_the_job_is_completed(
    relay, client, device, walk, open_job, catalogue
):
    phone = device("tech1")
    job_id = walk(open_job(serial=None), "on_site")["id"]
    phone.drain()
    assert phone.jobs()[job_id]["call"] == the_call(job_id)
    body = {"summary": "换主板", "confirmed_by": "王先生"}
    response = client.post(f"/api/jobs/{job_id}/complete", json=body, headers=catalogue.tech1.headers)
    assert response.status_code == 200, response.get_json()
    phone.drain()
    assert phone.jobs()[job_id]["call"] is None


# ---------------------------------------------------------------- the relay's question: whom does a call reach


def ask(client, body, authorization=f"Bearer {TOKEN}"):
    """POST /api/call-relay as the relay's adapter (``authorization``: the header, None for none)."""
    headers = {} if authorization is None else {"Authorization": authorization}
    return client.post("/api/call-relay", json=body, headers=headers)


@pytest.fixture
def on_call(relay, open_job, walk):
    """The id of a job tech1 has accepted, with the relay set up."""
    return walk(open_job(serial=None), "accepted")["id"]


def test_the_relay_is_told_the_customers_phone_and_the_job_and_the_call_goes_on_the_jobs_record(
    client, on_call, fetch, events
):
    before = fetch(on_call)
    response = ask(client, {"extension": relay_extension(KEY, on_call)})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"connect_to": PHONE, "job_number": before["number"]}
    [event] = [event for event in events(on_call) if event["kind"] == "call_relayed"]
    assert (event["actor"], event["from_state"], event["to_state"], event["data"]) == (
        None,
        "accepted",
        "accepted",
        None,
    )
    assert PHONE[-8:] not in json.dumps(event)
    assert fetch(on_call)["version"] == before["version"]  # the job itself is as it was


def test_the_extension_the_technician_is_given_is_the_one_the_relay_puts_through(client, people, on_call):
    call = client.get(f"/api/jobs/{on_call}", headers=people.tech1.headers).get_json()["call"]
    assert call["number"] == NUMBER
    assert ask(client, {"extension": call["extension"]}).get_json()["connect_to"] == PHONE


def test_each_call_put_through_is_on_the_record(client, on_call, events):
    for _ in range(2):
        assert ask(client, {"extension": relay_extension(KEY, on_call)}).status_code == 200
    assert [event["kind"] for event in events(on_call)].count("call_relayed") == 2


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer relay-token-of-the-testZ",
        "Bearer 密码",
        TOKEN,
    ],
    ids=["none", "empty", "scheme-alone", "scheme-blank", "basic", "longer", "shorter", "one-off", "not-ascii", "bare"],
)
def test_a_caller_without_the_relays_token_is_401_and_nothing_changes(client, on_call, snapshot, authorization):
    before = snapshot()
    response = ask(client, {"extension": relay_extension(KEY, on_call)}, authorization)
    assert_error(response, 401, "relay_unauthorized")
    assert PHONE not in response.get_data(as_text=True)
    assert snapshot() == before


def test_a_users_own_token_does_not_ask_the_relay(client, people, on_call):
    response = client.post(
        "/api/call-relay", json={"extension": relay_extension(KEY, on_call)}, headers=people.admin.headers
    )
    assert_error(response, 401, "relay_unauthorized")


@pytest.mark.parametrize(("number", "token"), [(None, None), (None, TOKEN), (NUMBER, None), ("", TOKEN), (NUMBER, "")])
def test_without_a_relay_set_up_even_its_token_is_401(app, monkeypatch, client, open_job, walk, number, token):
    monkeypatch.setitem(app.config, "CALL_RELAY_NUMBER", number)
    monkeypatch.setitem(app.config, "CALL_RELAY_TOKEN", token)
    job_id = walk(open_job(serial=None), "accepted")["id"]
    for authorization in (f"Bearer {TOKEN}", "Bearer ", "Bearer None", None):
        assert_error(ask(client, {"extension": relay_extension(KEY, job_id)}, authorization), 401, "relay_unauthorized")


def test_the_token_is_asked_for_before_the_body_is_read(client, relay):
    assert_error(ask(client, {"extension": "not digits"}, None), 401, "relay_unauthorized")
    response = client.post("/api/call-relay", data="{not json", content_type="application/json")
    assert_error(response, 401, "relay_unauthorized")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"extension": None},
        {"extension": 12345},
        {"extension": ["12345"]},
        {"extension": ""},
        {"extension": "12a45"},
        {"extension": "12 345"},
        {"extension": "１２３４５"},
        {"extension": "12345\n"},
        {"extension": "1" * 33},
    ],
    ids=["missing", "null", "number", "list", "empty", "letter", "space", "fullwidth", "newline", "too-long"],
)
def test_an_extension_that_is_not_1_to_32_digits_is_422_naming_it_and_nothing_changes(client, on_call, snapshot, body):
    before = snapshot()
    assert_error(ask(client, body), 422, "validation_error", {"extension"})
    assert snapshot() == before


def test_an_extension_of_no_job_is_404_and_nothing_changes(client, on_call, snapshot):
    mine = relay_extension(KEY, on_call)
    wrong = mine[:-1] + str((int(mine[-1]) + 1) % 10)
    before = snapshot()
    for extension in (relay_extension(KEY, 999_999), wrong, "1234", "5", "0" + mine, "9" * 32):
        response = ask(client, {"extension": extension})
        assert_error(response, 404, "extension_unknown")
        assert PHONE not in response.get_data(as_text=True)
    assert snapshot() == before


@pytest.mark.both_backends
@pytest.mark.parametrize("job_id", [MAX_ID, MAX_ID + 1, 10**10 - 1])
def test_an_extension_of_the_largest_ids_is_404_without_asking_past_the_column(client, relay, job_id):
    """PostgreSQL's integer column ends at MAX_ID: an id past it must never reach a query."""
    assert_error(ask(client, {"extension": relay_extension(KEY, job_id)}), 404, "extension_unknown")


@pytest.mark.parametrize("state", ["new", "dispatched", "completed", "closed", "cancelled"])
def test_a_job_ended_or_that_no_technician_holds_is_409_and_nothing_changes(
    client, relay, open_job, walk, cancelled, snapshot, state
):
    job_id = cancelled() if state == "cancelled" else walk(open_job(serial=None), state)["id"]
    before = snapshot()
    response = ask(client, {"extension": relay_extension(KEY, job_id)})
    error = assert_error(response, 409, "job_closed")
    assert error["details"] == {"state": state}
    assert PHONE not in response.get_data(as_text=True)
    assert snapshot() == before
