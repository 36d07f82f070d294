"""The ledger: balanced, append-only transactions, and balances that always agree with the
vouchers, redemptions and settlements, whatever sequence of claims, redemptions, replays, refunds
and settlement runs led there (checked with hypothesis)."""

import datetime as dt

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.vouchers.conftest import NOW

from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AppendOnlyError
from fangyi.vouchers import ledger, services
from fangyi.vouchers.choices import EntryKind, FraudRule, LedgerAccount, RedemptionStatus, VoucherStatus
from fangyi.vouchers.models import (
    Denomination,
    FraudFlag,
    LedgerEntry,
    Redemption,
    Settlement,
    Voucher,
)


def test_post_refuses_unbalanced_or_empty_legs(program, merchant):
    for legs in (
        [],
        [(LedgerAccount.EXPENSE, None, 100)],
        [(LedgerAccount.EXPENSE, None, 100), (LedgerAccount.PAYABLE, merchant.pk, -99)],
        [(LedgerAccount.EXPENSE, None, 0), (LedgerAccount.PAYABLE, merchant.pk, 0)],
        [("cash", None, 100), (LedgerAccount.PAYABLE, merchant.pk, -100)],
    ):
        with pytest.raises(ValueError):
            ledger.post(kind=EntryKind.REDEMPTION, program_id=program.pk, legs=legs)
    assert not LedgerEntry.objects.exists()


def test_post_appends_one_transaction(program, merchant):
    transaction = ledger.post(
        kind=EntryKind.REDEMPTION,
        program_id=program.pk,
        legs=[(LedgerAccount.EXPENSE, None, 300), (LedgerAccount.PAYABLE, merchant.pk, -300)],
    )
    entries = LedgerEntry.objects.filter(transaction=transaction)
    assert entries.count() == 2
    assert ledger.balances(program.pk) == {
        "expense": 300,
        "payable": -300,
        "funds": 0,
        "payable_by_merchant": {merchant.pk: -300},
    }
    assert ledger.balances(program.pk + 1)["expense"] == 0
    assert ledger.trial_balance() == 0 and ledger.trial_balance(program.pk) == 0
    entry = entries.first()
    with pytest.raises(AppendOnlyError):
        entries.update(amount_fen=1)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    entry.amount_fen = 1
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_redemptions_are_screened_for_fraud_in_their_transaction(make_program, make_resident, merchant):
    program = make_program(per_person_limit=2)
    holder = make_resident()
    for order in ("F-1", "F-2"):
        voucher = services.voucher_claim(actor=holder, program_id=program.pk)
        services.voucher_redeem(
            actor=merchant.accounts.get(),
            merchant_id=merchant.pk,
            code=voucher.code,
            order_no=order,
            order_amount_fen=10_000,
        )
    flag = FraudFlag.objects.get()
    assert (flag.rule, flag.merchant_id, flag.holder_id) == (
        FraudRule.SPLIT_ORDER,
        merchant.pk,
        holder.person.pk,
    )


# Any sequence --------------------------------------------------------------------------------------

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("claim"), st.integers(0, 5)),
        st.tuples(st.just("redeem"), st.integers(0, 30), st.integers(0, 1), st.integers(5_000, 30_000)),
        st.tuples(st.just("replay"), st.integers(0, 30)),
        st.tuples(st.just("refund"), st.integers(0, 30)),
        st.tuples(st.just("settle"), st.integers(0, 6)),
        st.tuples(st.just("wait"), st.integers(1, 48)),
    ),
    max_size=25,
)


def _check_books(program) -> None:
    """Every balance is what the rows say it must be."""
    assert ledger.trial_balance() == 0
    balances = ledger.balances()
    standing = Redemption.objects.filter(status=RedemptionStatus.DONE)
    assert balances["expense"] == (standing.aggregate(total=Sum("discount_fen"))["total"] or 0)
    owed = {
        row["merchant_id"]: -row["total"]
        for row in standing.filter(settlement__isnull=True)
        .values("merchant_id")
        .annotate(total=Sum("discount_fen"))
    }
    assert balances["payable_by_merchant"] == owed
    assert balances["funds"] == -(Settlement.objects.aggregate(total=Sum("amount_fen"))["total"] or 0)
    assert Voucher.objects.filter(status=VoucherStatus.REDEEMED).count() == standing.count()
    for kind in Denomination.objects.filter(program=program):
        assert kind.remaining + Voucher.objects.filter(denomination=kind).count() == kind.stock
    assert not Redemption.objects.filter(status=RedemptionStatus.REFUNDED, settlement__isnull=False).exists()


@pytest.fixture
def cast(make_program, make_resident, make_merchant):
    program = make_program(per_person_limit=2)
    return program, [make_resident() for _ in range(6)], [make_merchant(), make_merchant()]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_books_balance_after_any_sequence(cast, steps):
    program, residents, merchants = cast
    moment = NOW
    orders = Redemption.objects.count()
    for step in steps:
        vouchers = list(Voucher.objects.order_by("pk"))
        redemptions = list(Redemption.objects.select_related("voucher", "merchant").order_by("pk"))
        with clock.frozen_at(moment):
            try:
                if step[0] == "claim":
                    services.voucher_claim(actor=residents[step[1]], program_id=program.pk)
                elif step[0] == "redeem" and vouchers:
                    _op, index, shop, amount = step
                    orders += 1
                    services.voucher_redeem(
                        actor=merchants[shop].accounts.get(),
                        merchant_id=merchants[shop].pk,
                        code=vouchers[index % len(vouchers)].code,
                        order_no=f"H-{orders}",
                        order_amount_fen=amount,
                    )
                elif step[0] == "replay" and redemptions:
                    done = redemptions[step[1] % len(redemptions)]
                    before = LedgerEntry.objects.count()
                    again, created = services.voucher_redeem(
                        actor=done.merchant.accounts.get(),
                        merchant_id=done.merchant_id,
                        code=done.voucher.code,
                        order_no=done.order_no,
                        order_amount_fen=done.order_amount_fen,
                    )
                    assert (again.pk, created) == (done.pk, False)
                    assert LedgerEntry.objects.count() == before
                elif step[0] == "refund" and redemptions:
                    done = redemptions[step[1] % len(redemptions)]
                    services.redemption_refund(actor=done.merchant.accounts.get(), redemption_id=done.pk)
                elif step[0] == "settle":
                    services.settlement_run(actor=None, today=clock.today() + dt.timedelta(days=step[1]))
                elif step[0] == "wait":
                    moment += dt.timedelta(hours=step[1])
            except DomainError:
                pass
        _check_books(program)
