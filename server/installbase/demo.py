"""The demo's install base: sale records of every model, sold over four years in the demo's cities, loaded
the documented way, as a CSV export through ``import_sales`` and its row checks. Loading it again finds
every record unchanged."""

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from server.errors import DomainError
from server.extensions import db
from server.installbase.services import COLUMNS
from server.installbase.services import import_sales
from server.network.models import Region
from server.products.models import Product

STORES = ["苏宁", "国美", "京东", "五星电器", "百货大楼"]
SOURCE_FILE = "demo"


def sale_rows(rng, count, models, cities, reference_day):
    """Yield the CSV rows (in ``COLUMNS`` order) of ``count`` sales up to ``reference_day``; deterministic
    for a given rng state. ``models`` and ``cities`` (province code, city code, city name) are in a fixed order."""
    for n in range(count):
        model = models[n % len(models)]
        sold = reference_day - timedelta(days=rng.randrange(0, 4 * 365))
        made = sold - timedelta(days=rng.randrange(10, 120))
        province, city, city_name = cities[rng.randrange(len(cities))]
        yield (
            # The product's serial format: the model without its dash, year and month made, a sequence.
            f"{model.replace('-', '')}{made:%y%m}{n:06d}",
            model,
            sold.isoformat(),
            province,
            city,
            f"{city_name}{rng.choice(STORES)}{rng.randrange(1, 30)}号店",
            f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        )


def seed_sales(rng, count, reference_day):
    """Import ``count`` demo sale records; return how many were new."""
    models = list(db.session.scalars(select(Product.model).order_by(Product.model)))
    cities = db.session.execute(
        select(Region.code, Region.name, Region.parent_id).where(Region.level == "city").order_by(Region.code)
    ).all()
    provinces = dict(db.session.execute(select(Region.id, Region.code).where(Region.level == "province")).all())
    places = [(provinces[parent_id], code, name) for code, name, parent_id in cities]
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(sale_rows(rng, count, models, places, reference_day))
    result = import_sales(io.BytesIO(text.getvalue().encode()), SOURCE_FILE, today=reference_day)
    if result["rejected"]:
        raise DomainError(f"demo sale records rejected: {result['rejected'][:3]}")
    return result["inserted"]
