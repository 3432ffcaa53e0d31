"""Fixtures of the products tests: admin headers and product and policy factories."""

import pytest

from server.extensions import db


@pytest.fixture
def admin(as_role):
    return as_role("admin", username="root")


@pytest.fixture
def make_product():
    """``make_product(model="TV55", category="tv", ...)``: a stored product model."""
    from server.products.services import products

    def make(model="TV55", category="tv", name=None, serial_pattern="", serial_check=""):
        product = products.find(model)
        if product is None:
            product = products.create(
                {
                    "model": model,
                    "category": category,
                    "name": name or f"Model {model}",
                    "serial_pattern": serial_pattern,
                    "serial_check": serial_check,
                }
            )
            db.session.commit()
        return product

    return make


@pytest.fixture
def make_policy():
    """``make_policy(category="tv", whole_unit_months=12, main_part_months=36)``: a stored warranty policy."""
    from server.products.services import policies

    def make(category="tv", whole_unit_months=12, main_part_months=36):
        policy = policies.find(category)
        if policy is None:
            policy = policies.create(
                {"category": category, "whole_unit_months": whole_unit_months, "main_part_months": main_part_months}
            )
            db.session.commit()
        return policy

    return make
