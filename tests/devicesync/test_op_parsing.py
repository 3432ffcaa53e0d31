"""Reading a push without a database (sync.ops): an envelope that is wrong refuses the push whole and names
the field; an op whose own content is wrong is kept, with its problem, so the device's sequence moves on."""

import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone

import pytest

from sync.ops import MAX_DEPTH
from sync.ops import MAX_NUMBER
from sync.ops import MAX_SEQ
from sync.ops import BadPush
from sync.ops import Op
from sync.ops import read_push

KNOWN = {"note.add", "job.accept"}
MAX_OPS = 3
OP_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
OTHER_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
SENT = "2024-06-01T09:30:00+08:00"
CHINA = timezone(timedelta(hours=8))

CLIENT_ID_WORDS = "give the device's id: 8 to 64 letters, digits, '-' or '_'"
VERSION_WORDS = "give the app's schema version, an integer from 1 to 2147483647"
SEQ_WORDS = "seq is the device's operation number: 1, 2, 3..."
YEARS = "client_time must fall in the years 1900 to 2999"


def op(n=1, **change):
    """The device's well-formed op number ``n``; ``...`` as a value leaves that key out."""
    raw = {
        "op_id": OP_ID if n == 1 else str(uuid.UUID(int=n)),
        "seq": n,
        "type": "note.add",
        "entity_id": "12",
        "payload": {"text": "客户不在家"},
        "client_time": SENT,
    }
    raw.update(change)
    return {key: value for key, value in raw.items() if value is not ...}


def push(*ops, **change):
    body = {"client_id": "phone-0001", "schema_version": 1, "ops": list(ops)}
    body.update(change)
    return {key: value for key, value in body.items() if value is not ...}


def read(body):
    return read_push(body, MAX_OPS, KNOWN)


def refused(body):
    with pytest.raises(BadPush) as raised:
        read(body)
    error = raised.value
    assert str(error) == f"{error.field}: {error.message}"
    return error.field, error.message


def only_op(**change):
    _, _, ops = read(push(op(**change)))
    assert len(ops) == 1
    return ops[0]


# ---------------------------------------------------------------- a good push


def test_a_good_push_gives_its_client_version_and_ops():
    assert read(push(op())) == (
        "phone-0001",
        1,
        [
            Op(
                op_id=OP_ID,
                seq=1,
                type="note.add",
                entity_id="12",
                payload={"text": "客户不在家"},
                client_time=datetime(2024, 6, 1, 9, 30, tzinfo=CHINA),
                problem=None,
            )
        ],
    )


def test_an_empty_push_is_read():
    assert read(push()) == ("phone-0001", 1, [])


def test_ops_come_back_in_seq_order_whatever_order_they_were_sent_in():
    _, _, ops = read(push(op(3), op(1), op(2)))
    assert [o.seq for o in ops] == [1, 2, 3]


def test_a_gap_in_the_seqs_is_not_the_parsers_to_refuse():
    _, _, ops = read(push(op(2), op(7)))
    assert [o.seq for o in ops] == [2, 7]


# ---------------------------------------------------------------- the envelope


@pytest.mark.parametrize(
    "body",
    [pytest.param([op()], id="a-list"), pytest.param("ops", id="a-string"), pytest.param(None, id="null")],
)
def test_a_body_that_is_not_an_object_is_refused(body):
    assert refused(body) == ("body", "send a JSON object with client_id, schema_version and ops")


@pytest.mark.parametrize(
    "client_id",
    [
        pytest.param(..., id="missing"),
        pytest.param(None, id="null"),
        pytest.param("", id="empty"),
        pytest.param("phone-1", id="7-characters"),
        pytest.param("p" * 65, id="65-characters"),
        pytest.param("phone 0001", id="space"),
        pytest.param("phone/0001", id="slash"),
        pytest.param("phone.0001", id="dot"),
        pytest.param("手机00000001", id="not-ascii"),
        pytest.param(12345678, id="number"),
    ],
)
def test_a_client_id_that_is_not_8_to_64_letters_digits_dashes_or_underscores_is_refused(client_id):
    assert refused(push(client_id=client_id)) == ("client_id", CLIENT_ID_WORDS)


@pytest.mark.parametrize("client_id", ["phone-01", "p" * 64, "PHONE_0001", "0123456789", "--------"])
def test_a_client_id_of_8_to_64_allowed_characters_is_read(client_id):
    assert read(push(client_id=client_id))[0] == client_id


def test_a_client_id_ending_in_a_newline_is_refused():
    assert refused(push(client_id="phone-0001\n")) == ("client_id", CLIENT_ID_WORDS)


@pytest.mark.parametrize(
    "version",
    [
        pytest.param(..., id="missing"),
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(MAX_NUMBER + 1, id="past-the-int4-column"),
        pytest.param("1", id="text"),
        pytest.param(1.0, id="float"),
        pytest.param(True, id="boolean"),
    ],
)
def test_a_schema_version_that_is_not_an_integer_from_1_to_the_column_maximum_is_refused(version):
    assert refused(push(schema_version=version)) == ("schema_version", VERSION_WORDS)


@pytest.mark.parametrize("version", [1, 2, 2**31 - 1])
def test_a_schema_version_from_1_to_the_column_maximum_is_read(version):
    assert read(push(schema_version=version))[1] == version


@pytest.mark.parametrize(
    "ops",
    [pytest.param(..., id="missing"), pytest.param({"1": op()}, id="object"), pytest.param(None, id="null")],
)
def test_ops_that_are_not_a_list_are_refused(ops):
    assert refused(push(ops=ops)) == ("ops", "give the operations as a list")


def test_more_ops_than_the_limit_are_refused_and_the_limit_named():
    assert refused(push(*(op(seq) for seq in range(1, MAX_OPS + 2)))) == (
        "ops",
        "at most 3 operations per push; send the rest in the next one",
    )


def test_as_many_ops_as_the_limit_are_read():
    assert len(read(push(*(op(seq) for seq in range(1, MAX_OPS + 1))))[2]) == MAX_OPS


def test_the_client_id_is_checked_before_the_version_and_the_version_before_the_ops():
    assert refused({"client_id": "x", "schema_version": 0, "ops": None})[0] == "client_id"
    assert refused({"client_id": "phone-0001", "schema_version": 0, "ops": None})[0] == "schema_version"


@pytest.mark.parametrize("raw", ["op", 1, None, [op()]], ids=["string", "number", "null", "list"])
def test_an_op_that_is_not_an_object_is_refused_by_its_position(raw):
    assert refused(push(op(1), raw)) == ("ops[1]", "each operation is a JSON object")


@pytest.mark.parametrize(
    "seq",
    [
        pytest.param(..., id="missing"),
        pytest.param(None, id="null"),
        pytest.param(0, id="zero"),
        pytest.param(-1, id="negative"),
        pytest.param(MAX_SEQ + 1, id="past-the-maximum"),
        pytest.param("1", id="text"),
        pytest.param(1.0, id="float"),
        pytest.param(True, id="boolean"),
    ],
)
def test_a_seq_that_is_not_a_positive_integer_is_refused(seq):
    assert refused(push(op(1), op(2, seq=seq))) == ("ops[1].seq", SEQ_WORDS)


def test_the_largest_seq_is_read():
    assert only_op(seq=MAX_SEQ).seq == MAX_SEQ


@pytest.mark.parametrize(
    "op_id",
    [
        pytest.param(..., id="missing"),
        pytest.param(None, id="null"),
        pytest.param("", id="empty"),
        pytest.param("op-1", id="not-a-uuid"),
        pytest.param(OP_ID[:-1], id="one-digit-short"),
        pytest.param(12, id="number"),
    ],
)
def test_an_op_id_that_is_not_a_uuid_is_refused(op_id):
    assert refused(push(op(op_id=op_id))) == ("ops[0].op_id", "op_id must be a UUID")


@pytest.mark.parametrize(
    "op_id",
    [OP_ID.upper(), "{" + OP_ID + "}", "urn:uuid:" + OP_ID, OP_ID.replace("-", "")],
    ids=["upper-case", "braces", "urn", "no-dashes"],
)
def test_an_op_id_is_read_in_its_one_canonical_form(op_id):
    assert only_op(op_id=op_id).op_id == OP_ID


def test_a_seq_is_checked_before_the_op_id():
    assert refused(push(op(seq=0, op_id="op-1")))[0] == "ops[0].seq"


@pytest.mark.parametrize(
    ("ops", "field", "message"),
    [
        pytest.param(
            [op(1), op(2), op(2, op_id=OTHER_ID)],
            "ops[2]",
            f"seq 2 or op_id {OTHER_ID} appears twice in this push",
            id="seq-twice",
        ),
        pytest.param(
            [op(1), op(2, op_id=OP_ID)], "ops[1]", f"seq 2 or op_id {OP_ID} appears twice in this push", id="id-twice"
        ),
        pytest.param(
            [op(1), op(2, op_id=OP_ID.upper())],
            "ops[1]",
            f"seq 2 or op_id {OP_ID} appears twice in this push",
            id="id-twice-in-another-case",
        ),
    ],
)
def test_a_seq_or_op_id_used_twice_in_one_push_is_refused(ops, field, message):
    assert refused(push(*ops)) == (field, message)


# ---------------------------------------------------------------- an op's own content: kept, with its problem


@pytest.mark.parametrize(
    ("op_type", "kept", "problem"),
    [
        pytest.param("note.delete", "note.delete", "unknown operation type 'note.delete'", id="unknown-name"),
        pytest.param("NOTE.ADD", "NOTE.ADD", "unknown operation type 'NOTE.ADD'", id="other-case"),
        pytest.param(..., "None", "unknown operation type None", id="missing"),
        pytest.param(5, "5", "unknown operation type 5", id="number"),
        pytest.param(["note.add"], "['note.add']", "unknown operation type ['note.add']", id="list"),
        pytest.param("x" * 40, "x" * 32, f"unknown operation type '{'x' * 40}'", id="long-name-cut-to-32"),
    ],
)
def test_an_op_of_unknown_type_is_kept_with_its_problem(op_type, kept, problem):
    read_op = only_op(type=op_type)
    assert (read_op.type, read_op.problem) == (kept, problem)


@pytest.mark.parametrize("op_type", sorted(KNOWN))
def test_an_op_of_a_known_type_has_no_problem(op_type):
    assert only_op(type=op_type).problem is None


@pytest.mark.parametrize(
    ("payload", "kept", "problem"),
    [
        pytest.param(..., {}, None, id="missing"),
        pytest.param(None, {}, None, id="null"),
        pytest.param({}, {}, None, id="empty"),
        pytest.param({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}, None, id="nested"),
        pytest.param([1, 2], {"value": [1, 2]}, "payload must be a JSON object", id="list"),
        pytest.param("text", {"value": "text"}, "payload must be a JSON object", id="string"),
        pytest.param(0, {"value": 0}, "payload must be a JSON object", id="zero"),
    ],
)
def test_a_payload_is_an_object_or_the_op_is_kept_with_its_problem(payload, kept, problem):
    read_op = only_op(payload=payload)
    assert (read_op.payload, read_op.problem) == (kept, problem)


@pytest.mark.parametrize(
    ("entity_id", "kept", "problem"),
    [
        pytest.param("12", "12", None, id="text"),
        pytest.param(12, "12", None, id="number"),
        pytest.param(..., None, None, id="missing"),
        pytest.param(None, None, None, id="null"),
        pytest.param("9" * 70, "9" * 64, None, id="long-cut-to-64"),
        pytest.param(1.5, None, "entity_id must be a string or a number", id="float"),
        pytest.param([12], None, "entity_id must be a string or a number", id="list"),
        pytest.param({"id": 12}, None, "entity_id must be a string or a number", id="object"),
    ],
)
def test_an_entity_id_is_text_or_a_whole_number_or_the_op_is_kept_with_its_problem(entity_id, kept, problem):
    read_op = only_op(entity_id=entity_id)
    assert (read_op.entity_id, read_op.problem) == (kept, problem)


NUL = "text may not contain NUL characters"


@pytest.mark.parametrize(
    ("change", "entity_id"),
    [
        pytest.param({"entity_id": "1\x002"}, "12", id="in-entity-id"),
        pytest.param({"payload": {"text": "客户\x00不在"}}, "12", id="in-payload-value"),
        pytest.param({"payload": {"te\x00xt": "x"}}, "12", id="in-payload-key"),
        pytest.param({"payload": {"lines": [{"note": "\x00"}]}}, "12", id="deep-in-payload"),
    ],
)
def test_an_op_carrying_nul_is_kept_emptied_with_its_problem(change, entity_id):
    read_op = only_op(**change)
    assert (read_op.type, read_op.entity_id, read_op.payload, read_op.problem) == ("note.add", entity_id, {}, NUL)


def test_an_op_type_carrying_nul_is_kept_without_it_as_an_unknown_type():
    read_op = only_op(type="note\x00add")
    assert (read_op.type, read_op.payload, read_op.problem) == ("noteadd", {}, "unknown operation type 'note\\x00add'")


@pytest.mark.parametrize(
    ("client_time", "moment"),
    [
        pytest.param(SENT, datetime(2024, 6, 1, 9, 30, tzinfo=CHINA), id="china-offset"),
        pytest.param("2024-06-01T01:30:00Z", datetime(2024, 6, 1, 1, 30, tzinfo=UTC), id="z"),
        pytest.param("2024-06-01T01:30:00.123+00:00", datetime(2024, 6, 1, 1, 30, 0, 123000, tzinfo=UTC), id="ms"),
        pytest.param(..., None, id="missing"),
        pytest.param(None, None, id="null"),
    ],
)
def test_a_client_time_is_read_with_its_offset(client_time, moment):
    read_op = only_op(client_time=client_time)
    assert (read_op.client_time, read_op.problem) == (moment, None)


@pytest.mark.parametrize(
    ("client_time", "problem"),
    [
        pytest.param("2024-06-01T09:30:00", "client_time must carry its offset (e.g. +08:00)", id="naive"),
        pytest.param("2024-06-01", "client_time must carry its offset (e.g. +08:00)", id="date-only"),
        pytest.param("yesterday", "client_time must be an ISO 8601 time with its offset", id="words"),
        pytest.param("", "client_time must be an ISO 8601 time with its offset", id="empty"),
        pytest.param(1717205400, "client_time must be an ISO 8601 time with its offset", id="epoch-number"),
        pytest.param({"t": SENT}, "client_time must be an ISO 8601 time with its offset", id="object"),
        pytest.param("0001-01-01T00:00:00+08:00", YEARS, id="year-1-overflows-in-utc"),
        pytest.param("1899-12-31T23:59:59+08:00", YEARS, id="before-1900"),
        pytest.param("3000-01-01T00:00:00Z", YEARS, id="after-2999"),
    ],
)
def test_a_client_time_without_offset_or_unreadable_is_the_ops_problem(client_time, problem):
    read_op = only_op(client_time=client_time)
    assert (read_op.client_time, read_op.problem) == (None, problem)


@pytest.mark.parametrize("client_time", ["1900-01-01T00:00:00+08:00", "2999-12-31T23:59:59-08:00"])
def test_a_client_time_in_the_first_or_last_year_is_read(client_time):
    assert only_op(client_time=client_time).problem is None


def nested(depth, inner):
    for _ in range(depth):
        inner = [inner]
    return inner


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"payload": {"text": nested(MAX_DEPTH, "x")}}, id="payload"),
        pytest.param({"payload": nested(2000, 1)}, id="payload-not-an-object"),
        pytest.param({"type": nested(2000, "note.add")}, id="type"),
        pytest.param({"entity_id": nested(2000, 12)}, id="entity-id"),
        pytest.param({"client_time": nested(2000, SENT)}, id="client-time"),
    ],
)
def test_an_op_nested_deeper_than_the_limit_is_kept_by_its_number_alone(change):
    # Its repr, the NUL check and the JSON column each recursed through it: RecursionError, a 500.
    read_op = only_op(**change)
    kept = (read_op.seq, read_op.type, read_op.entity_id, read_op.payload, read_op.client_time, read_op.problem)
    assert kept == (1, "", None, {}, None, "the operation nests deeper than 32 levels")


def test_an_op_id_nested_deep_is_refused_like_any_op_id_that_is_not_a_uuid():
    assert refused(push(op(op_id=nested(2000, OP_ID)))) == ("ops[0].op_id", "op_id must be a UUID")


def test_an_op_as_deep_as_the_limit_is_read():
    payload = {"parts": nested(MAX_DEPTH - 3, "x")}  # the op, its payload and the list: three levels
    assert only_op(payload=payload).payload == payload


def test_an_ops_first_problem_is_the_one_kept():
    read_op = only_op(type="nope", payload=[1], entity_id=1.5, client_time="naive")
    assert read_op.problem == "unknown operation type 'nope'"


def test_a_bad_time_is_the_problem_only_of_an_op_otherwise_good():
    assert only_op(payload=[1], client_time="naive").problem == "payload must be a JSON object"


def test_a_problem_in_one_op_leaves_the_others_alone():
    _, _, ops = read(push(op(1), op(2, type="nope"), op(3)))
    assert [o.problem for o in ops] == [None, "unknown operation type 'nope'", None]
