"""Reports as files: CSV with a BOM, so spreadsheet programs read its Chinese as UTF-8.

Every CSV the API sends is written here, and no cell of it can be a formula. Text comes from users (a
provider's name, a technician's display name, a claim's serial), and a spreadsheet program runs a cell that
starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula:
``=HYPERLINK(...)`` in a claim's serial would reach the auditor as a live link. Such text gets a leading
``'`` (OWASP's rule for CSV injection), which the program shows as text. Only text: numbers are written as
numbers (a negative -12.5 stays a number to add up); amounts of money, written as text like ``12.50``,
never start with one of these characters.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

from flask import Response

# What a spreadsheet program reads as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """``value`` as a CSV cell: None empty, text that would start a formula after a ``'``, anything else as is."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    """``header`` then each row (a sequence of values; None as an empty cell) as CSV text."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([cell(name) for name in header])
    writer.writerows([cell(value) for value in row] for row in rows)
    return out.getvalue()


def csv_response(filename: str, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> Response:
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
