import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.vouchers.conftest import DAY, HOUR, NOW, TOWNSHIP

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.vouchers import ledger, selectors, services
from fangyi.vouchers.choices import (
    EntryKind,
    LedgerAccount,
    MerchantCategory,
    MerchantStatus,
    RedemptionStatus,
    VoucherStatus,
)
from fangyi.vouchers.models import Denomination, FraudFlag, LedgerEntry, Redemption, Voucher


def _state() -> tuple:
    return (
        Voucher.objects.count(),
        tuple(Voucher.objects.order_by("pk").values_list("status", "redeemed_at")),
        tuple(Redemption.objects.order_by("pk").values_list("status", "refunded_at", "settlement_id")),
        LedgerEntry.objects.count(),
        FraudFlag.objects.count(),
        tuple(Denomination.objects.order_by("pk").values_list("remaining", flat=True)),
    )


def _refused(call, **kwargs) -> DomainError:
    """The refusal of `call`, which wrote nothing: vouchers, redemptions and the ledger unchanged."""
    before = _state()
    with pytest.raises(DomainError) as excinfo:
        call(**kwargs)
    assert _state() == before
    assert ledger.trial_balance() == 0
    return excinfo.value


def _redeem(merchant, voucher, *, order_no="A-0001", amount=12_000, login=None):
    return services.voucher_redeem(
        actor=login or merchant.accounts.get(),
        merchant_id=merchant.pk,
        code=voucher.code,
        order_no=order_no,
        order_amount_fen=amount,
    )


def test_redeem_spends_the_voucher_and_posts_the_ledger(merchant, merchant_login, voucher):
    redemption, created = _redeem(merchant, voucher)
    assert created
    assert (redemption.merchant, redemption.voucher, redemption.order_no) == (merchant, voucher, "A-0001")
    assert (redemption.order_amount_fen, redemption.discount_fen, redemption.status) == (12_000, 2000, "done")
    assert (redemption.redeemed_at, redemption.redeemed_by) == (NOW, merchant_login)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.redeemed_at) == (VoucherStatus.REDEEMED, NOW)
    legs = list(
        LedgerEntry.objects.values_list("account", "merchant_id", "amount_fen", "kind", "redemption_id")
    )
    assert legs == [
        (LedgerAccount.EXPENSE, None, 2000, EntryKind.REDEMPTION, redemption.pk),
        (LedgerAccount.PAYABLE, merchant.pk, -2000, EntryKind.REDEMPTION, redemption.pk),
    ]
    assert ledger.balances()["payable_by_merchant"] == {merchant.pk: -2000}
    assert [r.pk for r in selectors.redemptions_of(merchant_login)] == [redemption.pk]


def test_the_code_is_read_as_typed_at_a_till(merchant, voucher):
    spaced = " ".join([voucher.code[:4], voucher.code[4:8].lower(), voucher.code[8:]])
    redemption, created = services.voucher_redeem(
        actor=merchant.accounts.get(),
        merchant_id=merchant.pk,
        code=spaced,
        order_no="A",
        order_amount_fen=10_000,
    )
    assert created and redemption.voucher == voucher


def test_the_same_order_again_is_the_same_redemption_and_writes_nothing(merchant, voucher):
    first, _created = _redeem(merchant, voucher)
    before = _state()
    again, created = _redeem(merchant, voucher)
    assert (again.pk, created) == (first.pk, False)
    assert _state() == before
    # Even once the voucher has expired, the replay answers with what was done.
    with clock.frozen_at(NOW + 60 * DAY):
        assert _redeem(merchant, voucher) == (first, False)


def test_the_same_order_with_another_amount_or_voucher_is_refused(merchant, voucher, make_resident, program):
    _redeem(merchant, voucher)
    error = _refused(_redeem, merchant=merchant, voucher=voucher, amount=12_001)
    assert (error.code, error.status) == ("redeem.order_replayed", 409)
    other = services.voucher_claim(actor=make_resident(), program_id=program.pk)
    error = _refused(_redeem, merchant=merchant, voucher=other)
    assert (error.code, error.status) == ("redeem.order_replayed", 409)
    error = _refused(
        services.voucher_redeem,
        actor=merchant.accounts.get(),
        merchant_id=merchant.pk,
        code="NOPE",
        order_no="A-0001",
        order_amount_fen=12_000,
    )
    assert error.code == "redeem.order_replayed"


def test_a_spent_voucher_is_refused_under_another_order(merchant, voucher):
    _redeem(merchant, voucher)
    error = _refused(_redeem, merchant=merchant, voucher=voucher, order_no="A-0002")
    assert (error.code, error.status) == ("voucher.already_redeemed", 409)


def test_two_merchants_may_use_the_same_order_number(make_merchant, voucher, program, make_resident):
    first, second = make_merchant(), make_merchant()
    other = services.voucher_claim(actor=make_resident(), program_id=program.pk)
    assert _redeem(first, voucher)[1] and _redeem(second, other)[1]


def test_validity_window(merchant, voucher, make_program, make_resident):
    with clock.frozen_at(NOW + 30 * DAY + HOUR):
        error = _refused(_redeem, merchant=merchant, voucher=voucher)
    assert (error.code, error.status) == ("voucher.expired", 409)
    later = make_program(valid_from=NOW + DAY, valid_until=NOW + 9 * DAY)
    early = services.voucher_claim(actor=make_resident(), program_id=later.pk)
    error = _refused(_redeem, merchant=merchant, voucher=early)
    assert (error.code, error.status) == ("voucher.not_yet_valid", 409)
    with clock.frozen_at(NOW + 30 * DAY):  # the last moment still counts
        assert _redeem(merchant, voucher)[1]


def test_the_shop_must_be_of_a_category_and_region_of_the_programme(make_merchant, voucher):
    tourism = make_merchant(category=MerchantCategory.TOURISM)
    error = _refused(_redeem, merchant=tourism, voucher=voucher)
    assert (error.code, error.status) == ("voucher.wrong_category", 409)
    next_door = make_merchant("430103002")
    error = _refused(_redeem, merchant=next_door, voucher=voucher)
    assert (error.code, error.status) == ("voucher.foreign_region", 409)
    supermarket = make_merchant(TOWNSHIP, category=MerchantCategory.SUPERMARKET)
    assert _redeem(supermarket, voucher)[1]


def test_the_order_must_reach_the_threshold(merchant, voucher):
    error = _refused(_redeem, merchant=merchant, voucher=voucher, amount=9_999)
    assert (error.code, error.status, error.params) == (
        "redeem.below_threshold",
        409,
        {"threshold": "100.00"},
    )
    assert "100.00" in error.render_message()
    assert _redeem(merchant, voucher, amount=10_000)[1]


@pytest.mark.parametrize(
    ("order_no", "amount", "code"),
    [
        ("", 12_000, "redeem.invalid_order_no"),
        ("   ", 12_000, "redeem.invalid_order_no"),
        ("x" * 65, 12_000, "redeem.invalid_order_no"),
        ("A\x00", 12_000, "redeem.invalid_order_no"),
        ("A\n1", 12_000, "redeem.invalid_order_no"),
        (None, 12_000, "redeem.invalid_order_no"),
        ("A-1", 0, "redeem.invalid_amount"),
        ("A-1", -5, "redeem.invalid_amount"),
        ("A-1", 2**31, "redeem.invalid_amount"),
        ("A-1", "120", "redeem.invalid_amount"),
        ("A-1", True, "redeem.invalid_amount"),
    ],
)
def test_bad_orders_are_refused(merchant, voucher, order_no, amount, code):
    error = _refused(_redeem, merchant=merchant, voucher=voucher, order_no=order_no, amount=amount)
    assert (error.code, error.status) == (code, 400)


@pytest.mark.parametrize("code", ["", "ZZZZZZZZZZZZ", "O0I1", "x" * 500, "甲乙丙丁戊己庚辛壬癸子丑"])
def test_unknown_codes(merchant, code):
    error = _refused(
        services.voucher_redeem,
        actor=merchant.accounts.get(),
        merchant_id=merchant.pk,
        code=code,
        order_no="A-1",
        order_amount_fen=12_000,
    )
    assert (error.code, error.status) == ("voucher.not_found", 404)


def test_a_merchant_redeems_only_for_itself(make_merchant, merchant, voucher, make_user, resident):
    other = make_merchant()
    error = _refused(_redeem, merchant=merchant, voucher=voucher, login=other.accounts.get())
    assert (error.code, error.status) == ("merchant.not_found", 404)
    error = _refused(_redeem, merchant=merchant, voucher=voucher, login=make_user(Role.MERCHANT, "430102"))
    assert (error.code, error.status) == ("merchant.not_found", 404)
    call = {"order_no": "A", "code": voucher.code, "order_amount_fen": 12_000}
    error = _refused(services.voucher_redeem, actor=merchant.accounts.get(), merchant_id="x", **call)
    assert error.code == "merchant.not_found"
    assert _refused(services.voucher_redeem, actor=resident, merchant_id=merchant.pk, **call).status == 403


@pytest.mark.parametrize(
    "status", [MerchantStatus.PENDING, MerchantStatus.SUSPENDED, MerchantStatus.REJECTED]
)
def test_only_approved_merchants_redeem(make_merchant, voucher, status):
    shop = make_merchant(status=status)
    error = _refused(_redeem, merchant=shop, voucher=voucher)
    assert (error.code, error.status) == ("merchant.not_approved", 409)


def test_redeem_is_a_handful_of_queries(merchant, voucher):
    login = merchant.accounts.get()
    login.prefixes_for("vouchers.merchant")
    with CaptureQueriesContext(connection) as queries:
        _redeem(merchant, voucher, login=login)
    # merchant, voucher, regions, spend, redemption, ledger, fraud screen, the savepoint
    assert len(queries) <= 10, [q["sql"] for q in queries]


# Refunds -----------------------------------------------------------------------------------------


def test_refund_restores_the_voucher_and_reverses_the_ledger(merchant, voucher):
    redemption, _created = _redeem(merchant, voucher)
    before = ledger.balances()
    refunded = services.redemption_refund(actor=merchant.accounts.get(), redemption_id=redemption.pk)
    assert (refunded.status, refunded.refunded_at) == (RedemptionStatus.REFUNDED, NOW)
    voucher.refresh_from_db()
    assert (voucher.status, voucher.redeemed_at) == (VoucherStatus.HELD, None)
    legs = list(
        LedgerEntry.objects.filter(kind=EntryKind.REFUND).values_list("account", "merchant_id", "amount_fen")
    )
    assert legs == [(LedgerAccount.EXPENSE, None, -2000), (LedgerAccount.PAYABLE, merchant.pk, 2000)]
    after = ledger.balances()
    assert before["expense"] == 2000 and after["expense"] == 0 and after["payable"] == 0
    assert after["payable_by_merchant"] == {}
    # The restored voucher is spent again under a new order; the old order replays as refunded.
    assert _redeem(merchant, voucher, order_no="A-0002")[1]
    assert _redeem(merchant, voucher) == (refunded, False)
    assert ledger.trial_balance() == 0


def test_refund_refusals(merchant, voucher, make_merchant, county_official, other_official, resident):
    redemption, _created = _redeem(merchant, voucher)
    stranger = make_merchant().accounts.get()
    for actor in (stranger, other_official):
        error = _refused(services.redemption_refund, actor=actor, redemption_id=redemption.pk)
        assert (error.code, error.status) == ("redemption.not_found", 404)
    assert _refused(services.redemption_refund, actor=resident, redemption_id=redemption.pk).status == 403
    assert _refused(services.redemption_refund, actor=county_official, redemption_id="x").status == 404
    services.redemption_refund(actor=county_official, redemption_id=redemption.pk)
    error = _refused(services.redemption_refund, actor=merchant.accounts.get(), redemption_id=redemption.pk)
    assert (error.code, error.status) == ("redemption.refunded", 409)


def test_reads_are_scoped(
    merchant, voucher, make_merchant, county_official, other_official, make_resident, program
):
    redemption, _created = _redeem(merchant, voucher)
    other = make_merchant()
    _redeem(other, services.voucher_claim(actor=make_resident(), program_id=program.pk))
    assert [r.pk for r in selectors.redemptions_of(merchant.accounts.get())] == [redemption.pk]
    assert selectors.redemptions_of(county_official).count() == 2
    assert [r.pk for r in selectors.redemptions_of(county_official, merchant.pk)] == [redemption.pk]
    assert selectors.redemptions_of(county_official, merchant.pk, day=NOW.date()).count() == 1
    assert selectors.redemptions_of(county_official, merchant.pk, day=(NOW - DAY).date()).count() == 0
    assert list(selectors.redemptions_of(other_official)) == []
    for actor, merchant_id in ((other_official, merchant.pk), (other.accounts.get(), merchant.pk)):
        with pytest.raises(DomainError) as excinfo:
            selectors.redemptions_of(actor, merchant_id)
        assert excinfo.value.code == "merchant.not_found"
