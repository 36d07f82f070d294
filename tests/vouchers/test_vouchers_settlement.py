import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from tests.vouchers.conftest import DAY, NOW

from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.vouchers import ledger, selectors, services
from fangyi.vouchers.choices import EntryKind, LedgerAccount
from fangyi.vouchers.models import LedgerEntry, Redemption, Settlement

TODAY = NOW.date()  # 20 April 2020


@pytest.fixture
def redeem(merchant, program, make_resident):
    """redeem(at, merchant=merchant, amount=12_000): a new resident's voucher spent at `at`."""
    orders = iter(range(1, 1000))

    def make(at: dt.datetime, shop=None, amount: int = 12_000) -> Redemption:
        shop = shop or merchant
        voucher = services.voucher_claim(actor=make_resident(), program_id=program.pk)
        with clock.frozen_at(at):
            redemption, _created = services.voucher_redeem(
                actor=shop.accounts.get(),
                merchant_id=shop.pk,
                code=voucher.code,
                order_no=f"S-{next(orders)}",
                order_amount_fen=amount,
            )
        return redemption

    return make


def _local(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2020, 4, day, hour, tzinfo=clock.SHANGHAI)


def test_settles_each_programme_merchant_and_day_once_the_hold_has_passed(redeem, merchant, make_merchant):
    other = make_merchant()
    early = [redeem(_local(20, 10)), redeem(_local(20, 23)), redeem(_local(20, 12), other)]
    late = redeem(_local(21, 0))
    assert services.settlement_run(actor=None, today=TODAY + 2 * DAY) == []  # held for 3 days
    settled = services.settlement_run(actor=None, today=TODAY + 3 * DAY)
    rows = sorted((s.merchant_id, s.business_day, s.amount_fen, s.redemptions) for s in settled)
    assert rows == sorted([(merchant.pk, TODAY, 4000, 2), (other.pk, TODAY, 2000, 1)])
    for redemption in early:
        redemption.refresh_from_db()
        assert redemption.settlement is not None and redemption.settlement.business_day == TODAY
    late.refresh_from_db()
    assert late.settlement is None
    legs = list(
        LedgerEntry.objects.filter(kind=EntryKind.SETTLEMENT, merchant=merchant).values_list(
            "account", "amount_fen"
        )
    )
    assert legs == [(LedgerAccount.PAYABLE, 4000)]
    balances = ledger.balances()
    assert balances["payable_by_merchant"] == {merchant.pk: -2000}
    assert (balances["expense"], balances["funds"], balances["payable"]) == (8000, -6000, -2000)
    assert ledger.trial_balance() == 0
    assert AuditEvent.objects.filter(action="voucher_settlement.create").count() == 2


def test_settlement_is_idempotent(redeem):
    redeem(_local(20, 9))
    assert len(services.settlement_run(actor=None, today=TODAY + 3 * DAY)) == 1
    count = LedgerEntry.objects.count()
    assert services.settlement_run(actor=None, today=TODAY + 3 * DAY) == []
    assert services.settlement_run(actor=None, today=TODAY + 9 * DAY) == []
    assert (Settlement.objects.count(), LedgerEntry.objects.count()) == (1, count)


def test_refunded_redemptions_are_not_paid_and_settled_ones_are_not_refunded(redeem, merchant):
    refunded, kept = redeem(_local(20, 9)), redeem(_local(20, 10))
    services.redemption_refund(actor=merchant.accounts.get(), redemption_id=refunded.pk)
    (settlement,) = services.settlement_run(actor=None, today=TODAY + 3 * DAY)
    assert (settlement.amount_fen, settlement.redemptions) == (2000, 1)
    assert list(settlement.items.all()) == [kept]
    before = (Redemption.objects.filter(status="done").count(), LedgerEntry.objects.count())
    with pytest.raises(DomainError) as excinfo:
        services.redemption_refund(actor=merchant.accounts.get(), redemption_id=kept.pk)
    assert (excinfo.value.code, excinfo.value.status) == ("redemption.settled", 409)
    assert (Redemption.objects.filter(status="done").count(), LedgerEntry.objects.count()) == before
    assert ledger.balances()["payable_by_merchant"] == {}
    assert ledger.trial_balance() == 0


def test_an_official_settles_only_their_merchants(
    redeem, make_merchant, county_official, other_official, resident
):
    redeem(_local(20, 9))
    with clock.frozen_at(NOW + 3 * DAY):
        assert services.settlement_run(actor=other_official) == []
        with pytest.raises(DomainError) as excinfo:
            services.settlement_run(actor=resident)
        assert excinfo.value.status == 403
        assert len(services.settlement_run(actor=county_official)) == 1


def test_settlement_reads_are_scoped(redeem, merchant, make_merchant, county_official, other_official):
    redeem(_local(20, 9))
    redeem(_local(20, 9), make_merchant())
    services.settlement_run(actor=None, today=TODAY + 3 * DAY)
    assert [s.merchant_id for s in selectors.settlements_of(merchant.accounts.get())] == [merchant.pk]
    assert selectors.settlements_of(county_official).count() == 2
    assert selectors.settlements_of(county_official, merchant.pk).count() == 1
    assert list(selectors.settlements_of(other_official)) == []


def test_the_daily_command(redeem):
    redeem(_local(20, 9), amount=30_000)
    out = io.StringIO()
    with translation.override("en"):
        call_command("vouchers_settle", "--today", "2020-04-23", stdout=out)
    assert "1 settlements of 1 redemptions, 20.00 yuan" in out.getvalue()
    out = io.StringIO()
    with clock.frozen_at(NOW + 5 * DAY), translation.override("en"):
        call_command("vouchers_settle", stdout=out)
    assert "0 settlements" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("vouchers_settle", "--today", "23/04/2020")
