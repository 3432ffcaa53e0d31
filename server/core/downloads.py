"""Reports as files: CSV with a BOM, so spreadsheet programs read its Chinese as UTF-8."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """``header`` then each row (a sequence of values; None as an empty cell) as CSV text."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return out.getvalue()


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Response:
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
