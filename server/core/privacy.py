"""What a role may see of a customer."""

from server.core.roles import PROVIDER_ROLES


def last_four(phone: str) -> str:
    """``phone`` with every character but its last four hidden: ``*******5678``."""
    if len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone


def mask_phone(phone: str, role: str, in_slice: bool = True) -> str:
    """Provider staff see only the last four digits of a customer's phone, and so does anyone reading a
    customer outside their slice (``in_slice`` false: a unit sold in another province than a provincial
    dispatcher's or clerk's)."""
    if role in PROVIDER_ROLES or not in_slice:
        return last_four(phone)
    return phone
