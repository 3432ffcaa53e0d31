"""Helpers (not fixtures) of the install-base tests: sale-record CSV files and the records as stored."""

from sqlalchemy import select

from server.extensions import db
from server.installbase.models import SaleRecord

HEADER = "serial,model,sale_date,province,city,store,customer_phone"
PHONE_INDEX = "ix_sale_records_customer_phone"


def csv_bytes(header, *rows, bom=False, newline="\n"):
    """The bytes of a CSV file: ``header`` (None: the sale-record header) and ``rows``, UTF-8."""
    text = newline.join([header or HEADER, *rows]) + newline
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def sales_csv(*rows, **options):
    """A sale-record file of ``rows`` under the standard header."""
    return csv_bytes(HEADER, *rows, **options)


def stored_sales():
    """Every sale record as ``{serial: (model, sale_date, store, province, city, phone, source_file)}``."""
    db.session.expire_all()
    records = db.session.scalars(select(SaleRecord).order_by(SaleRecord.serial)).all()
    return {
        r.serial: (
            r.product.model,
            r.sale_date.isoformat(),
            r.store,
            r.province.code if r.province else None,
            r.city.code if r.city else None,
            r.customer_phone,
            r.source_file,
        )
        for r in records
    }
