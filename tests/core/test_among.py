"""``among(column, values)`` finds the rows ``column IN values`` finds, on both databases (one array parameter
on PostgreSQL): numbers and text, one value, many, repeats, and none at all."""

import pytest
from sqlalchemy import select

from server.core.queries import among
from server.extensions import db
from server.parts.models import Part

pytestmark = pytest.mark.both_backends


@pytest.fixture
def part_ids(app, make_part):
    made = [make_part(f"AM-{n:03d}") for n in range(1, 6)]
    return {part.part_no: part.id for part in made}


@pytest.mark.parametrize(
    "wanted", [[], ["AM-002"], ["AM-001", "AM-004", "AM-004", "AM-999"], [f"AM-{n:03d}" for n in range(300)]]
)
def test_the_rows_among_values_are_those_in_them(part_ids, wanted):
    by_number = db.session.scalars(select(Part.part_no).where(among(Part.part_no, wanted)).order_by(Part.part_no))
    expected = sorted(set(wanted) & set(part_ids))
    assert list(by_number) == expected
    ids = [part_ids[part_no] for part_no in wanted if part_no in part_ids] + [10**9]
    by_id = db.session.scalars(select(Part.part_no).where(among(Part.id, ids)).order_by(Part.part_no))
    assert list(by_id) == expected
