"""Reference data kinds: one object per kind knows its key, its input schema
and how to turn validated values into a row. CSV imports, admin creation and
admin edits all go through it, so one set of rules holds everywhere.
"""

from sqlalchemy import select

from server.errors import Conflict
from server.errors import InvalidInput
from server.extensions import db

INSERTED = "inserted"
UPDATED = "updated"
UNCHANGED = "unchanged"


def invalid(field, message):
    """An InvalidInput naming the one field at fault."""
    return InvalidInput(f"{field}: {message}", details={"fields": {field: [message]}})


def assign(obj, attributes):
    """Set the attributes that differ; return True when anything changed."""
    changed = False
    for name, value in attributes.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


class ReferenceKind:
    """How one kind of reference data is found, validated and written."""

    name = ""  # the KIND of imports and of /api/admin/<name>
    label = ""  # singular, for messages
    model = None
    key = "code"  # the natural key: the CSV column and the URL segment
    key_label = "code"  # how messages name the key
    args_schema = None  # marshmallow schema of the input, one row or one request
    columns = ()  # the CSV header, in order

    list_args = None  # extra query arguments of the admin list, or None
    order_by = None  # list order; the key by default

    def row_key(self, values):
        """What makes two rows of one file the same row (a repeat is rejected)."""
        return values.get(self.key)

    def order_rows(self, rows):
        """The order to apply a file's rows in; kinds that refer to themselves sort parents first."""
        return rows

    def many(self, field, key_values):
        """The objects named by ``key_values``, in key order; InvalidInput on ``field`` naming the unknown ones."""
        if not key_values:
            return []
        column = getattr(self.model, self.key)
        found = {getattr(o, self.key): o for o in db.session.scalars(select(self.model).where(column.in_(key_values)))}
        unknown = [key for key in key_values if key not in found]
        if unknown:
            raise invalid(field, f"unknown {self.key_label}(s): {', '.join(unknown)}")
        return [found[key] for key in sorted(found)]

    def find(self, key_value):
        column = getattr(self.model, self.key)
        return db.session.scalar(select(self.model).where(column == key_value))

    def attributes(self, values, existing):
        """Turn loaded input into model attributes; raise InvalidInput on a broken rule."""
        return dict(values)

    def filter(self, statement, args):
        """Narrow a list query by the kind's own list arguments."""
        return statement

    def create(self, values):
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

    def update(self, obj, values):
        """Apply partial ``values`` to ``obj``; return True when anything changed."""
        changed = assign(obj, self.attributes(values, obj))
        db.session.flush()
        return changed

    def upsert(self, values):
        """Insert, update or leave alone (an import row); return the outcome."""
        obj = self.find(values[self.key])
        if obj is None:
            self.create(values)
            return INSERTED
        return UPDATED if self.update(obj, values) else UNCHANGED
