"""The job step table without a database: who may take which step from which state, and what the app offers.

Every table here is written out by hand, not read from STEPS, so a change to the product's step table must
change these tests too. Plain objects stand in for the job and the user.
"""

import itertools
from types import SimpleNamespace

import pytest

from server.errors import Conflict
from server.errors import Forbidden
from server.jobs.services.lifecycle import STEPS
from server.jobs.services.lifecycle import allowed_actions
from server.jobs.services.lifecycle import check_step

STATES = ("new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts", "completed", "closed", "cancelled")
ROLES = ("admin", "agent", "dispatcher", "technician", "provider_manager", "parts_clerk", "hq_planner", "auditor")
OPEN = ("new", "dispatched", "accepted", "en_route", "on_site", "waiting_parts")
WORKING = ("accepted", "en_route", "on_site", "waiting_parts")
TECH = ("technician",)
DESK = ("agent", "dispatcher", "admin")

# step: (the states it starts from, the roles that may take it (none: only the system), the state it leads to,
#        whether it is done on the phone, how a refusal words it)
TABLE = {
    "accept": (("dispatched",), TECH, "accepted", True, "accepted"),
    "decline": (("dispatched", "accepted"), TECH, "dispatched", True, "declined"),
    "contact": (("dispatched", *WORKING), ("technician", "provider_manager"), None, True, "given a customer contact"),
    "depart": (("accepted",), TECH, "en_route", True, "set on the way"),
    "arrive": (("accepted", "en_route"), TECH, "on_site", True, "marked arrived"),
    "hold_for_parts": (("accepted", "en_route", "on_site"), TECH, "waiting_parts", True, "put on hold for parts"),
    "parts_arrived": (("waiting_parts",), (), "accepted", False, "released from waiting for parts"),
    "parts_refused": (("waiting_parts",), (), "accepted", False, "released from waiting for parts"),
    "scan": ((*WORKING, "completed"), TECH, None, True, "given a serial scan"),
    "use_parts": ((*WORKING, "completed"), TECH, None, True, "given parts used"),
    "report_shortage": (WORKING, TECH, None, True, "given missing parts"),
    "complete": (("on_site",), TECH, "completed", True, "completed"),
    "close": (("completed",), ("dispatcher", "provider_manager", "admin"), "closed", False, "closed"),
    "cancel": (OPEN, DESK, "cancelled", False, "cancelled"),
    "escalate": ((*OPEN, "completed"), DESK, None, False, "escalated"),
}

TECH_ID = 7


def job_in(state, technician_id=TECH_ID, provider_id=1):
    return SimpleNamespace(number="J2024-0001", state=state, technician_id=technician_id, provider_id=provider_id)


def user(role, id=TECH_ID):
    """A user of ``role``; a technician is the job's own unless given another id."""
    return SimpleNamespace(role=role, id=id)


# ---------------------------------------------------------------- the table itself


def test_the_steps_are_exactly_those_of_the_table():
    assert list(STEPS) == list(TABLE)


@pytest.mark.parametrize("name", TABLE)
def test_each_step_starts_from_its_states_and_leads_to_its_state(name):
    from_states, roles, to_state, field, _ = TABLE[name]
    step = STEPS[name]
    assert (step.name, step.from_states, step.roles, step.to_state, step.field) == (
        name,
        from_states,
        roles,
        to_state,
        field,
    )


# ---------------------------------------------------------------- check_step: every state × step × role


def expected_refusal(state, name, role):
    """``(error class, code, message, details)`` for a refused step, or None when the step is allowed."""
    from_states, roles, _, _, past = TABLE[name]
    if roles and role not in roles:
        return Forbidden, "role_forbidden", f"A {role} may not {name} a job.", {"allowed_roles": list(roles)}
    if state not in from_states:
        return (
            Conflict,
            "illegal_transition",
            f"Job J2024-0001 is {state}; it cannot be {past} now.",
            {"state": state, "action": name, "allowed_from": list(from_states)},
        )
    return None


CASES = list(itertools.product(STATES, TABLE, ROLES))


@pytest.mark.parametrize(("state", "name", "role"), CASES, ids=["-".join(case) for case in CASES])
def test_check_step_for_every_state_step_and_role(state, name, role):
    refusal = expected_refusal(state, name, role)
    job = job_in(state)

    if refusal is None:
        assert check_step(job, user(role), name) is STEPS[name]
        return
    error, code, message, details = refusal
    with pytest.raises(error) as raised:
        check_step(job, user(role), name)
    assert (raised.value.code, raised.value.message, raised.value.details) == (code, message, details)


SYSTEM_CASES = list(itertools.product(STATES, TABLE))


@pytest.mark.parametrize(("state", "name"), SYSTEM_CASES, ids=["-".join(case) for case in SYSTEM_CASES])
def test_a_step_the_system_takes_is_checked_against_the_state_alone(state, name):
    from_states, _, _, _, past = TABLE[name]
    if state in from_states:
        assert check_step(job_in(state), None, name) is STEPS[name]
        return
    with pytest.raises(Conflict) as raised:
        check_step(job_in(state), None, name)
    assert (raised.value.code, raised.value.message) == (
        "illegal_transition",
        f"Job J2024-0001 is {state}; it cannot be {past} now.",
    )


def test_a_role_refusal_comes_before_a_state_refusal():
    with pytest.raises(Forbidden) as raised:
        check_step(job_in("closed"), user("dispatcher"), "accept")
    assert raised.value.details == {"allowed_roles": ["technician"]}


def test_a_state_refusal_names_the_states_the_step_starts_from_in_order():
    with pytest.raises(Conflict) as raised:
        check_step(job_in("new"), user("technician"), "arrive")
    assert raised.value.details == {"state": "new", "action": "arrive", "allowed_from": ["accepted", "en_route"]}


# ---------------------------------------------------------------- check_step: a technician's own jobs


@pytest.mark.parametrize(
    ("state", "name"),
    [
        ("dispatched", "accept"),
        ("accepted", "depart"),
        ("en_route", "arrive"),
        ("on_site", "complete"),
        ("waiting_parts", "contact"),
        ("completed", "scan"),
    ],
)
@pytest.mark.parametrize("technician_id", [8, None], ids=["another-technicians-job", "nobodys-job"])
def test_a_technician_may_not_step_a_job_that_is_not_theirs(state, name, technician_id):
    with pytest.raises(Forbidden) as raised:
        check_step(job_in(state, technician_id=technician_id), user("technician"), name)
    assert (raised.value.code, raised.value.message) == ("not_your_job", "Job J2024-0001 is not assigned to you.")


def test_a_technician_is_told_of_the_state_before_whose_job_it_is():
    with pytest.raises(Conflict) as raised:
        check_step(job_in("closed", technician_id=8), user("technician"), "complete")
    assert raised.value.code == "illegal_transition"


@pytest.mark.parametrize("technician_id", [8, None])
def test_a_provider_manager_contacts_the_customer_of_any_technicians_job(technician_id):
    assert check_step(job_in("accepted", technician_id=technician_id), user("provider_manager", id=99), "contact")


def test_an_unknown_step_is_a_programming_error():
    with pytest.raises(KeyError):
        check_step(job_in("new"), user("admin"), "teleport")


# ---------------------------------------------------------------- allowed_actions: what each role is offered

DESK_IN_WORK = ["dispatch", "assign", "cancel", "escalate"]
NOTHING = {role: [] for role in ROLES}

# state → role → the buttons offered, in order, on a job with a provider and with the technician as its own.
OFFERED = {
    "new": {
        **NOTHING,
        "admin": ["dispatch", "cancel", "escalate"],
        "agent": ["cancel", "escalate"],
        "dispatcher": ["dispatch", "cancel", "escalate"],
    },
    "dispatched": {
        **NOTHING,
        "admin": DESK_IN_WORK,
        "agent": ["cancel", "escalate"],
        "dispatcher": DESK_IN_WORK,
        "technician": ["accept", "decline", "contact"],
        "provider_manager": ["assign", "contact"],
    },
    "accepted": {
        **NOTHING,
        "admin": DESK_IN_WORK,
        "agent": ["cancel", "escalate"],
        "dispatcher": DESK_IN_WORK,
        "technician": ["decline", "contact", "depart", "arrive", "scan", "use_parts", "report_shortage"],
        "provider_manager": ["assign", "contact"],
    },
    "en_route": {
        **NOTHING,
        "admin": DESK_IN_WORK,
        "agent": ["cancel", "escalate"],
        "dispatcher": DESK_IN_WORK,
        "technician": ["contact", "arrive", "scan", "use_parts", "report_shortage"],
        "provider_manager": ["assign", "contact"],
    },
    "on_site": {
        **NOTHING,
        "admin": DESK_IN_WORK,
        "agent": ["cancel", "escalate"],
        "dispatcher": DESK_IN_WORK,
        "technician": ["contact", "scan", "use_parts", "report_shortage", "complete"],
        "provider_manager": ["assign", "contact"],
    },
    "waiting_parts": {
        **NOTHING,
        "admin": ["assign", "cancel", "escalate"],
        "agent": ["cancel", "escalate"],
        "dispatcher": ["assign", "cancel", "escalate"],
        "technician": ["contact", "scan", "use_parts", "report_shortage"],
        "provider_manager": ["assign", "contact"],
    },
    "completed": {
        **NOTHING,
        "admin": ["close", "escalate"],
        "agent": ["escalate"],
        "dispatcher": ["close", "escalate"],
        "technician": ["scan", "use_parts"],
        "provider_manager": ["close"],
    },
    "closed": NOTHING,
    "cancelled": NOTHING,
}
OFFER_CASES = [(state, role, OFFERED[state][role]) for state in STATES for role in ROLES]


@pytest.mark.parametrize(("state", "role", "actions"), OFFER_CASES, ids=[f"{s}-{r}" for s, r, _ in OFFER_CASES])
def test_the_app_offers_each_role_the_steps_it_may_take_in_each_state(state, role, actions):
    assert allowed_actions(job_in(state), user(role)) == actions


@pytest.mark.parametrize("state", STATES)
def test_the_steps_the_parts_flow_takes_are_never_offered(state):
    for role in ROLES:
        offered = allowed_actions(job_in(state), user(role))
        assert not {"hold_for_parts", "parts_arrived", "parts_refused"} & set(offered)


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("technician_id", [8, None], ids=["another-technicians-job", "nobodys-job"])
def test_a_technician_is_offered_nothing_on_a_job_that_is_not_theirs(state, technician_id):
    assert allowed_actions(job_in(state, technician_id=technician_id), user("technician")) == []


@pytest.mark.parametrize(
    ("state", "role", "actions"),
    [
        ("dispatched", "admin", ["dispatch", "cancel", "escalate"]),
        ("on_site", "dispatcher", ["dispatch", "cancel", "escalate"]),
        ("waiting_parts", "dispatcher", ["cancel", "escalate"]),
        ("accepted", "provider_manager", ["contact"]),
    ],
)
def test_a_job_without_a_provider_offers_no_assigning(state, role, actions):
    assert allowed_actions(job_in(state, provider_id=None), user(role)) == actions


def test_accept_is_not_offered_on_a_job_without_a_technician():
    """Only reachable by a technician without an id (no stored technician owns a job without one)."""
    assert allowed_actions(job_in("dispatched", technician_id=None), user("technician", id=None)) == [
        "decline",
        "contact",
    ]


@pytest.mark.parametrize("state", STATES)
def test_a_provider_manager_is_offered_the_same_whoever_the_technician_is(state):
    own = allowed_actions(job_in(state), user("provider_manager", id=99))
    assert allowed_actions(job_in(state, technician_id=None), user("provider_manager", id=99)) == own
