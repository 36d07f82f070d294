"""Synthetic demo data: residents, grids, places and one login per role.

Everything is derived from `random.Random(seed)` in a fixed order, so the same seed gives the same
residents (names, identity numbers, homes, ids) on any database, and running the seed again adds
nothing that is already there (residents are matched by identity-number hash, users by username,
places by region + kind + name).
"""

import datetime as dt
import random
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangyi.accounts.choices import Role
from fangyi.accounts.models import User
from fangyi.accounts.services import user_create
from fangyi.core import pii
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.core.services import audit_record
from fangyi.core.validators import id_check_char
from fangyi.people.models import Person
from fangyi.people.services import person_build
from fangyi.regions.choices import Kind, Level, PlaceKind
from fangyi.regions.models import Place, Region
from fangyi.regions.services import grids_ensure, place_create

ProgressCallback = Callable[[int, int, str], None]

DEMO_PASSWORD = "fangyi-demo-2020"
DEFAULT_RESIDENTS = 20_000
DEFAULT_SEED = 2020
BATCH_SIZE = 1000
# Ages are counted back from the day Hunan declared its Level I response.
REFERENCE_DAY = dt.date(2020, 1, 23)
RESIDENTS_PER_GRID = 30
# The village where the resident login lives (识字里社区, 文艺路街道, 芙蓉区, 长沙市).
DEMO_HOME = "430102001001"


class DemoError(DomainError):
    pass


def regions_missing() -> DemoError:
    return DemoError(
        "demo.regions_missing",
        _("The administrative divisions are not loaded: run `fangyi load-regions` first."),
    )


# Names -------------------------------------------------------------------------------------------

# Common surnames, weighted roughly by their share of the population (per mille).
_SURNAME_TEXT = (
    "王72 李72 张69 刘54 陈45 杨31 黄23 赵22 吴20 周19 徐16 孙15 马15 朱14 胡13 郭12 何12 林11 罗11 "
    "高11 郑9 梁9 谢8 宋8 唐8 许7 韩7 邓7 冯7 曹7 彭6 曾6 肖6 田6 董5 潘5 袁5 蔡5 蒋5 余5 于5 杜4 "
    "叶4 程4 魏4 苏4 吕4 丁4 任4 卢4 姚4 沈4 钟4 姜4 崔3 谭3 陆3 范3 汪3 廖3 石3 金3 贺3 龙2 欧阳1 司马1"
)
SURNAMES = _SURNAME_TEXT.split()
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林洋志国建文博翔轩湘"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英慧巧美婷雪琳晶燕玲桂兰红梅琴云莲凤洁颖倩萍瑶欣怡楠湘"
GIVEN_ANY = "春晓海佳子雨思嘉安诗梓一晨阳光永小德"
MOBILE_PREFIXES = [
    *(str(n) for n in range(130, 140)),
    *(str(n) for n in (150, 151, 152, 153, 155, 156, 157, 158, 159, 166, 173, 175, 176, 177, 178)),
    *(str(n) for n in range(180, 190)),
    *("191", "198", "199"),
]
# Age bands (years) with weights, a rough 2020 Hunan age pyramid.
AGE_BANDS = (
    (0, 14, 19),
    (15, 24, 10),
    (25, 34, 14),
    (35, 44, 13),
    (45, 54, 17),
    (55, 64, 13),
    (65, 79, 11),
    (80, 99, 3),
)

_SURNAME_CHOICES = [entry.rstrip("0123456789") for entry in SURNAMES]
_SURNAME_WEIGHTS = [int(entry[len(name) :]) for entry, name in zip(SURNAMES, _SURNAME_CHOICES, strict=True)]


def _person_name(rng: random.Random, sex: str) -> str:
    surname = rng.choices(_SURNAME_CHOICES, _SURNAME_WEIGHTS)[0]
    pool = (GIVEN_MALE if sex == "M" else GIVEN_FEMALE) + GIVEN_ANY
    length = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(pool) for _i in range(length))


def _age(rng: random.Random) -> int:
    low, high, _weight = rng.choices(AGE_BANDS, [band[2] for band in AGE_BANDS])[0]
    return rng.randint(low, high)


def _short_village_name(name: str) -> str:
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# Regions -----------------------------------------------------------------------------------------


@dataclass
class _Tree:
    prefectures: list[tuple[str, str, int]]  # code, name, population
    counties: dict[str, list[str]]  # prefecture → counties with villages
    id_counties: dict[str, list[str]]  # prefecture → real county codes (no functional zones)
    townships: dict[str, list[str]]  # county → townships with villages
    villages: dict[str, list[str]]  # township → villages
    village_names: dict[str, str]
    village_kinds: dict[str, str]


def _load_tree() -> _Tree:
    prefectures = list(
        Region.objects.filter(level=Level.PREFECTURE)
        .order_by("code")
        .values_list("code", "name", "population")
    )
    if len(prefectures) < 14:
        raise regions_missing()
    villages: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    kinds: dict[str, str] = {}
    for code, name, kind, parent in (
        Region.objects.filter(level=Level.VILLAGE)
        .order_by("code")
        .values_list("code", "name", "kind", "parent_id")
    ):
        villages[parent].append(code)
        names[code] = name
        kinds[code] = kind
    if not villages:
        raise regions_missing()
    townships: dict[str, list[str]] = defaultdict(list)
    for code, parent in (
        Region.objects.filter(level=Level.TOWNSHIP).order_by("code").values_list("code", "parent_id")
    ):
        if villages.get(code):
            townships[parent].append(code)
    counties: dict[str, list[str]] = defaultdict(list)
    id_counties: dict[str, list[str]] = defaultdict(list)
    for code, kind, parent in (
        Region.objects.filter(level=Level.COUNTY).order_by("code").values_list("code", "kind", "parent_id")
    ):
        if townships.get(code):
            counties[parent].append(code)
        if kind != Kind.FUNCTIONAL_ZONE:
            id_counties[parent].append(code)
    return _Tree(
        prefectures=[(code, name, population or 0) for code, name, population in prefectures],
        counties=counties,
        id_counties=id_counties,
        townships=townships,
        villages=villages,
        village_names=names,
        village_kinds=kinds,
    )


def _shares(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; sums exactly to `total`)."""
    whole = sum(weights) or 1
    exact = [total * weight / whole for weight in weights]
    counts = [int(share) for share in exact]
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - exact[i], i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


# Residents ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticResident:
    id: uuid.UUID
    name: str
    id_number: str
    home_region: str
    phone: str
    address: str


def residents_generate(*, residents: int, seed: int, tree: _Tree | None = None) -> list[SyntheticResident]:
    """The synthetic residents for `seed`: the same list every time, whatever is in the database."""
    tree = tree or _load_tree()
    rng = random.Random(seed)
    homes: list[str] = []
    counts = _shares(residents, [population for _code, _prefecture, population in tree.prefectures])
    for (code, _prefecture, _population), count in zip(tree.prefectures, counts, strict=True):
        for _i in range(count):
            county = rng.choice(tree.counties[code])
            township = rng.choice(tree.townships[county])
            options = tree.villages[township]
            # Communities near the township seat (listed first) are the more populous.
            homes.append(rng.choices(options, [1 / (rank + 1) for rank in range(len(options))])[0])
    if homes and DEMO_HOME in tree.village_names:
        homes[0] = DEMO_HOME  # someone lives where the resident login lives
    seen: set[str] = set()
    people = []
    for home in homes:
        prefecture = home[:4]
        county = home[:6]
        if county not in tree.id_counties[prefecture] or rng.random() < 0.15:
            county = rng.choice(tree.id_counties[prefecture])
        sex = "M" if rng.random() < 0.515 else "F"
        age = _age(rng)
        while True:
            birth = REFERENCE_DAY - dt.timedelta(days=age * 365 + rng.randrange(365))
            sequence = f"{rng.randrange(100):02d}{rng.choice('13579' if sex == 'M' else '02468')}"
            first17 = f"{county}{birth:%Y%m%d}{sequence}"
            if first17 not in seen:
                break
        seen.add(first17)
        phone = ""
        if age >= 12 and rng.random() < 0.92:
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        short = _short_village_name(tree.village_names[home])
        if tree.village_kinds[home] == Kind.COMMUNITY:
            address = (
                f"{short}{rng.randint(1, 40)}栋{rng.randint(1, 6)}单元"
                f"{rng.randint(1, 30)}{rng.randint(1, 4):02d}室"
            )
        else:
            address = f"{short}{rng.randint(1, 20)}组{rng.randint(1, 99)}号"
        people.append(
            SyntheticResident(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                name=_person_name(rng, sex),
                id_number=first17 + id_check_char(first17),
                home_region=home,
                phone=phone,
                address=address,
            )
        )
    return people


def _grid_plan(people: list[SyntheticResident]) -> tuple[dict[str, int], list[str]]:
    """How many grids each village gets, and each resident's grid code (round robin in the village)."""
    per_village = Counter(person.home_region for person in people)
    grid_count = {village: 1 + (n - 1) // RESIDENTS_PER_GRID for village, n in per_village.items()}
    seen: Counter[str] = Counter()
    grid_of = []
    for person in people:
        village = person.home_region
        grid_of.append(f"{village}{seen[village] % grid_count[village] + 1:02d}")
        seen[village] += 1
    return grid_count, grid_of


# Logins ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    region: str
    display_name: str


# One login per role, around 芙蓉区 (430102) in 长沙市 (4301), plus the superuser `admin`.
DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("province", Role.PROVINCIAL_COMMAND, "43", "省指挥部"),
    DemoLogin("changsha", Role.PREFECTURE_OFFICIAL, "4301", "长沙市指挥部"),
    DemoLogin("furong", Role.COUNTY_OFFICIAL, "430102", "芙蓉区指挥部"),
    DemoLogin("wenyilu", Role.TOWNSHIP_OFFICIAL, "430102001", "文艺路街道办"),
    DemoLogin("grid", Role.GRID_WORKER, DEMO_HOME, "识字里社区网格员"),
    DemoLogin("checkpoint", Role.CHECKPOINT_STAFF, "430181", "浏阳市省界检查站"),
    DemoLogin("clinic", Role.CLINIC_STAFF, "430102", "芙蓉区发热门诊"),
    DemoLogin("lab", Role.LAB_STAFF, "4301", "长沙市检测实验室"),
    DemoLogin("hospital", Role.HOSPITAL_STAFF, "4301", "长沙市定点医院"),
    DemoLogin("expert", Role.EXPERT, "4301", "长沙市专家组"),
    DemoLogin("supply", Role.SUPPLY_OFFICER, "4301", "长沙市物资保障组"),
    DemoLogin("liaison", Role.ENTERPRISE_LIAISON, "430102", "芙蓉区驻企联络员"),
    DemoLogin("employer", Role.EMPLOYER, "430102", "隆平高科技园企业"),
    DemoLogin("merchant", Role.MERCHANT, "430102", "文艺路商户"),
    DemoLogin("volunteers", Role.VOLUNTEER_COORDINATOR, "430102001", "文艺路志愿者协调员"),
    DemoLogin("resident", Role.RESIDENT, DEMO_HOME, "识字里社区居民"),
)
ADMIN_USERNAME = "admin"


# Places ------------------------------------------------------------------------------------------

# Counties on the province's edge, with the neighbouring province's one-character name.
_BORDER_TEXT = (
    "430181赣 430224赣 430225赣 430281赣 430626赣 430682鄂 430726鄂 430822鄂 433130渝 433124渝 "
    "431227黔 431230桂 431125桂 431129粤 431022粤 431026粤"
)
BORDER_COUNTIES = _BORDER_TEXT.split()


def _place_plan(tree: _Tree) -> list[tuple[str, str, str]]:
    """(kind, region, name) for every demo place, in a fixed order."""
    names = dict(
        Region.objects.filter(level__in=[Level.COUNTY, Level.PREFECTURE]).values_list("code", "name")
    )
    plan: list[tuple[str, str, str]] = []
    for entry in BORDER_COUNTIES:
        county, neighbour = entry[:6], entry[6:]
        if county in names:
            plan.append((PlaceKind.BORDER_CHECKPOINT, county, f"{names[county]}湘{neighbour}省界检查站"))
    plan += [
        (PlaceKind.PORT, "430121", "长沙黄花国际机场口岸"),
        (PlaceKind.PORT, "430602", "岳阳城陵矶港口岸"),
    ]
    for prefecture, name, _population in tree.prefectures:
        seat = tree.id_counties[prefecture][0]  # the prefecture's first-coded (central) district
        plan += [
            (PlaceKind.HOSPITAL, seat, f"{name}第一人民医院"),
            (PlaceKind.FEVER_CLINIC, seat, f"{name}第一人民医院发热门诊"),
            (PlaceKind.FEVER_CLINIC, seat, f"{name}中心医院发热门诊"),
            (PlaceKind.LAB, seat, f"{name}疾病预防控制中心实验室"),
            (PlaceKind.QUARANTINE_SITE, seat, f"{name}集中隔离观察点"),
            (PlaceKind.WAREHOUSE, seat, f"{name}防疫物资储备库"),
        ]
    plan += [
        (PlaceKind.HOSPITAL, "430102", "湖南省人民医院"),
        (PlaceKind.LAB, "430102", "湖南省疾病预防控制中心实验室"),
        (PlaceKind.FACTORY_GATE, "430102400", "隆平高科技园北门"),
        (PlaceKind.FACTORY_GATE, "430102400", "隆平高科技园南门"),
        (PlaceKind.SCHOOL_GATE, "430102001", "文艺路小学校门"),
        (PlaceKind.SCHOOL_GATE, "430102003", "韭菜园中学校门"),
    ]
    for village in tree.villages.get("430102001", []):
        plan.append(
            (PlaceKind.COMPOUND_GATE, village, f"{_short_village_name(tree.village_names[village])}小区东门")
        )
    return plan


# The seed ----------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    residents_created: int = 0
    residents_existing: int = 0
    grids: int = 0
    places_created: int = 0
    users_created: int = 0
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)  # username, role, region, password


def _ensure_users(result: DemoResult) -> User:
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        admin = user_create(
            actor=None,
            username=ADMIN_USERNAME,
            password=DEMO_PASSWORD,
            display_name="系统管理员",
            is_superuser=True,
            is_staff=True,
        )
        result.users_created += 1
    result.logins.append((ADMIN_USERNAME, str(_("Superuser")), "43 湖南省", DEMO_PASSWORD))
    existing = set(
        User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).values_list(
            "username", flat=True
        )
    )
    region_names = dict(
        Region.objects.filter(code__in={login.region for login in DEMO_LOGINS}).values_list("code", "name")
    )
    for login in DEMO_LOGINS:
        if login.username not in existing:
            user_create(
                actor=admin,
                username=login.username,
                password=DEMO_PASSWORD,
                display_name=login.display_name,
                roles=[(login.role, login.region)],
            )
            result.users_created += 1
        result.logins.append(
            (
                login.username,
                str(Role(login.role).label),
                f"{login.region} {region_names.get(login.region, '')}",
                DEMO_PASSWORD,
            )
        )
    return admin


def _ensure_residents(
    *, actor: User, people: list[SyntheticResident], result: DemoResult, progress: ProgressCallback | None
) -> None:
    grid_count, grid_of = _grid_plan(people)
    villages = Region.objects.in_bulk(list(grid_count))
    for village, count in sorted(grid_count.items()):
        grids_ensure(village=villages[village], count=count, households=max(1, RESIDENTS_PER_GRID // 3))
    result.grids = sum(grid_count.values())
    hashes = [pii.lookup_hash("id", person.id_number) for person in people]
    existing: set[str] = set()
    for start in range(0, len(hashes), BATCH_SIZE):
        existing.update(
            Person.objects.filter(id_number_hash__in=hashes[start : start + BATCH_SIZE]).values_list(
                "id_number_hash", flat=True
            )
        )
    total = len(people)
    batch: list[Person] = []
    for done, (resident, id_hash, grid) in enumerate(zip(people, hashes, grid_of, strict=True), start=1):
        if id_hash in existing:
            result.residents_existing += 1
        else:
            person = person_build(
                name=resident.name,
                id_number=resident.id_number,
                home_region=resident.home_region,
                phone=resident.phone,
                address=resident.address,
                synthetic=True,
            )
            person.id = resident.id
            person.grid_id = grid
            batch.append(person)
        if len(batch) >= BATCH_SIZE or done == total:
            _insert(actor=actor, people=batch)
            result.residents_created += len(batch)
            batch = []
            if progress:
                progress(done, total, str(_("residents")))


def _insert(*, actor: User, people: list[Person]) -> None:
    if not people:
        return
    Person.objects.bulk_create(people)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor=actor,
            action="person.register",
            object_type=Person._meta.label_lower,
            object_id=str(person.pk),
            region_path=person.home_region_id,
            data={"via": "demo_seed"},
        )
        for person in people
    )


def _ensure_places(*, actor: User, tree: _Tree, result: DemoResult) -> None:
    plan = _place_plan(tree)
    present = set(Place.objects.values_list("kind", "region_id", "name"))
    for kind, region, name in plan:
        if (kind, region, name) not in present:
            place_create(actor=actor, name=name, kind=kind, region=region)
            result.places_created += 1


def _link_resident_login(*, actor: User, people: list[SyntheticResident]) -> None:
    user = User.objects.filter(username="resident").first()
    home = next((person for person in people if person.home_region == DEMO_HOME), None)
    if user is None or home is None or Person.objects.filter(user=user).exists():
        return
    person = Person.objects.filter(pk=home.id, user__isnull=True).first()
    if person is not None:
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        audit_record(
            actor=actor,
            action="person.link_login",
            obj=person,
            region_path=person.home_region_id,
            data={"user": user.username},
        )


def demo_seed(
    *, residents: int = DEFAULT_RESIDENTS, seed: int = DEFAULT_SEED, progress: ProgressCallback | None = None
) -> DemoResult:
    """Seed (or top up) the demo. Needs the divisions loaded; safe to run again."""
    if residents < 0:
        raise DemoError("demo.residents_negative", _("The number of residents cannot be negative."))
    tree = _load_tree()
    people = residents_generate(residents=residents, seed=seed, tree=tree)
    result = DemoResult()
    with transaction.atomic():
        admin = _ensure_users(result)
        _ensure_residents(actor=admin, people=people, result=result, progress=progress)
        _ensure_places(actor=admin, tree=tree, result=result)
        _link_resident_login(actor=admin, people=people)
    if progress and not people:
        progress(0, 0, "")
    return result


def demo_summary(result: DemoResult) -> dict[str, Any]:
    return {
        "residents_created": result.residents_created,
        "residents_existing": result.residents_existing,
        "grids": result.grids,
        "places_created": result.places_created,
        "users_created": result.users_created,
    }
