"""Reading the manufacturer's CSV exports."""

import csv
import io
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any
from typing import BinaryIO
from typing import TypedDict

from server.errors import InvalidInput


class Rejection(TypedDict):
    """A line of a file that was not imported: the reason as a sentence, and as a code with its values (the
    model, the first line of a repeat) for a client to say in its user's language."""

    line: int
    error: str
    code: str
    details: dict[str, Any]


def rejection(line: int, code: str, error: str, **details: Any) -> Rejection:
    return {"line": line, "error": error, "code": code, "details": details}


class ImportResult(TypedDict):
    """What importing a file did: rows inserted, updated and left unchanged, and those refused, by line."""

    inserted: int
    updated: int
    unchanged: int
    rejected: list[Rejection]


def open_csv(
    binary: BinaryIO,
    columns: Sequence[str],
    optional: Sequence[str] = (),
    alone: Sequence[str] = (),
    read: list[str] | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, [cell per column])`` from a CSV byte stream, in ``columns`` order.

    ``optional``: a group of columns a file may carry, all of them or none; when its header names any, they
    are read after ``columns`` (and any of the group it lacks is a missing column). ``alone``: columns a file
    may carry each on its own, read after those, in this order. ``read``, when given, is filled with the
    names of the columns read, in the order of the cells. Other columns are ignored
    and blank lines skipped. A file that is empty, not
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
        if any(column in header for column in optional):
            columns = (*columns, *optional)
        columns = (*columns, *(column for column in alone if column in header))
        if read is not None:
            read[:] = columns
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
        line = _first_undecodable_line(binary)
        where = f"line {line}" if line is not None else f"near line {reader.line_num + 1}"
        raise InvalidInput(
            f"The file is not UTF-8 text ({where}); save it as CSV UTF-8 and import it again.",
            code="not_utf8",
            details={"line": line if line is not None else reader.line_num + 1},
        ) from None
    except csv.Error as exc:
        raise InvalidInput(
            f"Line {reader.line_num}: {exc}.", code="malformed_csv", details={"line": reader.line_num}
        ) from None
    finally:
        # The stream is the caller's to close: a wrapper left to the garbage collector
        # would close it (and warn of an unclosed file) behind the caller's back.
        text.detach()


def _first_undecodable_line(binary: BinaryIO) -> int | None:
    """The number of the first line of ``binary`` that is not UTF-8, read again from its start; None when the
    stream cannot go back. The decoder reads ahead by blocks, so where it failed says only roughly which line;
    a spreadsheet saved in GBK is the usual case, and its user needs the line."""
    try:
        binary.seek(0)
    except (AttributeError, OSError, ValueError):
        return None
    for number, raw in enumerate(binary, start=1):
        try:
            raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            return number
    return None
