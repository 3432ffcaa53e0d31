"""Reports as files: CSV with a BOM, so spreadsheet programs read its Chinese as UTF-8."""

import csv
import io

from flask import Response


def csv_text(header, rows):
    """``header`` then each row (a sequence of values; None as an empty cell) as CSV text."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return out.getvalue()


def csv_response(filename, header, rows):
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
