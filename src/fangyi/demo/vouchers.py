"""The demo's consumption vouchers (湘消费).

History: from 27 March 2020 the provincial trade union's holiday welfare for employees and union
members, on an eligibility list, spent over the next two months at merchants across the 14
prefectures (about 80 % of them small and micro) in catering, supermarkets, tourism and retail;
every redemption is in the ledger and settled to its merchant after the hold period.

Today, in 芙蓉区: a first-come programme of the district is open. The `resident` login holds one of
its vouchers and may claim another; the `merchant` login's shop has redeemed some today (one holder
twice within minutes, which the split-order rule flagged) and has older redemptions past their hold,
waiting for the settlement run; three shops wait for the county's review. Changsha's tourism
lottery takes entries until next week.
"""

import dataclasses
import datetime as dt
import random
import uuid
from collections import defaultdict
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F

from fangyi.accounts.models import User
from fangyi.core import clock
from fangyi.demo.services import weighted_counties
from fangyi.people.models import Person
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.vouchers import fraud, merchants, services
from fangyi.vouchers.choices import (
    ClaimMode,
    EligibleGroup,
    EntryKind,
    FunderKind,
    LedgerAccount,
    MerchantCategory,
    MerchantStatus,
    ProgramStatus,
    RedemptionStatus,
    VoucherStatus,
)
from fangyi.vouchers.models import (
    Denomination,
    Eligibility,
    LedgerEntry,
    LotteryEntry,
    Merchant,
    Program,
    Redemption,
    Settlement,
    Voucher,
)

ProgressCallback = Callable[[int, int, str], None]
DEMO_COUNTY = "430102"
DEMO_TOWNSHIP = "430102001"  # 文艺路街道
CHINA = ZoneInfo("Asia/Shanghai")
WELFARE_NAME = "湘消费·职工节日福利消费券"
WELFARE_OPENS = dt.datetime(2020, 3, 27, 9, tzinfo=CHINA)
WELFARE_CLOSES = dt.datetime(2020, 4, 30, 23, 59, tzinfo=CHINA)
WELFARE_UNTIL = dt.datetime(2020, 5, 31, 23, 59, tzinfo=CHINA)
# (minimum spend, face value) in yuan, and the share of the stock.
WELFARE_KINDS = ((50, 20, 0.4), (100, 30, 0.4), (200, 50, 0.2))
# Category: the share of merchants, name words, shop suffixes.
CATEGORIES: dict[str, tuple[float, tuple[str, ...], tuple[str, ...]]] = {
    MerchantCategory.CATERING: (
        0.4,
        ("湘味", "辣妹子", "老长沙", "土菜", "米粉"),
        ("餐馆", "饭店", "粉店", "酒楼"),
    ),
    MerchantCategory.SUPERMARKET: (
        0.25,
        ("便民", "惠民", "家家乐", "步步高"),
        ("超市", "便利店", "生鲜超市"),
    ),
    MerchantCategory.RETAIL: (0.25, ("百货", "新华", "佳美", "锦绣"), ("商行", "服装店", "家电城", "书店")),
    MerchantCategory.TOURISM: (0.1, ("山水", "古镇", "湘江", "橘子洲"), ("景区", "旅行社", "民宿")),
}


@dataclasses.dataclass
class VouchersResult:
    skipped: bool = False
    merchants: int = 0
    small_micro: int = 0
    holders: int = 0
    claimed: int = 0
    redeemed: int = 0
    refunded: int = 0
    settlements: int = 0
    discount_fen: int = 0
    order_amount_fen: int = 0


def _merchants(count: int, rng: random.Random, reviewer: User | None) -> list[Merchant]:
    """`count` approved merchants over the counties (by population), each in one of its county's
    townships, reviewed the week before the welfare opened."""
    places = weighted_counties()
    townships: dict[str, list[str]] = defaultdict(list)
    for township in (
        Region.objects.filter(level=Level.TOWNSHIP).order_by("code").values_list("code", flat=True)
    ):
        townships[township[:6]].append(township)
    weights = [weight for _code, _city, weight in places]
    kinds = list(CATEGORIES)
    shares = [CATEGORIES[kind][0] for kind in kinds]
    rows = []
    for number in range(count):
        code, city, _weight = rng.choices(places, weights)[0]
        category = rng.choices(kinds, shares)[0]
        _share, words, suffixes = CATEGORIES[category]
        rows.append(
            Merchant(
                name=f"{city}{rng.choice(words)}{rng.choice(suffixes)}{number % 97 + 1}号店",
                category=category,
                small_micro=rng.random() < 0.8,
                region_id=rng.choice(townships[code]) if townships[code] else code,
                status=MerchantStatus.APPROVED,
                applied_at=WELFARE_OPENS - dt.timedelta(days=rng.randrange(7, 20)),
                reviewed_at=WELFARE_OPENS - dt.timedelta(days=rng.randrange(1, 6)),
                reviewed_by=reviewer,
            )
        )
    return Merchant.objects.bulk_create(rows, batch_size=2000)


def _denominations(program: Program, total: int) -> list[Denomination]:
    kinds = []
    for spend, face, share in WELFARE_KINDS:
        stock = int(total * share)
        kinds.append(
            Denomination(
                program=program,
                face_value_fen=face * 100,
                threshold_fen=spend * 100,
                stock=stock,
                remaining=stock,
            )
        )
    return Denomination.objects.bulk_create(kinds)


def _order_amount(rng: random.Random, kind: Denomination) -> int:
    """What a holder spends: the minimum spend or somewhat more (most orders land just above it)."""
    return int(kind.threshold_fen * rng.triangular(1.0, 3.0, 1.1)) // 10 * 10


def _welfare_2020(admin: User, shops: list[Merchant], rng: random.Random, result: VouchersResult) -> None:
    """The union's welfare: the eligible residents, their claims, redemptions at merchants of their
    prefecture (a few refunded), the ledger and the settlements after the hold period."""
    prefectures = list(Region.objects.filter(level=Level.PREFECTURE).values_list("code", flat=True))
    holders = list(
        Person.objects.filter(synthetic=True)
        .order_by("id_number_hash")
        .values_list("pk", "home_region_id")[:8000]
    )
    program = Program.objects.create(
        name=WELFARE_NAME,
        funder_kind=FunderKind.UNION,
        funder="湖南省总工会",
        region_id="43",
        budget_fen=len(holders) * 2 * 5000,
        categories=list(MerchantCategory.values),
        claiming=ClaimMode.LIST,
        eligible_groups=[EligibleGroup.EMPLOYEE, EligibleGroup.UNION_MEMBER],
        per_person_limit=2,
        claim_opens=WELFARE_OPENS,
        claim_closes=WELFARE_CLOSES,
        valid_from=WELFARE_OPENS,
        valid_until=WELFARE_UNTIL,
        status=ProgramStatus.CLOSED,
        created_at=WELFARE_OPENS - dt.timedelta(days=10),
        created_by=admin,
    )
    program.regions.set(Region.objects.filter(code__in=prefectures))
    kinds = _denominations(program, len(holders) * 2)
    Eligibility.objects.bulk_create(
        [
            Eligibility(
                program=program,
                person_id=person,
                group=rng.choice((EligibleGroup.EMPLOYEE, EligibleGroup.UNION_MEMBER)),
                added_at=WELFARE_OPENS - dt.timedelta(days=2),
            )
            for person, _home in holders
        ],
        batch_size=5000,
    )
    result.holders = len(holders)
    shops_by_prefecture: dict[str, list[Merchant]] = defaultdict(list)
    for shop in shops:
        shops_by_prefecture[shop.region_id[:4]].append(shop)
    vouchers: list[Voucher] = []
    taken: dict[int, int] = defaultdict(int)
    for person, home in holders:
        for slot in range(1, rng.choice((1, 2, 2, 2)) + 1):
            kind = rng.choices(kinds, [k.stock - taken[k.pk] for k in kinds])[0]
            taken[kind.pk] += 1
            vouchers.append(
                Voucher(
                    code=services.voucher_code(),
                    program=program,
                    denomination=kind,
                    holder_id=person,
                    slot=slot,
                    claimed_in_id=home,
                    claimed_at=WELFARE_OPENS + dt.timedelta(minutes=rng.randrange(0, 34 * 24 * 60)),
                )
            )
    for kind in kinds:
        Denomination.objects.filter(pk=kind.pk).update(remaining=F("remaining") - taken[kind.pk])
    kind_of = {kind.pk: kind for kind in kinds}
    redemptions: list[Redemption] = []
    for voucher in vouchers:
        local = shops_by_prefecture.get(voucher.claimed_in_id[:4])
        if not local or rng.random() > 0.86:
            continue
        shop = rng.choice(local)
        kind = kind_of[voucher.denomination_id]
        at = min(voucher.claimed_at + dt.timedelta(minutes=rng.randrange(30, 30 * 24 * 60)), WELFARE_UNTIL)
        voucher.status, voucher.redeemed_at = VoucherStatus.REDEEMED, at
        redemptions.append(
            Redemption(
                merchant=shop,
                voucher=voucher,
                order_no=f"{shop.pk:06d}{at:%Y%m%d%H%M%S}{len(redemptions) % 1000:03d}",
                order_amount_fen=_order_amount(rng, kind),
                discount_fen=kind.face_value_fen,
                redeemed_at=at,
            )
        )
    Voucher.objects.bulk_create(vouchers, batch_size=5000)
    # A refund restores the voucher: a few were refunded and never used again.
    for redemption in rng.sample(redemptions, len(redemptions) // 100):
        redemption.status = RedemptionStatus.REFUNDED
        redemption.refunded_at = redemption.redeemed_at + dt.timedelta(hours=rng.randrange(1, 48))
        redemption.voucher.status, redemption.voucher.redeemed_at = VoucherStatus.HELD, None
    Voucher.objects.bulk_update([r.voucher for r in redemptions], ["status", "redeemed_at"], batch_size=5000)
    for redemption in redemptions:
        redemption.voucher_id = redemption.voucher.pk
    Redemption.objects.bulk_create(redemptions, batch_size=5000)
    _ledger_and_settlements(program, redemptions, result)
    result.claimed = len(vouchers)


def _ledger_and_settlements(program: Program, redemptions: list[Redemption], result: VouchersResult) -> None:
    """The ledger legs of every redemption and refund, and one settlement per merchant and business
    day after the hold period (refunded redemptions are not settled)."""
    hold = dt.timedelta(days=settings.FANGYI_VOUCHER_HOLD_DAYS)
    entries: list[LedgerEntry] = []

    def legs(kind: str, redemption: Redemption, sign: int, at: dt.datetime) -> None:
        posting = uuid.uuid4()
        for account, merchant, amount in (
            (LedgerAccount.EXPENSE, None, redemption.discount_fen),
            (LedgerAccount.PAYABLE, redemption.merchant_id, -redemption.discount_fen),
        ):
            entries.append(
                LedgerEntry(
                    transaction=posting,
                    account=account,
                    program=program,
                    merchant_id=merchant,
                    amount_fen=sign * amount,
                    kind=kind,
                    redemption=redemption,
                    posted_at=at,
                )
            )

    days: dict[tuple[int, dt.date], list[Redemption]] = defaultdict(list)
    for redemption in redemptions:
        legs(EntryKind.REDEMPTION, redemption, 1, redemption.redeemed_at)
        if redemption.status == RedemptionStatus.REFUNDED:
            legs(EntryKind.REFUND, redemption, -1, redemption.refunded_at or redemption.redeemed_at)
            result.refunded += 1
            continue
        days[(redemption.merchant_id, redemption.redeemed_at.astimezone(CHINA).date())].append(redemption)
        result.redeemed += 1
        result.discount_fen += redemption.discount_fen
        result.order_amount_fen += redemption.order_amount_fen
    settlements = Settlement.objects.bulk_create(
        [
            Settlement(
                program=program,
                merchant_id=merchant,
                business_day=day,
                amount_fen=sum(r.discount_fen for r in items),
                redemptions=len(items),
                settled_at=dt.datetime.combine(day, dt.time(2), CHINA) + hold + dt.timedelta(days=1),
            )
            for (merchant, day), items in sorted(days.items())
        ],
        batch_size=5000,
    )
    for settlement, items in zip(settlements, [days[key] for key in sorted(days)], strict=True):
        for redemption in items:
            redemption.settlement = settlement
        posting = uuid.uuid4()
        for account, merchant, amount in (
            (LedgerAccount.PAYABLE, settlement.merchant_id, settlement.amount_fen),
            (LedgerAccount.FUNDS, None, -settlement.amount_fen),
        ):
            entries.append(
                LedgerEntry(
                    transaction=posting,
                    account=account,
                    program=program,
                    merchant_id=merchant,
                    amount_fen=amount,
                    kind=EntryKind.SETTLEMENT,
                    settlement=settlement,
                    posted_at=settlement.settled_at,
                )
            )
    Redemption.objects.bulk_update(
        [r for items in days.values() for r in items], ["settlement"], batch_size=5000
    )
    LedgerEntry.objects.bulk_create(entries, batch_size=5000)
    result.settlements = len(settlements)


def _furong_today(admin: User, shops: list[Merchant], rng: random.Random, result: VouchersResult) -> None:
    """Today's district programme, claimed by residents of 芙蓉区 and spent at the merchant login's
    shop (see the module docstring)."""
    now = clock.now()
    official = User.objects.filter(username="furong").first() or admin
    program = services.program_create(
        actor=official,
        name="芙蓉区惠民消费券",
        funder_kind=FunderKind.GOVERNMENT,
        funder="长沙市芙蓉区人民政府",
        region=DEMO_COUNTY,
        regions=[DEMO_COUNTY],
        budget_fen=10_000_000,
        categories=[MerchantCategory.CATERING, MerchantCategory.SUPERMARKET, MerchantCategory.RETAIL],
        claiming=ClaimMode.FIRST_COME,
        per_person_limit=2,
        claim_opens=now - dt.timedelta(days=6),
        claim_closes=now + dt.timedelta(days=8),
        valid_from=now - dt.timedelta(days=6),
        valid_until=now + dt.timedelta(days=30),
        denominations=[
            {"face_value_fen": 2000, "threshold_fen": 10000, "stock": 2000},
            {"face_value_fen": 1000, "threshold_fen": 5000, "stock": 3000},
        ],
    )
    services.program_publish(actor=official, program_id=program.pk)
    kinds = list(program.denominations.all())
    neighbours = list(
        Person.objects.filter(synthetic=True, home_region__code__startswith=DEMO_COUNTY, user=None)
        .order_by("id_number_hash")
        .values_list("pk", "home_region_id")[:600]
    )
    claims = [
        Voucher(
            code=services.voucher_code(),
            program=program,
            denomination=kinds[number % 2],
            holder_id=person,
            slot=1,
            claimed_in_id=home,
            claimed_at=now - dt.timedelta(minutes=rng.randrange(60, 6 * 24 * 60)),
        )
        for number, (person, home) in enumerate(neighbours)
    ]
    Voucher.objects.bulk_create(claims)
    for kind in kinds:
        taken = sum(1 for voucher in claims if voucher.denomination_id == kind.pk)
        Denomination.objects.filter(pk=kind.pk).update(remaining=F("remaining") - taken)
        result.claimed += taken
    resident = User.objects.filter(username="resident").first()
    if resident is not None and Person.objects.filter(user=resident).exists():
        services.voucher_claim(actor=resident, program_id=program.pk, denomination_id=kinds[0].pk)
        result.claimed += 1
    login = User.objects.filter(username="merchant").first()
    if login is None or len(claims) < 12:
        return
    shop = _merchant_login_shop(login, official)
    # Redeemed five days ago (past the hold, waiting for tonight's settlement run), and today.
    spent = iter(claims)
    for days_ago, count in ((5, 4), (0, 5)):
        for number in range(count):
            voucher = next(spent)
            moment = now - dt.timedelta(days=days_ago, minutes=40 * (count - number))
            with clock.frozen_at(moment):
                services.voucher_redeem(
                    actor=login,
                    merchant_id=shop.pk,
                    code=voucher.code,
                    order_no=f"WY{moment.astimezone(CHINA):%Y%m%d%H%M}{number:02d}",
                    order_amount_fen=voucher.denomination.threshold_fen + 100 * rng.randrange(0, 120),
                )
    # One neighbour claims a second voucher and spends both within minutes at the same shop: the
    # split-order rule flags it for the county.
    person, home = neighbours[-1]
    twin = Voucher.objects.create(
        code=services.voucher_code(),
        program=program,
        denomination=kinds[1],
        holder_id=person,
        slot=2,
        claimed_in_id=home,
        claimed_at=now - dt.timedelta(hours=3),
    )
    Denomination.objects.filter(pk=kinds[1].pk).update(remaining=F("remaining") - 1)
    for number, voucher in enumerate((claims[-1], twin)):
        with clock.frozen_at(now - dt.timedelta(minutes=25 - 10 * number)):
            services.voucher_redeem(
                actor=login,
                merchant_id=shop.pk,
                code=voucher.code,
                order_no=f"WY-SPLIT-{number + 1}",
                order_amount_fen=voucher.denomination.threshold_fen,
            )
    result.redeemed += 11
    # A resident of 株洲 claimed in 芙蓉区's programme: the out-of-region rule flags the claim.
    stranger = (
        Person.objects.filter(synthetic=True, home_region__code__startswith="4302", user=None)
        .order_by("id_number_hash")
        .values_list("pk", "home_region_id")
        .first()
    )
    if stranger is not None:
        voucher = Voucher.objects.create(
            code=services.voucher_code(),
            program=program,
            denomination=kinds[1],
            holder_id=stranger[0],
            slot=1,
            claimed_in_id=stranger[1],
            claimed_at=now - dt.timedelta(hours=1),
        )
        Denomination.objects.filter(pk=kinds[1].pk).update(remaining=F("remaining") - 1)
        fraud.screen_claim(voucher)
    _pending_shops(rng)


def _merchant_login_shop(login: User, official: User) -> Merchant:
    """The merchant login's restaurant in 芙蓉区: registered by the login, approved by the county."""
    shop = merchants.merchant_register(
        actor=login,
        name="文艺路湘味小厨",
        category=MerchantCategory.CATERING,
        small_micro=True,
        region=DEMO_TOWNSHIP,
        address="长沙市芙蓉区文艺路 118 号",
    )
    return merchants.merchant_review(actor=official, merchant_id=shop.pk, decision="approve")


def _pending_shops(rng: random.Random) -> None:
    """Three shops of 芙蓉区 that applied this week and wait for the county's review."""
    now = clock.now()
    Merchant.objects.bulk_create(
        [
            Merchant(
                name=name,
                category=category,
                small_micro=True,
                region_id=township,
                address=address,
                applied_at=now - dt.timedelta(hours=rng.randrange(2, 96)),
            )
            for name, category, township, address in (
                (
                    "五一广场便民超市",
                    MerchantCategory.SUPERMARKET,
                    DEMO_TOWNSHIP,
                    "长沙市芙蓉区五一大道 389 号",
                ),
                ("朝阳街米粉店", MerchantCategory.CATERING, "430102002", "长沙市芙蓉区朝阳街 27 号"),
                ("定王台书店", MerchantCategory.RETAIL, "430102013", "长沙市芙蓉区定王台街道 12 号"),
            )
        ]
    )


def _changsha_lottery(admin: User, rng: random.Random) -> None:
    """Changsha's tourism lottery: open for entries until next week, 300 entered so far."""
    now = clock.now()
    official = User.objects.filter(username="changsha").first() or admin
    program = services.program_create(
        actor=official,
        name="长沙文旅消费券（摇号）",
        funder_kind=FunderKind.GOVERNMENT,
        funder="长沙市文化旅游广电局",
        region="4301",
        regions=["4301"],
        budget_fen=5_000_000,
        categories=[MerchantCategory.TOURISM],
        claiming=ClaimMode.LOTTERY,
        per_person_limit=1,
        claim_opens=now - dt.timedelta(days=2),
        claim_closes=now + dt.timedelta(days=5),
        valid_from=now + dt.timedelta(days=6),
        valid_until=now + dt.timedelta(days=60),
        denominations=[{"face_value_fen": 5000, "threshold_fen": 20000, "stock": 1000}],
    )
    services.program_publish(actor=official, program_id=program.pk)
    entrants = (
        Person.objects.filter(synthetic=True, home_region__code__startswith="4301", user=None)
        .order_by("-id_number_hash")
        .values_list("pk", "home_region_id")[:300]
    )
    LotteryEntry.objects.bulk_create(
        [
            LotteryEntry(
                program=program,
                person_id=person,
                region_id=home,
                entered_at=now - dt.timedelta(minutes=rng.randrange(10, 2 * 24 * 60)),
            )
            for person, home in entrants
        ]
    )


def vouchers_seed(
    *, admin: User, seed: int, merchants_count: int = 2000, progress: ProgressCallback | None = None
) -> VouchersResult:
    """Write the scenario once (see the module docstring); a second call adds nothing."""
    result = VouchersResult()
    if Program.objects.filter(name=WELFARE_NAME).exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    with transaction.atomic():
        if progress:
            progress(0, 3, "merchants")
        shops = _merchants(merchants_count, rng, admin)
        result.merchants = len(shops)
        result.small_micro = sum(1 for shop in shops if shop.small_micro)
        if progress:
            progress(1, 3, "2020")
        _welfare_2020(admin, shops, rng, result)
        if progress:
            progress(2, 3, "today")
        _furong_today(admin, shops, rng, result)
        _changsha_lottery(admin, rng)
        if progress:
            progress(3, 3, "done")
    return result
