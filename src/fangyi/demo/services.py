"""Synthetic demo data: residents, grids, places and one login per role.

Everything is derived from `random.Random(seed)` in a fixed order, so the same seed gives the same
residents (names, identity numbers, homes, ids) on any database, and running the seed again adds
nothing that is already there (residents are matched by identity-number hash, users by username,
places by region + kind + name).
"""

from collections import Counter
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
from fangyi.people.models import Person
from fangyi.people.services import person_build
from fangyi.people.synthetic import (
    RegionTree,
    SyntheticResident,
    load_tree,
    short_village_name,
)
from fangyi.people.synthetic import residents_generate as _residents_generate
from fangyi.regions.choices import Level, PlaceKind
from fangyi.regions.models import Place, Region
from fangyi.regions.services import grids_ensure, place_create

ProgressCallback = Callable[[int, int, str], None]

DEMO_PASSWORD = "fangyi-demo-2020"
DEFAULT_RESIDENTS = 20_000
DEFAULT_SEED = 2020
BATCH_SIZE = 1000
RESIDENTS_PER_GRID = 30
# The village where the resident login lives (识字里社区, 文艺路街道, 芙蓉区, 长沙市).
DEMO_HOME = "430102001001"


class DemoError(DomainError):
    pass


def residents_generate(
    *, residents: int, seed: int, tree: RegionTree | None = None
) -> list[SyntheticResident]:
    """The demo's synthetic residents for `seed` (the first one lives where the resident login lives)."""
    return _residents_generate(residents=residents, seed=seed, tree=tree, first_home=DEMO_HOME)


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


def _place_plan(tree: RegionTree) -> list[tuple[str, str, str]]:
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
            (PlaceKind.COMPOUND_GATE, village, f"{short_village_name(tree.village_names[village])}小区东门")
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


def _ensure_places(*, actor: User, tree: RegionTree, result: DemoResult) -> None:
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
    tree = load_tree()
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


def weighted_counties() -> list[tuple[str, str, int]]:
    """Each county with the short name of its city and its weight: the population, three times
    over in Changsha (the capital's economy)."""
    cities = {
        code: "湘西" if code == "4331" else name.removesuffix("市")
        for code, name in Region.objects.filter(level=Level.PREFECTURE).values_list("code", "name")
    }
    return [
        (code, cities[parent], (population or 300_000) * (3 if parent == "4301" else 1))
        for code, parent, population in Region.objects.filter(level=Level.COUNTY)
        .order_by("code")
        .values_list("code", "parent_id", "population")
    ]
