"""The fraud rules at their thresholds, one open flag per rule and pair, and the review queue.

Redemptions are written straight to the table at chosen moments and screened as the redemption
service screens them, so each rule is tested at the edge of its window."""

import datetime as dt
import itertools

import pytest
from django.utils import translation
from tests.vouchers.conftest import COUNTY, HOUR, NOW, OTHER_COUNTY, OTHER_VILLAGE, TOWNSHIP

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AuditEvent
from fangyi.vouchers import fraud, services
from fangyi.vouchers.choices import FlagStatus, FraudRule, RedemptionStatus, VoucherStatus
from fangyi.vouchers.models import FraudFlag, Redemption

MINUTE = dt.timedelta(minutes=1)
SECOND = dt.timedelta(seconds=1)
_orders = itertools.count(1)


@pytest.fixture(autouse=True)
def thresholds(settings):
    """The settings' defaults, stated here because the tests sit on their edges."""
    settings.FANGYI_VOUCHER_VELOCITY_COUNT = 5
    settings.FANGYI_VOUCHER_VELOCITY_MINUTES = 60
    settings.FANGYI_VOUCHER_SPLIT_MINUTES = 30
    settings.FANGYI_VOUCHER_PAIR_REPEAT = 4
    return settings


@pytest.fixture
def generous(make_program):
    """A programme of ten vouchers a person."""
    return make_program(per_person_limit=10)


@pytest.fixture
def vouchers(generous, resident):
    """`resident`'s vouchers of `generous`, claimed one after another."""

    def claim(count: int):
        return [services.voucher_claim(actor=resident, program_id=generous.pk) for _ in range(count)]

    return claim


def redeem(voucher, merchant, at: dt.datetime, *, status=RedemptionStatus.DONE):
    """A redemption of `voucher` at `merchant` at `at`, screened as the service screens it."""
    redemption = Redemption.objects.create(
        merchant=merchant,
        voucher=voucher,
        order_no=f"NO{next(_orders):05d}",
        order_amount_fen=voucher.denomination.threshold_fen,
        discount_fen=voucher.denomination.face_value_fen,
        status=status,
        redeemed_at=at,
    )
    voucher.status = VoucherStatus.REDEEMED
    voucher.save(update_fields=["status"])
    return redemption, fraud.screen_redemption(redemption)


def rules(flags) -> set[str]:
    return {flag.rule for flag in flags}


# Out of region ------------------------------------------------------------------------------------


def test_a_claim_from_outside_the_programmes_regions_is_flagged_for_the_issuing_county(
    make_resident, generous
):
    outsider = make_resident(OTHER_VILLAGE)
    voucher = services.voucher_claim(actor=outsider, program_id=generous.pk)
    flag = FraudFlag.objects.get()
    assert (flag.rule, flag.status, flag.region_id) == (FraudRule.OUT_OF_REGION, FlagStatus.OPEN, COUNTY)
    assert (flag.holder, flag.voucher, flag.program, flag.merchant) == (
        outsider.person,
        voucher,
        generous,
        None,
    )
    assert flag.detail == {"claimed_in": OTHER_VILLAGE, "regions": [COUNTY]}
    # A second claim of the same programme adds nothing while the flag is open.
    services.voucher_claim(actor=outsider, program_id=generous.pk)
    assert FraudFlag.objects.count() == 1


def test_a_claim_from_inside_is_not_flagged(make_user, make_resident, generous, make_program):
    # A village deep inside the programme's county.
    services.voucher_claim(actor=make_resident(), program_id=generous.pk)
    # A programme of the city spent in two counties, claimed from the second.
    city = make_program(
        region="4301", regions=[COUNTY, OTHER_COUNTY], actor=make_user(Role.PREFECTURE_OFFICIAL, "4301")
    )
    services.voucher_claim(actor=make_resident(OTHER_VILLAGE), program_id=city.pk)
    assert FraudFlag.objects.count() == 0


# Velocity -----------------------------------------------------------------------------------------


def test_velocity_fires_at_the_count_within_the_window(vouchers, make_merchant):
    tickets = vouchers(5)
    starts = [NOW - 60 * MINUTE, NOW - 45 * MINUTE, NOW - 30 * MINUTE - SECOND, NOW - 2 * MINUTE]
    for ticket, at in zip(tickets, starts, strict=False):
        assert redeem(ticket, make_merchant(), at)[1] == []
    shop = make_merchant()
    redemption, flags = redeem(tickets[4], shop, NOW)
    assert rules(flags) == {FraudRule.VELOCITY}
    flag = FraudFlag.objects.get()
    assert (flag.region_id, flag.merchant, flag.redemption, flag.holder) == (
        TOWNSHIP,
        shop,
        redemption,
        tickets[4].holder,
    )
    assert flag.detail == {"count": 5, "minutes": 60, "order_no": redemption.order_no}


def test_velocity_does_not_fire_below_the_count_or_outside_the_window(vouchers, make_merchant):
    tickets = vouchers(5)
    redeem(tickets[0], make_merchant(), NOW - 60 * MINUTE - SECOND)
    for ticket in tickets[1:4]:
        redeem(ticket, make_merchant(), NOW - 10 * MINUTE)
    assert redeem(tickets[4], make_merchant(), NOW)[1] == []


def test_refunded_redemptions_do_not_count(vouchers, make_merchant):
    tickets = vouchers(5)
    redeem(tickets[0], make_merchant(), NOW - 10 * MINUTE, status=RedemptionStatus.REFUNDED)
    for ticket in tickets[1:4]:
        redeem(ticket, make_merchant(), NOW - 10 * MINUTE)
    assert redeem(tickets[4], make_merchant(), NOW)[1] == []


def test_the_thresholds_come_from_the_settings(thresholds, vouchers, make_merchant):
    thresholds.FANGYI_VOUCHER_VELOCITY_COUNT = 2
    thresholds.FANGYI_VOUCHER_VELOCITY_MINUTES = 5
    first, second, third = vouchers(3)
    redeem(first, make_merchant(), NOW - 7 * MINUTE)
    assert redeem(second, make_merchant(), NOW - 1 * MINUTE)[1] == []
    assert rules(redeem(third, make_merchant(), NOW)[1]) == {FraudRule.VELOCITY}


# Split orders -------------------------------------------------------------------------------------


def test_a_second_redemption_at_the_same_merchant_within_the_window_is_a_split_order(vouchers, merchant):
    first, second = vouchers(2)
    earlier, _ = redeem(first, merchant, NOW - 30 * MINUTE)
    later, flags = redeem(second, merchant, NOW)
    assert rules(flags) == {FraudRule.SPLIT_ORDER}
    assert flags[0].detail == {
        "count": 2,
        "minutes": 30,
        "orders": [earlier.order_no, later.order_no],
        "order_no": later.order_no,
    }


def test_no_split_order_outside_the_window_or_at_another_merchant(vouchers, merchant, make_merchant):
    first, second, third = vouchers(3)
    redeem(first, merchant, NOW - 30 * MINUTE - SECOND)
    assert redeem(second, make_merchant(), NOW - MINUTE)[1] == []
    assert redeem(third, merchant, NOW)[1] == []


# Repeated pairs -----------------------------------------------------------------------------------


def test_the_same_pair_again_and_again_in_a_programme(vouchers, merchant):
    tickets = vouchers(4)
    for days, ticket in zip((3, 2, 1), tickets, strict=False):
        assert redeem(ticket, merchant, NOW - days * 24 * HOUR)[1] == []
    assert rules(redeem(tickets[3], merchant, NOW)[1]) == {FraudRule.REPEATED_PAIR}
    assert FraudFlag.objects.get().detail["count"] == 4


def test_other_programmes_do_not_count_towards_the_pair(vouchers, resident, merchant, make_program):
    other = make_program(name="第二期", per_person_limit=5)
    elsewhere = [services.voucher_claim(actor=resident, program_id=other.pk) for _ in range(3)]
    for days, ticket in zip((6, 5, 4), elsewhere, strict=True):
        redeem(ticket, merchant, NOW - days * 24 * HOUR)
    assert redeem(vouchers(1)[0], merchant, NOW)[1] == []


# One open flag per rule and pair ------------------------------------------------------------------


def test_an_open_flag_is_not_repeated_until_it_is_reviewed(vouchers, merchant, county_official):
    tickets = vouchers(4)
    redeem(tickets[0], merchant, NOW - 3 * MINUTE)
    assert rules(redeem(tickets[1], merchant, NOW - 2 * MINUTE)[1]) == {FraudRule.SPLIT_ORDER}
    assert redeem(tickets[2], merchant, NOW - MINUTE)[1] == []
    flag = FraudFlag.objects.get()
    fraud.flag_review(actor=county_official, flag_id=flag.pk, decision="clear")
    assert rules(redeem(tickets[3], merchant, NOW)[1]) == {FraudRule.SPLIT_ORDER, FraudRule.REPEATED_PAIR}
    assert FraudFlag.objects.filter(status=FlagStatus.OPEN).count() == 2


def test_a_concurrent_screen_that_raised_the_flag_first_wins(vouchers, merchant):
    first, second = vouchers(2)
    redeem(first, merchant, NOW - MINUTE)
    redemption, _ = redeem(second, merchant, NOW)
    # The database refuses the second open flag even when the look-up missed the first.
    duplicate = FraudFlag(
        rule=FraudRule.SPLIT_ORDER,
        program_id=redemption.voucher.program_id,
        region_id=TOWNSHIP,
        holder_id=redemption.voucher.holder_id,
        merchant=merchant,
    )
    assert fraud._raise([duplicate]) == []
    assert FraudFlag.objects.count() == 1


# Review -------------------------------------------------------------------------------------------


@pytest.fixture
def flag(vouchers, merchant):
    first, second = vouchers(2)
    redeem(first, merchant, NOW - MINUTE)
    return redeem(second, merchant, NOW)[1][0]


def test_clearing_and_confirming(county_official, flag, vouchers, make_merchant):
    cleared = fraud.flag_review(actor=county_official, flag_id=flag.pk, decision="clear")
    cleared.refresh_from_db()
    assert (cleared.status, cleared.reviewed_by, cleared.reviewed_at) == (
        FlagStatus.CLEARED,
        county_official,
        NOW,
    )
    event = AuditEvent.objects.get(action="voucher_flag.clear")
    assert (event.object_id, event.region_path) == (str(flag.pk), TOWNSHIP)
    other = FraudFlag.objects.create(
        rule=FraudRule.VELOCITY, program=flag.program, region_id=COUNTY, holder=flag.holder
    )
    confirmed = fraud.flag_review(actor=county_official, flag_id=other.pk, decision="confirm", note=" 刷单 ")
    assert (confirmed.status, confirmed.review_note) == (FlagStatus.CONFIRMED, "刷单")


@pytest.mark.parametrize(
    ("decision", "note", "code"),
    [
        ("confirm", "  ", "flag.note_required"),
        ("dismiss", "", "flag.invalid_decision"),
        ("clear", "字" * 257, "flag.note_too_long"),
    ],
)
def test_bad_reviews_are_refused(county_official, flag, decision, note, code):
    with pytest.raises(DomainError) as caught:
        fraud.flag_review(actor=county_official, flag_id=flag.pk, decision=decision, note=note)
    assert (caught.value.code, caught.value.status) == (code, 400)
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN
    assert not AuditEvent.objects.filter(action__startswith="voucher_flag.").exists()


def test_a_flag_is_reviewed_once(county_official, flag):
    fraud.flag_review(actor=county_official, flag_id=flag.pk, decision="confirm", note="刷单")
    with pytest.raises(DomainError) as caught:
        fraud.flag_review(actor=county_official, flag_id=flag.pk, decision="clear")
    assert (caught.value.code, caught.value.status) == ("flag.reviewed", 409)
    with translation.override("en"):
        assert caught.value.render_message() == "This flag was already reviewed: Confirmed."
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CONFIRMED


def test_flags_outside_the_jurisdiction_are_not_found(other_official, county_official, flag):
    for flag_id in (flag.pk, flag.pk + 1000, "x"):
        with pytest.raises(NotFound) as caught:
            fraud.flag_review(actor=other_official, flag_id=flag_id, decision="clear")
        assert caught.value.code == "flag.not_found"
    with pytest.raises(NotFound):
        fraud.flag_review(actor=county_official, flag_id=flag.pk + 1000, decision="clear")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


@pytest.mark.parametrize("role", [Role.TOWNSHIP_OFFICIAL, Role.MERCHANT, Role.RESIDENT])
def test_only_managers_review_and_read_flags(make_user, flag, role):
    user = make_user(role, COUNTY)
    with pytest.raises(PermissionDenied):
        fraud.flag_review(actor=user, flag_id=flag.pk, decision="clear")
    with pytest.raises(PermissionDenied):
        fraud.flags_for(user)


def test_the_queue_is_the_jurisdictions_with_filters(county_official, other_official, flag, make_user):
    velocity = FraudFlag.objects.create(
        rule=FraudRule.VELOCITY,
        program=flag.program,
        region_id=COUNTY,
        holder=flag.holder,
        raised_at=NOW + HOUR,
    )
    FraudFlag.objects.create(
        rule=FraudRule.OUT_OF_REGION, program=flag.program, region_id=OTHER_COUNTY, holder=flag.holder
    )
    assert list(fraud.flags_for(county_official)) == [velocity, flag]
    assert list(fraud.flags_for(county_official, rule=FraudRule.SPLIT_ORDER)) == [flag]
    fraud.flag_review(actor=county_official, flag_id=velocity.pk, decision="clear")
    assert list(fraud.flags_for(county_official, status=FlagStatus.OPEN)) == [flag]
    assert list(fraud.flags_for(county_official, status=FlagStatus.CLEARED)) == [velocity]
    assert fraud.flags_for(other_official).count() == 1
    assert fraud.flags_for(make_user(Role.PREFECTURE_OFFICIAL, "43")).count() == 3


@pytest.mark.parametrize(
    ("filters", "code"), [({"status": "new"}, "flag.invalid_status"), ({"rule": "x"}, "flag.invalid_rule")]
)
def test_bad_queue_filters_are_refused(county_official, filters, code):
    with pytest.raises(DomainError) as caught:
        fraud.flags_for(county_official, **filters)
    assert (caught.value.code, caught.value.status) == (code, 400)


def test_the_redemption_service_screens_each_redemption(generous, resident, merchant, merchant_login):
    first, second = (services.voucher_claim(actor=resident, program_id=generous.pk) for _ in range(2))
    for number, ticket in enumerate((first, second)):
        services.voucher_redeem(
            actor=merchant_login,
            merchant_id=merchant.pk,
            code=ticket.code,
            order_no=f"SPLIT-{number}",
            order_amount_fen=10000,
        )
    flag = FraudFlag.objects.get()
    assert (flag.rule, flag.region_id, flag.merchant, flag.voucher) == (
        FraudRule.SPLIT_ORDER,
        TOWNSHIP,
        merchant,
        second,
    )
    assert flag.detail["orders"] == ["SPLIT-0", "SPLIT-1"]
