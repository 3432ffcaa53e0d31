"""What a role may see of a customer."""

from server.core.roles import PROVIDER_ROLES


def mask_phone(phone: str, role: str) -> str:
    """Provider staff see only the last four digits of a customer's phone."""
    if role in PROVIDER_ROLES and len(phone) > 4:
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone
