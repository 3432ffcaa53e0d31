"""Users and their roles."""

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy import String
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from server.core.clock import utcnow
from server.core.models import UTCDateTime
from server.core.roles import PROVINCE_SCOPED_ROLES
from server.extensions import db


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32), index=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("providers.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # A dispatcher on duty receives the escalations of their scope (the duty manager).
    on_duty: Mapped[bool] = mapped_column(default=False, server_default="0")
    # Bumped when the password changes or the account is disabled: older tokens stop working.
    token_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    provider = relationship("Provider", lazy="joined")
    region = relationship("Region", lazy="joined")

    @property
    def province_id(self):
        """The province a province-scoped user works for; None means the whole country."""
        return self.region_id if self.role in PROVINCE_SCOPED_ROLES else None

    def __repr__(self):
        return f"<User {self.username} {self.role}>"


class SignInFailure(db.Model):
    """Consecutive failed sign-ins of one username from one client address: what that pair's delay grows from.

    Kept per typed username, known or not, so that the delay tells nobody which usernames exist; and per
    address, so that a stranger failing from theirs delays only themselves, never the owner elsewhere.
    """

    __tablename__ = "sign_in_failures"
    __table_args__ = (UniqueConstraint("username", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int]
    last_failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Until then a sign-in of this username from this address is refused without its password being read.
    delayed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self):
        return f"<SignInFailure {self.username} from {self.address}: {self.failures}>"
