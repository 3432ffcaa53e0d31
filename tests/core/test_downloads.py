"""CSV downloads: text a spreadsheet program would run as a formula reaches it as text (OWASP's rule for CSV
injection); numbers stay numbers, and the file keeps its BOM."""

import csv
import io
from decimal import Decimal

import pytest

from server.core.downloads import cell
from server.core.downloads import csv_text


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://x","y")',
        "=1+1",
        "+86 138 0000 0000",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "=",
    ],
    ids=["equals", "sum", "plus", "minus", "at", "tab", "carriage-return", "lone-equals"],
)
def test_text_that_starts_a_formula_gets_a_leading_quote(text):
    assert cell(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    ["张师傅", "SN0001", "12.50", "a=b", " =1+1", "'=1+1", "", "E-01", "\n=1+1"],
    ids=["chinese", "serial", "amount", "equals-inside", "space-first", "quoted-already", "empty", "dash-inside", "lf"],
)
def test_other_text_is_left_as_it_is(text):
    assert cell(text) == text


@pytest.mark.parametrize("number", [-12.5, -3, 0, 7, Decimal("-12.50"), 2.25])
def test_numbers_stay_numbers_even_negative(number):
    assert cell(number) is number


def test_none_is_an_empty_cell():
    assert cell(None) == ""


def test_every_cell_of_a_file_is_written_through_the_rule_header_included():
    text = csv_text(["name", "=total"], [["=1+1", -12.5], [None, "@x"], []])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["name", "'=total"], ["'=1+1", "-12.5"], ["", "'@x"], []]
