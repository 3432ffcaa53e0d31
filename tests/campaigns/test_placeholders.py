"""The rules of a care message's text, without a database: which placeholders it may hold, how it is filled, and how
a phone is written when it opts out."""

from datetime import date

import pytest

from server.campaigns.placeholders import PLACEHOLDERS
from server.campaigns.placeholders import TemplateError
from server.campaigns.placeholders import placeholders_in
from server.campaigns.placeholders import render
from server.messaging.optouts import normalise_phone
from server.products.warranty import add_months
from server.products.warranty import first_sale_day_covered


@pytest.mark.parametrize(
    ("body", "used"),
    [
        ("您好，您的{model}洗衣机该清洗滤网了，客服热线{hotline}", ["model", "hotline"]),
        (
            "{province}{city}的用户：{product_name}（尾号{serial_tail}）",
            ["province", "city", "product_name", "serial_tail"],
        ),
        ("{category} {sale_date} {model} {model}", ["category", "sale_date", "model"]),
        ("A brace itself: {{ and }}", []),
        ("No placeholder at all", []),
    ],
)
def test_known_placeholders_and_doubled_braces_are_accepted(body, used):
    assert placeholders_in(body) == used


@pytest.mark.parametrize(
    ("body", "placeholder"),
    [
        ("您好{name}", "{name}"),
        ("{Model}", "{Model}"),
        ("{}", "{}"),
        ("{0}", "{0}"),
        ("{model.upper}", "{model.upper}"),
        ("{model[0]}", "{model[0]}"),
        ("{model:>10}", "{model:>10}"),
        ("{model!r}", "{model!r}"),
        ("a lone { brace", "{"),
        ("{model", "{"),
        ("a lone } brace", "}"),
        ("model}", "}"),
    ],
)
def test_an_unknown_placeholder_or_a_malformed_brace_is_refused_naming_it(body, placeholder):
    with pytest.raises(TemplateError) as refused:
        placeholders_in(body)
    assert refused.value.placeholder == placeholder
    assert placeholder in str(refused.value)


def test_the_message_is_filled_and_ends_with_the_opt_out_wording():
    values = {"model": "WM8", "hotline": "400-800-3150", "serial_tail": "0004"}
    assert (
        render("您的{model}（尾号{serial_tail}）该清洗了，热线{hotline} ", values, " 回TD退订")
        == "您的WM8（尾号0004）该清洗了，热线400-800-3150 回TD退订"
    )


def test_a_detail_the_unit_lacks_is_left_empty_never_none():
    assert render("{city}的{model}", {"model": "TV55", "city": None}, "") == "的TV55"


def test_every_placeholder_is_documented():
    assert set(PLACEHOLDERS) == {
        "model", "category", "product_name", "sale_date", "province", "city", "serial_tail", "hotline"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("months", "today", "first"),
    [
        (12, date(2026, 6, 15), date(2025, 6, 16)),
        # Sold 29 Feb 2024: its year ends 28 Feb 2025 (clamped), so on 28 Feb 2025 it is out already.
        (12, date(2025, 2, 28), date(2024, 3, 1)),
        # Sold 28 Feb: its month ends 28 Mar, out by 31 Mar.
        (1, date(2025, 3, 31), date(2025, 3, 1)),
    ],
)
def test_the_first_sale_day_still_covered_splits_in_from_out(months, today, first):
    assert first_sale_day_covered(months, today) == first
    assert add_months(first, months) > today
    assert add_months(date.fromordinal(first.toordinal() - 1), months) <= today


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("13900000001", "13900000001"),
        ("139 0000-0001", "13900000001"),
        ("+8613900000001", "13900000001"),
        ("008613900000001", "13900000001"),
        ("8613900000001", "13900000001"),
        # Not a mainland mobile number after the prefix: kept as given.
        ("+85291234567", "+85291234567"),
        ("0531-88880000", "053188880000"),
    ],
)
def test_a_phone_is_kept_as_sale_records_keep_it(given, kept):
    assert normalise_phone(given) == kept
