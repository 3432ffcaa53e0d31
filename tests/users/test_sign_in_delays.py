"""The sign-in delay: failed sign-ins of one username from one address make that pair wait (server/users/delays.py).

Through HTTP where the answer matters (429, Retry-After, the envelope), with the first delay raised to a minute so
that no test depends on how fast it runs; through the service with ``now=`` where time has to pass.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy import update

from server.config import DEFAULTS
from server.errors import TooManyRequests
from server.errors import Unauthorized
from server.extensions import db
from server.users import delays
from server.users import services
from server.users.delays import delay_after
from server.users.models import SignInFailure
from tests.helpers import assert_error
from tests.races import send_together

PASSWORD = "correct horse battery"
WRONG = "wrong horse battery"
STRANGER = "203.0.113.66"
OWNER = "198.51.100.7"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(client, username, password=PASSWORD, address="127.0.0.1"):
    return client.post(
        "/api/auth/token",
        json={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def fail(client, username, times, address="127.0.0.1"):
    statuses = [sign_in(client, username, WRONG, address).status_code for _ in range(times)]
    assert statuses == [401] * times


@pytest.fixture
def minute_delays(app, monkeypatch):
    """The first delay is a minute: a test's next request always falls inside it, however slow the machine."""
    monkeypatch.setitem(app.config, "SIGN_IN_DELAY_SECONDS", 60)


def failures_of(username, address):
    db.session.expire_all()
    return db.session.scalar(
        select(SignInFailure.failures).where(SignInFailure.username == username, SignInFailure.address == address)
    )


def service_sign_in(username, password, address, now):
    """The service's answer at ``now``: "ok", or the refusal's code and Retry-After."""
    try:
        services.sign_in(username, password, address, now=now)
    except TooManyRequests as refusal:
        db.session.commit()
        return refusal.code, int(refusal.headers["Retry-After"])
    except Unauthorized as refusal:
        db.session.commit()  # what the request's transaction does with a refusal that records itself
        return refusal.code, None
    db.session.commit()
    return "ok", None


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, None), (1, None), (5, None), (6, 1), (7, 2), (8, 4), (10, 16), (15, 512), (16, 900), (40, 900), (10**9, 900)],
)
def test_the_delay_starts_after_five_failures_and_doubles_up_to_fifteen_minutes(failures, seconds):
    expected = None if seconds is None else timedelta(seconds=seconds)
    assert delay_after(failures, DEFAULTS) == expected


# ---------------------------------------------------------------- through the API


def test_after_too_many_failures_even_the_right_password_waits_with_429_and_retry_after(
    client, make_user, minute_delays
):
    make_user("agent", username="ann")
    fail(client, "ann", 6)  # five pass freely; the sixth starts the delay
    response = sign_in(client, "ann")  # the right password, too soon
    error = assert_error(response, 429, "too_many_attempts")
    assert 0 < int(response.headers["Retry-After"]) <= 60
    assert error["details"] == {"retry_after": int(response.headers["Retry-After"])}
    assert "try again in" in error["message"]


def test_during_the_delay_the_password_is_not_read_and_nothing_is_counted(
    client, make_user, minute_delays, monkeypatch
):
    make_user("agent", username="ann")
    fail(client, "ann", 6)

    def must_not_run(*args):
        raise AssertionError("the password was checked during the delay")

    monkeypatch.setattr(services, "verify_password", must_not_run)
    monkeypatch.setattr(services, "burn_time", must_not_run)
    for password in (WRONG, PASSWORD):
        assert_error(sign_in(client, "ann", password), 429, "too_many_attempts")
    assert failures_of("ann", "127.0.0.1") == 6


def test_the_failures_are_kept_although_the_answer_is_an_error(client, make_user):
    make_user("agent", username="ann")
    fail(client, "ann", 3)
    assert failures_of("ann", "127.0.0.1") == 3


def test_a_success_forgets_the_failures(client, make_user, minute_delays):
    make_user("agent", username="ann")
    fail(client, "ann", 5)
    assert sign_in(client, "ann").status_code == 200
    assert failures_of("ann", "127.0.0.1") is None
    fail(client, "ann", 5)  # five free ones again, not a delay after one
    assert sign_in(client, "ann").status_code == 200


def test_an_unknown_username_is_delayed_alike_so_the_delay_reveals_nothing(client, make_user, minute_delays):
    make_user("agent", username="ann")
    fail(client, "ann", 6)
    fail(client, "nobody", 6)
    known, unknown = sign_in(client, "ann", WRONG), sign_in(client, "nobody", WRONG)
    assert (known.status_code, known.json["error"]["code"]) == (unknown.status_code, unknown.json["error"]["code"])
    assert known.json["error"]["message"] == unknown.json["error"]["message"]
    assert known.status_code == 429


def test_the_owner_signs_in_from_another_address_while_a_stranger_is_delayed(client, make_user, minute_delays):
    make_user("agent", username="ann")
    fail(client, "ann", 6, address=STRANGER)
    assert_error(sign_in(client, "ann", WRONG, address=STRANGER), 429, "too_many_attempts")
    assert sign_in(client, "ann", address=OWNER).status_code == 200
    # The owner's success forgets only the owner's own failures: the stranger still waits.
    assert_error(sign_in(client, "ann", WRONG, address=STRANGER), 429, "too_many_attempts")


def test_a_stranger_failing_without_end_never_makes_the_pair_wait_more_than_fifteen_minutes(app, make_user):
    make_user("agent", username="ann")
    now, waits = T0, []
    # Five free failures, then twenty rounds of: a failure, and a try refused until the wait it names is over.
    for _ in range(5 + 2 * 20):
        code, retry_after = service_sign_in("ann", WRONG, STRANGER, now)
        if code == "too_many_attempts":
            waits.append(retry_after)
            now += timedelta(seconds=retry_after)
        else:
            assert code == "invalid_credentials"
    assert waits == [2**n for n in range(10)] + [15 * 60] * 10
    # When the wait is over, the right password from that very address gets in too.
    assert service_sign_in("ann", PASSWORD, STRANGER, now) == ("ok", None)


def test_the_count_starts_again_after_a_day_without_failures(app, make_user):
    make_user("agent", username="ann")
    for second in range(6):
        service_sign_in("ann", WRONG, OWNER, T0 + timedelta(seconds=second))
    assert failures_of("ann", OWNER) == 6
    later = T0 + timedelta(days=1, minutes=1)
    assert service_sign_in("ann", WRONG, OWNER, later) == ("invalid_credentials", None)
    assert failures_of("ann", OWNER) == 1
    assert service_sign_in("ann", WRONG, OWNER, later) == ("invalid_credentials", None)


def test_a_disabled_account_is_delayed_like_any_other(client, make_user, minute_delays):
    make_user("agent", username="ann", active=False)
    fail(client, "ann", 6)
    assert_error(sign_in(client, "ann"), 429, "too_many_attempts")


# ---------------------------------------------------------------- at the same moment


@pytest.mark.both_backends
@pytest.mark.commits
def test_twenty_wrong_passwords_at_the_same_moment_count_twenty_failures(app, make_user, monkeypatch):
    """Each failure adds one in one statement: none is lost to another written beside it, whether the pair's
    record is yet to be made (the first round) or is there already (the second)."""
    monkeypatch.setitem(app.config, "SIGN_IN_DELAY_AFTER", 100)  # all of them reach the password check
    make_user("agent", username="ann")
    body = {"username": "ann", "password": WRONG}
    for round_ in (1, 2):
        answers = send_together(app, [("POST", "/api/auth/token", body, {})] * 20)
        assert [status for status, _ in answers] == [401] * 20, answers
        assert failures_of("ann", "127.0.0.1") == 20 * round_


def test_the_scheduler_drops_pairs_whose_failures_no_longer_count(app):
    """A pair quiet for the reset period is dropped; one failing recently, or still waiting, is kept."""
    reset = timedelta(seconds=app.config["SIGN_IN_FAILURES_RESET_SECONDS"])
    for _ in range(app.config["SIGN_IN_DELAY_AFTER"] + 1):
        service_sign_in("guess-old", WRONG, STRANGER, T0)
        service_sign_in("guess-new", WRONG, STRANGER, T0 + reset)
    service_sign_in("ghost", WRONG, STRANGER, T0 - timedelta(days=30))
    db.session.execute(
        update(SignInFailure).where(SignInFailure.username == "guess-old").values(delayed_until=T0 + 2 * reset)
    )
    db.session.commit()
    later = T0 + reset + timedelta(seconds=1)

    assert delays.purge(later) == 1  # the ghost; guess-old still waits, guess-new failed a second ago
    db.session.commit()
    assert failures_of("ghost", STRANGER) is None
    assert failures_of("guess-old", STRANGER) == app.config["SIGN_IN_DELAY_AFTER"] + 1
    assert failures_of("guess-new", STRANGER) == app.config["SIGN_IN_DELAY_AFTER"] + 1
    assert delays.purge(T0 + 3 * reset) == 2
