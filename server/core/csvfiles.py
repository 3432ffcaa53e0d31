"""Reading the manufacturer's CSV exports."""

import csv
import io
from collections.abc import Iterator
from collections.abc import Sequence
from typing import BinaryIO
from typing import TypedDict

from server.errors import InvalidInput


class Rejection(TypedDict):
    line: int
    error: str


class ImportResult(TypedDict):
    """What importing a file did: rows inserted, updated and left unchanged, and those refused, by line."""

    inserted: int
    updated: int
    unchanged: int
    rejected: list[Rejection]


def open_csv(binary: BinaryIO, columns: Sequence[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, [cell per column])`` from a CSV byte stream, in ``columns`` order.

    Other columns are ignored and blank lines skipped. A file that is empty, not
    UTF-8, not CSV, or lacks a column is refused whole (InvalidInput); the caller
    writes nothing it has not already been given.
    """
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="", errors="strict")
    reader = csv.reader(text)
    try:
        header = next(reader, None)
        if header is None:
            raise InvalidInput("The file is empty; it needs a header row.", code="empty_file")
        header = [name.strip().lower() for name in header]
        missing = [column for column in columns if column not in header]
        if missing:
            raise InvalidInput(
                f"The header lacks the column(s) {', '.join(missing)}.",
                code="missing_columns",
                details={"missing": missing, "expected": list(columns)},
            )
        index = [header.index(column) for column in columns]
        width = max(index) + 1
        in_order = index == list(range(len(columns)))
        for cells in reader:
            if not any(cells):
                continue
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            # A file with exactly our columns, in our order, needs no picking.
            yield reader.line_num, cells if in_order and len(cells) == width else [cells[i] for i in index]
    except UnicodeDecodeError:
        raise InvalidInput(f"The file is not UTF-8 text (near line {reader.line_num + 1}).", code="not_utf8") from None
    except csv.Error as exc:
        raise InvalidInput(f"Line {reader.line_num}: {exc}.", code="malformed_csv") from None
    finally:
        # The stream is the caller's to close: a wrapper left to the garbage collector
        # would close it (and warn of an unclosed file) behind the caller's back.
        text.detach()
