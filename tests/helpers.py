"""Helpers (not fixtures) that tests of several packages import: the error envelope, import results, images."""

import re
import struct
import zlib

from sqlalchemy import select

from server.extensions import db
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
