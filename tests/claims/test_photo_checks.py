"""OLD_PHOTO's rule without a database: a photo taken before the job was dispatched is flagged with its facts.

The same checks over a job's stored photos and the reuse found on arrival are tested with the database in
tests/evidence/test_visit_photos.py.
"""

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from types import SimpleNamespace

import pytest

from server.claims.photo_checks import old_photo_flags

DISPATCHED = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


def photo(taken_at, stage="before", sha256="ab" * 32):
    return SimpleNamespace(taken_at=taken_at, stage=stage, sha256=sha256)


@pytest.mark.parametrize(
    "taken_at",
    [DISPATCHED, DISPATCHED + timedelta(minutes=1), DISPATCHED + timedelta(days=2), None],
    ids=["at dispatch", "a minute after", "two days after", "no capture time"],
)
def test_a_photo_taken_at_or_after_dispatch_raises_nothing(taken_at):
    assert old_photo_flags([photo(taken_at)], DISPATCHED, "J0001") == []


def test_a_photo_taken_before_dispatch_is_flagged_with_its_facts():
    taken = DISPATCHED - timedelta(days=30)

    (flag,) = old_photo_flags([photo(DISPATCHED), photo(taken, stage="after")], DISPATCHED, "J0001")

    code, message, facts = flag
    assert code == "OLD_PHOTO"
    assert "J0001" in message
    assert taken.isoformat() in message
    assert facts == {
        "photo_sha256": "ab" * 32,
        "stage": "after",
        "taken_at": taken.isoformat(),
        "dispatched_at": DISPATCHED.isoformat(),
        "job_number": "J0001",
    }


def test_each_old_photo_is_its_own_flag():
    old = DISPATCHED - timedelta(seconds=1)
    flags = old_photo_flags([photo(old, sha256="a" * 64), photo(old, sha256="b" * 64)], DISPATCHED, "J0001")
    assert [facts["photo_sha256"] for _, _, facts in flags] == ["a" * 64, "b" * 64]
