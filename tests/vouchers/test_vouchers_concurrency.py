"""Claims, redemptions and refunds racing each other, each thread on its own database connection
(PostgreSQL: SQLite serialises every writer, so nothing would race)."""

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from tests.vouchers.conftest import OTHER_VILLAGE, VILLAGE, postgres_only

from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.vouchers import ledger, services
from fangyi.vouchers.choices import RedemptionStatus, VoucherStatus
from fangyi.vouchers.models import Denomination, FraudFlag, LedgerEntry, Redemption, Voucher

# A transactional test ends by emptying the tables of the apps it names: every app but the
# divisions (reloading them would take longer than all the races here) and the content types and
# permissions (rows every later test expects with the ids they have).
KEPT_APPS = {"fangyi.regions", "django.contrib.contenttypes", "django.contrib.auth"}
pytestmark = [
    postgres_only,
    pytest.mark.django_db(
        transaction=True,
        serialized_rollback=True,
        available_apps=[app for app in settings.INSTALLED_APPS if app not in KEPT_APPS],
    ),
]


@pytest.fixture(autouse=True)
def committed_regions(django_db_blocker):
    """The divisions, committed (a transactional test elsewhere may have emptied them)."""
    from fangyi.regions.models import Region
    from fangyi.regions.services import regions_load

    if not Region.objects.filter(code="43").exists():
        regions_load()


def race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[str]]:
    """Run the calls at the same moment, one thread and connection each: what they returned, and
    the codes of the refusals."""
    done: list[Any] = []
    refused: list[str] = []
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> None:
        try:
            start.wait()
            try:
                done.append(call())
            except DomainError as error:
                refused.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done, refused


def _claim(user, program) -> Callable[[], Voucher]:
    return lambda: services.voucher_claim(actor=user, program_id=program.pk)


def test_claimers_racing_for_fewer_vouchers_take_exactly_the_stock(make_program, make_resident):
    program = make_program(
        denominations=[
            {"face_value_fen": 1000, "threshold_fen": 5000, "stock": 3},
            {"face_value_fen": 2000, "threshold_fen": 8000, "stock": 2},
        ]
    )
    # Half of them from next door: the out-of-region flags of those who lost the race go with them.
    claimers = [make_resident(home) for home in (VILLAGE, OTHER_VILLAGE) for _ in range(6)]
    done, refused = race([_claim(user, program) for user in claimers])
    assert len(done) == 5 and refused == ["claim.sold_out"] * 7
    assert Voucher.objects.filter(program=program).count() == 5
    assert list(Denomination.objects.order_by("pk").values_list("remaining", flat=True)) == [0, 0]
    assert len({voucher.holder_id for voucher in done}) == 5
    outsiders = [voucher.pk for voucher in done if voucher.claimed_in_id == OTHER_VILLAGE]
    assert sorted(FraudFlag.objects.values_list("voucher_id", flat=True)) == sorted(outsiders)


def test_one_resident_claiming_in_parallel_stays_within_the_limit(make_program, resident):
    program = make_program(per_person_limit=3)
    done, refused = race([_claim(resident, program) for _ in range(8)])
    held = Voucher.objects.filter(holder=resident.person)
    assert 1 <= held.count() <= 3 and len(done) == held.count()
    assert set(refused) == {"claim.limit_reached"}
    assert sorted(held.values_list("slot", flat=True)) == list(range(1, held.count() + 1))
    taken = sum(kind.stock - kind.remaining for kind in Denomination.objects.filter(program=program))
    assert taken == held.count()


def _redeem(merchant, voucher, order_no: str) -> Callable[[], tuple[Redemption, bool]]:
    login = merchant.accounts.get()
    return lambda: services.voucher_redeem(
        actor=login, merchant_id=merchant.pk, code=voucher.code, order_no=order_no, order_amount_fen=15_000
    )


def test_a_voucher_redeemed_by_several_orders_at_once_is_spent_once(merchant, voucher):
    done, refused = race([_redeem(merchant, voucher, f"C-{n}") for n in range(8)])
    assert len(done) == 1 and done[0][1] is True
    assert refused == ["voucher.already_redeemed"] * 7
    assert Redemption.objects.count() == 1
    assert LedgerEntry.objects.count() == 2 and ledger.trial_balance() == 0
    assert ledger.balances()["payable_by_merchant"] == {merchant.pk: -2000}


def test_the_same_order_replayed_at_once_is_one_redemption(merchant, voucher):
    done, refused = race([_redeem(merchant, voucher, "R-1") for _ in range(8)])
    assert refused == [] and len(done) == 8
    assert len({redemption.pk for redemption, _created in done}) == 1
    assert sorted(created for _redemption, created in done) == [False] * 7 + [True]
    assert Redemption.objects.count() == 1
    assert LedgerEntry.objects.count() == 2 and ledger.trial_balance() == 0


def test_concurrent_refunds_restore_the_voucher_once(merchant, voucher, county_official):
    redemption, _created = _redeem(merchant, voucher, "F-1")()
    login = merchant.accounts.get()
    actors = [login, county_official] * 4
    done, refused = race(
        [
            lambda actor=actor: services.redemption_refund(actor=actor, redemption_id=redemption.pk)
            for actor in actors
        ]
    )
    assert len(done) == 1 and refused == ["redemption.refunded"] * 7
    redemption.refresh_from_db()
    voucher.refresh_from_db()
    assert (redemption.status, voucher.status) == (RedemptionStatus.REFUNDED, VoucherStatus.HELD)
    assert LedgerEntry.objects.count() == 4 and ledger.trial_balance() == 0
    assert ledger.balances() == {"expense": 0, "payable": 0, "funds": 0, "payable_by_merchant": {}}


def test_a_refund_racing_the_settlement_is_one_or_the_other(merchant, voucher):
    redemption, _created = _redeem(merchant, voucher, "S-1")()
    login = merchant.accounts.get()
    later = clock.today() + dt.timedelta(days=3)
    _done, refused = race(
        [
            lambda: services.redemption_refund(actor=login, redemption_id=redemption.pk),
            lambda: services.settlement_run(actor=None, today=later),
        ]
    )
    redemption.refresh_from_db()
    if refused:
        # The settlement came first.
        assert refused == ["redemption.settled"] and redemption.settlement is not None
    else:
        assert redemption.status == RedemptionStatus.REFUNDED and redemption.settlement is None
    assert ledger.trial_balance() == 0
    assert ledger.balances()["payable_by_merchant"] == {}
