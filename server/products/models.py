"""Products (models sold) and warranty policies per product category."""

import re

from sqlalchemy import String
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from scanning.serials import CHECK_RULES
from server.extensions import db


class Product(db.Model):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    name: Mapped[str] = mapped_column(String(128))
    # A regular expression the whole serial must match; empty accepts any serial.
    serial_pattern: Mapped[str] = mapped_column(String(255), default="")
    # The check-digit rule the serial obeys (luhn, gs1, mod37_36), or "" for none.
    serial_check: Mapped[str] = mapped_column(String(16), default="", server_default="")

    def serial_matches(self, serial):
        """Whether ``serial`` has this model's serial format and, if it has one, its check digit."""
        if self.serial_pattern and re.fullmatch(self.serial_pattern, serial) is None:
            return False
        return not self.serial_check or CHECK_RULES[self.serial_check](serial)

    def __repr__(self):
        return f"<Product {self.model}>"


class WarrantyPolicy(db.Model):
    """三包 periods of one product category: the whole unit and its main parts."""

    __tablename__ = "warranty_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(32), unique=True)
    whole_unit_months: Mapped[int]
    main_part_months: Mapped[int]

    def __repr__(self):
        return f"<WarrantyPolicy {self.category} {self.whole_unit_months}/{self.main_part_months}>"
