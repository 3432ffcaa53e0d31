"""Who to tell: the people a rule notifies, found by role and scope.

Every domain asks here rather than writing its own query, so "the dispatchers
of a province" means the same thing to an escalation, an overdue SLA and a
conflicting sync op.
"""

from sqlalchemy import ColumnElement
from sqlalchemy import or_
from sqlalchemy import select

from server.core.roles import ADMIN
from server.core.roles import AGENT
from server.core.roles import AUDITOR
from server.core.roles import DISPATCHER
from server.core.roles import PARTS_CLERK
from server.core.roles import PROVIDER_MANAGER
from server.extensions import db
from server.users.models import User


def _active(*conditions: ColumnElement[bool]) -> list[User]:
    return list(db.session.scalars(select(User).where(User.active.is_(True), *conditions).order_by(User.id)))


def admins() -> list[User]:
    """The active admins: who hears of work that nobody else is there to take."""
    return _active(User.role == ADMIN)


def auditors() -> list[User]:
    """The active auditors: who decide claims and the disputes of statements."""
    return _active(User.role == AUDITOR)


def agents() -> list[User]:
    """The active call-centre agents."""
    return _active(User.role == AGENT)


def provider_managers(provider_id: int | None) -> list[User]:
    """The active managers of a provider (none for no provider)."""
    if provider_id is None:
        return []
    return _active(User.role == PROVIDER_MANAGER, User.provider_id == provider_id)


def dispatchers_for(province_id: int | None) -> list[User]:
    """The dispatchers who answer for a province: its own and the national ones."""
    return _active(User.role == DISPATCHER, or_(User.region_id.is_(None), User.region_id == province_id))


def duty_managers(province_id: int | None) -> list[User]:
    """Who takes an escalation: the dispatchers on duty for the area, all of them if none is, else the admins."""
    dispatchers = dispatchers_for(province_id)
    on_duty = [user for user in dispatchers if user.on_duty]
    # A provincial duty manager is closer to the job than a national one.
    provincial = [user for user in on_duty if user.region_id == province_id]
    if provincial or on_duty or dispatchers:
        return provincial or on_duty or dispatchers
    # Nobody dispatches this area: an escalation must still reach someone who can act.
    return admins()


def parts_clerks(province_id: int | None) -> list[User]:
    """Who approves the requisitions of a province: its active parts clerks, else the admins."""
    # A province without a clerk must not swallow requisitions: someone who can act hears of it.
    return _active(User.role == PARTS_CLERK, User.region_id == province_id) or admins()
