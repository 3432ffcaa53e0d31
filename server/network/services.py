"""Rules of regions and providers."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import select

from server.core import roles
from server.core.reference import FileRow
from server.core.reference import ReferenceKind
from server.core.reference import invalid
from server.errors import Conflict
from server.extensions import db
from server.network import ledger
from server.network import schemas
from server.network.models import LEVELS
from server.network.models import PARENT_LEVEL
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions
from server.network.scope import may_see_provider
from server.network.scope import provider_condition


def region_by_code(code: str) -> Region | None:
    return db.session.scalar(select(Region).where(Region.code == code))


class RegionKind(ReferenceKind[Region]):
    name = "regions"
    label = "region"
    model = Region
    key_label = "region code"
    args_schema = schemas.RegionArgs
    list_args = schemas.RegionListArgs
    columns = ("code", "name", "parent_code", "level", "area_class")

    def order_rows(self, rows: list[FileRow]) -> list[FileRow]:
        # Provinces before cities before counties, so a file may list them in any order.
        rank = {level: i for i, level in enumerate(LEVELS)}
        return sorted(rows, key=lambda row: rank.get((row[1].get("level") or "").strip(), len(rank)))

    def attributes(self, values: Mapping[str, Any], existing: Region | None) -> dict[str, Any]:
        attrs: dict[str, Any] = {k: values[k] for k in ("code", "name", "level", "area_class") if k in values}
        level = values.get("level", existing.level if existing else None)
        if existing is not None and level != existing.level and self._has_children(existing):
            raise Conflict(
                f"Region {existing.code} has sub-regions; its level cannot change.", code="region_has_children"
            )
        if "parent_code" in values or "level" in values:
            if "parent_code" in values:
                parent_code = values["parent_code"]
            else:  # an edit of the level alone: a new region is always given its parent_code (load_default)
                assert existing is not None
                parent_code = existing.parent_code
            attrs["parent"] = self._parent(level, parent_code, existing)
        return attrs

    def _parent(self, level: str, parent_code: str | None, existing: Region | None) -> Region | None:
        wanted = PARENT_LEVEL[level]
        if wanted is None:
            if parent_code:
                raise invalid("parent_code", "a province has no parent region")
            return None
        if not parent_code:
            raise invalid("parent_code", f"a {level} needs its {wanted} as parent")
        parent = region_by_code(parent_code)
        if parent is None:
            raise invalid("parent_code", f"unknown region code {parent_code}")
        if parent.level != wanted:
            raise invalid(
                "parent_code", f"the parent of a {level} must be a {wanted}, and {parent_code} is a {parent.level}"
            )
        return parent

    @staticmethod
    def _has_children(region):
        return db.session.scalar(select(exists().where(Region.parent_id == region.id)))

    def filter(self, statement: Select[Region], args: Mapping[str, Any]) -> Select[Region]:
        if "level" in args:
            statement = statement.where(Region.level == args["level"])
        if "parent_code" in args:
            parent = region_by_code(args["parent_code"])
            statement = statement.where(Region.parent_id == (parent.id if parent else -1))
        return statement


class ProviderKind(ReferenceKind[Provider]):
    name = "providers"
    label = "provider"
    model = Provider
    args_schema = schemas.ProviderArgs
    list_args = schemas.ProviderListArgs
    columns = ("code", "name", "region_codes", "deposit", "credit_limit")
    optional_columns = ("charges_remit_percent",)

    def attributes(self, values: Mapping[str, Any], existing: Provider | None) -> dict[str, Any]:
        attrs: dict[str, Any] = {
            k: values[k] for k in ("code", "name", "active", "charges_remit_percent") if k in values
        }
        if existing is None:
            attrs["deposit_cents"] = 0
        if "credit_limit" in values:
            attrs["credit_limit_cents"] = values["credit_limit"]
        if "region_codes" in values:
            attrs["regions"] = regions.many("region_codes", values["region_codes"])
        return attrs

    def create(self, values: Mapping[str, Any]) -> Provider:
        provider = super().create(values)
        self._deposit(provider, values)
        return provider

    def update(self, obj: Provider, values: Mapping[str, Any]) -> bool:
        changed = super().update(obj, values)
        return self._deposit(obj, values) or changed

    @staticmethod
    def _deposit(provider: Provider, values: Mapping[str, Any]) -> bool:
        # The deposit is a balance kept by the parts account's ledger: the figure
        # given here is reached by an opening or adjustment entry, never written over.
        if "deposit" not in values:
            return False
        return ledger.set_deposit(provider, values["deposit"], "provider record") is not None

    def visible(self, statement: Select[Provider], user: Any) -> Select[Provider]:
        # A parts clerk reads the providers of their province only: the list shows each one's deposit.
        condition = provider_condition(user, Provider.id)
        return statement if condition is None else statement.where(condition)

    def may_see(self, user: Any, obj: Provider) -> bool:
        return may_see_provider(user, obj)

    def shown(self, user: Any, obj: Provider) -> Any:
        # A provider's money (deposit, credit limit) is for those who read its parts account; the call
        # centre and dispatch read providers to route work, and see them without it.
        if user.role in MONEY_READERS:
            return obj
        return ProviderView(obj.id, obj.code, obj.name, obj.region_codes, None, None, obj.active)

    def filter(self, statement: Select[Provider], args: Mapping[str, Any]) -> Select[Provider]:
        if "region_code" in args:
            covering = select(provider_regions.c.provider_id).join(Region).where(Region.code == args["region_code"])
            statement = statement.where(Provider.id.in_(covering))
        return statement


# Who reads a provider's deposit and credit limit: those who read its parts account (and its own staff).
MONEY_READERS = (roles.ADMIN, roles.PARTS_CLERK, roles.HQ_PLANNER, roles.AUDITOR, *roles.PROVIDER_ROLES)


@dataclass(frozen=True)
class ProviderView:
    """A provider as read by a role that may not see its money."""

    id: int
    code: str
    name: str
    region_codes: list[str]
    deposit_cents: int | None
    credit_limit_cents: int | None
    active: bool


regions = RegionKind()
providers = ProviderKind()
