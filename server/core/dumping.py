"""A marshmallow schema's dump, compiled once into plain attribute reads.

``Schema.dump`` walks its fields through several layers of calls per field and value: for a job, 45 fields
and nested schemas, that is most of the time a device's first pull takes (4 s of 6 s for 5,000 jobs).
``dumper(schema)`` reads the schema's fields once and returns a function that builds the same dict with one
read and one conversion per field. The schema stays the one definition of the JSON: a field of a kind not
known here, a dotted attribute, a schema with dump hooks or its own attribute access, is dumped by
marshmallow itself, and tests compare both dumps on every synced kind.
"""

from collections.abc import Callable
from typing import Any

import marshmallow as ma
from marshmallow import missing
from marshmallow.utils import ensure_text_type

Dump = Callable[[Any], dict[str, Any]]
Read = Callable[[Any], Any]

_NUMBERS = (ma.fields.Integer, ma.fields.Float)
_AS_IS = (ma.fields.Boolean, ma.fields.Raw)


def _own(field: ma.fields.Field, base: type) -> bool:
    """``field`` serialises as ``base`` does: it is one, and does not redefine how."""
    return isinstance(field, base) and type(field)._serialize is base._serialize  # type: ignore[attr-defined]


def _convert(field: ma.fields.Field) -> Callable[[Any], Any] | None:
    """How ``field`` turns a value it read into JSON's, or None when only marshmallow knows."""
    if _own(field, ma.fields.String):
        return lambda value: value if type(value) is str or value is None else ensure_text_type(value)
    for number in _NUMBERS:
        if _own(field, number) and not field.as_string:  # type: ignore[attr-defined]
            make = field.num_type  # type: ignore[attr-defined]
            return lambda value: None if value is None else make(value)
    if _own(field, ma.fields.DateTime):
        fmt = field.format or field.DEFAULT_FORMAT  # type: ignore[attr-defined]
        write = field.SERIALIZATION_FUNCS.get(fmt)  # type: ignore[attr-defined]
        if write is None:
            return None
        return lambda value: None if value is None else write(value)
    for kind in _AS_IS:
        if _own(field, kind):
            return lambda value: value
    if _own(field, ma.fields.Nested):
        nested = field.schema  # type: ignore[attr-defined]
        dump = dumper(nested)
        if nested.many or field.many:  # type: ignore[attr-defined]
            return lambda value: None if value is None else [dump(each) for each in value]
        return lambda value: None if value is None else dump(value)
    if _own(field, ma.fields.List):
        inner = _convert(field.inner)  # type: ignore[attr-defined]
        if inner is None or not field.inner._CHECK_ATTRIBUTE:  # type: ignore[attr-defined]
            return None
        return lambda value: None if value is None else [inner(each) for each in value]
    return None


def _reader(schema: ma.Schema, name: str, field: ma.fields.Field) -> Read:
    """What ``field`` of ``schema`` puts under its key for an object (``missing``: no key)."""
    if _own(field, ma.fields.Function):
        return field.serialize_func  # type: ignore[attr-defined]
    if _own(field, ma.fields.Method):
        method = field._serialize_method  # type: ignore[attr-defined]
        return method if method is not None else (lambda obj: missing)
    attribute = field.attribute or name
    convert = _convert(field) if field._CHECK_ATTRIBUTE else None
    if convert is None or "." in attribute:
        return lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)

    def read(obj):
        # An ORM object keeps each loaded value in its __dict__ under the attribute's name: read there first,
        # past the attribute's descriptor, which costs five times as much (a job has some eighty values). What is
        # not there (a property, a value not loaded yet or expired, an object without a __dict__) is read as before.
        try:
            value = obj.__dict__.get(attribute, missing)
        except AttributeError:
            value = missing
        if value is missing:
            value = getattr(obj, attribute, missing)
        if value is missing:  # marshmallow's default for a value absent, if it has one
            return field.serialize(name, obj, accessor=schema.get_attribute)
        return convert(value)

    return read


def dumper(schema: ma.Schema) -> Dump:
    """``dump(obj)``: ``schema.dump(obj)`` for one object, compiled (see the module's docstring)."""
    hooked = any(schema._hooks[hook] for hook in ("pre_dump", "post_dump"))
    if hooked or type(schema).get_attribute is not ma.Schema.get_attribute:
        return schema.dump
    steps = [
        (field.data_key if field.data_key is not None else name, _reader(schema, name, field))
        for name, field in schema.dump_fields.items()
    ]

    def dump(obj: Any) -> dict[str, Any]:
        out = {}
        for key, read in steps:
            value = read(obj)
            if value is not missing:
                out[key] = value
        return out

    return dump
