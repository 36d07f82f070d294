"""Synthetic residents: deterministic names, identity numbers and homes spread over Hunan.

Everything is derived from `random.Random(seed)` in a fixed order, so the same seed gives the same
residents on any database. Used by the demo seed and by the Hunan 2020 replay.
"""

import datetime as dt
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from fangyi.core.validators import id_check_char
from fangyi.people.errors import PeopleError
from fangyi.regions.choices import Kind, Level
from fangyi.regions.models import Region

# Ages are counted back from the day Hunan declared its Level I response.
REFERENCE_DAY = dt.date(2020, 1, 23)


def regions_missing() -> PeopleError:
    return PeopleError(
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


def short_village_name(name: str) -> str:
    for suffix in ("居民委员会", "村民委员会", "居委会", "村委会"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# Regions -----------------------------------------------------------------------------------------


@dataclass
class RegionTree:
    prefectures: list[tuple[str, str, int]]  # code, name, population
    counties: dict[str, list[str]]  # prefecture → counties with villages
    id_counties: dict[str, list[str]]  # prefecture → real county codes (no functional zones)
    townships: dict[str, list[str]]  # county → townships with villages
    villages: dict[str, list[str]]  # township → villages
    village_names: dict[str, str]
    village_kinds: dict[str, str]


def load_tree() -> RegionTree:
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
    return RegionTree(
        prefectures=[(code, name, population or 0) for code, name, population in prefectures],
        counties=counties,
        id_counties=id_counties,
        townships=townships,
        villages=villages,
        village_names=names,
        village_kinds=kinds,
    )


def shares(total: int, weights: list[int]) -> list[int]:
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


def residents_generate(
    *, residents: int, seed: int, tree: RegionTree | None = None, first_home: str | None = None
) -> list[SyntheticResident]:
    """The synthetic residents for `seed`: the same list every time, whatever is in the database.

    `first_home`, a village, is given to the first resident (the demo puts someone where its
    resident login lives).
    """
    tree = tree or load_tree()
    rng = random.Random(seed)
    homes: list[str] = []
    counts = shares(residents, [population for _code, _prefecture, population in tree.prefectures])
    for (code, _prefecture, _population), count in zip(tree.prefectures, counts, strict=True):
        for _i in range(count):
            county = rng.choice(tree.counties[code])
            township = rng.choice(tree.townships[county])
            options = tree.villages[township]
            # Communities near the township seat (listed first) are the more populous.
            homes.append(rng.choices(options, [1 / (rank + 1) for rank in range(len(options))])[0])
    if homes and first_home in tree.village_names:
        homes[0] = first_home
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
        short = short_village_name(tree.village_names[home])
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
