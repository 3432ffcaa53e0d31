"""Rules of products and warranty policies."""

from sqlalchemy import select

from server.extensions import db
from server.products import schemas
from server.products.models import Product
from server.products.models import WarrantyPolicy
from server.reference import ReferenceKind
from server.reference import invalid


def products_by_models(field, models):
    """The products named by ``models``, in model order; InvalidInput naming the unknown ones."""
    if not models:
        return []
    found = {p.model: p for p in db.session.scalars(select(Product).where(Product.model.in_(models)))}
    unknown = [model for model in models if model not in found]
    if unknown:
        raise invalid(field, f"unknown model(s): {', '.join(unknown)}")
    return sorted(found.values(), key=lambda product: product.model)


class ProductKind(ReferenceKind):
    name = "products"
    label = "product"
    model = Product
    key = "model"
    args_schema = schemas.ProductArgs
    list_args = schemas.ProductListArgs
    columns = ("model", "category", "name", "serial_pattern")

    def filter(self, statement, args):
        if "category" in args:
            statement = statement.where(Product.category == args["category"])
        return statement


class PolicyKind(ReferenceKind):
    name = "policies"
    label = "warranty policy"
    model = WarrantyPolicy
    key = "category"
    args_schema = schemas.PolicyArgs
    columns = ("category", "whole_unit_months", "main_part_months")

    def attributes(self, values, existing):
        whole = values.get("whole_unit_months", existing.whole_unit_months if existing else None)
        main = values.get("main_part_months", existing.main_part_months if existing else None)
        if main < whole:
            raise invalid("main_part_months", "main parts are covered at least as long as the whole unit")
        return dict(values)


products = ProductKind()
policies = PolicyKind()
