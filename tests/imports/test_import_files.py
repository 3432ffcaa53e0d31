"""What every import shares: CSV reading, both entry points, idempotency, repeats and whole-file refusals."""

import io
import json

import pytest
from sqlalchemy import select

from server.extensions import db
from server.network.models import Region
from tests.helpers import assert_error
from tests.helpers import counts
from tests.helpers import sentences
from tests.imports.helpers import CHANGED
from tests.imports.helpers import HEADERS
from tests.imports.helpers import KINDS
from tests.imports.helpers import SAMPLES
from tests.imports.helpers import csv_bytes

NON_ADMINS = ("agent", "dispatcher", "technician", "provider_manager", "parts_clerk", "hq_planner", "auditor")


def region_codes():
    db.session.expire_all()
    return list(db.session.scalars(select(Region.code).order_by(Region.code)))


# ---------------------------------------------------------------- every kind, both entry points


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_imports_its_rows(world, import_file, snapshot, kind):
    before = snapshot()
    assert import_file(kind, csv_bytes(kind, *SAMPLES[kind])) == counts(inserted=len(SAMPLES[kind]))
    assert snapshot() != before


@pytest.mark.parametrize("kind", KINDS)
def test_reimporting_a_file_changes_nothing(world, import_file, snapshot, kind):
    content = csv_bytes(kind, *SAMPLES[kind])
    import_file(kind, content)
    before = snapshot()
    assert import_file(kind, content) == counts(unchanged=len(SAMPLES[kind]))
    assert snapshot() == before


@pytest.mark.parametrize("kind", KINDS)
def test_a_changed_row_counts_as_updated(world, imported, kind):
    imported(kind, *SAMPLES[kind])
    assert imported(kind, *CHANGED[kind]) == counts(updated=1, unchanged=len(SAMPLES[kind]) - 1)
    assert imported(kind, *CHANGED[kind]) == counts(unchanged=len(SAMPLES[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_a_key_repeated_in_the_file_is_rejected_and_the_first_row_kept(world, imported, snapshot, kind):
    rows = [*SAMPLES[kind], CHANGED[kind][1]]
    result = imported(kind, *rows)
    assert sentences(result) == counts(
        inserted=len(SAMPLES[kind]), rejected=[{"line": len(rows) + 1, "error": "repeats the row on line 3"}]
    )
    # The repeat was not applied: importing the first version alone changes nothing.
    before = snapshot()
    assert imported(kind, *SAMPLES[kind]) == counts(unchanged=len(SAMPLES[kind]))
    assert snapshot() == before


@pytest.mark.parametrize("bom", [False, True], ids=["no-bom", "bom"])
def test_file_imports_with_or_without_bom(import_file, bom):
    content = csv_bytes("regions", "440000,Guangdong,,province,city", bom=bom)
    assert import_file("regions", content) == counts(inserted=1)
    assert region_codes() == ["440000"]


@pytest.mark.parametrize("kind", KINDS)
def test_file_as_excel_writes_it_imports(world, upload, kind):
    """A BOM before the first column's name, and CRLF line endings."""
    response = upload(kind, csv_bytes(kind, *SAMPLES[kind], bom=True, newline="\r\n"))
    assert response.status_code == 200
    assert response.json == counts(inserted=len(SAMPLES[kind]))


@pytest.mark.parametrize("kind", KINDS)
def test_columns_in_another_order_import_the_same(world, imported, upload, snapshot, kind):
    imported(kind, *SAMPLES[kind])
    before = snapshot()
    reversed_rows = [",".join(reversed(row.split(","))) for row in SAMPLES[kind]]
    header = ",".join(reversed(HEADERS[kind].split(",")))
    response = upload(kind, csv_bytes(header, *reversed_rows))
    assert response.status_code == 200
    assert response.json == counts(unchanged=len(SAMPLES[kind]))
    assert snapshot() == before


@pytest.mark.parametrize("kind", KINDS)
def test_other_columns_are_ignored(world, imported, upload, snapshot, kind):
    imported(kind, *SAMPLES[kind])
    before = snapshot()
    header = f"note,{HEADERS[kind]},id"
    rows = [f"anything,{row},999" for row in SAMPLES[kind]]
    response = upload(kind, csv_bytes(header, *rows))
    assert response.status_code == 200
    assert response.json == counts(unchanged=len(SAMPLES[kind]))
    assert snapshot() == before


def test_header_names_are_matched_without_case_or_spaces(upload):
    content = csv_bytes(" Code ,NAME,Parent_Code,level , Area_Class", "440000,Guangdong,,province,city")
    response = upload("regions", content)
    assert response.status_code == 200
    assert response.json == counts(inserted=1)


def test_line_numbers_are_those_of_the_file(upload):
    """Blank lines are skipped yet counted, and a quoted cell may hold commas."""
    content = csv_bytes(
        "regions", "", '440000,"Guangdong, south",,province,city', "", "440100,Guangzhou,440000,town,city"
    )
    response = upload("regions", content)
    assert response.status_code == 200
    assert sentences(response.json) == counts(
        inserted=1, rejected=[{"line": 5, "error": "level: Must be one of: province, city, county."}]
    )


def test_rejections_are_listed_in_line_order(upload):
    # Counties are applied after provinces, yet their rejection comes first because of its line.
    content = csv_bytes("regions", "440106,Tianhe,999999,county,county", "440000,Guangdong,999999,province,city")
    response = upload("regions", content)
    assert response.status_code == 200
    assert [rejection["line"] for rejection in response.json["rejected"]] == [2, 3]


def test_rows_without_a_key_are_each_rejected_for_the_missing_key(upload):
    response = upload("regions", csv_bytes("regions", ",North,,province,city", ",South,,province,city"))
    assert response.status_code == 200
    assert sentences(response.json) == counts(
        rejected=[
            {"line": 2, "error": "code: Missing data for required field."},
            {"line": 3, "error": "code: Missing data for required field."},
        ]
    )


def test_a_rejected_row_does_not_stop_a_later_good_row_of_the_same_key(upload):
    content = csv_bytes("regions", "440000,Guangdong,,planet,city", "440000,Guangdong,,province,city")
    response = upload("regions", content)
    assert response.status_code == 200
    assert sentences(response.json) == counts(
        inserted=1, rejected=[{"line": 2, "error": "level: Must be one of: province, city, county."}]
    )


def test_a_cell_holding_a_nul_character_rejects_its_row(upload):
    content = csv_bytes("regions", "440000,Guang\x00dong,,province,city", "450000,Guangxi,,province,city")
    response = upload("regions", content)
    assert response.status_code == 200
    assert sentences(response.json) == counts(inserted=1, rejected=[{"line": 2, "error": "contains a NUL character"}])
    assert region_codes() == ["450000"]


REASONS = [
    pytest.param("440000,Guang\x00dong,,province,city", "nul_character", {}, id="nul"),
    pytest.param(
        "440000,Guangdong,,planet,city",
        "validation_error",
        {"fields": {"level": ["Must be one of: province, city, county."]}},
        id="schema",
    ),
    pytest.param(
        "440100,Guangzhou,999999,city,city",
        "validation_error",
        {"fields": {"parent_code": ["unknown region code 999999"]}},
        id="rule",
    ),
    pytest.param("450000,Guangxi again,,province,city", "repeated_row", {"first_line": 2}, id="repeat"),
]


@pytest.mark.parametrize(("row", "code", "details"), REASONS)
def test_a_rejected_row_carries_the_code_and_values_of_its_reason(upload, row, code, details):
    response = upload("regions", csv_bytes("regions", "450000,Guangxi,,province,city", row))
    assert response.status_code == 200
    [rejected] = response.json["rejected"]
    assert (rejected["line"], rejected["code"], rejected["details"]) == (3, code, details)
    assert region_codes() == ["450000"]


# Each kind's own file sent as another kind: the header is refused whole, whatever its rows hold.
WRONG_KINDS = [
    pytest.param(sent_as, kind, id=f"{kind}-as-{sent_as}") for sent_as in KINDS for kind in KINDS if kind != sent_as
]


@pytest.mark.parametrize(("sent_as", "kind"), WRONG_KINDS)
def test_a_file_of_another_kind_is_refused_whole(world, upload, snapshot, sent_as, kind):
    before = snapshot()
    error = assert_error(upload(sent_as, csv_bytes(kind, *SAMPLES[kind])), 422, "missing_columns")
    assert error["details"]["expected"] == HEADERS[sent_as].split(",")
    assert snapshot() == before


@pytest.mark.parametrize("sent_as", KINDS)
def test_a_sale_record_file_is_refused_whole_by_every_kind(world, upload, snapshot, sent_as):
    sales = csv_bytes("serial,model,sale_date,province,city,store,customer_phone", "SN1,TV55,2024-01-15,370000,,S,1")
    before = snapshot()
    assert_error(upload(sent_as, sales), 422, "missing_columns")
    assert snapshot() == before


def test_a_header_alone_imports_nothing(upload):
    response = upload("regions", csv_bytes("regions"))
    assert response.status_code == 200
    assert response.json == counts()


# ---------------------------------------------------------------- whole-file refusals

GBK = "code,name,parent_code,level,area_class\n110000,北京,,province,city\n".encode("gbk")
REFUSED_FILES = [
    pytest.param(
        csv_bytes("code,name,level", "440000,Guangdong,province"),
        "missing_columns",
        {"missing": ["parent_code", "area_class"], "expected": HEADERS["regions"].split(",")},
        id="missing-columns",
    ),
    pytest.param(
        csv_bytes("440000,Guangdong,,province,city"),
        "missing_columns",
        {"missing": HEADERS["regions"].split(","), "expected": HEADERS["regions"].split(",")},
        id="no-header",
    ),
    # The line named is the first that is not UTF-8, though the decoder reads the file ahead by blocks.
    pytest.param(GBK, "not_utf8", {"line": 2}, id="gbk"),
    pytest.param(
        csv_bytes("regions", "440000,Guangdong,,province,city") + "450000,广西,,province,city\n".encode("gbk"),
        "not_utf8",
        {"line": 3},
        id="gbk-after-good-rows",
    ),
    pytest.param(b"", "empty_file", {}, id="empty"),
    pytest.param(b"\xef\xbb\xbf", "empty_file", {}, id="bom-only"),
]


@pytest.mark.parametrize(("content", "code", "details"), REFUSED_FILES)
def test_api_refuses_a_bad_file_whole(upload, snapshot, content, code, details):
    before = snapshot()
    response = upload("regions", content)
    error = assert_error(response, 422, code)
    assert error["details"] == details
    assert snapshot() == before


@pytest.mark.parametrize(("content", "code", "details"), REFUSED_FILES)
def test_cli_refuses_a_bad_file_whole(run_cli, snapshot, content, code, details):
    before = snapshot()
    result = run_cli("regions", content)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ")
    assert result.stdout == ""
    assert snapshot() == before


def test_missing_columns_message_names_them(upload):
    error = assert_error(upload("regions", csv_bytes("code,name,level", "1,a,province")), 422, "missing_columns")
    assert error["message"] == "The header lacks the column(s) parent_code, area_class."


def test_cli_says_which_columns_are_missing(run_cli):
    result = run_cli("regions", csv_bytes("code,name,level", "1,a,province"))
    assert result.exit_code == 1
    assert result.output == "Error: The header lacks the column(s) parent_code, area_class.\n"


def test_api_refuses_an_unknown_kind(upload, snapshot):
    before = snapshot()
    error = assert_error(
        upload("sales", csv_bytes("regions", "440000,Guangdong,,province,city")), 404, "unknown_import_kind"
    )
    assert error["details"] == {"kinds": list(KINDS)}
    assert snapshot() == before


def test_cli_refuses_an_unknown_kind(run_cli, snapshot):
    before = snapshot()
    result = run_cli("sales", csv_bytes("regions", "440000,Guangdong,,province,city"))
    assert result.exit_code == 2
    assert "'sales' is not one of" in result.output
    assert snapshot() == before


def test_cli_refuses_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["import", "regions", str(tmp_path / "absent.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({}, id="no-field"),
        pytest.param({"file": "440000,Guangdong"}, id="text-not-file"),
        pytest.param({"upload": (b"x", "x.csv")}, id="other-field"),
    ],
)
def test_api_needs_the_file_field(client, admin, snapshot, data):
    data = {k: (io.BytesIO(v[0]), v[1]) if isinstance(v, tuple) else v for k, v in data.items()}
    before = snapshot()
    response = client.post("/api/admin/import/regions", data=data, headers=admin, content_type="multipart/form-data")
    error = assert_error(response, 422, "validation_error", fields={"file"})
    assert error["details"]["fields"]["file"] == ["Missing data for required field."]
    assert snapshot() == before


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_an_admin_may_import(upload, as_role, snapshot, role):
    headers = as_role(role)
    before = snapshot()
    response = upload("regions", csv_bytes("regions", "440000,Guangdong,,province,city"), headers=headers)
    error = assert_error(response, 403, "role_forbidden")
    assert error["details"] == {"allowed_roles": ["admin"]}
    assert snapshot() == before


def test_import_needs_a_token(upload):
    response = upload("regions", csv_bytes("regions", "440000,Guangdong,,province,city"), headers={})
    assert_error(response, 401, "token_missing")
    assert region_codes() == []


def test_refusal_for_a_non_admin_comes_before_reading_the_upload(client, as_role):
    """A caller without the role learns nothing, not even that the file field is missing."""
    response = client.post(
        "/api/admin/import/regions", data={}, headers=as_role("agent"), content_type="multipart/form-data"
    )
    assert_error(response, 403, "role_forbidden")


def test_cli_prints_the_result_as_json(run_cli):
    result = run_cli("regions", csv_bytes("regions", "440000,Guangdong,,province,city", "1,x,,planet,city"))
    assert result.exit_code == 0
    assert sentences(json.loads(result.stdout)) == counts(
        inserted=1, rejected=[{"line": 3, "error": "level: Must be one of: province, city, county."}]
    )
    assert region_codes() == ["440000"]


# ---------------------------------------------------------------- upload size


def big_regions_file(size):
    """A regions file of at least ``size`` bytes: two provinces and blank lines between them."""
    content = csv_bytes("regions", "440000,Guangdong,,province,city")
    return content + b"\n" * size + b"450000,Guangxi,,province,city\n"


def test_an_import_may_be_larger_than_other_request_bodies(app, upload, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = upload("regions", big_regions_file(5000))
    assert response.status_code == 200
    assert response.json == counts(inserted=2)


def test_an_import_larger_than_its_ceiling_is_refused(app, upload, monkeypatch, snapshot):
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    before = snapshot()
    assert_error(upload("regions", big_regions_file(5000)), 413, "payload_too_large")
    assert snapshot() == before
