"""The checks of a claim against where the technician's phone was: FAR_FROM_ADDRESS, NO_CHECKIN,
IMPOSSIBLE_TRAVEL and OVERLAPPING_VISITS.

The rules are pure functions over plain values (``Visit``, ``Fix``, ``Stay``), tested without a database; the
checks at the end read those values for one claim's job and run them. All of it is computed at claim time from
what the job holds, so a visit done offline and synced later is judged the same as one done online.

Never accuse on noise: a fix's accuracy is taken off every distance (a fix less accurate than the check-in
radius proves nothing either way), and an interval on site is only believed when it is one visit's length.
A flag about two jobs (travel, overlap) stands on both claims: the other job's claim, if it still waits for an
auditor, gets the flag too, naming this job; one already decided is left as it is and this flag says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

from flask import current_app
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy import union_all

from server.claims.models import PENDING_REVIEW
from server.claims.models import REJECTED
from server.claims.models import Claim
from server.claims.models import ClaimFlag
from server.claims.visit_facts import FIX_COLUMNS
from server.claims.visit_facts import Fix
from server.claims.visit_facts import Visit
from server.claims.visit_facts import job_visit
from server.core.geo import distance_m
from server.extensions import db
from server.jobs.models import Job
from server.jobs.models import PositionFix

if TYPE_CHECKING:
    # checks.py lists these checks in its CHECKS: at run time this module must not import it back.
    from server.claims.checks import ClaimFacts
    from server.claims.checks import Flag

# An interval on site is believed only when it is one visit's length: shorter, it is two steps synced together
# (the server's times of an offline visit are its sync's); longer, the job waited for parts between visits.
MIN_STAY = timedelta(minutes=1)
MAX_STAY = timedelta(hours=12)
# A job placed on site by the server's times alone (no fixes) is looked for among those created at most this long
# before the visit it might overlap (see _overlap_candidates).
CREATED_BEFORE_STAY = timedelta(days=7)


@dataclass(frozen=True)
class Stay:
    """One job's time on site: from its arrival to its completion."""

    job_id: int
    job_number: str
    start: datetime
    end: datetime


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _step_words(step: str) -> str:
    return {"arrive": "arrival", "complete": "completion"}.get(step, step)


def _minutes(delta: timedelta) -> float:
    return round(delta.total_seconds() / 60, 1)


# ---------------------------------------------------------------- the rules


def far_from_address(visit: Visit, radius_m: float) -> list[Flag]:
    """FAR_FROM_ADDRESS for each fix (arrival, completion) farther from the address than ``radius_m`` plus its
    accuracy. A fix less accurate than the radius is unverified, not flagged; no address coordinates, nothing."""
    if visit.address is None:
        return []
    flags: list[Flag] = []
    for fix in visit.fixes:
        if fix.accuracy_m > radius_m:
            continue
        metres = distance_m(fix.lat, fix.lng, *visit.address)
        if metres <= radius_m + fix.accuracy_m:
            continue
        facts = {
            "job_id": visit.job_id,
            "job_number": visit.job_number,
            "step": fix.step,
            "distance_m": round(metres),
            "radius_m": radius_m,
            "accuracy_m": fix.accuracy_m,
            "fix_time": _iso(fix.fix_time),
            "fix": {"lat": fix.lat, "lng": fix.lng},
            "address": {"lat": visit.address[0], "lng": visit.address[1]},
        }
        flags.append(
            (
                "FAR_FROM_ADDRESS",
                f"At {_step_words(fix.step)} on job {visit.job_number} ({_iso(fix.fix_time)}) the phone was "
                f"{round(metres):,} m from the address, farther than the {radius_m:g} m allowed plus the fix's "
                f"accuracy of {fix.accuracy_m:g} m.",
                facts,
            )
        )
    return flags


def no_checkin(visit: Visit) -> list[Flag]:
    """NO_CHECKIN: a warranty job marked arrived without a position from the phone."""
    if visit.job_type != "warranty" or visit.arrived_at is None:
        return []
    if any(fix.step == "arrive" for fix in visit.fixes):
        return []
    return [
        (
            "NO_CHECKIN",
            f"Warranty job {visit.job_number} was marked arrived ({_iso(visit.arrived_at)}) without a position "
            "from the phone.",
            {"job_id": visit.job_id, "job_number": visit.job_number, "arrived_at": _iso(visit.arrived_at)},
        )
    ]


def travel_speed_kmh(a: Fix, b: Fix) -> tuple[float, float, float]:
    """``(km/h, km, minutes)`` a technician needs from fix ``a`` to fix ``b``: the distance less both accuracies
    (never below 0), over the time between them. Simultaneous fixes apart need infinite speed."""
    metres = max(0.0, distance_m(a.lat, a.lng, b.lat, b.lng) - a.accuracy_m - b.accuracy_m)
    seconds = abs((b.fix_time - a.fix_time).total_seconds())
    km = metres / 1000
    if metres == 0:
        return 0.0, km, seconds / 60
    if seconds == 0:
        return float("inf"), km, 0.0
    return km / (seconds / 3600), km, seconds / 60


def impossible_travel(visit: Visit, others: Sequence[Fix], max_kmh: float) -> list[Flag]:
    """IMPOSSIBLE_TRAVEL: a fix at another job (``others``, the technician's fixes adjacent in time to this job's)
    that could not be reached from this job's nearest fix in time at ``max_kmh``. One flag per other job: its
    fastest leg."""
    if not visit.fixes:
        return []
    worst: dict[int, tuple[float, float, float, Fix, Fix]] = {}
    for other in others:
        if other.job_id == visit.job_id:
            continue
        mine = min(visit.fixes, key=lambda fix: abs((fix.fix_time - other.fix_time).total_seconds()))
        kmh, km, minutes = travel_speed_kmh(mine, other)
        if kmh > max_kmh and (other.job_id not in worst or kmh > worst[other.job_id][0]):
            worst[other.job_id] = (kmh, km, minutes, mine, other)
    flags: list[Flag] = []
    for kmh, km, minutes, mine, other in sorted(worst.values(), key=lambda leg: leg[4].fix_time):
        first, second = sorted((mine, other), key=lambda fix: fix.fix_time)
        speed = "at once" if kmh == float("inf") else f"in {minutes:g} min: {kmh:,.0f} km/h"
        facts = {
            "job_id": visit.job_id,
            "job_number": visit.job_number,
            "other_job_id": other.job_id,
            "other_job_number": other.job_number,
            "km": round(km, 2),
            "minutes": round(minutes, 1),
            "kmh": None if kmh == float("inf") else round(kmh),
            "max_kmh": max_kmh,
            "fix_time": _iso(mine.fix_time),
            "other_fix_time": _iso(other.fix_time),
            "step": mine.step,
            "other_step": other.step,
        }
        flags.append(
            (
                "IMPOSSIBLE_TRAVEL",
                f"From job {first.job_number}'s {_step_words(first.step)} ({_iso(first.fix_time)}) to job "
                f"{second.job_number}'s {_step_words(second.step)} ({_iso(second.fix_time)}) the technician "
                f"would have covered {km:,.1f} km (less both fixes' accuracy) {speed}, faster than "
                f"{max_kmh:g} km/h.",
                facts,
            )
        )
    return flags


def stay_of(visit: Visit) -> Stay | None:
    """The visit's time on site, if it can be believed: from the last arrival fix before the completion fix, or
    else from the job's arrival and completion times; None when it is shorter than MIN_STAY (steps synced
    together) or longer than MAX_STAY (a wait for parts between visits), or unfinished."""
    completes = [fix.fix_time for fix in visit.fixes if fix.step == "complete"]
    end = max(completes) if completes else visit.completed_at
    if end is None:
        return None
    arrivals = [fix.fix_time for fix in visit.fixes if fix.step == "arrive" and fix.fix_time <= end]
    start = max(arrivals) if arrivals else visit.arrived_at
    if start is None or not MIN_STAY <= end - start <= MAX_STAY:
        return None
    return Stay(visit.job_id, visit.job_number, start, end)


def overlapping_visits(visit: Visit, others: Sequence[Visit]) -> list[Flag]:
    """OVERLAPPING_VISITS: the technician was on site at another job (``others``) while on site at this one."""
    mine = stay_of(visit)
    if mine is None:
        return []
    flags: list[Flag] = []
    for other in others:
        theirs = stay_of(other)
        if theirs is None or theirs.job_id == mine.job_id:
            continue
        overlap = min(mine.end, theirs.end) - max(mine.start, theirs.start)
        if overlap <= timedelta(0):
            continue
        facts = {
            "job_id": mine.job_id,
            "job_number": mine.job_number,
            "other_job_id": theirs.job_id,
            "other_job_number": theirs.job_number,
            "start": _iso(mine.start),
            "end": _iso(mine.end),
            "other_start": _iso(theirs.start),
            "other_end": _iso(theirs.end),
            "overlap_minutes": _minutes(overlap),
        }
        flags.append(
            (
                "OVERLAPPING_VISITS",
                f"The technician was on site at job {theirs.job_number} ({_iso(theirs.start)} to "
                f"{_iso(theirs.end)}) while on site at job {mine.job_number} ({_iso(mine.start)} to "
                f"{_iso(mine.end)}): {_minutes(overlap):g} min at both.",
                facts,
            )
        )
    return flags


# ---------------------------------------------------------------- reading the technician's other visits
# The claim's own job is read once for every visit check (visit_facts). Plain column reads, not ORM objects:
# building entities (with the job's eager relationships) would cost more than the queries. The statements are
# built once, with bound parameters: building one costs more than SQLite or PostgreSQL take to run it.


def _neighbours_statement():
    """The technician's fixes at other jobs adjacent in time to a visit's: the last before its first fix, the
    first after its last, and any between. Three range reads of the index on (technician_id, fix_time), which
    holds the rest of a fix's columns too: the fixes of a technician lie all over the table, and reading them
    there was most of a claim's time when they were not in memory."""
    mine = (PositionFix.technician_id == bindparam("technician_id"), PositionFix.job_id != bindparam("job_id"))
    before = select(*FIX_COLUMNS).where(*mine, PositionFix.fix_time < bindparam("first"))
    before = before.order_by(PositionFix.fix_time.desc()).limit(1)
    after = select(*FIX_COLUMNS).where(*mine, PositionFix.fix_time > bindparam("last"))
    after = after.order_by(PositionFix.fix_time.asc()).limit(1)
    # Fixes of other jobs between this one's first and last: more than a handful is a flag already.
    between = select(*FIX_COLUMNS).where(*mine, PositionFix.fix_time.between(bindparam("first"), bindparam("last")))
    between = between.order_by(PositionFix.fix_time).limit(20)
    return union_all(*(select(*part.subquery().c) for part in (before, after, between)))


_NEIGHBOURS = _neighbours_statement()


def _overlaps_statement():
    """The technician's other completed jobs whose time on site may overlap a stay (see _overlap_candidates),
    with their fixes (a row per fix, one with none when a job has none): their fixes may place the stay better
    than the server's times (an offline visit's are its sync's)."""
    fixed = select(PositionFix.job_id).where(
        PositionFix.technician_id == bindparam("technician_id"),
        PositionFix.fix_time.between(bindparam("fixed_from"), bindparam("fixed_to")),
    )
    created = select(Job.id).where(
        Job.technician_id == bindparam("technician_id"),
        Job.created_at.between(bindparam("created_from"), bindparam("stay_end")),
        Job.completed_at >= bindparam("stay_start"),
    )
    return (
        select(Job.id, Job.number, Job.job_type, Job.arrived_at, Job.completed_at, *FIX_COLUMNS[1:])
        .outerjoin(PositionFix, PositionFix.job_id == Job.id)
        .where(
            Job.id.in_(union_all(fixed, created).scalar_subquery()),
            Job.id != bindparam("job_id"),
            Job.completed_at.is_not(None),
        )
        .order_by(Job.id, PositionFix.fix_time, PositionFix.id)
    )


_OVERLAPS = _overlaps_statement()


def _neighbour_fixes(visit: Visit, technician_id: int) -> list[Fix]:
    """The technician's fixes at other jobs adjacent in time to this visit's (see _neighbours_statement), in time
    order; their job numbers are left empty (see _numbered)."""
    params = {
        "technician_id": technician_id,
        "job_id": visit.job_id,
        "first": visit.fixes[0].fix_time,
        "last": visit.fixes[-1].fix_time,
    }
    rows = db.session.connection().execute(_NEIGHBOURS, params)
    return sorted((Fix(job_id, "", *fix) for job_id, *fix in rows), key=lambda fix: fix.fix_time)


def _numbered(fixes: list[Fix], job_ids: set[int]) -> list[Fix]:
    """``fixes`` with the numbers of the jobs ``job_ids`` filled in: read only for a flag that names them."""
    numbers = dict(db.session.connection().execute(select(Job.id, Job.number).where(Job.id.in_(job_ids))).all())
    return [replace(fix, job_number=numbers[fix.job_id]) if fix.job_id in numbers else fix for fix in fixes]


def _overlap_candidates(visit: Visit, technician_id: int) -> list[Visit]:
    """The technician's other jobs whose time on site may overlap this visit's, found through two narrow index
    reads (a scan of every job completed around then would read thousands of rows a claim):

    - the jobs of the technician's fixes from MAX_STAY before this stay to MAX_STAY after it (a believed stay is
      no longer), on (technician_id, fix_time);
    - the technician's jobs created from CREATED_BEFORE_STAY before this stay to its end and completed after its
      start, on (technician_id, created_at): the jobs without fixes, placed by the server's times.

    A job without fixes created longer before its visit is not compared: a flag missed, never one raised wrongly.
    """
    mine = stay_of(visit)
    if mine is None:
        return []
    params = {
        "technician_id": technician_id,
        "job_id": visit.job_id,
        "fixed_from": mine.start - MAX_STAY,
        "fixed_to": mine.end + MAX_STAY,
        "created_from": mine.start - CREATED_BEFORE_STAY,
        "stay_start": mine.start,
        "stay_end": mine.end,
    }
    jobs: dict[int, tuple[tuple[Any, ...], list[Fix]]] = {}
    for job_id, number, job_type, arrived_at, completed_at, *fix in db.session.connection().execute(_OVERLAPS, params):
        _, fixes = jobs.setdefault(job_id, ((job_id, number, job_type, arrived_at, completed_at), []))
        if fix[0] is not None:
            fixes.append(Fix(job_id, number, *fix))
    return [Visit(*job, None, tuple(fixes)) for job, fixes in jobs.values()]


# ---------------------------------------------------------------- a flag on both claims


def _on_both_claims(flags: list[Flag], facts: ClaimFacts) -> list[Flag]:
    """Put each two-job flag on the other job's claims waiting for review too (naming this job), and say in this
    claim's flag which of the other job's claims were decided already and are left as they are."""
    if not flags:
        return flags
    other_ids = {flag[2]["other_job_id"] for flag in flags if len(flag) > 2}
    # Locked (in id order), as an auditor's decision locks a claim: a claim is not flagged as it is approved.
    claims = db.session.scalars(
        select(Claim)
        .where(Claim.job_id.in_(other_ids), Claim.status != REJECTED, Claim.id != facts.claim_id)
        .order_by(Claim.id)
        .with_for_update()
    ).all()
    by_job: dict[int, list[Claim]] = {}
    for claim in claims:
        by_job.setdefault(claim.job_id, []).append(claim)  # type: ignore[arg-type]
    result: list[Flag] = []
    for flag in flags:
        code, message, data = flag[0], flag[1], dict(flag[2]) if len(flag) > 2 else {}  # type: ignore[misc]
        decided = []
        for claim in by_job.get(data["other_job_id"], []):
            if claim.status == PENDING_REVIEW:
                _mirror(claim, code, data, facts.claim_id)
            else:
                decided.append(claim)
        if decided:
            words = ", ".join(f"claim {claim.id} ({claim.status})" for claim in decided)
            message += f" Job {data['other_job_number']}'s {words} was decided already and is left as it is."
            data["other_claims"] = [{"id": claim.id, "status": claim.status} for claim in decided]
        result.append((code, message, data))
    return result


# The facts that name one job or the other, swapped when the flag is seen from the other job's claim.
_PAIRS = (
    ("job_id", "other_job_id"),
    ("job_number", "other_job_number"),
    ("start", "other_start"),
    ("end", "other_end"),
    ("fix_time", "other_fix_time"),
    ("step", "other_step"),
)
_SWAP = {**dict(_PAIRS), **{theirs: mine for mine, theirs in _PAIRS}}


def _mirror(claim: Claim, code: str, data: dict[str, Any], claim_id: int | None) -> None:
    """The flag as the other job's claim sees it: the jobs swapped, naming the claim that found it."""
    seen = {_SWAP.get(key, key): value for key, value in data.items()}
    seen["found_by_claim_id"] = claim_id
    other = seen["other_job_id"]
    if any(flag.code == code and (flag.facts or {}).get("other_job_id") == other for flag in claim.flags):
        return
    if code == "OVERLAPPING_VISITS":
        message = (
            f"The technician was on site at job {seen['other_job_number']} ({seen['other_start']} to "
            f"{seen['other_end']}) while on site at job {seen['job_number']} ({seen['start']} to {seen['end']}): "
            f"{seen['overlap_minutes']:g} min at both (found by claim {claim_id})."
        )
    else:
        speed = "at once" if seen["kmh"] is None else f"at {seen['kmh']:,} km/h"
        message = (
            f"Job {seen['other_job_number']}'s {_step_words(seen['other_step'])} ({seen['other_fix_time']}) and "
            f"job {seen['job_number']}'s {_step_words(seen['step'])} ({seen['fix_time']}) are {seen['km']:,} km "
            f"apart (less both fixes' accuracy): {speed}, faster than {seen['max_kmh']:g} km/h "
            f"(found by claim {claim_id})."
        )
    claim.flags.append(ClaimFlag(code=code, message=message, facts=seen))


# ---------------------------------------------------------------- the checks


def _visit(facts: ClaimFacts) -> tuple[Visit, int | None] | None:
    """The claim's job's visit and technician (read once for every visit check, see visit_facts)."""
    read = job_visit(facts)
    return None if read is None else (read.visit, read.technician_id)


def far_from_address_check(facts: ClaimFacts) -> list[Flag]:
    read = _visit(facts)
    if read is None:
        return []
    return far_from_address(read[0], current_app.config["CHECKIN_RADIUS_M"])


def no_checkin_check(facts: ClaimFacts) -> list[Flag]:
    read = _visit(facts)
    if read is None:
        return []
    return no_checkin(read[0])


def impossible_travel_check(facts: ClaimFacts) -> list[Flag]:
    read = _visit(facts)
    if read is None or read[1] is None or not read[0].fixes:
        return []
    visit, technician_id = read
    max_kmh = current_app.config["MAX_TRAVEL_KMH"]
    others = _neighbour_fixes(visit, technician_id)
    flags = impossible_travel(visit, others, max_kmh)
    if flags:  # worded again with the other jobs' numbers, read now that they are needed
        flags = impossible_travel(visit, _numbered(others, {flag[2]["other_job_id"] for flag in flags}), max_kmh)
    return _on_both_claims(flags, facts)


def overlapping_visits_check(facts: ClaimFacts) -> list[Flag]:
    read = _visit(facts)
    if read is None or read[1] is None:
        return []
    visit, technician_id = read
    flags = overlapping_visits(visit, _overlap_candidates(visit, technician_id))
    return _on_both_claims(flags, facts)


# In the order an auditor reads them: was anybody there, was it here, could it have been.
POSITION_CHECKS = (no_checkin_check, far_from_address_check, impossible_travel_check, overlapping_visits_check)
