"""Rows read as plain objects, for the reads that only serialise what they read.

A device's first pull reads thousands of jobs with their request, product, regions, provider, technician, fixes
and photos, and serialises them once. As ORM objects, building them was most of its time on PostgreSQL: an
instance state per object, each value committed through it, a collection adapter per relation, a load strategy
per relation and page. What a schema's dump reads is the values and the model's own methods, so here a row is
read with Core into a plain object of the model's name that carries its mapped columns as attributes (under
their attribute names) and the model's methods and properties, and ``attach`` gives objects their relations
read the same way, one query per relation for all of them. The schema stays the one serialisation: tests dump
the plain objects and the ORM's with it and compare.

Plain objects are read-only snapshots: they are not in the session, nothing tracks or flushes them, and a
relation not attached is simply absent (an AttributeError, never a lazy load).
"""

import inspect as pyinspect
from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy.orm import Mapper
from sqlalchemy.orm import RelationshipDirection
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression

from server.core.queries import among
from server.extensions import db


class Plain:
    """A row's values as attributes (see the module's docstring)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.__dict__.get('id')}>"


@cache
def plain_class(model: type) -> type[Plain]:
    """A class named after ``model`` holding the functions and properties ``model`` defines itself (and in its
    own bases), none of SQLAlchemy's: what a schema may call on a row besides its values."""
    members: dict[str, Any] = {}
    for klass in reversed(model.__mro__):
        if klass is object or klass is db.Model or klass in db.Model.__mro__:
            continue
        for name, value in vars(klass).items():
            if name.startswith("__") or name.startswith("_sa_"):
                continue
            if pyinspect.isfunction(value) or isinstance(value, (property, staticmethod, classmethod)):
                members[name] = value
    return type(model.__name__, (Plain,), members)


@cache
def _columns(model: type) -> tuple[ColumnElement[Any], ...]:
    """Every mapped column of ``model``, labelled with its attribute's name."""
    mapper: Mapper[Any] = inspect(model)
    return tuple(attribute.columns[0].label(attribute.key) for attribute in mapper.column_attrs)


def read(model: type, *where: ColumnElement[bool], order_by: Any = None, limit: int | None = None) -> list[Any]:
    """The ``model`` rows ``where`` finds, as plain objects, in ``order_by``'s order, at most ``limit``."""
    statement = select(*_columns(model)).where(*where)
    if order_by is not None:
        statement = statement.order_by(order_by)
    if limit is not None:
        statement = statement.limit(limit)
    return _plain(model, statement)


def _plain(model: type, statement: Select[Any]) -> list[Any]:
    # On the session's connection: a statement of columns needs nothing of the ORM's, whose handling of its
    # rows cost as much as reading them. What the session holds unwritten is written first, as the ORM's own
    # reads would (nothing, in a pull: then the flush returns at once).
    db.session.flush()
    result = db.session.connection().execute(statement)
    keys = list(result.keys())
    made = plain_class(model)
    objects = []
    for row in result.all():  # in one fetch: row by row, the driver's calls cost as much as the rows
        obj = made.__new__(made)
        obj.__dict__.update(zip(keys, row, strict=True))
        objects.append(obj)
    return objects


def attach(objects: Sequence[Any], model: type, key: str) -> list[Any]:
    """Give ``objects`` (plain ``model`` rows) their relation ``key``, read in one query for all; what it read.

    A relation to one (a foreign key on the row) becomes the related object or None; a relation to many (the
    related rows' key pointing back), a list in the relation's order. Relations through a secondary table, or
    on more than one column, or with conditions of their own, are not read here.
    """
    relation = inspect(model).relationships[key]
    join = relation.primaryjoin
    simple = isinstance(join, BinaryExpression) and join.operator is operators.eq
    if not simple or relation.secondary is not None or len(relation.local_remote_pairs) != 1:
        raise ValueError(
            f"{model.__name__}.{key}: only a relation of one column equal to another is read as plain rows"
        )
    [(local, remote)] = relation.local_remote_pairs
    target = relation.mapper.class_
    there = relation.mapper.get_property_by_column(remote).key
    here = inspect(model).get_property_by_column(local).key
    wanted = {value for value in (obj.__dict__[here] for obj in objects) if value is not None}
    if not wanted:
        related = []
    else:
        order = relation.order_by or list(relation.mapper.primary_key)
        statement = select(*_columns(target)).where(among(getattr(target, there), wanted)).order_by(*order)
        related = _plain(target, statement)
    if relation.direction is RelationshipDirection.MANYTOONE:
        by_key = {obj.__dict__[there]: obj for obj in related}
        for obj in objects:
            obj.__dict__[key] = by_key.get(obj.__dict__[here])
    else:
        held: dict[Any, list[Any]] = {}
        for obj in related:
            held.setdefault(obj.__dict__[there], []).append(obj)
        for obj in objects:
            obj.__dict__[key] = held.get(obj.__dict__[here], [])
    return related
