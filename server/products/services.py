"""Rules of products and warranty policies."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select

from server.core.reference import ReferenceKind
from server.core.reference import invalid
from server.products import schemas
from server.products.models import Product
from server.products.models import WarrantyPolicy


class ProductKind(ReferenceKind[Product]):
    name = "products"
    label = "product"
    model = Product
    key = "model"
    key_label = "model"
    args_schema = schemas.ProductArgs
    list_args = schemas.ProductListArgs
    # The check-digit rule is set through the admin API; files of the ERP's export keep it as stored.
    columns = ("model", "category", "name", "serial_pattern")

    def filter(self, statement: Select[Product], args: Mapping[str, Any]) -> Select[Product]:
        if "category" in args:
            statement = statement.where(Product.category == args["category"])
        return statement


class PolicyKind(ReferenceKind[WarrantyPolicy]):
    name = "policies"
    label = "warranty policy"
    model = WarrantyPolicy
    key = "category"
    args_schema = schemas.PolicyArgs
    columns = ("category", "whole_unit_months", "main_part_months")

    def attributes(self, values: Mapping[str, Any], existing: WarrantyPolicy | None) -> dict[str, Any]:
        whole = values.get("whole_unit_months", existing.whole_unit_months if existing else None)
        main = values.get("main_part_months", existing.main_part_months if existing else None)
        if main < whole:
            raise invalid("main_part_months", "main parts are covered at least as long as the whole unit")
        return dict(values)


products = ProductKind()
policies = PolicyKind()
