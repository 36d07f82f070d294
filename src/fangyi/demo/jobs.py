"""The demo's job matching (湘就业): employers across the counties (the resumption enterprises
among them, when the recovery demo is there) and a few thousand open job posts in Chinese, posted
over the last month, so that 普工, 电工, 护工 and 长沙 each find posts. The demo's employer login is
an account of the first employer in 芙蓉区, which has hired through the last two weeks; 1,500
residents look for work, and the resident login has applied to one of its posts."""

import dataclasses
import datetime as dt
import random
from collections.abc import Callable, Iterator

from django.db import transaction

from fangyi.accounts.models import User
from fangyi.core import clock
from fangyi.demo.services import weighted_counties
from fangyi.employment import services
from fangyi.employment.choices import Stage
from fangyi.employment.models import Application, Employer, JobPost, Occupation, Seeker, StageChange
from fangyi.employment.search import document, reindex, skill_text
from fangyi.people.models import Person
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.resumption.models import Enterprise

DEMO_COUNTY = "430102"
ProgressCallback = Callable[[int, int, str], None]
# Occupation code: titles, monthly pay range (yuan), shifts.
KINDS: dict[str, tuple[tuple[str, ...], tuple[int, int], tuple[str, ...]]] = {
    "6-20-01-01": (
        ("普工", "流水线普工", "装配普工", "包装普工"),
        (3500, 5500),
        ("两班倒", "长白班", "做六休一"),
    ),
    "6-25-04-01": (("电子厂普工", "插件普工"), (3800, 6000), ("两班倒", "长白班")),
    "6-31-01-03": (("电工", "维修电工", "持证低压电工", "设备电工"), (4500, 8000), ("长白班", "做六休一")),
    "6-18-02-04": (("焊工", "二保焊工", "氩弧焊工"), (5000, 9000), ("长白班", "两班倒")),
    "6-30-05-01": (("叉车工", "叉车司机", "仓库叉车工"), (4500, 7000), ("长白班", "两班倒")),
    "4-14-01-02": (("医院护工", "护工", "陪护护工"), (3500, 6000), ("24小时陪护", "三班倒")),
    "4-10-01-05": (("养老护理员", "养老院护理员"), (3500, 5500), ("三班倒", "做六休一")),
    "4-07-05-01": (("保安员", "小区保安", "工厂保安"), (3000, 4500), ("两班倒", "做一休一")),
    "4-09-07-01": (("保洁员", "写字楼保洁", "医院保洁"), (2500, 3800), ("长白班", "早班")),
    "4-02-07-08": (("快递员", "快递派送员"), (5000, 9000), ("早班", "做六休一")),
    "4-03-02-01": (("厨师", "中餐厨师", "食堂厨师"), (4500, 8000), ("早晚班", "做六休一")),
    "4-10-01-02": (("育婴员", "月嫂"), (5000, 10000), ("住家", "白班")),
    "6-18-01-01": (("数控车工", "车工"), (5000, 9000), ("两班倒", "长白班")),
    "4-02-06-01": (("仓管员", "仓库管理员"), (3800, 5500), ("长白班",)),
    "4-01-02-03": (("营业员", "超市营业员"), (3000, 4500), ("早晚班",)),
    "4-01-02-04": (("收银员", "超市收银员"), (3000, 4200), ("早晚班",)),
    "4-02-02-02": (("货车司机", "物流货车司机"), (6000, 10000), ("跑长途", "市内配送")),
    "4-10-01-06": (("家政服务员", "保姆"), (4000, 7000), ("住家", "白班")),
    "6-29-01-01": (("砌筑工", "建筑工"), (5000, 9000), ("白班",)),
    "6-29-01-04": (("钢筋工",), (6000, 10000), ("白班",)),
    "4-09-08-02": (("防疫消杀员", "消杀员"), (3500, 5000), ("白班", "随叫随到")),
}
# The skills seekers of an occupation list (the rest list their occupation's usual titles).
SKILLS: dict[str, tuple[str, ...]] = {
    "6-31-01-03": ("电工证", "低压电工", "设备维修", "PLC"),
    "6-18-02-04": ("焊工证", "二保焊", "氩弧焊", "看图纸"),
    "6-30-05-01": ("叉车证", "仓储", "叉车司机"),
    "4-14-01-02": ("护理", "陪护", "护工证"),
    "4-10-01-05": ("养老护理", "护理员证", "康复"),
    "4-02-02-02": ("B2驾照", "A2驾照", "物流配送"),
    "4-03-02-01": ("湘菜", "面点", "厨师证"),
    "6-18-01-01": ("数控编程", "车床", "看图纸"),
}
SEEKERS = 1500
REQUIREMENTS = (
    "18至45周岁，身体健康，能吃苦耐劳",
    "有相关工作经验者优先，无经验可培训上岗",
    "持有效特种作业操作证",
    "健康码绿码，近14天无中高风险地区旅居史",
    "初中及以上学历，服从安排，责任心强",
    "包吃包住，购买五险",
    "男女不限，50周岁以下",
)
NAME_WORDS = ("湘", "华", "鑫", "宏", "兴", "隆", "盛", "达", "顺", "恒", "嘉", "汇")
NAME_SUFFIX = (
    "制造有限公司",
    "电子有限公司",
    "物流有限公司",
    "建设工程有限公司",
    "家政服务有限公司",
    "医院",
    "养老服务中心",
    "商贸有限公司",
)


@dataclasses.dataclass
class JobsResult:
    skipped: bool = False
    employers: int = 0
    linked: int = 0
    posts: int = 0
    seekers: int = 0
    applications: int = 0
    hires: int = 0


def region_names() -> dict[str, list[str]]:
    """For each county, the names of its prefecture and itself (what a post there is found by)."""
    names = dict(
        Region.objects.filter(level__in=[Level.PREFECTURE, Level.COUNTY]).values_list("code", "name")
    )
    return {
        code: [names[code[:4]], name] for code, name in names.items() if len(code) == 6 and code[:4] in names
    }


def generate_posts(
    employers: list[Employer], count: int, rng: random.Random, *, now: dt.datetime
) -> Iterator[JobPost]:
    """`count` open posts of the employers, each at its employer's county, posted over the month
    before `now` and closing within two months after it."""
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=KINDS)}
    places = region_names()
    codes = sorted(occupations)
    for _ in range(count):
        employer = rng.choice(employers)
        code = rng.choice(codes)
        titles, (low, high), shifts = KINDS[code]
        salary_min = rng.randrange(low, high, 100)
        requirements = "；".join(rng.sample(REQUIREMENTS, 2))
        title = rng.choice(titles)
        post = JobPost(
            employer=employer,
            title=title,
            occupation=occupations[code],
            region_id=employer.region_id,
            salary_min=salary_min,
            salary_max=min(salary_min + rng.randrange(500, 3000, 100), high + 2000),
            headcount=rng.choice((1, 2, 3, 5, 10, 20, 50, 100)),
            requirements=requirements,
            shifts=rng.choice(shifts),
            transport_offered=rng.random() < 0.3,
            closing_date=(now + dt.timedelta(days=rng.randrange(7, 60))).date(),
            posted_at=now - dt.timedelta(minutes=rng.randrange(0, 30 * 24 * 60)),
        )
        post.search_text = document(
            title,
            occupations[code].name,
            requirements,
            employer.name,
            *places.get(employer.region_id[:6], []),
        )
        yield post


def make_employers(count: int, rng: random.Random) -> list[Employer]:
    """`count` employers over the counties (by weight), the resumption enterprises first."""
    places = weighted_counties()
    weights = [weight for _c, _n, weight in places]
    taken = set(Employer.objects.exclude(enterprise=None).values_list("enterprise_id", flat=True))
    firms = list(Enterprise.objects.exclude(pk__in=taken).order_by("pk")[: count // 2])
    employers = [
        Employer(name=firm.name, credit_code="", enterprise=firm, region_id=firm.region_id[:6])
        for firm in firms
    ]
    while len(employers) < count:
        code, city, _weight = rng.choices(places, weights)[0]
        name = f"{city}{''.join(rng.sample(NAME_WORDS, 2))}{rng.choice(NAME_SUFFIX)}"
        employers.append(Employer(name=name, region_id=code))
    return Employer.objects.bulk_create(employers)


def jobs_seed(*, seed: int, posts: int = 3000, progress: ProgressCallback | None = None) -> JobsResult:
    """Write the scenario once (see the module docstring); a second call adds nothing."""
    result = JobsResult()
    if Employer.objects.exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    with transaction.atomic():
        if progress:
            progress(0, 3, "employers")
        employers = make_employers(max(20, posts // 10), rng)
        if not any(e.region_id == DEMO_COUNTY for e in employers):
            employers.append(Employer.objects.create(name="芙蓉区湘华制造有限公司", region_id=DEMO_COUNTY))
        demo_employer = next(e for e in employers if e.region_id == DEMO_COUNTY)
        login = User.objects.filter(username="employer").first()
        if login is not None:
            demo_employer.accounts.add(login)
        result.employers = len(employers)
        result.linked = sum(1 for e in employers if e.enterprise_id)
        if progress:
            progress(1, 3, "posts")
        made = JobPost.objects.bulk_create(
            generate_posts(employers, posts, rng, now=clock.now()), batch_size=2000
        )
        reindex()
        result.posts = len(made)
        if progress:
            progress(2, 3, "seekers")
        _seekers_and_hiring(demo_employer, login, rng, result)
        if progress:
            progress(3, 3, "done")
    return result


def _seeker_rows(rng: random.Random, today: dt.date) -> list[Seeker]:
    """Residents (not the demo logins) looking for work near home, each with a wanted occupation,
    the skills that go with it and the pay they hope for; one in ten keeps the profile hidden."""
    occupations = {o.code: o for o in Occupation.objects.filter(code__in=KINDS)}
    people = Person.objects.filter(synthetic=True, user=None).order_by("id_number_hash")
    seekers = []
    for person, home in people.values_list("pk", "home_region_id")[:SEEKERS]:
        code = rng.choice(sorted(occupations))
        titles, (low, high), _shifts = KINDS[code]
        known = SKILLS.get(code, titles)
        skills = " ".join(rng.sample(known, min(2, len(known))))
        seekers.append(
            Seeker(
                person_id=person,
                occupation=occupations[code],
                skills=skills,
                region_id=home[:6],
                expected_salary=rng.randrange(low, high, 100),
                available_from=today - dt.timedelta(days=rng.randrange(0, 30)),
                visible=rng.random() < 0.9,
                search_text=skill_text(skills),
            )
        )
    return Seeker.objects.bulk_create(seekers, batch_size=2000)


def _seekers_and_hiring(
    employer: Employer, login: User | None, rng: random.Random, result: JobsResult
) -> None:
    """Seekers, and the demo employer's hiring of the last two weeks: applications to its posts at
    every stage, with their history, and hires on most days. The resident login has a profile and
    an application the employer has shortlisted."""
    now = clock.now()
    seekers = _seeker_rows(rng, clock.today())
    result.seekers = len(seekers)
    posts = list(JobPost.objects.filter(employer=employer).order_by("pk")[:6])
    if not posts or login is None:
        return
    pipeline = (Stage.APPLIED, Stage.SHORTLISTED, Stage.INTERVIEW, Stage.OFFERED, Stage.HIRED)
    applications, changes = [], []
    hired: dict[int, int] = {}
    for seeker in rng.sample(seekers, min(len(seekers), 40 * len(posts))):
        post = rng.choice(posts)
        applied = now - dt.timedelta(hours=rng.randrange(1, 14 * 24))
        reached = rng.choices(range(len(pipeline)), (30, 20, 15, 10, 25))[0]
        if pipeline[reached] == Stage.HIRED and hired.get(post.pk, 0) >= post.headcount:
            reached -= 1
        stages = list(pipeline[: reached + 1])
        if reached < len(pipeline) - 1 and rng.random() < 0.2:
            stages.append(Stage.REJECTED)
        moments = [applied + dt.timedelta(hours=6 * step) for step in range(len(stages))]
        moments = [min(moment, now) for moment in moments]
        final = stages[-1]
        if final == Stage.HIRED:
            hired[post.pk] = hired.get(post.pk, 0) + 1
        applications.append(
            Application(
                post=post,
                seeker=seeker,
                stage=final,
                applied_at=applied,
                updated_at=moments[-1],
                hired_at=moments[-1] if final == Stage.HIRED else None,
            )
        )
        changes.append(list(zip(stages, moments, strict=True)))
    Application.objects.bulk_create(applications)
    StageChange.objects.bulk_create(
        StageChange(
            application=application,
            stage=stage,
            changed_at=moment,
            changed_by=None if stage == Stage.APPLIED else login,
        )
        for application, history in zip(applications, changes, strict=True)
        for stage, moment in history
    )
    result.applications = len(applications)
    result.hires = sum(hired.values())
    resident = User.objects.filter(username="resident").first()
    if resident is None or not Person.objects.filter(user=resident).exists():
        return
    services.seeker_save(
        actor=resident,
        region=DEMO_COUNTY,
        available_from=clock.today(),
        occupation=posts[0].occupation_id,
        skills="电工证 设备维修",
        expected_salary=posts[0].salary_min,
    )
    application = services.job_apply(actor=resident, job_id=posts[0].pk, note="可以马上到岗")
    services.application_move(actor=login, application_id=application.pk, stage=Stage.SHORTLISTED)
    result.seekers += 1
    result.applications += 1
