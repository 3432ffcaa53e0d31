"""A provider's parts account: the deposit (备件压金) it paid in, the credit it may use, and their ledger.

Parts orders are paid from the deposit first, then on credit up to the
limit. Settlements of warranty claims pay back the credit in use first, then
add to the deposit. Every change is one ``AccountEntry``; the provider's two
balances are always the sums of the ledger's two columns.
"""

from collections.abc import Mapping
from typing import Any
from typing import Protocol
from typing import TypedDict

from sqlalchemy import Select
from sqlalchemy import select

from server.core.locks import serialise_on
from server.core.schemas import paginate
from server.errors import Conflict
from server.errors import NotFound
from server.extensions import db
from server.network.models import AccountEntry
from server.network.models import Provider
from server.network.scope import Caller
from server.network.scope import may_see_provider


class HasId(Protocol):
    """A row an entry names: the user who acted, the requisition paid for, the settlement paid in.

    Users, requisitions and settlements stand above the network layer, so the ledger names none of them.
    """

    id: int


class AccountView(TypedDict):
    provider_code: str
    deposit: int
    credit_limit: int
    credit_used: int
    credit_available: int
    available: int
    entries: dict[str, Any]  # a page of the ledger, as paginate answers it


def yuan(cents: int) -> str:
    """``12345`` → ``"123.45"``: amounts in messages, never through float."""
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def locked_provider(provider_id: int) -> Provider:
    """The provider, its account held by this transaction until it ends (two debits never both pass)."""
    serialise_on(f"provider-account:{provider_id}")
    provider = db.session.get(Provider, provider_id, with_for_update=True, populate_existing=True)
    if provider is None:
        raise NotFound(f"There is no provider {provider_id}.", code="provider_not_found")
    return provider


def _post(
    provider: Provider,
    kind: str,
    deposit_delta: int = 0,
    credit_delta: int = 0,
    reference: str = "",
    user: HasId | None = None,
    requisition: HasId | None = None,
    settlement: HasId | None = None,
) -> AccountEntry:
    entry = AccountEntry(
        provider_id=provider.id,
        kind=kind,
        deposit_delta=deposit_delta,
        credit_delta=credit_delta,
        reference=reference[:200],
        requisition_id=requisition.id if requisition is not None else None,
        settlement_id=settlement.id if settlement is not None else None,
        user_id=user.id if user is not None else None,
    )
    db.session.add(entry)
    provider.deposit_cents += deposit_delta
    provider.credit_used_cents += credit_delta
    db.session.flush()
    return entry


def available_cents(provider: Provider) -> int:
    return provider.deposit_cents + max(provider.credit_limit_cents - provider.credit_used_cents, 0)


def debit(
    provider: Provider,
    amount_cents: int,
    reference: str,
    user: HasId | None = None,
    requisition: HasId | None = None,
) -> AccountEntry | None:
    """Pay ``amount_cents`` from the deposit, the rest on credit; 409 ``insufficient_funds`` saying by how much.

    ``provider`` must come from ``locked_provider``.
    """
    if amount_cents <= 0:
        return None
    short = amount_cents - available_cents(provider)
    if short > 0:
        raise Conflict(
            f"Provider {provider.code}'s deposit and credit do not cover {yuan(amount_cents)} yuan: "
            f"{yuan(short)} yuan short.",
            code="insufficient_funds",
            details={
                "amount": yuan(amount_cents),
                "deposit": yuan(provider.deposit_cents),
                "credit_available": yuan(max(provider.credit_limit_cents - provider.credit_used_cents, 0)),
                "short_by": yuan(short),
            },
        )
    from_deposit = min(max(provider.deposit_cents, 0), amount_cents)
    return _post(
        provider,
        "order",
        deposit_delta=-from_deposit,
        credit_delta=amount_cents - from_deposit,
        reference=reference,
        user=user,
        requisition=requisition,
    )


def credit(
    provider: Provider,
    amount_cents: int,
    kind: str,
    reference: str,
    user: HasId | None = None,
    settlement: HasId | None = None,
) -> AccountEntry | None:
    """Money in (a deposit payment, a settlement): repays the credit in use first, the rest to the deposit."""
    if amount_cents <= 0:
        return None
    repay = min(provider.credit_used_cents, amount_cents)
    return _post(
        provider,
        kind,
        deposit_delta=amount_cents - repay,
        credit_delta=-repay,
        reference=reference,
        user=user,
        settlement=settlement,
    )


def withhold(
    provider: Provider, amount_cents: int, reference: str, user: HasId | None = None, settlement: HasId | None = None
) -> AccountEntry | None:
    """A statement's deductions: taken from the deposit while it lasts, the rest owed as credit in use.

    Never refused (the deductions are final, whatever the account holds); ``provider`` from ``locked_provider``.
    """
    if amount_cents <= 0:
        return None
    from_deposit = min(max(provider.deposit_cents, 0), amount_cents)
    return _post(
        provider,
        "deduction",
        deposit_delta=-from_deposit,
        credit_delta=amount_cents - from_deposit,
        reference=reference,
        user=user,
        settlement=settlement,
    )


def set_deposit(
    provider: Provider, deposit_cents: int, reference: str, user: HasId | None = None
) -> AccountEntry | None:
    """Bring the deposit balance to ``deposit_cents`` (the provider record's figure) by one ledger entry."""
    # Under the account's lock and from the balance as committed now: an order
    # charged meanwhile is kept in the ledger, and the adjustment covers the rest.
    provider = locked_provider(provider.id)
    delta = deposit_cents - provider.deposit_cents
    if delta == 0:
        return None
    has_entries = db.session.scalar(select(AccountEntry.id).where(AccountEntry.provider_id == provider.id).limit(1))
    return _post(
        provider, "adjustment" if has_entries else "opening", deposit_delta=delta, reference=reference, user=user
    )


def entries(provider_id: int) -> Select[AccountEntry]:
    """The account's ledger, newest first."""
    return select(AccountEntry).where(AccountEntry.provider_id == provider_id).order_by(AccountEntry.id.desc())


def provider_for(user: Caller, provider_id: int) -> Provider:
    """The provider if the caller may see its account and stock, else 404 (see ``server.network.scope``)."""
    provider = db.session.get(Provider, provider_id)
    if provider is None or not may_see_provider(user, provider):
        raise NotFound(f"You have no provider {provider_id}.", code="provider_not_found")
    return provider


def view(provider: Provider, page: dict[str, Any]) -> AccountView:
    """The account's figures and one page of its ledger (``page`` from ``paginate``)."""
    credit_available = max(provider.credit_limit_cents - provider.credit_used_cents, 0)
    return {
        "provider_code": provider.code,
        "deposit": provider.deposit_cents,
        "credit_limit": provider.credit_limit_cents,
        "credit_used": provider.credit_used_cents,
        "credit_available": credit_available,
        "available": provider.deposit_cents + credit_available,
        "entries": page,
    }


def account_view(user: Caller, provider_id: int, args: Mapping[str, Any]) -> AccountView:
    """The account as the caller may see it: its figures and the page ``args`` asks of its ledger."""
    provider = provider_for(user, provider_id)
    return view(provider, paginate(entries(provider.id), args))


def pay_in(user: HasId, provider_id: int, amount_cents: int, reference: str) -> AccountView:
    """A deposit payment received from the provider (admin); answers the account with its latest entries."""
    provider = locked_provider(provider_id)
    credit(provider, amount_cents, "deposit", reference, user=user)
    return view(provider, paginate(entries(provider.id), {"per_page": 10}))
