import itertools

import pytest

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.models import AuditEvent
from fangyi.core.validators import credit_code_check_char
from fangyi.vouchers.choices import MerchantCategory, MerchantStatus
from fangyi.vouchers.merchants import (
    merchant_get,
    merchant_register,
    merchant_review,
    merchants_for,
    my_merchants,
)
from fangyi.vouchers.models import Merchant

COUNTY = "430102"  # 芙蓉区, 长沙市
OTHER_COUNTY = "430103"  # 天心区, 长沙市
OTHER_CITY = "430202"  # 荷塘区, 株洲市
TOWNSHIP = "430102001"  # 文艺路街道, 芙蓉区

_serial = itertools.count(1)


def make_credit_code() -> str:
    first17 = f"92430102MA{next(_serial):07d}"
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def shopkeeper(make_user):
    """A merchant login of 芙蓉区."""
    return make_user(Role.MERCHANT, COUNTY)


def register(actor, **fields):
    values = {
        "name": "芙蓉小炒",
        "category": MerchantCategory.CATERING,
        "small_micro": True,
        "region": TOWNSHIP,
    }
    values.update(fields)
    return merchant_register(actor=actor, **values)


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# Registration -------------------------------------------------------------------------------------


def test_a_merchant_login_registers_its_shop_pending_as_its_account(db, shopkeeper):
    code = make_credit_code()
    shop = register(shopkeeper, credit_code=code.lower(), address=" 五一大道 1 号 ")
    shop.refresh_from_db()
    assert shop.status == MerchantStatus.PENDING
    assert shop.reviewed_by is None and shop.reviewed_at is None
    assert list(shop.accounts.all()) == [shopkeeper]
    assert shop.credit_code == code
    assert shop.address == "五一大道 1 号"
    assert shop.region_id == TOWNSHIP
    assert events("merchant.register") == 1


def test_an_official_registers_one_approved_at_once(db, county_official):
    shop = register(county_official, small_micro=False, region="430102000000")
    shop.refresh_from_db()
    assert shop.status == MerchantStatus.APPROVED
    assert shop.reviewed_by == county_official
    assert shop.reviewed_at is not None
    assert shop.region_id == COUNTY
    assert shop.small_micro is False
    assert shop.accounts.count() == 0


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "merchant.name_required"),
        ({"name": "店" * 129}, "merchant.name_too_long"),
        ({"address": "路" * 257}, "merchant.address_too_long"),
        ({"category": "bank"}, "merchant.invalid_category"),
        ({"region": "43"}, "merchant.invalid_region"),
        ({"region": "4301"}, "merchant.invalid_region"),
        ({"region": "439999"}, "merchant.invalid_region"),
        ({"region": "abc"}, "merchant.invalid_region"),
        ({"region": OTHER_CITY}, "region.not_found"),
        ({"credit_code": "91430102MA0000000X"}, "merchant.invalid_credit_code"),
        ({"credit_code": "123"}, "merchant.invalid_credit_code"),
    ],
)
def test_bad_registrations_are_refused_and_write_nothing(db, shopkeeper, county_official, fields, code):
    for actor in (shopkeeper, county_official):
        with pytest.raises(DomainError) as caught:
            register(actor, **fields)
        # Outside the jurisdiction the region is not found (404), as an absent one; the rest is 400.
        assert (caught.value.code, caught.value.status) == (code, 404 if code == "region.not_found" else 400)
    assert Merchant.objects.count() == 0
    assert events("merchant.register") == 0


def test_a_credit_code_registers_once(db, shopkeeper, county_official):
    code = make_credit_code()
    register(county_official, credit_code=code)
    with pytest.raises(DomainError) as caught:
        register(shopkeeper, credit_code=code, name="另一家")
    assert (caught.value.code, caught.value.status) == ("merchant.duplicate", 409)
    assert Merchant.objects.count() == 1
    # Shops without a credit code do not collide.
    register(shopkeeper)
    register(shopkeeper)
    assert Merchant.objects.count() == 3


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.TOWNSHIP_OFFICIAL, None])
def test_who_may_not_register_is_refused(db, make_user, role):
    with pytest.raises(PermissionDenied):
        register(make_user(role, COUNTY))
    assert Merchant.objects.count() == 0


def test_an_official_registers_only_in_their_jurisdiction(db, county_official):
    with pytest.raises(DomainError) as caught:
        register(county_official, region=OTHER_COUNTY)
    assert caught.value.code == "region.not_found" and caught.value.status == 404
    assert Merchant.objects.count() == 0


# Review -------------------------------------------------------------------------------------------


@pytest.fixture
def pending(shopkeeper):
    return register(shopkeeper)


def review(actor, shop, decision, note=""):
    return merchant_review(actor=actor, merchant_id=shop.pk, decision=decision, note=note)


def test_the_review_lifecycle(db, county_official, pending):
    approved = review(county_official, pending, "approve")
    assert (approved.status, approved.reviewed_by) == (MerchantStatus.APPROVED, county_official)
    suspended = review(county_official, pending, "suspend", " 虚构交易 ")
    suspended.refresh_from_db()
    assert (suspended.status, suspended.review_note) == (MerchantStatus.SUSPENDED, "虚构交易")
    reinstated = review(county_official, pending, "reinstate")
    assert reinstated.status == MerchantStatus.APPROVED
    assert events("merchant.approve") == events("merchant.suspend") == events("merchant.reinstate") == 1
    event = AuditEvent.objects.get(action="merchant.suspend")
    assert (event.reason, event.data) == ("虚构交易", {"from": "approved", "to": "suspended"})


def test_a_rejection_may_be_reconsidered(db, county_official, pending):
    assert review(county_official, pending, "reject", "证照不全").status == MerchantStatus.REJECTED
    assert review(county_official, pending, "approve").status == MerchantStatus.APPROVED


@pytest.mark.parametrize(
    ("start", "decision"),
    [
        (MerchantStatus.APPROVED, "approve"),
        (MerchantStatus.APPROVED, "reject"),
        (MerchantStatus.APPROVED, "reinstate"),
        (MerchantStatus.PENDING, "suspend"),
        (MerchantStatus.PENDING, "reinstate"),
        (MerchantStatus.REJECTED, "suspend"),
        (MerchantStatus.REJECTED, "reject"),
        (MerchantStatus.SUSPENDED, "approve"),
        (MerchantStatus.SUSPENDED, "suspend"),
    ],
)
def test_illegal_transitions_conflict(db, county_official, pending, start, decision):
    Merchant.objects.filter(pk=pending.pk).update(status=start)
    with pytest.raises(DomainError) as caught:
        review(county_official, pending, decision, "理由")
    assert (caught.value.code, caught.value.status) == ("merchant.invalid_transition", 409)
    assert str(MerchantStatus(start).label) in caught.value.render_message()
    pending.refresh_from_db()
    assert (pending.status, pending.reviewed_by) == (start, None)
    assert not AuditEvent.objects.filter(action__startswith="merchant.", action__endswith=decision).exists()


@pytest.mark.parametrize(
    ("decision", "note", "code"),
    [
        ("reject", "", "merchant.note_required"),
        ("suspend", "   ", "merchant.note_required"),
        ("approve", "字" * 257, "merchant.note_too_long"),
        ("delete", "", "merchant.invalid_decision"),
    ],
)
def test_bad_reviews_are_refused(db, county_official, pending, decision, note, code):
    with pytest.raises(DomainError) as caught:
        review(county_official, pending, decision, note)
    assert (caught.value.code, caught.value.status) == (code, 400)
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.PENDING


@pytest.mark.parametrize("merchant_id", [0, 10**9, "x", -1])
def test_reviewing_a_missing_merchant_is_not_found(db, county_official, merchant_id):
    with pytest.raises(NotFound) as caught:
        merchant_review(actor=county_official, merchant_id=merchant_id, decision="approve")
    assert caught.value.code == "merchant.not_found"


def test_a_merchant_outside_the_jurisdiction_is_not_found(db, make_user, pending):
    neighbour = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    with pytest.raises(NotFound):
        review(neighbour, pending, "approve")
    city = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    assert review(city, pending, "approve").status == MerchantStatus.APPROVED


@pytest.mark.parametrize("role", [Role.TOWNSHIP_OFFICIAL, Role.MERCHANT, Role.RESIDENT])
def test_only_managers_review(db, make_user, pending, role):
    with pytest.raises(PermissionDenied):
        review(make_user(role, COUNTY), pending, "approve")
    pending.refresh_from_db()
    assert pending.status == MerchantStatus.PENDING


# Reads --------------------------------------------------------------------------------------------


def test_officials_list_their_jurisdiction_with_filters(db, make_user, county_official, shopkeeper):
    here = register(shopkeeper, name="甲")
    tourism = register(county_official, name="乙", category=MerchantCategory.TOURISM, region=COUNTY)
    there = register(make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY), name="丙", region=OTHER_COUNTY)
    township = make_user(Role.TOWNSHIP_OFFICIAL, COUNTY)
    assert list(merchants_for(county_official)) == [tourism, here]
    assert list(merchants_for(township)) == [tourism, here]
    assert list(merchants_for(county_official, status=MerchantStatus.PENDING)) == [here]
    assert list(merchants_for(county_official, category=MerchantCategory.TOURISM)) == [tourism]
    assert list(merchants_for(county_official, region="430102001000")) == [here]
    assert set(merchants_for(make_user(Role.PREFECTURE_OFFICIAL, "43"))) == {here, tourism, there}


@pytest.mark.parametrize(
    ("filters", "code"),
    [
        ({"status": "closed"}, "merchant.invalid_status"),
        ({"category": "bank"}, "merchant.invalid_category"),
        ({"region": "4301x"}, "merchant.invalid_region"),
    ],
)
def test_bad_list_filters_are_refused(db, county_official, filters, code):
    with pytest.raises(DomainError) as caught:
        list(merchants_for(county_official, **filters))
    assert (caught.value.code, caught.value.status) == (code, 400)


@pytest.mark.parametrize("role", [Role.MERCHANT, Role.RESIDENT])
def test_only_officials_list_merchants(db, make_user, role):
    with pytest.raises(PermissionDenied):
        merchants_for(make_user(role, COUNTY))


def test_one_merchant_for_officials_over_it_and_its_accounts(db, make_user, county_official, shopkeeper):
    shop = register(shopkeeper)
    assert merchant_get(county_official, shop.pk) == shop
    assert merchant_get(shopkeeper, shop.pk) == shop
    for outsider in (make_user(Role.MERCHANT, COUNTY), make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)):
        with pytest.raises(NotFound) as caught:
            merchant_get(outsider, shop.pk)
        assert caught.value.code == "merchant.not_found"
    with pytest.raises(NotFound):
        merchant_get(county_official, shop.pk + 1000)
    with pytest.raises(PermissionDenied):
        merchant_get(make_user(Role.RESIDENT, COUNTY), shop.pk)


def test_a_merchant_login_lists_its_own_shops(db, make_user, county_official, shopkeeper):
    first = register(shopkeeper, name="甲")
    second = register(shopkeeper, name="乙")
    register(make_user(Role.MERCHANT, COUNTY), name="丙")
    register(county_official, name="丁")
    assert list(my_merchants(shopkeeper)) == [second, first]
    with pytest.raises(PermissionDenied):
        my_merchants(county_official)
