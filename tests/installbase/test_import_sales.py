"""Bulk import of sale records (the install base): CLI and API, bad rows by line, idempotency, refusals."""

import io
import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import inspect

from server.extensions import db
from tests.helpers import assert_error
from tests.helpers import counts
from tests.helpers import sentences
from tests.helpers import single_rejection
from tests.imports.helpers import KINDS as REFERENCE_KINDS
from tests.imports.helpers import SAMPLES as REFERENCE_SAMPLES
from tests.imports.helpers import csv_bytes as reference_csv
from tests.installbase.helpers import HEADER
from tests.installbase.helpers import PHONE_INDEX
from tests.installbase.helpers import csv_bytes
from tests.installbase.helpers import sales_csv
from tests.installbase.helpers import stored_sales

pytestmark = [pytest.mark.both_backends, pytest.mark.commits]

ROWS = [
    "SN0001,TV55,2024-01-15,370000,370100,Store A,13812345678",
    "SN0002,TV65,2024-03-01,440000,440100,Store B,13900001111",
    "SN0003,WM8,2023-12-31,370000,,Store C,",
]
# What ROWS store, source file aside: {serial: (model, sale_date, store, province, city, phone)}.
STORED = {
    "SN0001": ("TV55", "2024-01-15", "Store A", "370000", "370100", "13812345678"),
    "SN0002": ("TV65", "2024-03-01", "Store B", "440000", "440100", "13900001111"),
    "SN0003": ("WM8", "2023-12-31", "Store C", "370000", None, ""),
}
GOOD = ROWS[0]
GBK_LINE = "SN0099,TV55,2024-01-15,370000,370100,苏宁,1\n".encode("gbk")  # a line that is not UTF-8
NON_ADMINS = ("agent", "dispatcher", "technician", "provider_manager", "parts_clerk", "hq_planner", "auditor")


def stored_without_source():
    return {serial: values[:-1] for serial, values in stored_sales().items()}


def utc_today():
    return datetime.now(UTC).date()


# ---------------------------------------------------------------- good files, both entry points


def test_good_rows_are_stored(world, import_sales):
    assert import_sales(sales_csv(*ROWS)) == counts(inserted=3)
    assert stored_without_source() == STORED


@pytest.mark.parametrize(
    "raw", ["sn0001", "  SN0001  ", "Sn0001\t", "\u3000sn0001"], ids=["lower", "spaces", "tab", "ideographic-space"]
)
def test_serials_are_stored_trimmed_and_in_upper_case(world, import_sales, raw):
    assert import_sales(sales_csv(f'"{raw}",TV55,2024-01-15,370000,370100,Store A,138')) == counts(inserted=1)
    assert list(stored_sales()) == ["SN0001"]


def test_a_serial_differing_only_in_case_is_the_same_unit(world, import_sales):
    import_sales(sales_csv(*ROWS))
    lower_case = [row.replace("SN", "sn", 1) for row in ROWS]
    assert import_sales(sales_csv(*lower_case)) == counts(unchanged=3)


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_file_imports_with_or_without_bom(world, import_sales, bom):
    assert import_sales(sales_csv(*ROWS, bom=bom)) == counts(inserted=3)
    assert stored_without_source() == STORED


def test_file_as_excel_writes_it_imports(world, import_sales):
    """A BOM before the first column's name, and CRLF line endings."""
    assert import_sales(sales_csv(*ROWS, bom=True, newline="\r\n")) == counts(inserted=3)
    assert stored_without_source() == STORED


def reorder(header, rows, order):
    """``header`` and ``rows`` with their columns taken in ``order`` (indices)."""
    cells = [header.split(","), *(row.split(",") for row in rows)]
    return [",".join(line[i] for i in order) for line in cells]


@pytest.mark.parametrize(
    ("order", "extra"),
    [
        pytest.param(list(reversed(range(7))), False, id="reversed"),
        pytest.param([6, 2, 0, 4, 1, 5, 3], False, id="shuffled"),
        pytest.param(list(range(7)), True, id="extra-columns"),
        pytest.param([3, 4, 0, 1, 2, 5, 6], True, id="shuffled-with-extra-columns"),
    ],
)
def test_columns_in_any_order_and_extra_columns_import_the_same(world, upload, order, extra):
    header, *rows = reorder(HEADER, ROWS, order)
    if extra:
        header = f"note,{header},id"
        rows = [f"anything,{row},{n}" for n, row in enumerate(rows)]
    response = upload(csv_bytes(header, *rows))
    assert response.status_code == 200
    assert response.json == counts(inserted=3)
    assert stored_without_source() == STORED


def test_header_names_are_matched_without_case_or_spaces(world, upload):
    header = " Serial ,MODEL,Sale_Date, province,City,store ,Customer_Phone"
    response = upload(csv_bytes(header, GOOD))
    assert response.status_code == 200
    assert response.json == counts(inserted=1)


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("2024/01/15", "2024-01-15"), (" 2024-01-15 ", "2024-01-15"), ("1990-01-01", "1990-01-01")],
)
def test_sale_date_forms_accepted(world, upload, raw, stored):
    response = upload(sales_csv(f"SN0001,TV55,{raw},370000,370100,Store A,138"))
    assert response.json == counts(inserted=1)
    assert stored_sales()["SN0001"][1] == stored


def test_sale_dated_today_is_accepted(world, upload):
    response = upload(sales_csv(f"SN0001,TV55,{utc_today().isoformat()},370000,370100,Store A,138"))
    assert response.json == counts(inserted=1)


def test_a_serial_of_64_characters_is_accepted(world, upload):
    serial = "S" * 64
    response = upload(sales_csv(f"{serial},TV55,2024-01-15,370000,370100,Store A,138"))
    assert response.json == counts(inserted=1)
    assert list(stored_sales()) == [serial]


def test_quoted_cells_and_chinese_text_are_kept(world, upload):
    response = upload(sales_csv('SN0001,TV55,2024-01-15,370000,370100,"济南, 苏宁 (泉城路店)",138'))
    assert response.json == counts(inserted=1)
    assert stored_sales()["SN0001"][2] == "济南, 苏宁 (泉城路店)"


@pytest.mark.parametrize(
    "store",
    ["back\\slash", "tab\there", "\\N", 'say ""hi""', "semi;colon|pipe", "末尾空格 ", "'quoted'"],
    ids=["backslash", "tab", "copy-null-marker", "double-quotes", "separators", "chinese", "single-quotes"],
)
def test_store_text_is_stored_exactly(world, upload, store):
    """PostgreSQL writes through COPY: its escape characters must arrive as written."""
    response = upload(sales_csv(f'SN0001,TV55,2024-01-15,370000,370100,"{store}",138'))
    assert response.json == counts(inserted=1)
    expected = store.replace('""', '"').strip()
    assert stored_sales()["SN0001"][2] == expected


def test_api_records_the_uploaded_file_name(world, upload):
    upload(sales_csv(GOOD), filename="export-2024-01.csv")
    assert stored_sales()["SN0001"][-1] == "export-2024-01.csv"


def test_cli_records_the_file_name_without_its_directory(world, run_cli):
    result = run_cli(sales_csv(GOOD), name="export-2024-01.csv")
    assert result.exit_code == 0, result.output
    assert stored_sales()["SN0001"][-1] == "export-2024-01.csv"


def test_cli_prints_only_the_result_as_json_on_stdout(world, run_cli):
    """The answer can be piped to a file or to jq; a progress bar belongs on stderr."""
    result = run_cli(sales_csv(GOOD, "SN0002,TV99,2024-01-15,370000,370100,S,1"))
    assert result.exit_code == 0, result.output
    assert sentences(json.loads(result.stdout)) == counts(
        inserted=1, rejected=[{"line": 3, "error": "unknown model 'TV99'"}]
    )


def test_a_header_alone_imports_nothing(world, import_sales):
    assert import_sales(sales_csv()) == counts()
    assert stored_sales() == {}


# ---------------------------------------------------------------- bad rows: reported by line, good rows stay

# Three days on: still in the future on the far side of a midnight passed between collecting and running the test.
FUTURE = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
BAD_ROWS = [
    pytest.param("SN0009,TV99,2024-01-15,370000,370100,S,1", "unknown model 'TV99'", id="unknown-model"),
    pytest.param("SN0009,,2024-01-15,370000,370100,S,1", "unknown model ''", id="empty-model"),
    pytest.param("SN0009,tv55,2024-01-15,370000,370100,S,1", "unknown model 'tv55'", id="model-in-other-case"),
    pytest.param(
        "SN0009,TV55,2024-02-30,370000,370100,S,1",
        "impossible sale date '2024-02-30' (YYYY-MM-DD, not in the future)",
        id="30-february",
    ),
    pytest.param(
        "SN0009,TV55,2023-02-29,370000,370100,S,1",
        "impossible sale date '2023-02-29' (YYYY-MM-DD, not in the future)",
        id="29-february-not-leap",
    ),
    pytest.param(
        "SN0009,TV55,2024-13-01,370000,370100,S,1",
        "impossible sale date '2024-13-01' (YYYY-MM-DD, not in the future)",
        id="month-13",
    ),
    pytest.param(
        "SN0009,TV55,yesterday,370000,370100,S,1",
        "impossible sale date 'yesterday' (YYYY-MM-DD, not in the future)",
        id="yesterday",
    ),
    pytest.param(
        "SN0009,TV55,15/01/2024,370000,370100,S,1",
        "impossible sale date '15/01/2024' (YYYY-MM-DD, not in the future)",
        id="day-first",
    ),
    pytest.param(
        "SN0009,TV55,,370000,370100,S,1",
        "impossible sale date '' (YYYY-MM-DD, not in the future)",
        id="empty-date",
    ),
    pytest.param(
        f"SN0009,TV55,{FUTURE},370000,370100,S,1",
        f"impossible sale date '{FUTURE}' (YYYY-MM-DD, not in the future)",
        id="future",
    ),
    pytest.param(
        "SN0009,TV55,1989-12-31,370000,370100,S,1",
        "impossible sale date '1989-12-31' (YYYY-MM-DD, not in the future)",
        id="before-1990",
    ),
    pytest.param(",TV55,2024-01-15,370000,370100,S,1", "the serial is empty", id="empty-serial"),
    pytest.param('"   ",TV55,2024-01-15,370000,370100,S,1', "the serial is empty", id="blank-serial"),
    pytest.param(
        "SN 0009,TV55,2024-01-15,370000,370100,S,1",
        "the serial is not a serial (at most 64 characters, no spaces)",
        id="serial-with-space",
    ),
    pytest.param(
        '"SN\t0009",TV55,2024-01-15,370000,370100,S,1',
        "the serial is not a serial (at most 64 characters, no spaces)",
        id="serial-with-tab",
    ),
    pytest.param(
        "S" * 65 + ",TV55,2024-01-15,370000,370100,S,1",
        "the serial is not a serial (at most 64 characters, no spaces)",
        id="serial-of-65",
    ),
    pytest.param(
        "S" * 5000 + ",TV55,2024-01-15,370000,370100,S,1",
        "the serial is not a serial (at most 64 characters, no spaces)",
        id="serial-of-5000",
    ),
    pytest.param(
        "SN\x000009,TV55,2024-01-15,370000,370100,S,1",
        "the serial is not a serial (at most 64 characters, no spaces)",
        id="serial-with-nul",
    ),
    pytest.param("SN0009,TV55,2024-01-15,999999,370100,S,1", "unknown province '999999'", id="unknown-province"),
    pytest.param("SN0009,TV55,2024-01-15,,370100,S,1", "unknown province ''", id="empty-province"),
    pytest.param("SN0009,TV55,2024-01-15,370100,370100,S,1", "unknown province '370100'", id="city-as-province"),
    pytest.param("SN0009,TV55,2024-01-15,370000,370999,S,1", "unknown city '370999'", id="unknown-city"),
    pytest.param("SN0009,TV55,2024-01-15,370000,370112,S,1", "unknown city '370112'", id="county-as-city"),
    pytest.param(
        "SN0009,TV55,2024-01-15,370000,440100,S,1",
        "city 440100 is not in province 370000",
        id="city-of-another-province",
    ),
    pytest.param(
        "SN0009,TV55,2024-01-15,370000,370100," + "s" * 129 + ",1",
        "store (≤128) or customer phone (≤32) too long or not text",
        id="store-too-long",
    ),
    pytest.param(
        "SN0009,TV55,2024-01-15,370000,370100,S," + "1" * 33,
        "store (≤128) or customer phone (≤32) too long or not text",
        id="phone-too-long",
    ),
    pytest.param(
        "SN0009,TV55,2024-01-15,370000,370100,S\x00S,1",
        "store (≤128) or customer phone (≤32) too long or not text",
        id="store-with-nul",
    ),
]


@pytest.mark.parametrize(("row", "error"), BAD_ROWS)
def test_a_bad_row_is_reported_by_line_and_the_good_rows_stay(world, upload, row, error):
    response = upload(sales_csv(GOOD, row, ROWS[1]))
    assert response.status_code == 200
    assert sentences(response.json) == counts(inserted=2, rejected=[{"line": 3, "error": error}])
    assert list(stored_sales()) == ["SN0001", "SN0002"]


# A bad row and what the app reads of its rejection: the code it says in its user's language, and the values.
CODED_ROWS = [
    pytest.param(",TV55,2024-01-15,370000,370100,S,1", "empty_serial", {}, id="empty-serial"),
    pytest.param(
        "SN 0009,TV55,2024-01-15,370000,370100,S,1", "bad_serial", {"serial": "SN 0009", "max": 64}, id="bad-serial"
    ),
    pytest.param(
        "S" * 5000 + ",TV55,2024-01-15,370000,370100,S,1",
        "bad_serial",
        {"serial": "S" * 64, "max": 64},
        id="serial-cut-to-64",
    ),
    pytest.param("SN0009,TV99,2024-01-15,370000,370100,S,1", "unknown_model", {"model": "TV99"}, id="unknown-model"),
    pytest.param(
        "SN0009,TV55,2024-02-30,370000,370100,S,1", "bad_sale_date", {"value": "2024-02-30"}, id="bad-sale-date"
    ),
    pytest.param(
        "SN0009,TV55,2024-01-15,999999,370100,S,1", "unknown_province", {"province": "999999"}, id="unknown-province"
    ),
    pytest.param("SN0009,TV55,2024-01-15,370000,370999,S,1", "unknown_city", {"city": "370999"}, id="unknown-city"),
    pytest.param(
        "SN0009,TV55,2024-01-15,370000,440100,S,1",
        "city_outside_province",
        {"city": "440100", "province": "370000"},
        id="city-outside-province",
    ),
    pytest.param(
        "SN0009,TV55,2024-01-15,370000,370100,S," + "1" * 33,
        "bad_store_or_phone",
        {"max_store": 128, "max_phone": 32},
        id="phone-too-long",
    ),
    pytest.param(
        "SN0001,TV65,2024-02-01,440000,440100,Other,1",
        "repeated_serial",
        {"serial": "SN0001", "first_line": 2},
        id="repeated-serial",
    ),
]


@pytest.mark.parametrize(("row", "code", "details"), CODED_ROWS)
def test_a_rejected_row_carries_the_code_and_values_of_its_reason(world, upload, row, code, details):
    response = upload(sales_csv(GOOD, row))
    assert response.status_code == 200
    [rejected] = response.json["rejected"]
    assert (rejected["line"], rejected["code"], rejected["details"]) == (3, code, details)
    assert list(stored_sales()) == ["SN0001"]


def test_a_line_that_is_not_utf8_is_named_exactly_deep_in_a_large_file(world, upload, snapshot):
    """The decoder fails a block ahead of the reader: the line named is still the one with the bad bytes."""
    before = snapshot()
    error = assert_error(upload(sales_csv(*many_rows(2000)) + GBK_LINE), 422, "not_utf8")
    assert error["details"] == {"line": 2002}
    assert error["message"].startswith("The file is not UTF-8 text (line 2002)")
    assert snapshot() == before


@pytest.mark.parametrize("raw", ["2024-W03-1", "2024W031"], ids=["iso-week", "iso-week-compact"])
def test_a_sale_date_in_iso_week_form_is_rejected(world, upload, raw):
    """The message promises YYYY-MM-DD; Python 3.11's date.fromisoformat also reads week dates."""
    response = upload(sales_csv(GOOD, f"SN0009,TV55,{raw},370000,370100,S,1"))
    assert response.status_code == 200
    assert single_rejection(response.json, 3) == f"impossible sale date {raw!r} (YYYY-MM-DD, not in the future)"
    assert list(stored_sales()) == ["SN0001"]


def test_a_row_without_a_city_is_stored_in_its_province(world, upload):
    response = upload(sales_csv("SN0001,TV55,2024-01-15,440000,,Store A,138"))
    assert response.json == counts(inserted=1)
    assert stored_sales()["SN0001"][3:5] == ("440000", None)


def test_cli_reports_bad_rows_and_keeps_good_ones(world, run_cli):
    result = run_cli(sales_csv("SN0002,TV55,2024-02-30,370000,370100,S,1", GOOD, ",TV55,2024-01-15,370000,,S,1"))
    assert result.exit_code == 0, result.output
    assert sentences(json.loads(result.stdout[result.stdout.index("{") :])) == counts(
        inserted=1,
        rejected=[
            {"line": 2, "error": "impossible sale date '2024-02-30' (YYYY-MM-DD, not in the future)"},
            {"line": 4, "error": "the serial is empty"},
        ],
    )
    assert list(stored_sales()) == ["SN0001"]


def test_line_numbers_are_those_of_the_file(world, upload):
    """Blank lines are skipped yet counted."""
    response = upload(sales_csv("", GOOD, "", "SN0002,TV99,2024-01-15,370000,370100,S,1"))
    assert sentences(response.json) == counts(inserted=1, rejected=[{"line": 5, "error": "unknown model 'TV99'"}])


@pytest.mark.parametrize("serial", ["AB/12", "AB?12", "AB#12", "AB%12"])
def test_every_serial_the_import_accepts_can_be_looked_up(world, upload, client, admin, serial):
    """A sale record nobody can reach is a unit whose claims no auditor can check by hand."""
    response = upload(sales_csv(f"{serial},TV55,2024-01-15,370000,370100,S,1"))
    assert response.status_code == 200
    for stored in stored_sales():
        lookup = client.get(f"/api/install-base/{quote(stored, safe='')}", headers=admin)
        assert lookup.status_code == 200, (stored, lookup.get_data(as_text=True))
        assert lookup.json["sale"]["serial"] == stored


# ---------------------------------------------------------------- serials repeated inside the file


def test_a_serial_repeated_in_the_file_is_rejected_naming_the_first_line(world, upload):
    response = upload(sales_csv(GOOD, ROWS[1], "SN0001,TV65,2024-02-01,440000,440100,Other,1"))
    assert sentences(response.json) == counts(
        inserted=2, rejected=[{"line": 4, "error": "repeats serial SN0001 of line 2"}]
    )
    # The first occurrence was stored, not the repeat.
    assert stored_without_source()["SN0001"] == STORED["SN0001"]


def test_a_serial_repeated_in_other_case_and_spacing_is_a_repeat(world, upload):
    response = upload(sales_csv(GOOD, " sn0001 ,TV55,2024-01-15,370000,370100,Store A,13812345678"))
    assert sentences(response.json) == counts(
        inserted=1, rejected=[{"line": 3, "error": "repeats serial SN0001 of line 2"}]
    )


def test_every_repeat_names_the_first_line(world, upload):
    response = upload(sales_csv(GOOD, GOOD, ROWS[1], GOOD))
    assert sentences(response.json) == counts(
        inserted=2,
        rejected=[
            {"line": 3, "error": "repeats serial SN0001 of line 2"},
            {"line": 5, "error": "repeats serial SN0001 of line 2"},
        ],
    )


def test_a_rejected_row_does_not_stop_a_later_good_row_of_the_same_serial(world, upload):
    response = upload(sales_csv("SN0001,TV99,2024-01-15,370000,370100,S,1", GOOD))
    assert sentences(response.json) == counts(inserted=1, rejected=[{"line": 2, "error": "unknown model 'TV99'"}])
    assert stored_without_source() == {"SN0001": STORED["SN0001"]}


def test_a_repeat_names_the_first_row_taken_not_an_earlier_row_refused(world, upload):
    response = upload(sales_csv("SN0001,TV99,2024-01-15,370000,370100,S,1", ROWS[1], GOOD, GOOD))
    assert sentences(response.json) == counts(
        inserted=2,
        rejected=[
            {"line": 2, "error": "unknown model 'TV99'"},
            {"line": 5, "error": "repeats serial SN0001 of line 4"},
        ],
    )


class _OneWay(io.RawIOBase):
    """A stream that cannot go back (a pipe)."""

    def __init__(self, content):
        self.inner = io.BytesIO(content)

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.inner.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("o'brien's sales.csv", "o'brien's sales.csv"),
        ("x'); DROP TABLE sale_records; --.csv", "x'); DROP TABLE sale_records; --.csv"),
        ("销售\x00记录.csv", "销售记录.csv"),
        ("长" * 300 + ".csv", "长" * 255),
    ],
    ids=["quotes", "statement", "nul", "too-long"],
)
def test_a_file_name_is_stored_as_text_whatever_it_holds(world, upload, filename, stored):
    response = upload(sales_csv(GOOD, ROWS[1]), filename=filename)
    assert response.status_code == 200, response.get_json()
    assert sentences(response.json) == counts(inserted=2)
    assert {record[-1] for record in stored_sales().values()} == {stored}


def test_a_stream_that_cannot_go_back_still_names_a_repeats_first_line(world):
    from server.installbase.services import import_sales

    stream = io.BufferedReader(_OneWay(sales_csv(GOOD, "SN0002,TV99,2024-01-15,370000,370100,S,1", GOOD)))
    assert not stream.seekable()
    result = import_sales(stream, "pipe.csv")
    assert [(rejected["line"], rejected["code"]) for rejected in result["rejected"]] == [
        (3, "unknown_model"),
        (4, "repeated_serial"),
    ]
    assert result["rejected"][1]["details"]["first_line"] == 2
    assert result["inserted"] == 1


# ---------------------------------------------------------------- importing again


def test_importing_the_same_file_again_changes_nothing(world, import_sales, snapshot):
    content = sales_csv(*ROWS)
    import_sales(content)
    before = snapshot()
    assert import_sales(content) == counts(unchanged=3)
    assert snapshot() == before


def test_importing_a_file_again_reports_its_bad_rows_again(world, import_sales):
    content = sales_csv(*ROWS, "SN0009,TV99,2024-01-15,370000,370100,S,1")
    import_sales(content)
    assert sentences(import_sales(content)) == counts(
        unchanged=3, rejected=[{"line": 5, "error": "unknown model 'TV99'"}]
    )


@pytest.mark.parametrize(
    ("changed", "stored"),
    [
        pytest.param(
            "SN0002,TV65,2024-03-01,440000,440100,Store Z,13900001111",
            ("TV65", "2024-03-01", "Store Z", "440000", "440100", "13900001111"),
            id="store",
        ),
        pytest.param(
            "SN0002,TV55,2024-03-01,440000,440100,Store B,13900001111",
            ("TV55", "2024-03-01", "Store B", "440000", "440100", "13900001111"),
            id="model",
        ),
        pytest.param(
            "SN0002,TV65,2024-03-02,440000,440100,Store B,13900001111",
            ("TV65", "2024-03-02", "Store B", "440000", "440100", "13900001111"),
            id="sale-date",
        ),
        pytest.param(
            "SN0002,TV65,2024-03-01,370000,370100,Store B,13900001111",
            ("TV65", "2024-03-01", "Store B", "370000", "370100", "13900001111"),
            id="province-and-city",
        ),
        pytest.param(
            "SN0002,TV65,2024-03-01,440000,,Store B,13900001111",
            ("TV65", "2024-03-01", "Store B", "440000", None, "13900001111"),
            id="city-removed",
        ),
        pytest.param(
            "SN0002,TV65,2024-03-01,440000,440100,Store B,13700002222",
            ("TV65", "2024-03-01", "Store B", "440000", "440100", "13700002222"),
            id="phone",
        ),
    ],
)
def test_a_changed_row_is_updated(world, upload, changed, stored):
    upload(sales_csv(*ROWS))
    response = upload(sales_csv(ROWS[0], changed, ROWS[2]))
    assert response.json == counts(updated=1, unchanged=2)
    assert stored_without_source()["SN0002"] == stored


def test_a_changed_row_is_updated_through_both_entry_points(world, import_sales):
    import_sales(sales_csv(*ROWS))
    changed = ROWS[1].replace("Store B", "Store Z")
    assert import_sales(sales_csv(ROWS[0], changed, ROWS[2])) == counts(updated=1, unchanged=2)
    assert stored_sales()["SN0002"][2] == "Store Z"


def test_an_updated_row_records_the_file_that_changed_it(world, upload):
    upload(sales_csv(*ROWS), filename="january.csv")
    upload(sales_csv(ROWS[1].replace("Store B", "Store Z")), filename="february.csv")
    assert {serial: values[-1] for serial, values in stored_sales().items()} == {
        "SN0001": "january.csv",
        "SN0002": "february.csv",
        "SN0003": "january.csv",
    }


def test_an_updated_row_counts_as_unchanged_the_next_time(world, upload):
    upload(sales_csv(*ROWS))
    changed = sales_csv(ROWS[0], ROWS[1].replace("Store B", "Store Z"), ROWS[2])
    upload(changed)
    assert upload(changed).json == counts(unchanged=3)


def test_a_file_mixing_new_changed_and_unchanged_rows_counts_each(world, upload):
    upload(sales_csv(ROWS[0], ROWS[1]))
    response = upload(sales_csv(ROWS[0], ROWS[1].replace("Store B", "Store Z"), ROWS[2]))
    assert response.json == counts(inserted=1, updated=1, unchanged=1)


# ---------------------------------------------------------------- chunks


def many_rows(count, first=1):
    return [f"SN{n:04d},TV55,2024-01-15,370000,370100,Store A,138{n:08d}" for n in range(first, first + count)]


def test_an_import_across_several_chunks_counts_every_row(world, import_sales, monkeypatch):
    monkeypatch.setattr("server.installbase.services.CHUNK_ROWS", 3)
    assert import_sales(sales_csv(*many_rows(10))) == counts(inserted=10)
    assert list(stored_sales()) == [f"SN{n:04d}" for n in range(1, 11)]


def test_a_second_import_across_several_chunks_counts_inserted_updated_and_unchanged(world, import_sales, monkeypatch):
    monkeypatch.setattr("server.installbase.services.CHUNK_ROWS", 3)
    import_sales(sales_csv(*many_rows(6)))
    rows = many_rows(10)
    rows[1] = rows[1].replace("Store A", "Store Z")  # chunk 1
    rows[4] = rows[4].replace("Store A", "Store Z")  # chunk 2
    rows.insert(3, "SN0099,TV99,2024-01-15,370000,370100,S,1")  # line 5, rejected
    rows.insert(7, rows[0])  # line 9, a repeat of line 2
    assert sentences(import_sales(sales_csv(*rows))) == counts(
        inserted=4,
        updated=2,
        unchanged=4,
        rejected=[
            {"line": 5, "error": "unknown model 'TV99'"},
            {"line": 9, "error": "repeats serial SN0001 of line 2"},
        ],
    )
    stores = {serial: values[2] for serial, values in stored_sales().items()}
    assert [serial for serial, store in stores.items() if store == "Store Z"] == ["SN0002", "SN0005"]
    assert len(stores) == 10


def test_a_repeat_in_a_later_chunk_names_the_line_in_an_earlier_chunk(world, upload, monkeypatch):
    monkeypatch.setattr("server.installbase.services.CHUNK_ROWS", 2)
    rows = [*many_rows(5), many_rows(1)[0]]
    response = upload(sales_csv(*rows))
    assert sentences(response.json) == counts(
        inserted=5, rejected=[{"line": 7, "error": "repeats serial SN0001 of line 2"}]
    )


# ---------------------------------------------------------------- large files: read in a forked helper process


@pytest.fixture
def forked(monkeypatch):
    """Every file is read and checked in the forked helper process (as files of 8 MiB and more are), in chunks of 3."""
    monkeypatch.setattr("server.installbase.services.PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr("server.installbase.services.CHUNK_ROWS", 3)


def test_an_import_read_in_a_forked_helper_counts_every_row(world, forked, import_sales):
    rows = [*many_rows(7), "SN0099,TV99,2024-01-15,370000,370100,S,1", *many_rows(3, first=8), many_rows(1)[0]]
    assert sentences(import_sales(sales_csv(*rows))) == counts(
        inserted=10,
        rejected=[
            {"line": 9, "error": "unknown model 'TV99'"},
            {"line": 13, "error": "repeats serial SN0001 of line 2"},
        ],
    )
    assert list(stored_sales()) == [f"SN{n:04d}" for n in range(1, 11)]


def test_an_import_read_in_a_forked_helper_finds_changed_and_unchanged_rows(world, forked, import_sales):
    import_sales(sales_csv(*many_rows(6)))
    rows = many_rows(8)
    rows[4] = rows[4].replace("Store A", "Store Z")
    assert import_sales(sales_csv(*rows)) == counts(inserted=2, updated=1, unchanged=5)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        pytest.param(csv_bytes("serial,model", "SN0001,TV55"), "missing_columns", id="missing-columns"),
        pytest.param(
            sales_csv(*many_rows(10)) + GBK_LINE,
            "not_utf8",
            id="gbk-after-chunks",
        ),
    ],
)
def test_a_file_refused_in_a_forked_helper_leaves_nothing_written(world, forked, upload, snapshot, content, code):
    before = snapshot()
    assert_error(upload(content), 422, code)
    assert snapshot() == before


def test_a_forked_helper_names_the_line_that_is_not_utf8(world, forked, upload):
    error = assert_error(upload(sales_csv(*many_rows(10)) + GBK_LINE), 422, "not_utf8")
    assert error["details"] == {"line": 12}


def test_cli_refuses_a_file_refused_in_a_forked_helper(world, forked, run_cli, snapshot):
    before = snapshot()
    result = run_cli(sales_csv(*many_rows(10)) + GBK_LINE)
    assert result.exit_code == 1
    assert "Error: The file is not UTF-8 text" in result.output
    assert snapshot() == before


# ---------------------------------------------------------------- whole-file refusals, nothing written

MISSING = {"expected": HEADER.split(",")}
GBK = (HEADER + "\nSN0001,TV55,2024-01-15,370000,370100,苏宁,138\n").encode("gbk")
REFUSED_FILES = [
    pytest.param(
        csv_bytes("serial,model,sale_date,province,store,customer_phone", "SN0001,TV55,2024-01-15,370000,S,1"),
        "missing_columns",
        {"missing": ["city"], **MISSING},
        id="missing-city",
    ),
    pytest.param(
        csv_bytes("serial,model", "SN0001,TV55"),
        "missing_columns",
        {"missing": ["sale_date", "province", "city", "store", "customer_phone"], **MISSING},
        id="two-columns",
    ),
    pytest.param(
        csv_bytes(GOOD, ROWS[1]),
        "missing_columns",
        {"missing": HEADER.split(","), **MISSING},
        id="no-header",
    ),
    # The line named is the first that is not UTF-8, though the decoder reads the file ahead by blocks.
    pytest.param(GBK, "not_utf8", {"line": 2}, id="gbk"),
    pytest.param(sales_csv(GOOD) + GBK_LINE, "not_utf8", {"line": 3}, id="gbk-after-a-good-row"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00", "not_utf8", {"line": 1}, id="png"),
    pytest.param(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcb\x48\xcd\xc9", "not_utf8", {"line": 1}, id="gzip"),
    pytest.param(
        b"\x00\x01\x02\x03\x00\x00",
        "missing_columns",
        {"missing": HEADER.split(","), **MISSING},
        id="nul-bytes",
    ),
    pytest.param(b"", "empty_file", {}, id="empty"),
    pytest.param(b"\xef\xbb\xbf", "empty_file", {}, id="bom-only"),
]


@pytest.mark.parametrize(("content", "code", "details"), REFUSED_FILES)
def test_api_refuses_a_bad_file_whole(world, upload, snapshot, content, code, details):
    before = snapshot()
    error = assert_error(upload(content), 422, code)
    assert error["details"] == details
    assert snapshot() == before


@pytest.mark.parametrize(("content", "code", "details"), REFUSED_FILES)
def test_cli_refuses_a_bad_file_whole(world, run_cli, snapshot, content, code, details):
    before = snapshot()
    result = run_cli(content)
    assert result.exit_code == 1
    assert "Error: " in result.output
    assert "{" not in result.stdout
    assert snapshot() == before


def sale_record_indexes():
    db.session.remove()
    return {index["name"] for index in inspect(db.engine).get_indexes("sale_records")}


REFUSED_INTO_EMPTY_TABLE = [
    pytest.param(csv_bytes("serial,model", "SN0001,TV55"), id="missing-columns"),
    pytest.param(sales_csv(*many_rows(10)) + GBK_LINE, id="gbk-after-chunks"),
]


@pytest.mark.parametrize("content", REFUSED_INTO_EMPTY_TABLE)
@pytest.mark.parametrize("entry", ["api", "cli"])
def test_a_refused_import_keeps_the_customer_phone_index(world, upload, run_cli, monkeypatch, entry, content):
    """Nothing half-written: an index dropped for a bulk load into an empty table is back when the file is refused."""
    monkeypatch.setattr("server.installbase.services.CHUNK_ROWS", 3)
    assert PHONE_INDEX in sale_record_indexes()
    if entry == "api":
        assert upload(content).status_code == 422
    else:
        assert run_cli(content).exit_code == 1
    assert PHONE_INDEX in sale_record_indexes()


@pytest.mark.parametrize("table", ["empty", "not-empty"])
def test_an_import_keeps_the_customer_phone_index(world, import_sales, table):
    if table == "not-empty":
        import_sales(sales_csv(ROWS[0]))
    import_sales(sales_csv(*ROWS))
    assert PHONE_INDEX in sale_record_indexes()


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_a_reference_data_file_is_refused_whole(world, upload, snapshot, kind):
    """A file of another kind (providers, parts…) sent as sale records imports nothing, whatever its rows."""
    before = snapshot()
    error = assert_error(upload(reference_csv(kind, *REFERENCE_SAMPLES[kind])), 422, "missing_columns")
    assert error["details"]["expected"] == HEADER.split(",")
    assert snapshot() == before


def test_missing_columns_message_names_them(world, upload):
    content = csv_bytes("serial,model,sale_date,province", "SN0001,TV55,2024-01-15,370000")
    error = assert_error(upload(content), 422, "missing_columns")
    assert error["message"] == "The header lacks the column(s) city, store, customer_phone."


def test_cli_says_which_columns_are_missing(world, run_cli):
    result = run_cli(csv_bytes("serial,model,sale_date,province", "SN0001,TV55,2024-01-15,370000"))
    assert result.exit_code == 1
    assert result.output.endswith("Error: The header lacks the column(s) city, store, customer_phone.\n")


@pytest.mark.parametrize("entry", ["api", "cli"])
def test_a_file_refused_after_several_chunks_leaves_nothing_written(
    world, upload, run_cli, snapshot, monkeypatch, entry
):
    """Chunks already written to the database are undone when a later line is not UTF-8."""
    monkeypatch.setattr("server.installbase.services.CHUNK_ROWS", 3)
    content = sales_csv(*many_rows(10)) + GBK_LINE
    before = snapshot()
    if entry == "api":
        assert_error(upload(content), 422, "not_utf8")
    else:
        assert run_cli(content).exit_code == 1
    assert snapshot() == before


@pytest.mark.parametrize(
    "data",
    [pytest.param({}, id="no-field"), pytest.param({"file": GOOD}, id="text-not-file")],
)
def test_api_needs_the_file_field(world, client, admin, snapshot, data):
    before = snapshot()
    response = client.post("/api/install-base/import", data=data, headers=admin, content_type="multipart/form-data")
    error = assert_error(response, 422, "validation_error", fields={"file"})
    assert error["details"]["fields"]["file"] == ["Missing data for required field."]
    assert snapshot() == before


def test_cli_refuses_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["install-base", "import", str(tmp_path / "absent.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


# ---------------------------------------------------------------- who may import


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_an_admin_may_import(world, upload, as_role, snapshot, role):
    headers = as_role(role)
    before = snapshot()
    error = assert_error(upload(sales_csv(GOOD), headers=headers), 403, "role_forbidden")
    assert error["details"] == {"allowed_roles": ["admin"]}
    assert snapshot() == before


def test_refusal_for_a_non_admin_comes_before_reading_the_upload(world, client, as_role):
    """A caller without the role learns nothing, not even that the file field is missing."""
    response = client.post(
        "/api/install-base/import", data={}, headers=as_role("agent"), content_type="multipart/form-data"
    )
    assert_error(response, 403, "role_forbidden")


def test_import_needs_a_token(world, upload):
    assert_error(upload(sales_csv(GOOD), headers={}), 401, "token_missing")
    assert stored_sales() == {}
