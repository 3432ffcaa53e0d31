"""Old parts coming back (旧件返还) in the demo data set: the busiest providers' warranty repairs fitted a
returnable part, and its old part went back to the RDC as it would have by the moment of loading.

On a few dozen finished warranty jobs the technician fitted a returnable part that fits the unit (a panel, a
main board, a motor), recording the old part's serial on most; each owes its old part to the RDC of the job's
province from the repair. Once a week each provider packs what it owes into a shipment to its RDC (now and
then forgetting one, which is overdue by now); the RDC's clerk receives a parcel a few days after it was
sent and inspects its parts within a day or two. Most are accepted; a few are the wrong part, not faulty or
missing from the parcel, with the clerk's note, and cost the provider a deduction. The youngest returns are
still owed, the last parcels are on their way or wait for inspection.

This runs before the claims are filed (server/claims/demo.py): a claim then names the returns its job owes,
whatever became of them, as one filed now would. Returns still on their way past their deadline are marked
overdue by the claims' sweep once the claims exist (server/demo.py).
"""

from datetime import datetime
from datetime import timedelta

from sqlalchemy import select

from server.core.clock import local_offset
from server.extensions import db
from server.parts.models import Part
from server.parts.models import part_models
from server.parts.services import move_stock
from server.parts.services import stock_level
from server.supply.models import PartReturn
from server.supply.models import PartUsage
from server.supply.services import returns
from server.supply.services.usage import provider_warehouse
from server.users.directory import parts_clerks
from server.users.directory import provider_managers

# The providers with the most finished warranty jobs take part, this many of them, each with at most this many
# repairs spread over the demo's weeks: a few dozen returns in all, and each desk of those providers and their
# RDCs has every step of the flow to show.
PROVIDERS = 5
PER_PROVIDER = 8
# One in this many old parts has no serial recorded (the technician could not read it).
NO_SERIAL_EVERY = 7
# A provider packs what it owes this often, the first time a few days after its first repair of the period.
PACKING_EVERY = timedelta(days=7)
# From packing to the RDC's receipt, and from receipt to inspection.
IN_TRANSIT = (timedelta(days=2), timedelta(days=5))
TO_INSPECTION = (timedelta(hours=4), timedelta(days=3))
# What the clerks find, by the running count of parts inspected (of every twenty): most are accepted. A wrong
# part is told by its serial, so it is found on a part whose serial was recorded (the next one, if need be).
FINDINGS = {
    3: ("wrong_part", "旧件序列号与维修记录不符，不是本次换下的部件"),
    7: ("not_faulty", "通电检测正常，旧件无故障"),
    13: ("wrong_part", "旧件序列号与维修记录不符，是其他机器拆下的部件"),
    17: ("missing", "装箱单上有此件，包裹内未找到"),
}
COURIERS = ("SF", "YT", "ZTO", "")
# Local hours the providers' and the RDCs' stock rooms work.
OFFICE_HOURS = (9, 18)


def seed_returns(
    rng, jobs, now: datetime, provider_id: int | None = None, province_id: int | None = None
) -> dict[str, int]:
    """Fit a returnable part on some of ``jobs`` (those made by this run) and take their old parts as far as
    their age says by ``now``; answers how many returns reached each status.

    ``provider_id`` and ``province_id``: a provider, and a province's busiest provider, that take part whatever
    their rank (those whose manager and clerk the demo's sign-ins name)."""
    fitted = _fit_parts(rng, jobs, provider_id, province_id)
    by_provider: dict[int, list[PartReturn]] = {}
    for row in fitted:
        by_provider.setdefault(row.provider_id, []).append(row)
    counter: dict = {"inspected": 0}
    for index, (provider_id, rows) in enumerate(sorted(by_provider.items())):
        _pack_and_return(rng, provider_id, sorted(rows, key=lambda row: (row.fitted_at, row.id)), now, index, counter)
    db.session.flush()
    done: dict[str, int] = {}
    for row in fitted:
        done[row.status] = done.get(row.status, 0) + 1
    return done


def _fit_parts(rng, jobs, provider_id: int | None, province_id: int | None) -> list[PartReturn]:
    """The returns owed by a returnable part fitted on the chosen jobs, each at its repair."""
    returnable: dict[int, list[Part]] = {}
    for product_id, part in db.session.execute(
        select(part_models.c.product_id, Part)
        .join(Part, Part.id == part_models.c.part_id)
        .where(Part.return_required.is_(True))
        .order_by(Part.part_no)
    ):
        returnable.setdefault(product_id, []).append(part)
    candidates: dict[int, list] = {}
    for job in jobs:
        if (
            job.job_type == "warranty"
            and job.state in ("completed", "closed")
            and job.completed_at is not None
            and job.technician is not None
            and returnable.get(job.product_id)
        ):
            candidates.setdefault(job.provider_id, []).append(job)
    ranked = sorted(candidates, key=lambda each: (-len(candidates[each]), each))
    in_province = [each for each in ranked if candidates[each][0].province_id == province_id]
    taking = [each for each in (provider_id, *in_province[:1]) if each in candidates]
    taking += [each for each in ranked if each not in taking][: max(PROVIDERS - len(taking), 0)]
    made = []
    for each in sorted(taking):
        chosen = sorted(candidates[each], key=lambda job: (job.completed_at, job.id))
        # Spread over the weeks, the first and the last repair included.
        count = min(PER_PROVIDER, len(chosen))
        picks = sorted({round(i * (len(chosen) - 1) / max(count - 1, 1)) for i in range(count)})
        for job in (chosen[i] for i in picks):
            part = rng.choice(returnable[job.product_id])
            made.append(_fit(rng, job, part, len(made)))
    db.session.flush()
    return made


def _fit(rng, job, part: Part, n: int) -> PartReturn:
    """One part fitted on ``job`` minutes before its completion, and the return it owes."""
    at = job.completed_at - timedelta(minutes=rng.randrange(5, 40))
    warehouse = provider_warehouse(job.provider)
    level, _ = stock_level(warehouse, part, lock=True)
    shortfall = 1 if level.on_hand < 1 else 0
    move_stock(level, "issue", on_hand_delta=-1, reference=f"job {job.number}", user=job.technician)
    usage = PartUsage(
        job_id=job.id,
        part=part,
        warehouse_id=warehouse.id,
        qty=1,
        shortfall=shortfall,
        recorded_by_id=job.technician_id,
        device_time=at - timedelta(seconds=rng.randrange(1, 90)),
        created_at=at,
    )
    db.session.add(usage)
    serial = None if n % NO_SERIAL_EVERY == NO_SERIAL_EVERY - 1 else _serial(part, at, n)
    [row] = returns.owe_returns(job, [(part, 1, usage)], {part.part_no: [serial]} if serial else {}, now=at)
    return row


def _serial(part: Part, at: datetime, n: int) -> str:
    """An old part's serial as its label carries it: the part's family, the month it was made, a number."""
    family = part.part_no.split("-")[0]
    return f"{family}{at.year % 100 - 1:02d}{at.month:02d}{740_000 + n * 37:06d}"


def _between(rng, low: timedelta, high: timedelta) -> timedelta:
    return timedelta(seconds=rng.randrange(int(low.total_seconds()), int(high.total_seconds())))


def _in_office_hours(moment: datetime) -> datetime:
    """``moment``, or the next office-hours moment after it: parcels are packed and opened by day."""
    local = moment + local_offset()
    opens, closes = OFFICE_HOURS
    if local.hour < opens:
        local = local.replace(hour=opens)
    elif local.hour >= closes:
        local = (local + timedelta(days=1)).replace(hour=opens)
    return local - local_offset()


def _pack_and_return(rng, provider_id: int, rows: list[PartReturn], now: datetime, index: int, counter) -> None:
    """A provider's weekly parcels of what it owes, each received and inspected at its RDC if it has been by
    ``now``; every other provider forgets one old part, which is overdue by now."""
    manager = provider_managers(provider_id)[0]
    overdue = [row.id for row in rows if row.fitted_at < now - returns.return_days() - timedelta(days=1)]
    forgotten = set(overdue[-1:]) if index % 2 == 0 else set()
    packed_at = _in_office_hours(rows[0].fitted_at + _between(rng, timedelta(days=2), timedelta(days=4)))
    while packed_at < now - timedelta(hours=12):
        lines = [
            row
            for row in rows
            if row.status == "owed" and row.fitted_at < packed_at - timedelta(days=1) and row.id not in forgotten
        ]
        if lines:
            courier = rng.choice(COURIERS)
            tracking = f"{courier}{rng.randrange(10**11, 10**12)}" if courier else ""
            shipment = returns.ship(manager, [row.id for row in lines], tracking, now=packed_at)
            _receive(rng, shipment, packed_at, now, counter)
        packed_at = _in_office_hours(
            packed_at + PACKING_EVERY + _between(rng, -timedelta(hours=20), timedelta(hours=20))
        )


def _receive(rng, shipment, packed_at: datetime, now: datetime, counter) -> None:
    """The RDC's receipt of a parcel and the inspection of its parts, as far as they got by ``now``."""
    received_at = _in_office_hours(packed_at + _between(rng, *IN_TRANSIT))
    if received_at > now - timedelta(hours=3):
        return  # still on its way
    clerk = parts_clerks(shipment.province_id)[0]
    returns.receive(clerk, shipment.id, now=received_at)
    inspected_at = _in_office_hours(received_at + _between(rng, *TO_INSPECTION))
    if inspected_at > now - timedelta(hours=1):
        return  # waiting for the clerk
    for offset, row in enumerate(shipment.lines):
        counter["inspected"] += 1
        result, note = counter.pop("wrong", None) or FINDINGS.get(counter["inspected"] % 20, ("accepted", ""))
        if result == "wrong_part" and row.old_serial is None:
            counter["wrong"] = (result, note)
            result, note = "accepted", ""
        scanned = None
        if result != "missing":
            scanned = row.old_serial or _serial(row.part, row.fitted_at, 500 + row.id)
            if result == "wrong_part":
                scanned = _serial(row.part, row.fitted_at - timedelta(days=400), 900 + row.id)
        at = inspected_at + timedelta(minutes=3 * offset)
        returns.inspect(clerk, row.id, result, note, scanned, now=at)
