"""The shared fields and schemas other than money: lists of codes, page arguments, the page and import
result shapes, and a page passed through a view."""

import marshmallow as ma
import pytest

from server.core.schemas import CodeList
from server.core.schemas import ImportResultSchema
from server.core.schemas import PageArgs
from server.core.schemas import each_shown
from server.core.schemas import page_schema

Codes = ma.Schema.from_dict({"codes": CodeList()}, name="Codes")
NOT_CODES = "Give a list of codes (or codes separated by ';')."
OUT_OF_RANGE = "Must be greater than or equal to 1 and less than or equal to 1000000."


def load_codes(value):
    return Codes().load({"codes": value})["codes"]


@pytest.mark.parametrize(
    ("value", "codes"),
    [
        pytest.param("370100;370200", ["370100", "370200"], id="csv-form"),
        pytest.param(["370100", "370200"], ["370100", "370200"], id="json-list"),
        pytest.param(("370100", "370200"), ["370100", "370200"], id="tuple"),
        pytest.param("370100", ["370100"], id="one-code"),
        pytest.param(" 370100 ; 370200 ", ["370100", "370200"], id="spaces-trimmed"),
        pytest.param([" 370100 ", "370200\t"], ["370100", "370200"], id="list-items-trimmed"),
        pytest.param("370100;;370200;", ["370100", "370200"], id="empty-items-dropped"),
        pytest.param(["", "  ", "370100"], ["370100"], id="blank-list-items-dropped"),
        pytest.param("b;a;b;c;a", ["b", "a", "c"], id="repeats-dropped-first-kept"),
        pytest.param(["x", " x", "x "], ["x"], id="repeats-after-trimming"),
        pytest.param("", [], id="empty-text"),
        pytest.param(";;", [], id="only-separators"),
        pytest.param([], [], id="empty-list"),
        pytest.param("A;a", ["A", "a"], id="case-kept"),
    ],
)
def test_a_code_list_is_read_from_a_list_or_semicolons_trimmed_and_without_repeats(value, codes):
    assert load_codes(value) == codes


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(370100, id="number"),
        pytest.param({"code": "370100"}, id="object"),
        pytest.param(True, id="boolean"),
        pytest.param(["370100", 370200], id="number-in-list"),
        pytest.param([["370100"]], id="nested-list"),
        pytest.param([None], id="null-in-list"),
    ],
)
def test_anything_but_codes_is_refused(value):
    with pytest.raises(ma.ValidationError) as raised:
        Codes().load({"codes": value})
    assert raised.value.messages == {"codes": [NOT_CODES]}


@pytest.mark.parametrize(("codes", "shown"), [(["a", "b"], ["a", "b"]), (("a",), ["a"]), (None, []), ([], [])])
def test_a_code_list_is_shown_as_a_list(codes, shown):
    assert Codes().dump({"codes": codes}) == {"codes": shown}


# ---------------------------------------------------------------- page arguments


@pytest.mark.parametrize(
    ("query", "args"),
    [
        ({}, {"page": 1, "per_page": None}),
        ({"page": "3"}, {"page": 3, "per_page": None}),
        ({"page": 1, "per_page": 1}, {"page": 1, "per_page": 1}),
        ({"page": 1_000_000, "per_page": 1_000_000}, {"page": 1_000_000, "per_page": 1_000_000}),
    ],
)
def test_page_arguments_default_to_the_first_page_and_the_servers_page_size(query, args):
    assert PageArgs().load(query) == args


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ({"page": 0}, {"page": [OUT_OF_RANGE]}),
        ({"page": -1}, {"page": [OUT_OF_RANGE]}),
        ({"page": 1_000_001}, {"page": [OUT_OF_RANGE]}),
        ({"per_page": 0}, {"per_page": [OUT_OF_RANGE]}),
        ({"per_page": 1_000_001}, {"per_page": [OUT_OF_RANGE]}),
        ({"page": "first"}, {"page": ["Not a valid integer."]}),
        ({"page": True}, {"page": ["Not a valid integer."]}),
        ({"page": 0, "per_page": 0}, {"page": [OUT_OF_RANGE], "per_page": [OUT_OF_RANGE]}),
        ({"limit": 10}, {"limit": ["Unknown field."]}),
    ],
)
def test_page_arguments_out_of_range_or_unknown_are_refused(query, errors):
    with pytest.raises(ma.ValidationError) as raised:
        PageArgs().load(query)
    assert raised.value.messages == errors


# ---------------------------------------------------------------- shapes of answers


def test_a_page_schema_shows_its_items_through_the_item_schema_and_the_counts():
    Item = ma.Schema.from_dict({"code": ma.fields.String()}, name="Item")
    page = {"items": [{"code": "a", "secret": 1}], "page": 2, "per_page": 1, "total": 3, "pages": 3, "extra": "x"}
    assert page_schema(Item, "ItemPage")().dump(page) == {
        "items": [{"code": "a"}],
        "page": 2,
        "per_page": 1,
        "total": 3,
        "pages": 3,
    }


def test_each_item_of_a_page_is_passed_through_the_view_and_the_counts_kept():
    page = {"items": [1, 2, 3], "page": 1, "per_page": 3, "total": 3, "pages": 1}
    assert each_shown(page, lambda item: item * 10) == {**page, "items": [10, 20, 30]}
    assert page["items"] == [1, 2, 3]


def test_an_import_result_shows_its_counts_and_each_rejected_line():
    result = {
        "inserted": 2,
        "updated": 1,
        "unchanged": 0,
        "rejected": [
            {
                "line": 4,
                "error": "unknown model 'TV99'",
                "code": "unknown_model",
                "details": {"model": "TV99"},
                "raw": "x",
            }
        ],
    }
    assert ImportResultSchema().dump(result) == {
        "inserted": 2,
        "updated": 1,
        "unchanged": 0,
        "rejected": [
            {"line": 4, "error": "unknown model 'TV99'", "code": "unknown_model", "details": {"model": "TV99"}}
        ],
    }
