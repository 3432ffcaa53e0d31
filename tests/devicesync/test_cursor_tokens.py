"""Pull cursors (sync.cursor) beyond test_pull.py's: which refusal says what, and what the signature binds."""

import base64

import pytest

from sync import cursor

SECRET = b"a-secret-of-this-test"
NOT_ISSUED = "the cursor is not one this server issued"
ALTERED = "the cursor was altered"
ANOTHER_USER = "the cursor belongs to another user"


def parts(token):
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    body, _, signature = raw.rpartition(b".")
    return body, signature


def token_of(body, signature):
    return base64.urlsafe_b64encode(body + b"." + signature).decode().rstrip("=")


def signed(body, secret=SECRET):
    return token_of(body, base64.urlsafe_b64encode(cursor._sign(secret, body)))


def refusal(token, user_id=7):
    with pytest.raises(cursor.BadCursor) as raised:
        cursor.decode(SECRET, user_id, token)
    return str(raised.value)


def test_a_bad_cursor_is_a_value_error():
    assert issubclass(cursor.BadCursor, ValueError)


def test_the_same_state_gives_the_same_cursor_whatever_the_order_of_its_keys():
    assert cursor.encode(SECRET, 7, {"a": 1, "b": {"y": 2, "x": 3}}) == cursor.encode(
        SECRET, 7, {"b": {"x": 3, "y": 2}, "a": 1}
    )


def test_a_cursor_is_url_safe_text_without_padding():
    token = cursor.encode(SECRET, 7, {"seqs": {"tech:7": 2**62, "catalogue": 0}, "note": "?&/+="})
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_the_cursor_binds_its_user_in_the_signed_body():
    body, signature = parts(cursor.encode(SECRET, 7, {"seqs": {"catalogue": 3}}))
    assert body == b'{"seqs":{"catalogue":3},"u":7}'
    assert len(base64.urlsafe_b64decode(signature)) == 16


def test_a_cursor_under_another_key_is_said_to_be_altered():
    assert refusal(cursor.encode(b"another key", 7, {"seqs": {}})) == ALTERED


def test_a_cursor_with_its_signature_cut_short_is_said_to_be_altered():
    body, signature = parts(cursor.encode(SECRET, 7, {"seqs": {}}))
    short = base64.urlsafe_b64encode(base64.urlsafe_b64decode(signature)[:15])
    assert refusal(token_of(body, short)) == ALTERED


@pytest.mark.parametrize(("issued_to", "asked_by"), [(7, 8), (7, "7"), (7, None), (None, 7)])
def test_a_cursor_is_only_its_own_users(issued_to, asked_by):
    assert refusal(cursor.encode(SECRET, issued_to, {"seqs": {}}), user_id=asked_by) == ANOTHER_USER


def test_a_signed_body_without_a_user_belongs_to_nobody():
    assert refusal(signed(b'{"seqs":{}}')) == ANOTHER_USER


@pytest.mark.parametrize("body", [b"not json", b"", b'{"u":7'], ids=["words", "empty", "cut-short"])
def test_a_signed_body_that_is_not_json_was_not_issued_here(body):
    assert refusal(signed(body)) == NOT_ISSUED


# Text with no base64 in it ("", "!!!!") decodes to nothing, an empty signature, and is called altered instead.
@pytest.mark.parametrize("token", ["garbage", "é", "a" * 4097, base64.urlsafe_b64encode(b"{}.abc").decode()])
def test_a_token_that_is_not_a_cursor_is_said_not_to_be_issued_here(token):
    assert refusal(token) == NOT_ISSUED


def test_a_cursor_given_back_with_its_padding_is_read():
    token = cursor.encode(SECRET, 7, {"seqs": {"catalogue": 1}})
    assert cursor.decode(SECRET, 7, token + "=" * (-len(token) % 4)) == {"seqs": {"catalogue": 1}}
