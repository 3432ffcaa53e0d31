"""Helpers (not fixtures) that tests of several packages import: the error envelope, import results, images."""

import re
import struct
import zlib
from datetime import UTC
from datetime import datetime

from sqlalchemy import select

from server.extensions import db
from server.jobs.models import Job
from server.jobs.services.positions import record_fix
from server.messaging.models import Message


def assert_error(response, status, code, fields=None):
    """The response is the error envelope with ``status`` and ``code``; ``fields`` are exactly the named ones."""
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.json
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if fields is not None:
        assert set(body["error"]["details"]["fields"]) == set(fields)
    return body["error"]


def counts(inserted=0, updated=0, unchanged=0, rejected=()):
    """An import's result (of reference data or of sale records), for comparison with ``==``."""
    return {"inserted": inserted, "updated": updated, "unchanged": unchanged, "rejected": list(rejected)}


def sentences(result):
    """An import's result with each rejected line cut to its line and sentence: what a test of the sentence
    compares (the codes and their values are tested apart)."""
    return {**result, "rejected": [{"line": r["line"], "error": r["error"]} for r in result["rejected"]]}


def single_rejection(result, line):
    """The reason of an import's one rejected row, which must be on ``line``."""
    assert [rejection["line"] for rejection in result["rejected"]] == [line], result
    return result["rejected"][0]["error"]


def png_header(width, height):
    """A PNG that says it is ``width`` x ``height`` pixels and holds one row of them: a decompression bomb's
    header, a few hundred bytes whatever size it claims."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\xff" * width)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def completion_code(job_id):
    """The completion code the customer of job ``job_id`` was sent, read from the outbox as the customer's phone
    would read it (the server keeps only its digest)."""
    body = db.session.scalar(
        select(Message.body).where(Message.job_id == job_id, Message.kind == "completion_code").order_by(Message.id)
    )
    assert body is not None, f"no completion code was sent for job {job_id}"
    return re.search(r"核销码为(\d{6})", body).group(1)


def checked_in(job_id, at=None):
    """Job ``job_id``'s arrival with the phone's position, as an honest visit records it (without one, a claim on
    the job is flagged NO_CHECKIN); committed, so a live server sees it."""
    # Now by default: a stay from this fix to a completion moments later is too short to overlap another's.
    when = at or datetime.now(UTC)
    record_fix(
        db.session.get(Job, job_id), "arrive", {"lat": 36.67, "lng": 117.02, "accuracy_m": 12.0, "fix_time": when}
    )
    db.session.commit()


def confirmed(job_id):
    """The confirmation an honest completion of job ``job_id`` carries: the code its customer was sent."""
    return {"method": "code", "code": completion_code(job_id)}
