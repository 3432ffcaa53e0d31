"""Which regions lie in a province and which providers a caller may see.

Provider staff see their own provider; a parts clerk the providers of their province (those covering a
region in it: the ones whose requisitions the clerk approves); every other role that reads providers sees
them all. What lies outside the caller's slice is answered as if it did not exist (404, or left out of a
list), as everywhere else.
"""

from typing import Any
from typing import Protocol

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import false
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import aliased

from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_ROLES
from server.network.models import Provider
from server.network.models import Region
from server.network.models import provider_regions


class Caller(Protocol):
    """The signed-in user as far as the network reads one (users stand above it)."""

    id: int
    role: str
    provider_id: int | None

    @property
    def province_id(self) -> int | None: ...


def province_region_ids(province_id: int) -> Select[int]:
    """The ids of the province and of every city and county in it (regions nest three levels deep)."""
    city = aliased(Region)
    cities = select(city.id).where(city.parent_id == province_id)
    return select(Region.id).where(
        or_(Region.id == province_id, Region.parent_id == province_id, Region.parent_id.in_(cities))
    )


def providers_of_province(province_id: int) -> Select[int]:
    """The ids of the providers covering a region in the province."""
    return select(provider_regions.c.provider_id).where(
        provider_regions.c.region_id.in_(province_region_ids(province_id))
    )


def provider_condition(user: Caller, provider_id: Any) -> ColumnElement[bool] | None:
    """A condition on a provider id column keeping the caller's providers; None when they see every one."""
    condition: ColumnElement[bool]
    if user.role in PROVIDER_ROLES:
        condition = provider_id == user.provider_id
    elif user.role == PARTS_CLERK and user.province_id is not None:
        condition = provider_id.in_(providers_of_province(user.province_id))
    elif user.role == PARTS_CLERK:
        # A clerk without a province (the user import requires one) sees no provider, as no requisition.
        condition = false()
    else:
        return None
    return condition


def may_see_provider(user: Caller, provider: Provider) -> bool:
    """Whether ``provider`` lies in the caller's slice."""
    if user.role in PROVIDER_ROLES:
        return provider.id == user.provider_id
    if user.role == PARTS_CLERK:
        return user.province_id is not None and any(
            region.province().id == user.province_id for region in provider.regions
        )
    return True
