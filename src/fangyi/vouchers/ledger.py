"""The vouchers' double-entry ledger: every movement of money is a transaction of legs (debits
positive, credits negative) summing to zero, appended in one insert and never changed.

A redemption debits the programme's expense and credits what it owes the merchant; a refund
reverses both; a settlement clears what is owed against the programme's funds. So at any moment
the payable balance per merchant is minus what the programme still owes it, and all balances sum
to zero.
"""

import uuid
from typing import Any

from django.db.models import Sum

from fangyi.core import clock
from fangyi.vouchers.choices import LedgerAccount
from fangyi.vouchers.models import LedgerEntry, Redemption, Settlement

# (account, merchant id or None, amount in fen: debit positive, credit negative)
Leg = tuple[str, int | None, int]


def post(
    *,
    kind: str,
    program_id: int,
    legs: list[Leg],
    redemption: Redemption | None = None,
    settlement: Settlement | None = None,
) -> uuid.UUID:
    """Append one balanced transaction. Unbalanced or empty legs are a programming error."""
    if len(legs) < 2 or sum(amount for _account, _merchant, amount in legs) != 0:
        raise ValueError(f"ledger legs must be two or more and sum to zero: {legs!r}")
    if any(amount == 0 or account not in LedgerAccount.values for account, _merchant, amount in legs):
        raise ValueError(f"ledger legs need a known account and an amount: {legs!r}")
    transaction = uuid.uuid4()
    now = clock.now()
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=transaction,
                account=account,
                program_id=program_id,
                merchant_id=merchant,
                amount_fen=amount,
                kind=kind,
                redemption=redemption,
                settlement=settlement,
                posted_at=now,
            )
            for account, merchant, amount in legs
        ]
    )
    return transaction


def balances(program_id: int | None = None) -> dict[str, Any]:
    """Balance of each account (every account present, zero when untouched), and of the payable
    account per merchant id (only merchants with a non-zero balance), over one programme or all."""
    entries = LedgerEntry.objects.all()
    if program_id is not None:
        entries = entries.filter(program_id=program_id)
    by_account = dict.fromkeys(LedgerAccount.values, 0)
    payable: dict[int, int] = {}
    rows = entries.order_by().values("account", "merchant_id").annotate(total=Sum("amount_fen"))
    for row in rows:
        by_account[row["account"]] += row["total"]
        if row["account"] == LedgerAccount.PAYABLE and row["merchant_id"] is not None and row["total"]:
            payable[row["merchant_id"]] = payable.get(row["merchant_id"], 0) + row["total"]
    return {**by_account, "payable_by_merchant": payable}


def trial_balance(program_id: int | None = None) -> int:
    """The sum of every leg: zero unless the ledger is broken."""
    entries = LedgerEntry.objects.all()
    if program_id is not None:
        entries = entries.filter(program_id=program_id)
    return int(entries.aggregate(total=Sum("amount_fen"))["total"] or 0)
