"""The position checks' rules over plain values, without a database: a clean visit raises nothing, and each
trick of a dishonest technician raises its flag with facts."""

from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest

from server.claims.position_checks import Fix
from server.claims.position_checks import Visit
from server.claims.position_checks import far_from_address
from server.claims.position_checks import impossible_travel
from server.claims.position_checks import no_checkin
from server.claims.position_checks import overlapping_visits
from server.claims.position_checks import stay_of
from server.claims.position_checks import travel_speed_kmh
from server.core import geo

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# An address in Jinan (WGS-84), and points a known distance north of it (a degree of latitude: 111.2 km).
HOME = (36.6683, 117.0204)
M_PER_DEG = geo.EARTH_RADIUS_M * 3.141592653589793 / 180


def north(metres, of=HOME):
    return of[0] + metres / M_PER_DEG, of[1]


def fix(step="arrive", where=HOME, minutes=0, accuracy=15.0, job_id=1, number="J1"):
    return Fix(job_id, number, step, where[0], where[1], accuracy, T0 + timedelta(minutes=minutes))


def visit(*fixes, job_id=1, number="J1", job_type="warranty", address=HOME, arrived=0, completed=60):
    return Visit(
        job_id=job_id,
        job_number=number,
        job_type=job_type,
        arrived_at=None if arrived is None else T0 + timedelta(minutes=arrived),
        completed_at=None if completed is None else T0 + timedelta(minutes=completed),
        address=address,
        fixes=tuple(fixes),
    )


def codes(flags):
    return [flag[0] for flag in flags]


# ---------------------------------------------------------------- FAR_FROM_ADDRESS


def test_fixes_at_the_door_raise_nothing():
    assert far_from_address(visit(fix(), fix("complete", north(120), 60)), 500) == []


def test_a_fix_just_inside_radius_plus_accuracy_is_not_flagged_and_just_outside_is():
    assert far_from_address(visit(fix(where=north(540), accuracy=50)), 500) == []
    [flag] = far_from_address(visit(fix(where=north(560), accuracy=50)), 500)
    code, message, facts = flag
    assert code == "FAR_FROM_ADDRESS"
    assert facts["distance_m"] == 560
    assert (facts["radius_m"], facts["accuracy_m"], facts["step"]) == (500, 50, "arrive")
    assert facts["fix_time"] == T0.isoformat()
    assert "560 m from the address" in message


def test_a_code_typer_who_never_went_is_far_at_both_steps():
    flags = far_from_address(visit(fix(where=north(8000)), fix("complete", north(8000), 30)), 500)
    assert [(c, f["step"], f["distance_m"]) for c, _, f in flags] == [
        ("FAR_FROM_ADDRESS", "arrive", 8000),
        ("FAR_FROM_ADDRESS", "complete", 8000),
    ]


def test_a_fix_less_accurate_than_the_radius_is_unverified_not_flagged():
    assert far_from_address(visit(fix(where=north(3000), accuracy=501)), 500) == []


def test_no_address_coordinates_no_check():
    assert far_from_address(visit(fix(where=north(9000)), address=None), 500) == []


# ---------------------------------------------------------------- NO_CHECKIN


def test_a_warranty_arrival_without_a_fix_is_no_checkin():
    [(code, message, facts)] = no_checkin(visit(fix("complete", minutes=60)))
    assert code == "NO_CHECKIN"
    assert facts == {"job_id": 1, "job_number": "J1", "arrived_at": T0.isoformat()}
    assert "without a position" in message


@pytest.mark.parametrize(
    "checked",
    [visit(fix()), visit(job_type="paid"), visit(arrived=None, completed=None)],
    ids=["arrival-fix", "paid-job", "never-arrived"],
)
def test_no_checkin_only_for_a_warranty_arrival_without_a_fix(checked):
    assert no_checkin(checked) == []


# ---------------------------------------------------------------- IMPOSSIBLE_TRAVEL


def test_the_honest_technician_10_km_and_an_hour_apart_raises_nothing():
    here = visit(fix(), fix("complete", minutes=45))
    there = fix("arrive", north(10_000), 105, job_id=2, number="J2")
    assert impossible_travel(here, [there], 120) == []


def test_30_km_in_10_minutes_is_impossible_travel_with_its_figures():
    here = visit(fix(), fix("complete", minutes=45))
    there = fix("arrive", north(30_000), 55, accuracy=20, job_id=2, number="J2")
    [(code, message, facts)] = impossible_travel(here, [there], 120)
    assert code == "IMPOSSIBLE_TRAVEL"
    # 30,000 m less 15 m and 20 m of accuracy, in 10 minutes.
    assert facts["km"] == pytest.approx(29.97, abs=0.01)
    assert facts["minutes"] == 10
    assert facts["kmh"] == 180
    assert (facts["other_job_id"], facts["other_job_number"], facts["step"], facts["other_step"]) == (
        2,
        "J2",
        "complete",
        "arrive",
    )
    assert "J1's completion" in message
    assert "J2's arrival" in message
    assert "180 km/h" in message


def test_gps_noise_never_accuses():
    # Two fixes a minute apart, 3 km apart on paper, but each only good to 1.5 km: they may be one place.
    here = visit(fix(accuracy=1500))
    there = fix("arrive", north(3000), 1, accuracy=1500, job_id=2, number="J2")
    assert impossible_travel(here, [there], 120) == []
    assert travel_speed_kmh(here.fixes[0], there)[0] == pytest.approx(0, abs=1e-6)


def test_simultaneous_fixes_apart_are_impossible():
    here = visit(fix())
    there = fix("arrive", north(5000), 0, job_id=2, number="J2")
    [(_, message, facts)] = impossible_travel(here, [there], 120)
    assert facts["kmh"] is None
    assert "at once" in message


def test_one_flag_per_other_job_its_fastest_leg():
    here = visit(fix(), fix("complete", minutes=60))
    legs = [
        fix("arrive", north(40_000), 70, job_id=2, number="J2"),
        fix("complete", north(40_000), 90, job_id=2, number="J2"),
    ]
    [(_, _, facts)] = impossible_travel(here, legs, 120)
    assert facts["other_step"] == "arrive"


# ---------------------------------------------------------------- OVERLAPPING_VISITS


def test_two_jobs_completed_from_one_place_overlap():
    here = visit(fix(), fix("complete", minutes=60))
    there = visit(
        fix("arrive", minutes=10, job_id=2, number="J2"),
        fix("complete", minutes=50, job_id=2, number="J2"),
        job_id=2,
        number="J2",
    )
    [(code, message, facts)] = overlapping_visits(here, [there])
    assert code == "OVERLAPPING_VISITS"
    assert facts["overlap_minutes"] == 40
    assert (facts["other_job_id"], facts["other_start"], facts["other_end"]) == (
        2,
        (T0 + timedelta(minutes=10)).isoformat(),
        (T0 + timedelta(minutes=50)).isoformat(),
    )
    assert "J2" in message
    assert "40 min at both" in message


def test_back_to_back_visits_do_not_overlap():
    here = visit(fix(), fix("complete", minutes=60))
    there = visit(
        fix("arrive", minutes=60, job_id=2, number="J2"), fix("complete", minutes=90, job_id=2, number="J2"), job_id=2
    )
    assert overlapping_visits(here, [there]) == []


def test_the_jobs_times_serve_when_there_are_no_fixes():
    assert codes(overlapping_visits(visit(), [visit(job_id=2, number="J2", arrived=30, completed=90)])) == [
        "OVERLAPPING_VISITS"
    ]


@pytest.mark.parametrize(
    ("arrived", "completed"),
    [(0, 0), (0, 0.5), (0, 13 * 60), (None, 60), (0, None)],
    ids=["synced-together", "under-a-minute", "waited-for-parts", "no-arrival", "unfinished"],
)
def test_a_stay_that_is_not_one_visits_length_is_not_believed(arrived, completed):
    other = visit(job_id=2, number="J2", arrived=arrived, completed=completed)
    assert stay_of(other) is None
    assert overlapping_visits(visit(), [other]) == []


def test_the_last_arrival_before_the_completion_starts_the_stay():
    # Arrived, waited for parts for two days, came back: the stay is the second visit.
    back = visit(fix(minutes=-2 * 24 * 60), fix(minutes=0), fix("complete", minutes=40))
    assert stay_of(back).start == T0
