"""Shared fixtures of the consumption vouchers: a county official of 芙蓉区 (the global
`county_official`), residents linked to their logins, an approved merchant with its login, and a
published first-come programme claimable and valid now. The clock is frozen at NOW."""

import datetime as dt
import itertools

import pytest
from django.db import connection

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.people.services import person_register
from fangyi.vouchers import services
from fangyi.vouchers.choices import ClaimMode, FunderKind, MerchantCategory, MerchantStatus
from fangyi.vouchers.models import Merchant

COUNTY = "430102"  # 芙蓉区, Changsha
TOWNSHIP = "430102001"  # 文艺路街道
VILLAGE = "430102001001"  # 识字里社区
OTHER_COUNTY = "430103"  # 天心区, next door
OTHER_VILLAGE = "430103002001"
# Every test runs on 20 April 2020, 10:00 in Changsha, when the first vouchers were out.
NOW = dt.datetime(2020, 4, 20, 10, 0, tzinfo=clock.SHANGHAI)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks between connections (set DATABASE_URL to a PostgreSQL server)",
)

_names = itertools.cycle(["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄磊"])
_shops = itertools.count(1)


@pytest.fixture(autouse=True)
def frozen_now():
    with clock.frozen_at(NOW):
        yield NOW


@pytest.fixture
def other_official(make_user):
    """A county official of 天心区 (430103), outside 芙蓉区."""
    return make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)


@pytest.fixture
def make_resident(make_user, new_id_number):
    """make(home=VILLAGE, name=None): a resident login linked to a new resident of `home`
    (its resident is `user.person`)."""

    def make(home: str = VILLAGE, *, name: str | None = None):
        user = make_user(Role.RESIDENT, home)
        person = person_register(
            actor=None, name=name or next(_names), id_number=new_id_number(home[:6]), home_region=home
        )
        person.user = user
        person.save(update_fields=["user"])
        return user

    return make


@pytest.fixture
def resident(make_resident):
    return make_resident(name="张三丰")


@pytest.fixture
def make_merchant(make_user):
    """make(region=TOWNSHIP, category=CATERING, status=APPROVED, login=None, small_micro=True):
    a merchant with one login as its account (a new merchant login unless `login` is given)."""

    def make(
        region: str = TOWNSHIP,
        *,
        category: str = MerchantCategory.CATERING,
        status: str = MerchantStatus.APPROVED,
        login=None,
        small_micro: bool = True,
        name: str | None = None,
    ) -> Merchant:
        merchant = Merchant.objects.create(
            name=name or f"湘菜馆 {next(_shops)}",
            category=category,
            small_micro=small_micro,
            region_id=region,
            status=status,
        )
        merchant.accounts.add(login or make_user(Role.MERCHANT, region[:6]))
        return merchant

    return make


@pytest.fixture
def merchant_login(make_user):
    return make_user(Role.MERCHANT, COUNTY)


@pytest.fixture
def merchant(make_merchant, merchant_login) -> Merchant:
    """An approved restaurant in 文艺路街道 whose account is `merchant_login`."""
    return make_merchant(login=merchant_login)


@pytest.fixture
def make_program(county_official):
    """make(publish=True, **fields): a programme of 芙蓉区 by `county_official`. By default first
    come, first served, spent in 芙蓉区 at restaurants and supermarkets, claimable from an hour ago
    for a week and valid from an hour ago for 30 days, one voucher a person, two kinds: 20 yuan
    off 100 (50 of them) and 50 yuan off 200 (20 of them)."""

    def make(*, publish: bool = True, actor=None, **fields):
        values = {
            "name": "芙蓉区消费券 第一期",
            "funder_kind": FunderKind.GOVERNMENT,
            "funder": "芙蓉区人民政府",
            "region": COUNTY,
            "regions": [COUNTY],
            "budget_fen": 1_000_000,
            "categories": [MerchantCategory.CATERING, MerchantCategory.SUPERMARKET],
            "claiming": ClaimMode.FIRST_COME,
            "per_person_limit": 1,
            "claim_opens": NOW - HOUR,
            "claim_closes": NOW + 7 * DAY,
            "valid_from": NOW - HOUR,
            "valid_until": NOW + 30 * DAY,
            "denominations": [
                {"face_value_fen": 2000, "threshold_fen": 10000, "stock": 50},
                {"face_value_fen": 5000, "threshold_fen": 20000, "stock": 20},
            ],
        }
        values.update(fields)
        program = services.program_create(actor=actor or county_official, **values)
        if publish:
            program = services.program_publish(actor=actor or county_official, program_id=program.pk)
        return program

    return make


@pytest.fixture
def program(make_program):
    return make_program()


@pytest.fixture
def voucher(program, resident):
    """`resident`'s voucher of `program`: 20 yuan off a spend of 100."""
    return services.voucher_claim(actor=resident, program_id=program.pk)
