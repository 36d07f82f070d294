"""The voucher statistics against figures worked out by hand.

In 芙蓉区 the first programme (20 off 100, 50 off 200; two a person) is claimed by 甲 (both kinds)
and 乙 (20 off) of 识字里社区, and by 丙 (20 off) of 天心区, outside. Spent at:
  shop A (restaurant, small, 文艺路街道): 甲 120 yuan, 丙 100 yuan; 乙 150 yuan, refunded;
  shop B (supermarket, not small, 430102002): 甲 300 yuan with the 50 off.
Shop C (tourism, small) is approved and takes nothing; shop D (restaurant) is still pending.
The second programme: 乙 claims 20 off and spends 200 yuan at shop A.
"""

import pytest
from tests.vouchers.conftest import COUNTY, OTHER_COUNTY, OTHER_VILLAGE, TOWNSHIP

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound
from fangyi.vouchers import services
from fangyi.vouchers.choices import MerchantCategory, MerchantStatus
from fangyi.vouchers.stats import program_stats

TOWNSHIP_B = "430102002"
ZERO = {
    "claimed": {"count": 0, "fen": 0},
    "redeemed": {"count": 0, "fen": 0},
    "refunded": {"count": 0, "fen": 0},
    "order_amount_fen": 0,
    "leverage": None,
    "small_micro_share": {"count": None, "fen": None},
    "merchants": {"approved": 0, "small_micro": 0},
}


@pytest.fixture
def world(make_program, make_resident, make_merchant, make_user):
    first = make_program(per_person_limit=2)
    second = make_program(name="芙蓉区消费券 第二期")
    cheap, dear = first.denominations.order_by("face_value_fen")
    jia, yi, bing = (
        make_resident(name="甲"),
        make_resident(name="乙"),
        make_resident(OTHER_VILLAGE, name="丙"),
    )
    a_login, b_login = make_user(Role.MERCHANT, COUNTY), make_user(Role.MERCHANT, COUNTY)
    shop_a = make_merchant(TOWNSHIP, login=a_login)
    shop_b = make_merchant(
        TOWNSHIP_B, category=MerchantCategory.SUPERMARKET, small_micro=False, login=b_login
    )
    make_merchant(TOWNSHIP, category=MerchantCategory.TOURISM)
    make_merchant(TOWNSHIP, status=MerchantStatus.PENDING)
    orders = iter(range(1, 100))

    def spend(login, shop, resident, program, amount_yuan, kind=None):
        voucher = services.voucher_claim(
            actor=resident, program_id=program.pk, denomination_id=kind.pk if kind else None
        )
        redemption, _ = services.voucher_redeem(
            actor=login,
            merchant_id=shop.pk,
            code=voucher.code,
            order_no=f"A{next(orders)}",
            order_amount_fen=amount_yuan * 100,
        )
        return redemption

    spend(a_login, shop_a, jia, first, 120, cheap)
    spend(b_login, shop_b, jia, first, 300, dear)
    spend(a_login, shop_a, bing, first, 100)
    refunded = spend(a_login, shop_a, yi, first, 150)
    services.redemption_refund(actor=a_login, redemption_id=refunded.pk)
    spend(a_login, shop_a, yi, second, 200)
    return first, second


def figures(stats: dict) -> dict:
    return {key: stats[key] for key in ZERO}


def test_the_county_of_one_programme(world):
    first, _ = world
    stats = program_stats(region=COUNTY, program_id=first.pk)
    assert (stats["region"], stats["program_id"]) == (COUNTY, first.pk)
    assert figures(stats) == {
        # 甲 twice and 乙 at home; 丙 claimed from 天心区. The refunded voucher is held again.
        "claimed": {"count": 3, "fen": 2000 + 5000 + 2000},
        "redeemed": {"count": 3, "fen": 2000 + 5000 + 2000},
        "refunded": {"count": 1, "fen": 2000},
        "order_amount_fen": 12000 + 30000 + 10000,
        "leverage": 5.78,  # 520 / 90
        "small_micro_share": {"count": 0.6667, "fen": 0.4444},  # 2 of 3; 40 of 90 yuan
        # The restaurants and supermarkets approved: A and B, A small.
        "merchants": {"approved": 2, "small_micro": 1},
    }


def test_the_county_across_programmes(world):
    stats = program_stats(region="430102000000")
    assert stats["program_id"] is None
    assert figures(stats) == {
        "claimed": {"count": 4, "fen": 11000},
        "redeemed": {"count": 4, "fen": 11000},
        "refunded": {"count": 1, "fen": 2000},
        "order_amount_fen": 72000,
        "leverage": 6.55,  # 720 / 110
        "small_micro_share": {"count": 0.75, "fen": 0.5455},  # 3 of 4; 60 of 110 yuan
        "merchants": {"approved": 3, "small_micro": 2},
    }


def test_by_township(world):
    first, _ = world
    rows = {row["region"]: row for row in program_stats(region=COUNTY, program_id=first.pk)["by_region"]}
    assert len(rows) > 2 and all(len(code) == 9 and code.startswith(COUNTY) for code in rows)
    assert rows[TOWNSHIP]["name"] == "文艺路街道"
    assert figures(rows[TOWNSHIP]) == {
        "claimed": {"count": 3, "fen": 9000},
        "redeemed": {"count": 2, "fen": 4000},
        "refunded": {"count": 1, "fen": 2000},
        "order_amount_fen": 22000,
        "leverage": 5.5,
        "small_micro_share": {"count": 1.0, "fen": 1.0},
        "merchants": {"approved": 1, "small_micro": 1},
    }
    assert figures(rows[TOWNSHIP_B]) == {
        **ZERO,
        "redeemed": {"count": 1, "fen": 5000},
        "order_amount_fen": 30000,
        "leverage": 6.0,
        "small_micro_share": {"count": 0.0, "fen": 0.0},
        "merchants": {"approved": 1, "small_micro": 0},
    }
    others = [row for code, row in rows.items() if code not in {TOWNSHIP, TOWNSHIP_B}]
    assert all(figures(row) == ZERO for row in others)


def test_by_category(world):
    rows = {row["category"]: row for row in program_stats(region=COUNTY)["by_category"]}
    assert list(rows) == MerchantCategory.values
    assert "claimed" not in rows[MerchantCategory.CATERING]
    assert rows[MerchantCategory.CATERING]["redeemed"] == {"count": 3, "fen": 6000}
    assert rows[MerchantCategory.CATERING]["order_amount_fen"] == 42000
    assert rows[MerchantCategory.CATERING]["leverage"] == 7.0
    assert rows[MerchantCategory.CATERING]["refunded"] == {"count": 1, "fen": 2000}
    assert rows[MerchantCategory.CATERING]["merchants"] == {"approved": 1, "small_micro": 1}
    assert rows[MerchantCategory.SUPERMARKET]["small_micro_share"] == {"count": 0.0, "fen": 0.0}
    assert rows[MerchantCategory.TOURISM]["merchants"] == {"approved": 1, "small_micro": 1}
    assert rows[MerchantCategory.TOURISM]["leverage"] is None
    assert rows[MerchantCategory.RETAIL]["redeemed"] == {"count": 0, "fen": 0}


def test_claims_count_where_the_holder_lives(world):
    stats = program_stats(region=OTHER_COUNTY)
    assert stats["claimed"] == {"count": 1, "fen": 2000}
    assert stats["redeemed"] == {"count": 0, "fen": 0}
    assert stats["leverage"] is None
    province = program_stats(region="43")
    assert province["claimed"] == {"count": 5, "fen": 13000}
    changsha = next(row for row in province["by_region"] if row["region"] == "4301")
    assert changsha["claimed"] == {"count": 5, "fen": 13000}
    assert changsha["order_amount_fen"] == province["order_amount_fen"] == 72000


def test_a_village_has_no_regions_below(world):
    stats = program_stats(region="430102001001")
    assert stats["by_region"] == []
    assert stats["claimed"] == {"count": 4, "fen": 11000}


def test_nothing_redeemed_has_no_leverage(db):
    stats = program_stats(region=COUNTY)
    assert figures(stats) == ZERO
    assert all(row["leverage"] is None for row in stats["by_category"])


def test_the_figures_are_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    first, _ = world
    with django_assert_max_num_queries(11):
        program_stats(region=COUNTY, program_id=first.pk)


@pytest.mark.parametrize(
    ("fields", "error", "code"),
    [
        ({"region": "4301x"}, DomainError, "region.invalid_code"),
        ({"region": "439999"}, NotFound, "region.not_found"),
        ({"region": COUNTY, "program_id": 10**9}, NotFound, "program.not_found"),
        ({"region": COUNTY, "program_id": "x"}, NotFound, "program.not_found"),
    ],
)
def test_bad_requests(db, fields, error, code):
    with pytest.raises(error) as caught:
        program_stats(**fields)
    assert caught.value.code == code
