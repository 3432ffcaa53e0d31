"""Reading a CSV export and applying it row by row.

Files are UTF-8 with a header row, with or without a BOM. Each row is applied
in its own savepoint: a bad row is reported by line and the good rows stay.
Re-importing a file finds every row unchanged.
"""

from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any
from typing import BinaryIO
from typing import TypedDict

import marshmallow as ma
from sqlalchemy.exc import IntegrityError

from server.cards.services import cards
from server.charges.guide import fees
from server.charges.guide import travel_fees
from server.core.csvfiles import ImportResult
from server.core.csvfiles import open_csv
from server.core.csvfiles import rejection
from server.core.reference import FileRow
from server.core.reference import ReferenceKind
from server.errors import DomainError
from server.errors import NotFound
from server.extensions import db
from server.installbase.services import COLUMNS as SALE_COLUMNS
from server.network.services import providers
from server.network.services import regions
from server.parts.services import parts
from server.parts.services import stock
from server.products.services import policies
from server.products.services import products
from server.users.services import users


def kinds() -> dict[str, ReferenceKind[Any]]:
    """The importable kinds, in the order a fresh installation loads them."""
    return {
        kind.name: kind
        for kind in (regions, providers, users, products, policies, parts, stock, cards, fees, travel_fees)
    }


class ImportKind(TypedDict):
    kind: str
    columns: list[str]
    optional: list[str]
    path: str


def import_kinds() -> list[ImportKind]:
    """Every file an admin may import, with its header and the address it goes to; sale records last."""
    listed: list[ImportKind] = [
        {
            "kind": name,
            "columns": list(kind.columns),
            "optional": list(kind.optional_columns),
            "path": f"/api/admin/import/{name}",
        }
        for name, kind in kinds().items()
    ]
    listed.append(
        {"kind": "install-base", "columns": list(SALE_COLUMNS), "optional": [], "path": "/api/install-base/import"}
    )
    return listed


def kind_named(name: str) -> ReferenceKind[Any]:
    known = kinds()
    if name not in known:
        raise NotFound(
            f"There is no import of {name!r}; the kinds are {', '.join(known)}.",
            code="unknown_import_kind",
            details={"kinds": list(known)},
        )
    return known[name]


def read_rows(binary: BinaryIO, columns: Sequence[str], optional: Sequence[str] = ()) -> Iterator[FileRow]:
    """Yield ``(line_number, {column: text})`` from a CSV byte stream (see ``open_csv``): each of the ``optional``
    columns is in each row only when the file carries it."""
    carried: list[str] = []
    for line, cells in open_csv(binary, columns, alone=optional, read=carried):
        yield line, dict(zip(carried, cells, strict=True))


def _describe(messages):
    parts = []
    for field, problems in sorted(messages.items()):
        text = " ".join(problems) if isinstance(problems, list) else str(problems)
        parts.append(f"{field}: {text}")
    return "; ".join(parts)


def import_rows(kind: ReferenceKind[Any], rows: Iterable[FileRow]) -> ImportResult:
    """Apply ``rows`` of ``kind``; return ``{"inserted", "updated", "unchanged", "rejected"}``."""
    result: ImportResult = {"inserted": 0, "updated": 0, "unchanged": 0, "rejected": []}
    schema = kind.args_schema()
    seen: dict[Hashable, int] = {}
    for line, raw in kind.order_rows(list(rows)):
        # An empty cell means "not given": the field's default applies.
        cells = {name: value.strip() for name, value in raw.items() if value.strip()}
        if any("\x00" in value for value in cells.values()):
            result["rejected"].append(rejection(line, "nul_character", "contains a NUL character"))
            continue
        try:
            loaded = schema.load(cells)
        except ma.ValidationError as exc:
            messages = exc.normalized_messages()
            result["rejected"].append(rejection(line, "validation_error", _describe(messages), fields=messages))
            continue
        # Only the file's columns: a field it does not carry (a user's or a provider's
        # ``active``) keeps its stored value instead of being reset to its default.
        values = {name: value for name, value in loaded.items() if name in kind.columns or name in raw}
        # Keyed by the loaded values (usernames in lower case, as stored). Only an applied
        # row claims its key, so a rejected row never stops a later good one.
        key = kind.row_key(values)
        if key in seen:
            first = seen[key]
            result["rejected"].append(
                rejection(line, "repeated_row", f"repeats the row on line {first}", first_line=first)
            )
            continue
        try:
            with db.session.begin_nested():
                outcome = kind.upsert(values)
        except DomainError as exc:
            result["rejected"].append(rejection(line, exc.code, exc.message, **exc.details))
            continue
        except IntegrityError as exc:
            result["rejected"].append(rejection(line, "conflict", f"conflicts with stored data ({exc.orig})"))
            continue
        seen[key] = line
        result[outcome] += 1
    result["rejected"].sort(key=lambda rejected: rejected["line"])
    return result


def import_file(kind_name: str, binary: BinaryIO) -> ImportResult:
    """Import one CSV file (a binary stream) of ``kind_name``; flushes, never commits."""
    kind = kind_named(kind_name)
    return import_rows(kind, read_rows(binary, kind.columns, kind.optional_columns))
