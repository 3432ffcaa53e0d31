"""Reference data kinds: one object per kind knows its key, its input schema
and how to turn validated values into a row. CSV imports, admin creation and
admin edits all go through it, so one set of rules holds everywhere.
"""

from collections.abc import Hashable
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any
from typing import Final
from typing import Generic
from typing import Literal
from typing import TypeVar

from marshmallow import Schema
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import select

from server.errors import Conflict
from server.errors import InvalidInput
from server.extensions import db

INSERTED: Final = "inserted"
UPDATED: Final = "updated"
UNCHANGED: Final = "unchanged"
# What applying one row of reference data did.
Outcome = Literal["inserted", "updated", "unchanged"]
# One row of a file: its line number and its cells by column name.
FileRow = tuple[int, dict[str, str]]

# The mapped class of a kind (core names no model: they live in the domains above it).
ModelT = TypeVar("ModelT")


def invalid(field: str, message: str) -> InvalidInput:
    """An InvalidInput naming the one field at fault."""
    return InvalidInput(f"{field}: {message}", details={"fields": {field: [message]}})


def assign(obj: object, attributes: Mapping[str, Any]) -> bool:
    """Set the attributes that differ; return True when anything changed."""
    changed = False
    for name, value in attributes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class ReferenceKind(Generic[ModelT]):
    """How one kind of reference data is found, validated and written."""

    name = ""  # the KIND of imports and of /api/admin/<name>
    label = ""  # singular, for messages
    model: type[ModelT]  # every kind names its mapped class
    key = "code"  # the natural key: the CSV column and the URL segment
    key_label = "code"  # how messages name the key
    args_schema: type[Schema]  # marshmallow schema of the input, one row or one request
    columns: tuple[str, ...] = ()  # the CSV header, in order
    # Columns a file may leave out (files made before they existed); a file without them leaves the stored
    # values as they are, and a new row takes the field's default.
    optional_columns: tuple[str, ...] = ()

    list_args: type[Schema] | None = None  # extra query arguments of the admin list, or None
    order_by: ColumnElement[Any] | None = None  # list order; the key by default

    def row_key(self, values: Mapping[str, Any]) -> Hashable:
        """What makes two rows of one file the same row (a repeat is rejected)."""
        return values.get(self.key)

    def order_rows(self, rows: list[FileRow]) -> list[FileRow]:
        """The order to apply a file's rows in; kinds that refer to themselves sort parents first."""
        return rows

    def many(self, field: str, key_values: Sequence[str]) -> list[ModelT]:
        """The objects named by ``key_values``, in key order; InvalidInput on ``field`` naming the unknown ones."""
        if not key_values:
            return []
        column = getattr(self.model, self.key)
        found = {getattr(o, self.key): o for o in db.session.scalars(select(self.model).where(column.in_(key_values)))}
        unknown = [key for key in key_values if key not in found]
        if unknown:
            raise invalid(field, f"unknown {self.key_label}(s): {', '.join(unknown)}")
        return [found[key] for key in sorted(found)]

    def find(self, key_value: str) -> ModelT | None:
        column = getattr(self.model, self.key)
        return db.session.scalar(select(self.model).where(column == key_value))

    def attributes(self, values: Mapping[str, Any], existing: ModelT | None) -> dict[str, Any]:
        """Turn loaded input into model attributes; raise InvalidInput on a broken rule."""
        return dict(values)

    def filter(self, statement: Select[ModelT], args: Mapping[str, Any]) -> Select[ModelT]:
        """Narrow a list query by the kind's own list arguments."""
        return statement

    def visible(self, statement: Select[ModelT], user: Any) -> Select[ModelT]:
        """Narrow a list query to the rows ``user`` (the signed-in reader) may see: all of them by default."""
        return statement

    def may_see(self, user: Any, obj: ModelT) -> bool:
        """Whether ``user`` may read ``obj``; a row they may not is answered as missing."""
        return True

    def shown(self, user: Any, obj: ModelT) -> Any:
        """What ``user`` reads of ``obj`` (what the output schema dumps): the row itself by default."""
        return obj

    def create(self, values: Mapping[str, Any]) -> ModelT:
        """Create from complete values; 409 when the key is taken."""
        if self.find(values[self.key]) is not None:
            raise Conflict(
                f"A {self.label} with {self.key} {values[self.key]} already exists.",
                code="already_exists",
            )
        obj = self.model(**self.attributes(values, None))
        db.session.add(obj)
        db.session.flush()
        return obj

    def update(self, obj: ModelT, values: Mapping[str, Any]) -> bool:
        """Apply partial ``values`` to ``obj``; return True when anything changed."""
        changed = assign(obj, self.attributes(values, obj))
        db.session.flush()
        return changed

    def upsert(self, values: Mapping[str, Any]) -> Outcome:
        """Insert, update or leave alone (an import row); return the outcome."""
        obj = self.find(values[self.key])
        if obj is None:
            self.create(values)
            return INSERTED
        return UPDATED if self.update(obj, values) else UNCHANGED
