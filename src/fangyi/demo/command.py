"""The demo's supplies and command of January–March 2020, and today's directives.

Supplies: the catalogue of nine items; twelve producers whose daily capacity and output of masks,
N95, protective suits and test kits climb to the province's peak (53 million masks, 900,000 N95,
40,000 suits and 500,000 test kits a day, output passing nominal capacity at the peak); a province
reserve and the fourteen prefecture reserves; the province's daily receipts from production and
weekly shipments to the prefectures, through the ledger; hospitals' and prefectures' requests for
N95 and an allocation run on 2020-02-05 with a reserve; donations from Hunan associations abroad
(money and goods, 42 countries) and masks given back to associations abroad in March.

The balances are reconciled with the ledger once at the end.

Command: the province's directives of 2020 (the Level I response, the screening of returnees, the
resumption of work), acknowledged and carried out down the levels with a few townships late and
escalated; a situation report of the province for every replayed day. Today: a directive of the
province to the prefectures and counties due in three days (some acknowledged), and one of
Changsha (its prefecture official's login) to five districts that is overdue and escalated.

The 2020 production and the regions' answers are written in bulk, as an archive import would be;
everything else goes through the services with the clock set to the scenario's moments. It runs
once: a second run finds the province reserve and adds nothing.
"""

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from fangyi.accounts.models import User
from fangyi.command import services as command
from fangyi.command.choices import TargetStatus
from fangyi.command.models import Target
from fangyi.core import clock
from fangyi.people.synthetic import load_tree
from fangyi.regions.choices import Level, PlaceKind
from fangyi.regions.models import Place
from fangyi.regions.services import place_create
from fangyi.supplies import services as supplies
from fangyi.supplies.choices import DonationDirection, DonationKind, ItemCategory, Priority, WarehouseLevel
from fangyi.supplies.models import Item, ProductionDay, Warehouse

ProgressCallback = Callable[[int, int, str], None]

FIRST_DAY, LAST_DAY = dt.date(2020, 1, 21), dt.date(2020, 3, 31)
PEAK_DAY = dt.date(2020, 2, 20)
PROVINCE_RESERVE = "湖南省应急物资储备库"
# code, name, category, unit, pack size, the province's peak daily output (0: not produced here)
ITEMS = (
    ("surgical-mask", "医用外科口罩", ItemCategory.PROTECTION, "只", 50, 53_000_000),
    ("n95", "N95 医用防护口罩", ItemCategory.PROTECTION, "只", 20, 900_000),
    ("protective-suit", "医用防护服", ItemCategory.PROTECTION, "套", 10, 40_000),
    ("test-kit", "核酸检测试剂", ItemCategory.TESTING, "人份", 48, 500_000),
    ("thermometer", "红外体温计", ItemCategory.EQUIPMENT, "支", 1, 0),
    ("ventilator", "呼吸机", ItemCategory.EQUIPMENT, "台", 1, 0),
    ("ambulance", "负压救护车", ItemCategory.VEHICLE, "辆", 1, 0),
    ("disinfectant", "含氯消毒液（500 毫升）", ItemCategory.DISINFECTION, "瓶", 24, 0),
    ("necessities", "生活物资包", ItemCategory.NECESSITIES, "箱", 1, 0),
)
# Producers per produced item: (name, prefecture).
PRODUCERS = {
    "surgical-mask": (
        ("长沙卫材一厂", "4301"),
        ("株洲医用敷料厂", "4302"),
        ("岳阳口罩厂", "4306"),
        ("常德卫材厂", "4307"),
    ),
    "n95": (("长沙防护用品厂", "4301"), ("湘潭防护材料厂", "4303"), ("益阳医疗用品厂", "4309")),
    "protective-suit": (("衡阳防护服厂", "4304"), ("邵阳医用服装厂", "4305")),
    "test-kit": (("长沙生物诊断试剂厂", "4301"), ("株洲生物技术厂", "4302"), ("郴州试剂厂", "4310")),
}
# Of the day's output, the share the province reserve receives (the rest goes to hospitals and
# the market directly).
RESERVE_SHARE = 0.05
COUNTRIES = (
    "美国", "加拿大", "英国", "法国", "德国", "意大利", "西班牙", "荷兰", "比利时", "瑞士", "瑞典",
    "挪威", "丹麦", "芬兰", "奥地利", "爱尔兰", "葡萄牙", "希腊", "波兰", "捷克", "匈牙利", "俄罗斯",
    "日本", "韩国", "新加坡", "马来西亚", "泰国", "印度尼西亚", "菲律宾", "越南", "柬埔寨", "澳大利亚",
    "新西兰", "巴西", "阿根廷", "墨西哥", "南非", "尼日利亚", "埃及", "阿联酋", "土耳其", "以色列",
)  # fmt: skip


@dataclasses.dataclass
class CommandResult:
    skipped: bool = False
    items: int = 0
    production_days: int = 0
    warehouses: int = 0
    postings: int = 0
    requests: int = 0
    donations: int = 0
    directives: int = 0
    targets: int = 0
    sitreps: int = 0


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)


@contextmanager
def _on(moment: dt.datetime) -> Iterator[None]:
    with clock.frozen_at(moment):
        yield


def _days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def command_seed(
    *, admin: User, changsha: User, seed: int, progress: ProgressCallback | None = None
) -> CommandResult:
    """Write the scenario once (see the module docstring); a second call adds nothing. `changsha`
    is the login of Changsha's prefecture official."""
    result = CommandResult()
    if Place.objects.filter(kind=PlaceKind.WAREHOUSE, name=PROVINCE_RESERVE).exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    steps = 5

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, steps, label)

    with transaction.atomic():
        step(0, "supplies")
        items = _catalogue(admin, result)
        _production(admin, items, rng, result)
        province, prefectures = _warehouses(admin, result)
        step(1, "ledger")
        _stock_2020(admin, items, province, prefectures, rng, result)
        _requests_and_allocation(admin, items, province, prefectures, result)
        _donations(admin, items, province, rng, result)
        step(2, "directives")
        _directives_2020(admin, rng, result)
        _directives_today(admin, changsha, rng, result)
        step(3, "situation reports")
        for day in _days(FIRST_DAY, LAST_DAY):
            with _on(_at(day, 20)):  # archived the evening of each day
                command.sitrep_generate(actor=None, region="43", date=day)
            result.sitreps += 1
        command.sitrep_generate(actor=None, region="43", date=clock.today())
        result.sitreps += 1
        supplies.reconcile()
        step(steps, "done")
    return result


# Supplies ----------------------------------------------------------------------------------------


def _catalogue(admin: User, result: CommandResult) -> dict[str, Item]:
    items = {}
    for code, name, category, unit, pack, _peak in ITEMS:
        items[code] = supplies.item_create(
            actor=admin,
            code=code,
            name=name,
            category=category,
            unit=unit,
            pack_size=pack,
            whole_packs=pack > 1,
        )
    result.items = len(items)
    return items


def _ramp(day: dt.date) -> float:
    """Output as a share of the peak: a tenth on 21 January, the peak on 20 February, then easing
    to two thirds by the end of March as demand fell."""
    if day <= PEAK_DAY:
        return 0.1 + 0.9 * (day - FIRST_DAY).days / (PEAK_DAY - FIRST_DAY).days
    return 1 - (1 / 3) * (day - PEAK_DAY).days / (LAST_DAY - PEAK_DAY).days


def _production(admin: User, items: dict[str, Item], rng: random.Random, result: CommandResult) -> None:
    """The producers and their two series: nominal capacity grows in steps as lines are converted;
    output follows demand and passes capacity at the peak with overtime."""
    rows = []
    for code, makers in PRODUCERS.items():
        peak = next(p for c, *_rest, p in ITEMS if c == code)
        for name, prefecture in makers:
            producer = supplies.producer_create(actor=admin, name=name, region=prefecture)
            share = peak / len(makers)
            for day in _days(FIRST_DAY, LAST_DAY):
                week = (day - FIRST_DAY).days // 7
                capacity = round(share * min(1.0, 0.3 + 0.12 * week) * 0.92)
                output = round(share * _ramp(day) * rng.uniform(0.95, 1.05))
                rows.append(
                    ProductionDay(
                        producer=producer, item=items[code], date=day, capacity=capacity, output=output
                    )
                )
    ProductionDay.objects.bulk_create(rows, batch_size=2000)
    result.production_days = len(rows)


def _warehouses(admin: User, result: CommandResult) -> tuple[Warehouse, dict[str, Warehouse]]:
    place = place_create(actor=admin, name=PROVINCE_RESERVE, kind=PlaceKind.WAREHOUSE, region="430102")
    province = supplies.warehouse_register(actor=admin, place_id=place.pk, level=WarehouseLevel.PROVINCE)
    prefectures = {}
    for place in Place.objects.filter(kind=PlaceKind.WAREHOUSE, name__endswith="防疫物资储备库").order_by(
        "region_id"
    ):
        prefectures[place.region_id[:4]] = supplies.warehouse_register(
            actor=admin, place_id=place.pk, level=WarehouseLevel.PREFECTURE
        )
    result.warehouses = 1 + len(prefectures)
    return province, prefectures


def _whole(quantity: float, item: Item) -> int:
    packs = int(quantity) // item.pack_size
    return packs * item.pack_size


def _stock_2020(
    admin: User,
    items: dict[str, Item],
    province: Warehouse,
    prefectures: dict[str, Warehouse],
    rng: random.Random,
    result: CommandResult,
) -> None:
    """Each day the province reserve receives its share of the output; each Monday it ships a
    fifth of its stock of each produced item to the prefectures by population."""
    tree = load_tree()
    population = {code: people for code, _name, people in tree.prefectures}
    total = sum(population.values())
    output = {
        (row["item_id"], row["date"]): row["total"]
        for row in ProductionDay.objects.values("item_id", "date").order_by().annotate(total=Sum("output"))
    }
    stock = {item.pk: 0 for item in items.values()}
    for code in ("thermometer", "ventilator", "ambulance", "disinfectant", "necessities"):
        item = items[code]
        amount = _whole({"thermometer": 20_000, "ventilator": 120, "ambulance": 40}.get(code, 50_000), item)
        with _on(_at(FIRST_DAY, 9)):
            supplies.stock_receive(
                actor=admin,
                warehouse_id=province.pk,
                item_id=item.pk,
                quantity=amount,
                client_key=f"demo-stock-{code}",
                note="省级储备",
            )
        stock[item.pk] += amount
        result.postings += 1
    for day in _days(FIRST_DAY, LAST_DAY):
        for code in PRODUCERS:
            item = items[code]
            amount = _whole((output.get((item.pk, day)) or 0) * RESERVE_SHARE, item)
            if amount:
                with _on(_at(day, 18)):
                    supplies.stock_receive(
                        actor=admin,
                        warehouse_id=province.pk,
                        item_id=item.pk,
                        quantity=amount,
                        client_key=f"demo-receipt-{code}-{day:%Y%m%d}",
                        note="省内企业生产入库",
                    )
                stock[item.pk] += amount
                result.postings += 1
        if day.weekday() != 0 or day == FIRST_DAY:
            continue
        for prefecture, warehouse in prefectures.items():
            lines = []
            for code in PRODUCERS:
                item = items[code]
                amount = _whole(stock[item.pk] / 5 * population[prefecture] / total, item)
                if amount:
                    lines.append((item.pk, amount))
                    stock[item.pk] -= amount
            if not lines:
                continue
            with _on(_at(day, 8)):
                shipment = supplies.shipment_create(
                    actor=admin,
                    origin_id=province.pk,
                    destination_id=warehouse.pk,
                    lines=lines,
                    note="每周调拨",
                )
                supplies.shipment_dispatch(
                    actor=admin, shipment_id=shipment.pk, client_key=f"demo-out-{shipment.pk}"
                )
            with _on(_at(day, 8 + rng.randint(4, 10))):
                supplies.shipment_deliver(
                    actor=admin, shipment_id=shipment.pk, client_key=f"demo-in-{shipment.pk}"
                )
            result.postings += 2


def _requests_and_allocation(
    admin: User,
    items: dict[str, Item],
    province: Warehouse,
    prefectures: dict[str, Warehouse],
    result: CommandResult,
) -> None:
    """On 2020-02-05 the designated hospitals and the prefectures asked the province for N95; the
    allocation run kept a reserve and served intensive care and fever clinics first."""
    n95 = items["n95"]
    asks = [
        ("4301", Priority.CRITICAL, 40_000, 6, "长沙市公共卫生救治中心重症病区"),
        ("4302", Priority.HIGH, 12_000, 2, "定点医院一线医护"),
        ("4306", Priority.HIGH, 16_000, 3, "定点医院一线医护"),
        ("4310", Priority.HIGH, 10_000, 2, "定点医院一线医护"),
        ("4307", Priority.NORMAL, 8_000, 1, "集中隔离点工作人员"),
        ("4312", Priority.NORMAL, 6_000, 1, "省界检查站"),
        ("4311", Priority.LOW, 5_000, 1, "社区防控"),
    ]
    day = dt.date(2020, 2, 5)
    with _on(_at(day, 10)):
        for region, priority, quantity, weight, reason in asks:
            supplies.request_create(
                actor=admin,
                region=region,
                item_id=n95.pk,
                quantity=quantity,
                priority=priority,
                weight=weight,
                reason=reason,
            )
            result.requests += 1
    with _on(_at(day, 15)):
        run = supplies.allocation_run(
            actor=admin, item_id=n95.pk, warehouse_id=province.pk, reserve=_whole(5_000, n95)
        )
    with _on(_at(day, 16)):
        for allocation in run.allocations.select_related("request").order_by("request__priority")[:3]:
            destination = prefectures.get(allocation.request.region_id[:4])
            if destination is None or not allocation.quantity:
                continue
            shipment = supplies.shipment_create(
                actor=admin,
                origin_id=province.pk,
                destination_id=destination.pk,
                lines=[(n95.pk, allocation.quantity)],
                allocation_id=allocation.pk,
                note="按分配方案调拨",
            )
            supplies.shipment_dispatch(
                actor=admin, shipment_id=shipment.pk, client_key=f"demo-alloc-{shipment.pk}"
            )
            result.postings += 1


def _donations(
    admin: User, items: dict[str, Item], province: Warehouse, rng: random.Random, result: CommandResult
) -> None:
    """Money and goods from Hunan associations in 42 countries; masks given back in March."""
    masks, suits = items["surgical-mask"], items["protective-suit"]
    for number, country in enumerate(COUNTRIES, start=1):
        day = dt.date(2020, 1, 28) + dt.timedelta(days=number % 20)
        association = f"旅{country}湖南同乡会"
        with _on(_at(day, 11)):
            if number % 3:
                supplies.donation_record(
                    actor=admin,
                    direction=DonationDirection.IN,
                    kind=DonationKind.MONEY,
                    donor=association,
                    country=country,
                    association=association,
                    recipient="湖南省慈善总会",
                    amount=Decimal(rng.randrange(50, 800) * 1000),
                    date=day,
                    receipt_number=f"HNCS2020{number:04d}",
                    use="采购防护物资支援定点医院",
                )
            else:
                item = suits if number % 2 else masks
                supplies.donation_record(
                    actor=admin,
                    direction=DonationDirection.IN,
                    kind=DonationKind.GOODS,
                    donor=association,
                    country=country,
                    association=association,
                    recipient=PROVINCE_RESERVE,
                    item_id=item.pk,
                    quantity=_whole(rng.randrange(2_000, 20_000), item),
                    date=day,
                    receipt_number=f"HNCS2020{number:04d}",
                    use="入省级储备统一调配",
                    warehouse_id=province.pk,
                    client_key=f"demo-donation-{number}",
                )
                result.postings += 1
        result.donations += 1
    for number, country in enumerate(("意大利", "美国", "英国", "日本", "韩国"), start=1):
        day = dt.date(2020, 3, 20) + dt.timedelta(days=number)
        association = f"旅{country}湖南同乡会"
        with _on(_at(day, 15)):
            supplies.donation_record(
                actor=admin,
                direction=DonationDirection.OUT,
                kind=DonationKind.GOODS,
                donor="湖南省人民政府",
                country=country,
                association=association,
                recipient=association,
                item_id=masks.pk,
                quantity=_whole(100_000, masks),
                date=day,
                receipt_number=f"HNOUT2020{number:04d}",
                use="支援海外乡亲防疫",
                warehouse_id=province.pk,
                client_key=f"demo-gift-{number}",
            )
        result.donations += 1
        result.postings += 1


# Command -----------------------------------------------------------------------------------------


DIRECTIVES_2020 = (
    (
        dt.date(2020, 1, 23),
        dt.date(2020, 1, 25),
        Level.TOWNSHIP,
        "关于启动重大突发公共卫生事件一级响应的通知",
        "各市州、县市区：即日起启动重大突发公共卫生事件一级响应，全面落实联防联控措施，"
        "各级成立疫情防控指挥部，24 小时值班值守，每日报告疫情。",
    ),
    (
        dt.date(2020, 1, 27),
        dt.date(2020, 1, 30),
        Level.TOWNSHIP,
        "关于开展武汉来湘返湘人员拉网式排查的通知",
        "各地对 1 月 10 日以来武汉来湘返湘人员逐户逐人排查登记，落实居家或集中医学观察，"
        "排查结果每日 18 时前逐级报送。",
    ),
    (
        dt.date(2020, 2, 10),
        dt.date(2020, 2, 17),
        Level.COUNTY,
        "关于统筹做好疫情防控和企业复工复产工作的通知",
        "各地在做好疫情防控的前提下，分区分级推进企业有序复工复产，派驻联络员，一企一策解决用工、"
        "资金、原料和物流问题。",
    ),
)


def _directives_2020(admin: User, rng: random.Random, result: CommandResult) -> None:
    """Issued by the province through the service; the levels' answers (acknowledged within hours,
    carried out by the deadline, a few townships late and escalated) are the archive's."""
    for issued, due, down_to, title, body in DIRECTIVES_2020:
        with _on(_at(issued, 20)):
            directive = command.directive_issue(
                actor=admin, issuer="43", title=title, body=body, targets=["4301", "4302", "4303", "4304",
                "4305", "4306", "4307", "4308", "4309", "4310", "4311", "4312", "4313", "4331"],
                deadline=_at(due, 18), down_to=down_to,
            )  # fmt: skip
        result.directives += 1
        targets = list(Target.objects.filter(directive=directive).order_by("region_id"))
        townships = [t for t in targets if len(t.region_id) == 9]
        late = {t.pk for t in rng.sample(townships, min(12, len(townships)))}
        for target in targets:
            target.acknowledged_at = _at(issued, 21) + dt.timedelta(minutes=rng.randrange(30, 600))
            target.progress = 100
            target.note = "已按要求落实。"
            if target.pk in late:
                target.escalated_at = _at(due, 18, 5)
                target.completed_at = _at(due, 18) + dt.timedelta(hours=rng.randrange(6, 48))
            else:
                target.completed_at = _at(due, 18) - dt.timedelta(hours=rng.randrange(2, 40))
            target.status = TargetStatus.COMPLETED
        Target.objects.bulk_update(
            targets,
            ["acknowledged_at", "progress", "note", "completed_at", "status", "escalated_at"],
            batch_size=2000,
        )
        result.targets += len(targets)


def _directives_today(admin: User, changsha: User, rng: random.Random, result: CommandResult) -> None:
    """A province directive due in three days that some have acknowledged, and one of Changsha's
    to five districts that was due yesterday: overdue and escalated by the daily run."""
    now = clock.now()
    with _on(now - dt.timedelta(hours=2)):
        directive = command.directive_issue(
            actor=admin,
            issuer="43",
            title="关于做好冬春季疫情防控物资储备的通知",
            body="各市州、县市区按 30 天满负荷运转需求补足防护物资和检测试剂储备，"
            "3 日内将储备情况报省指挥部。",
            targets=["4301", "4302", "4303", "4304", "4305", "4306", "4307"],
            deadline=now + dt.timedelta(days=3),
            down_to=Level.COUNTY,
        )
    result.directives += 1
    targets = list(Target.objects.filter(directive=directive).order_by("region_id"))
    for target in targets[: len(targets) // 2]:
        target.acknowledged_at = now - dt.timedelta(minutes=rng.randrange(10, 100))
        target.status = TargetStatus.ACKNOWLEDGED
    Target.objects.bulk_update(targets, ["acknowledged_at", "status"])
    result.targets += len(targets)
    with _on(now - dt.timedelta(days=3)):
        overdue = command.directive_issue(
            actor=changsha,
            issuer="4301",
            title="关于报送重点场所防控检查情况的通知",
            body="长沙市各县市区于昨日 18 时前报送农贸市场、商超和养老机构防控检查情况。",
            targets=["430102", "430103", "430104", "430105", "430111"],
            deadline=now - dt.timedelta(days=1),
            down_to=Level.TOWNSHIP,
        )
    result.directives += 1
    result.targets += Target.objects.filter(directive=overdue).count()
    done = Target.objects.filter(directive=overdue, region_id__in=["430104", "430105"])
    done.update(status=TargetStatus.COMPLETED, progress=100, acknowledged_at=now - dt.timedelta(days=2),
                completed_at=now - dt.timedelta(days=1, hours=2), note="已报送。")  # fmt: skip
    command.directives_escalate(now=now)
