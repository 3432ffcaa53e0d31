"""SLA deadlines without a database: the default minutes of each area class, the deadlines they give a job,
and a preferred visit later than the arrival deadline moving arrival and completion back."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from server.errors import InvalidInput
from server.errors import NotFound
from server.jobs.services import sla
from server.jobs.services.sla import deadlines_from

CREATED = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
CITY = {"contact_minutes": 120, "arrive_minutes": 1440, "complete_minutes": 2880}


def hours(n):
    return timedelta(hours=n)


def test_the_default_minutes_of_each_area_class():
    assert sla.DEFAULT_MINUTES == {
        "city": {"contact_minutes": 120, "arrive_minutes": 1440, "complete_minutes": 2880},
        "county": {"contact_minutes": 240, "arrive_minutes": 2880, "complete_minutes": 5760},
        "remote": {"contact_minutes": 480, "arrive_minutes": 4320, "complete_minutes": 10080},
    }


@pytest.mark.parametrize(
    ("area_class", "contact", "arrive", "complete"),
    [("city", 2, 24, 48), ("county", 4, 48, 96), ("remote", 8, 72, 168)],
)
def test_a_jobs_deadlines_by_default_are_hours_after_its_creation(area_class, contact, arrive, complete):
    policy = sla._policy_view(area_class, None)
    assert deadlines_from(policy, CREATED) == {
        "contact_due_at": CREATED + hours(contact),
        "arrive_due_at": CREATED + hours(arrive),
        "complete_due_at": CREATED + hours(complete),
    }


def test_an_area_class_without_a_stored_policy_shows_the_default_and_says_so():
    assert sla._policy_view("county", None) == {
        "area_class": "county",
        "contact_minutes": 240,
        "arrive_minutes": 2880,
        "complete_minutes": 5760,
        "default": True,
    }


def test_a_stored_policy_replaces_every_default_minute():
    stored = SimpleNamespace(contact_minutes=30, arrive_minutes=600, complete_minutes=1200)
    assert sla._policy_view("remote", stored) == {
        "area_class": "remote",
        "contact_minutes": 30,
        "arrive_minutes": 600,
        "complete_minutes": 1200,
        "default": False,
    }


def test_the_deadlines_follow_the_policy_they_are_given():
    minutes = {"contact_minutes": 1, "arrive_minutes": 10, "complete_minutes": 100}
    assert deadlines_from(minutes, CREATED) == {
        "contact_due_at": CREATED + timedelta(minutes=1),
        "arrive_due_at": CREATED + timedelta(minutes=10),
        "complete_due_at": CREATED + timedelta(minutes=100),
    }


@pytest.mark.parametrize(
    "preferred",
    [
        pytest.param(None, id="no-preferred-visit"),
        pytest.param(CREATED, id="at-creation"),
        pytest.param(CREATED + hours(3), id="before-the-arrival-deadline"),
        pytest.param(CREATED + hours(24), id="at-the-arrival-deadline"),
        pytest.param(CREATED - hours(5), id="before-creation"),
    ],
)
def test_a_preferred_visit_no_later_than_the_arrival_deadline_moves_nothing(preferred):
    assert deadlines_from(CITY, CREATED, preferred) == {
        "contact_due_at": CREATED + hours(2),
        "arrive_due_at": CREATED + hours(24),
        "complete_due_at": CREATED + hours(48),
    }


@pytest.mark.parametrize(
    "shift",
    [
        pytest.param(timedelta(microseconds=1), id="a-microsecond-after"),
        pytest.param(timedelta(minutes=1), id="a-minute-after"),
        pytest.param(hours(1), id="an-hour-after"),
        pytest.param(timedelta(days=30), id="a-month-after"),
    ],
)
def test_a_later_preferred_visit_moves_arrival_and_completion_back_but_not_contact(shift):
    preferred = CREATED + hours(24) + shift
    assert deadlines_from(CITY, CREATED, preferred) == {
        "contact_due_at": CREATED + hours(2),
        "arrive_due_at": preferred,
        "complete_due_at": CREATED + hours(48) + shift,
    }


def test_a_preferred_visit_in_another_time_zone_is_compared_as_the_same_instant():
    china = datetime(2024, 6, 3, 1, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 2024-06-02 17:30 UTC
    dues = deadlines_from(CITY, CREATED, china)
    assert (dues["arrive_due_at"], dues["complete_due_at"]) == (CREATED + hours(32), CREATED + hours(56))


def test_the_deadlines_stay_in_order_whatever_the_preferred_visit():
    for preferred in (None, CREATED + hours(1), CREATED + hours(100)):
        dues = deadlines_from(CITY, CREATED, preferred)
        assert CREATED < dues["contact_due_at"] <= dues["arrive_due_at"] <= dues["complete_due_at"]


# ---------------------------------------------------------------- set_policy: the checks before any write


def test_setting_the_policy_of_an_unknown_area_class_is_not_found():
    with pytest.raises(NotFound) as raised:
        sla.set_policy("village", dict(CITY))
    assert (raised.value.code, raised.value.message) == ("area_class_not_found", "There is no area class village.")


@pytest.mark.parametrize(
    ("contact", "arrive", "complete"),
    [(121, 120, 2880), (120, 2881, 2880), (3000, 2000, 1000), (120, 2880, 1440)],
    ids=["contact-after-arrive", "arrive-after-complete", "all-backwards", "complete-before-arrive"],
)
def test_a_policy_must_run_contact_then_arrive_then_complete(contact, arrive, complete):
    values = {"contact_minutes": contact, "arrive_minutes": arrive, "complete_minutes": complete}
    with pytest.raises(InvalidInput) as raised:
        sla.set_policy("city", values)
    assert (raised.value.code, raised.value.message, raised.value.details) == (
        "validation_error",
        "arrive_minutes: deadlines must run contact ≤ arrive ≤ complete",
        {"fields": {"arrive_minutes": ["deadlines must run contact ≤ arrive ≤ complete"]}},
    )
