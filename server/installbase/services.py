"""Rules of the install base: the bulk import of sale records and the lookup of a unit.

The import is built for exports of millions of rows: rows are checked in
Python against lookups held in memory, then written in chunks with one
set-based upsert per chunk (executemany on SQLite, COPY into a staging table
on PostgreSQL). A row whose stored twin has the same values is left alone, so
importing a file again changes nothing.
"""

import io
import itertools
import marshal
import math
import multiprocessing
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Sequence
from datetime import UTC
from datetime import date
from datetime import datetime
from typing import Any
from typing import BinaryIO
from typing import NamedTuple
from typing import cast

from sqlalchemy import select

from scanning.serials import MAX_SERIAL
from scanning.serials import SERIAL_PATTERN
from scanning.serials import normalise_serial
from scanning.serials import valid_serial
from server.core.clock import latest_local_day
from server.core.csvfiles import ImportResult
from server.core.csvfiles import Rejection
from server.core.csvfiles import open_csv
from server.core.csvfiles import rejection
from server.core.geo import SYSTEMS as COORD_SYSTEMS
from server.errors import InvalidInput
from server.errors import NotFound
from server.extensions import db
from server.installbase.models import SaleRecord
from server.network.models import Region
from server.products.models import Product

COLUMNS = ("serial", "model", "sale_date", "province", "city", "store", "customer_phone")
# Where the unit was installed, when the export knows: optional, all three columns or none.
COORDINATE_COLUMNS = ("lat", "lng", "coord_system")
CHUNK_ROWS = 50_000
MAX_STORE = 128
MAX_PHONE = 32
MAX_SOURCE_FILE = 255

# The columns an import writes, in order; a row is "unchanged" when all but the
# bookkeeping ones (source file, import time) equal the stored values.
_FIELDS = ("product_id", "sale_date", "store", "province_id", "city_id", "customer_phone")
_WRITTEN = ("serial", *_FIELDS, "source_file", "imported_at")
# A file with the coordinate columns writes (and compares) those too; one without leaves them as they are.
_COORDINATE_FIELDS = (*_FIELDS, *COORDINATE_COLUMNS)
_COORDINATE_WRITTEN = ("serial", *_COORDINATE_FIELDS, "source_file", "imported_at")
_WRITES = ((_FIELDS, _WRITTEN), (_COORDINATE_FIELDS, _COORDINATE_WRITTEN))


_EARLIEST_SALE = date(1990, 1, 1)
# ISO dates, and the 2024/1/15 form spreadsheets export; nothing else (no week dates).
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}")

# Where a unit was sold: (province id, city id or None).
Place = tuple[int, int | None]


class Fault(NamedTuple):
    """Why a row is refused: a code, the sentence, and the values the sentence names."""

    code: str
    message: str
    details: dict[str, Any]

    def at(self, line: int) -> Rejection:
        return rejection(line, self.code, self.message, **self.details)


# A row ready to write: serial, product id, sale date ISO text, store, province id, city id, customer phone.
SaleValues = tuple[str, int, str, str, int, int | None, str]


class RowChecker:
    """Checks one CSV row of sale records at a time against lookups held in memory.

    Dates and places repeat across millions of rows, so their verdicts are
    cached: most rows cost a handful of dictionary lookups.
    """

    def __init__(self, today: date) -> None:
        self.today = today
        self.products = dict(db.session.execute(select(Product.model, Product.id)).all())
        regions = db.session.execute(select(Region.code, Region.id, Region.level, Region.parent_id)).all()
        self.provinces = {code: rid for code, rid, level, _ in regions if level == "province"}
        self.cities = {code: (rid, parent) for code, rid, level, parent in regions if level == "city"}
        # Good verdicts, keyed by the raw cells (the import's fast path reads them
        # directly); a bad date or place is rare and simply checked again.
        self.known_dates: dict[str, str] = {}
        self.known_places: dict[tuple[str, str], Place] = {}
        self.serial_ok = SERIAL_PATTERN.fullmatch

    def sale_date(self, raw: str) -> tuple[str, None] | tuple[None, Fault]:
        """``(ISO text, None)`` or ``(None, reason)``; ``YYYY/MM/DD`` is accepted too."""
        iso = self.known_dates.get(raw)
        if iso is not None:
            return iso, None
        verdict = self._check_date(raw)
        if verdict[1] is None:
            self.known_dates[raw] = verdict[0]
        return verdict

    def _check_date(self, raw: str) -> tuple[str, None] | tuple[None, Fault]:
        text = raw.strip()
        sold = None
        if _DATE.fullmatch(text):
            try:
                sold = date(*(int(part) for part in re.split("[-/]", text)))
            except ValueError:
                sold = None
        if sold is None or not _EARLIEST_SALE <= sold <= latest_local_day(self.today):
            return None, Fault(
                "bad_sale_date", f"impossible sale date {text!r} (YYYY-MM-DD, not in the future)", {"value": text}
            )
        return sold.isoformat(), None

    def place(self, province_code: str, city_code: str) -> tuple[Place, None] | tuple[None, Fault]:
        """``((province_id, city_id), None)`` or ``(None, reason)``; the city may be empty."""
        key = (province_code, city_code)
        place = self.known_places.get(key)
        if place is not None:
            return place, None
        verdict = self._check_place(province_code.strip(), city_code.strip())
        if verdict[1] is None:
            self.known_places[key] = verdict[0]
        return verdict

    def _check_place(self, province_code: str, city_code: str) -> tuple[Place, None] | tuple[None, Fault]:
        province_id = self.provinces.get(province_code)
        if province_id is None:
            return None, Fault("unknown_province", f"unknown province {province_code!r}", {"province": province_code})
        if not city_code:
            return (province_id, None), None
        city = self.cities.get(city_code)
        if city is None:
            return None, Fault("unknown_city", f"unknown city {city_code!r}", {"city": city_code})
        if city[1] != province_id:
            return None, Fault(
                "city_outside_province",
                f"city {city_code} is not in province {province_code}",
                {"city": city_code, "province": province_code},
            )
        return (province_id, city[0]), None

    def __call__(self, cells: Sequence[str]) -> tuple[SaleValues, None] | tuple[None, Fault]:
        """``(values, None)`` for a good row, ``(None, fault)`` for a bad one.

        Values are ``(serial, product_id, sale date ISO text, store, province_id, city_id, phone)``.
        """
        serial = normalise_serial(cells[0])
        if not serial:
            return None, Fault("empty_serial", "the serial is empty", {})
        if not valid_serial(serial):
            return None, Fault(
                "bad_serial",
                f"the serial is not a serial (at most {MAX_SERIAL} characters, no spaces)",
                {"serial": serial[:64], "max": MAX_SERIAL},
            )
        product_id = self.products.get(cells[1]) or self.products.get(cells[1].strip())
        if product_id is None:
            model = cells[1].strip()
            return None, Fault("unknown_model", f"unknown model {model!r}", {"model": model[:64]})
        sold, fault = self.sale_date(cells[2])
        if fault:
            return None, fault
        place, fault = self.place(cells[3], cells[4])
        if fault:
            return None, fault
        # No error: both were found.
        assert sold is not None
        assert place is not None
        store, phone = cells[5].strip(), cells[6].strip()
        if len(store) > MAX_STORE or len(phone) > MAX_PHONE or "\x00" in store or "\x00" in phone:
            return None, Fault(
                "bad_store_or_phone",
                f"store (≤{MAX_STORE}) or customer phone (≤{MAX_PHONE}) too long or not text",
                {"max_store": MAX_STORE, "max_phone": MAX_PHONE},
            )
        return (serial, product_id, sold, store, place[0], place[1], phone), None


def coordinates(
    lat: str, lng: str, system: str
) -> tuple[tuple[float | None, float | None, str | None], None] | tuple[None, Fault]:
    """``((lat, lng, coord_system), None)`` of a row's coordinate cells (all three empty: unknown, Nones), or
    ``(None, fault)``."""
    lat, lng, system = lat.strip(), lng.strip(), system.strip().lower()
    if not (lat or lng or system):
        return (None, None, None), None
    if not (lat and lng and system):
        return None, Fault(
            "incomplete_coordinates",
            "lat, lng and coord_system go together: give all three or none",
            {"lat": lat[:32], "lng": lng[:32], "coord_system": system[:16]},
        )
    if system not in COORD_SYSTEMS:
        return None, Fault(
            "bad_coord_system",
            f"unknown coord_system {system[:16]!r} (wgs84, gcj02 or bd09)",
            {"coord_system": system[:16]},
        )
    values = []
    for name, text, limit in (("lat", lat, 90), ("lng", lng, 180)):
        try:
            value = float(text) if len(text) <= 32 else math.nan
        except ValueError:
            value = math.nan
        if not -limit <= value <= limit:  # NaN and infinities fail too
            return None, Fault(
                "bad_coordinates", f"{name} {text[:32]!r} is not a number from -{limit} to {limit}", {name: text[:32]}
            )
        values.append(value)
    return (values[0], values[1], system), None


# Files larger than this are read and checked in a forked helper process while
# this one writes: on two cores the import then takes about as long as the
# database needs to write, not that plus Python's parsing.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024


def import_sales(
    binary: BinaryIO,
    source_file: str,
    progress: Callable[[int], object] | None = None,
    today: date | None = None,
) -> ImportResult:
    """Import sale records from a CSV byte stream; flushes, never commits.

    Answers ``{"inserted", "updated", "unchanged", "rejected": [{"line", "error", "code", "details"}]}``.
    ``progress(rows_done)`` is called after each chunk is written.
    """
    if not _rereadable(binary):
        # A repeated serial's first line is found by reading the file again: a stream that cannot go back
        # is kept aside first (an upload and a file on disk can).
        with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spooled:
            shutil.copyfileobj(binary, spooled)
            spooled.seek(0)
            return import_sales(cast(BinaryIO, spooled), source_file, progress, today)
    # The name as a client sent it: no NUL (no database stores one in text), and at most what the column holds.
    source_file = source_file.replace("\x00", "")[:MAX_SOURCE_FILE]
    check_row = RowChecker(today or datetime.now(UTC).date())
    # The file's name and the import's time are the same on every row: the writer adds them, not each row.
    writer = _writer_for(db.session.connection(), source_file, datetime.now(UTC))
    result: ImportResult = {"inserted": 0, "updated": 0, "unchanged": 0, "rejected": []}
    chunks = _checked_chunks(binary, check_row)
    if _size_of(binary) >= PARALLEL_MIN_BYTES and "fork" in multiprocessing.get_all_start_methods():
        chunks = _in_forked_process(chunks)
    done = 0
    begun = False
    for rows, rejected in chunks:
        result["rejected"].extend(rejected)
        if rows:
            if not begun:
                writer.begin()
                begun = True
            inserted, updated = writer(rows)
            result["inserted"] += inserted
            result["updated"] += updated
            result["unchanged"] += len(rows) - inserted - updated
            done += len(rows)
            if progress:
                progress(done)
    if begun:
        writer.finish()
    # Repeats are told at the end of their chunk: the rejections in the file's order.
    result["rejected"].sort(key=lambda rejected: rejected["line"])
    return result


def _rereadable(binary):
    try:
        return binary.seekable() and binary.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False


def _size_of(binary):
    try:
        return os.fstat(binary.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return 0


def _checked_chunks(binary, check_row):
    """Yield ``(rows ready to write, rejected rows)`` a chunk at a time, repeats refused.

    The loop runs once per row of files with millions of them, so the common
    case (a clean row whose date and place were seen before) is written out
    here with local names; anything else goes through ``check_row`` for its verdict.
    """
    lines = open_csv(binary, COLUMNS, optional=COORDINATE_COLUMNS)
    opening = next(lines, None)
    if opening is None:
        yield [], []
        return
    lines = itertools.chain([opening], lines)
    if len(opening[1]) > len(COLUMNS):
        yield from _checked_chunks_with_coordinates(lines, check_row)
        return
    # A set of the serials seen, not the line of each: a repeat is rare, and its first line is looked up by
    # reading the file again at the end (a map of a million serials to their lines was a fifth of this loop).
    seen: set[str] = set()
    repeats: list[tuple[int, str]] = []
    rows: list[tuple[object, ...]] = []
    rejected: list[Rejection] = []
    products, dates, places = check_row.products, check_row.known_dates, check_row.known_places
    serial_ok = check_row.serial_ok
    see, append = seen.add, rows.append
    for line, cells in lines:
        serial, model, sold, province, city, store, phone = cells
        serial = serial.strip().upper()
        product_id = products.get(model)
        sold = dates.get(sold)
        place = places.get((province, city))
        store = store.strip()
        phone = phone.strip()
        if (
            product_id is None
            or sold is None
            or place is None
            # Letters and digits alone have no space or NUL: the pattern is asked only of the others.
            or not ((serial.isalnum() and len(serial) <= MAX_SERIAL) or serial_ok(serial))
            or len(store) > MAX_STORE
            or len(phone) > MAX_PHONE
            or "\x00" in store
            or "\x00" in phone
        ):
            values, fault = check_row(cells)
            if fault is not None:
                rejected.append(fault.at(line))
                continue
            serial, product_id, sold, store, province_id, city_id, phone = values
        else:
            province_id, city_id = place
        if serial in seen:
            repeats.append((line, serial))
            continue
        see(serial)
        append((serial, product_id, sold, store, province_id, city_id, phone))
        if len(rows) >= CHUNK_ROWS:
            yield rows, rejected
            rows, rejected = [], []
            append = rows.append
    yield rows, rejected + _repeated(binary, check_row, repeats)


def _repeated(binary, check_row, repeats):
    """The rejections of ``repeats`` (``[(line, serial)]``), each naming the line of the serial's first row
    taken, found by reading the file again from its start (``import_sales`` made sure it can)."""
    if not repeats:
        return []
    wanted = {serial for _, serial in repeats}
    first: dict[str, int] = {}
    binary.seek(0)
    width = len(COLUMNS)
    for line, cells in open_csv(binary, COLUMNS, optional=COORDINATE_COLUMNS):
        serial = normalise_serial(cells[0])
        # The first row of a serial that was taken: one refused for another fault does not count.
        if serial in wanted and serial not in first and check_row(cells[:width])[1] is None:
            first[serial] = line
    return [
        rejection(
            line,
            "repeated_serial",
            f"repeats serial {serial} of line {first[serial]}",
            serial=serial,
            first_line=first[serial],
        )
        for line, serial in repeats
    ]


def _checked_chunks_with_coordinates(lines, check_row):
    """``_checked_chunks`` of a file with the coordinate columns: each row checked whole, its coordinates too,
    and written with them (files without them keep the fast path above to themselves)."""
    first_line: dict[str, int] = {}
    rows: list[tuple[object, ...]] = []
    rejected: list[Rejection] = []
    width = len(COLUMNS)
    for line, cells in lines:
        values, fault = check_row(cells[:width])
        if fault is None:
            where, fault = coordinates(*cells[width:])
        if fault is not None:
            rejected.append(fault.at(line))
            continue
        assert values is not None
        assert where is not None
        serial, product_id, sold, store, province_id, city_id, phone = values
        if serial in first_line:
            first = first_line[serial]
            rejected.append(
                rejection(
                    line, "repeated_serial", f"repeats serial {serial} of line {first}", serial=serial, first_line=first
                )
            )
            continue
        first_line[serial] = line
        rows.append((serial, product_id, sold, store, province_id, city_id, phone, *where))
        if len(rows) >= CHUNK_ROWS:
            yield rows, rejected
            rows, rejected = [], []
    yield rows, rejected


def _in_forked_process(chunks):
    """Run the ``chunks`` generator in a forked child and yield what it sends back.

    The child inherits the open file and the lookups; it touches no database
    connection. A whole-file refusal (InvalidInput) raised there is raised here.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_send_chunks, args=(chunks, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            kind, payload = marshal.loads(receiver.recv_bytes())
            if kind == "chunk":
                yield payload
            elif kind == "refused":
                raise InvalidInput(payload["message"], code=payload["code"], details=payload["details"])
            else:
                return
    finally:
        receiver.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()


def _send_chunks(chunks, sender):
    # marshal, not pickle: rows are tuples of text and numbers, which it writes ten times and reads half again
    # as fast, and the parent, writing the rows, is the import's slower half.
    try:
        for chunk in chunks:
            sender.send_bytes(marshal.dumps(("chunk", chunk)))
        sender.send_bytes(marshal.dumps(("done", None)))
    except InvalidInput as exc:
        refused = {"message": exc.message, "code": exc.code, "details": exc.details}
        sender.send_bytes(marshal.dumps(("refused", refused)))
    finally:
        sender.close()


def _writer_for(connection, source_file, moment):
    if connection.dialect.name == "postgresql":
        return _PostgresWriter(connection, source_file, moment)
    return _SqliteWriter(connection, source_file, moment)


def _sqlite_text(value):
    """``value`` (without NUL: ``import_sales`` took it out) as an SQLite string literal, its quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


class _SqliteWriter:
    """One executemany upsert per chunk.

    Into an empty table, the customer-phone index is dropped for the load and
    built once at the end: a sort beats a million random index inserts.
    """

    PHONE_INDEX = "ix_sale_records_customer_phone"

    def __init__(self, connection, source_file, moment):
        self.connection = connection
        # SQLAlchemy's SQLite storage format for DateTime, so rows read back alike. Both are written into the
        # statement, once, instead of being bound again for each of a million rows.
        constants = (_sqlite_text(source_file), _sqlite_text(moment.strftime("%Y-%m-%d %H:%M:%S.%f")))
        # By the width of a chunk's rows: with the coordinate columns or without.
        self.sql = {len(fields) + 1: self._upsert(fields, written, constants) for fields, written in _WRITES}
        self.empty_at_start = False

    @staticmethod
    def _upsert(fields, written, constants):
        differs = " OR ".join(f"sale_records.{f} IS NOT excluded.{f}" for f in fields)
        updates = ", ".join(f"{f} = excluded.{f}" for f in (*fields, "source_file", "imported_at"))
        values = ", ".join(["?"] * (len(written) - len(constants)) + list(constants))
        return (
            f"INSERT INTO sale_records ({', '.join(written)}) VALUES ({values}) "
            f"ON CONFLICT (serial) DO UPDATE SET {updates} WHERE {differs}"
        )

    def begin(self):
        # The driver opens a transaction before DML only, and would run DDL in
        # autocommit: a statement that writes nothing opens it first, so the
        # index drop is undone with everything else if the import fails.
        self.connection.exec_driver_sql("DELETE FROM sale_records WHERE 0")
        self.empty_at_start = self.connection.exec_driver_sql("SELECT 1 FROM sale_records LIMIT 1").first() is None
        if self.empty_at_start:
            self.connection.exec_driver_sql(f"DROP INDEX IF EXISTS {self.PHONE_INDEX}")

    def finish(self):
        if self.empty_at_start:
            self.connection.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS {self.PHONE_INDEX} ON sale_records (customer_phone)"
            )

    def __call__(self, chunk):
        # Into a table empty at the start, with repeats refused, every change is an insert.
        before = None if self.empty_at_start else self._count()
        cursor = self.connection.connection.driver_connection.cursor()
        try:
            cursor.executemany(self.sql[len(chunk[0])], chunk)
            changed = cursor.rowcount
        finally:
            cursor.close()
        inserted = changed if before is None else self._count() - before
        return inserted, changed - inserted

    def _count(self):
        return self.connection.exec_driver_sql("SELECT count(*) FROM sale_records").scalar()


class _PostgresWriter:
    """COPY each chunk into a staging table, then one upsert that reports what it inserted."""

    def __init__(self, connection, source_file, moment):
        self.connection = connection
        self.constants = {"source_file": source_file, "imported_at": moment}
        connection.exec_driver_sql(
            "CREATE TEMP TABLE IF NOT EXISTS sale_records_stage ON COMMIT DROP AS "
            f"SELECT serial, {', '.join(_COORDINATE_FIELDS)} FROM sale_records WITH NO DATA"
        )
        # By the width of a chunk's rows: with the coordinate columns or without.
        self.sql = {len(fields) + 1: self._statements(fields, written) for fields, written in _WRITES}

    @staticmethod
    def _statements(fields, written):
        stored = ", ".join(f"sale_records.{f}" for f in fields)
        incoming = ", ".join(f"excluded.{f}" for f in fields)
        differs = f"({stored}) IS DISTINCT FROM ({incoming})"
        updates = ", ".join(f"{f} = excluded.{f}" for f in (*fields, "source_file", "imported_at"))
        columns = ", ".join(written)
        copied = ", ".join(("serial", *fields))
        copy_sql = f"COPY sale_records_stage ({copied}) FROM STDIN"
        # The file's name and the import's time join each row here, bound once per chunk.
        upsert_sql = (
            f"WITH written AS (INSERT INTO sale_records ({columns}) "
            f"SELECT {copied}, %(source_file)s, %(imported_at)s FROM sale_records_stage "
            f"ON CONFLICT (serial) DO UPDATE SET {updates} WHERE {differs} RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written"
        )
        return copy_sql, upsert_sql

    def begin(self):
        pass

    def finish(self):
        pass

    def __call__(self, chunk):
        raw = self.connection.connection.driver_connection
        copy_sql, upsert_sql = self.sql[len(chunk[0])]
        with raw.cursor() as cursor:
            cursor.execute("TRUNCATE sale_records_stage")
            with cursor.copy(copy_sql) as copy:
                for row in chunk:
                    copy.write_row(row)
            cursor.execute(upsert_sql, self.constants)
            inserted, updated = cursor.fetchone()
        return inserted, updated


# ---------------------------------------------------------------- lookup


def sale_record(serial: str) -> SaleRecord:
    record: SaleRecord | None = db.session.scalar(
        select(SaleRecord).where(SaleRecord.serial == normalise_serial(serial))
    )
    if record is None:
        raise NotFound(f"No sale record has serial {normalise_serial(serial)}.", code="unknown_serial")
    return record
