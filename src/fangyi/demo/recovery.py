"""The demo's economic recovery of February–March 2020: enterprise resumption and volunteers.

Resumption: an industrial park in each prefecture (隆平高科技园 in 芙蓉区 among them) and
enterprises in every county, more in Changsha, with valid unified social credit codes, their
industries, size and key projects; a liaison stationed at each large enterprise and a group of
three in each park; prevention plans checked, applications approved by the counties, and the daily
resumption from 10 February (after the province's delayed reopening) to 31 March: large
enterprises and key projects first, hotels and catering last, staff returning behind the
reopening; the problems the enterprises raised (labour, funding, materials, logistics, policy)
with their event logs, most solved within their SLA, some escalated; the catalogue of support
policies with applications and their outcome.

Today, in 芙蓉区: the liaison login stationed at five enterprises and in the park's group; the
employer login's enterprise in 隆平高科技园 with its employees, today's health report and open
problems (one waiting on the enterprise, one overdue and escalated by the daily check).

Volunteers: residents of every prefecture registered as volunteers with skills, languages and
availability, counsellors with verified qualifications; the missions of February–March (checkpoint
duty, community errands, deliveries, hotline shifts) with sign-ups, approved hours and service
certificates, the hotline's anonymous session logs. Today, in 文艺路街道: open missions for
tomorrow, the resident login registered as a volunteer and assigned to today's errands, and this
week's hotline rota with a gap.

The archive is written in bulk, as an import of the 2020 records would be; today's records go
through the services with the clock set to their moments. It runs once: a second run finds the
parks and adds nothing.
"""

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import clock
from fangyi.core.validators import CREDIT_CODE_CHARS, credit_code_check_char
from fangyi.demo.services import weighted_counties
from fangyi.healthpass.choices import Colour
from fangyi.healthpass.selectors import colour_state_of
from fangyi.people.models import Person
from fangyi.resumption import policies, services, tickets
from fangyi.resumption.choices import (
    ApplicationStatus,
    Industry,
    PlanItem,
    PolicyApplicationStatus,
    PolicyKind,
    ResumptionStatus,
    TicketCategory,
    TicketEventKind,
    TicketLevel,
    TicketPriority,
    TicketStatus,
)
from fangyi.resumption.models import (
    Employee,
    Enterprise,
    LiaisonAssignment,
    Park,
    PolicyApplication,
    PreventionPlan,
    ProblemTicket,
    ResumptionApplication,
    ResumptionDay,
    TicketEvent,
)
from fangyi.volunteers import services as volunteer_services
from fangyi.volunteers.choices import (
    Availability,
    CallerGroup,
    CounsellingRisk,
    CounsellingTopic,
    HoursStatus,
    Language,
    MissionKind,
    MissionStatus,
    Qualification,
    SignUpStatus,
    Skill,
)
from fangyi.volunteers.models import (
    Certificate,
    CounsellingSession,
    HotlineShift,
    HoursRecord,
    Mission,
    SignUp,
    Volunteer,
)
from fangyi.volunteers.services import SERIAL_ALPHABET

ProgressCallback = Callable[[int, int, str], None]

REOPENING = dt.date(2020, 2, 10)  # Hunan's enterprises reopened no earlier than 10 February
LAST_DAY = dt.date(2020, 3, 31)
DEMO_COUNTY = "430102"
DEMO_PARK = "隆平高科技园"
# One park per prefecture: (prefecture, county it lies in, name).
PARKS = (
    ("4301", "430102", DEMO_PARK),
    ("4301", "430121", "长沙经济技术开发区"),
    ("4302", "430211", "株洲高新技术产业开发区"),
    ("4303", "430302", "湘潭经济技术开发区"),
    ("4304", "430408", "衡阳高新技术产业开发区"),
    ("4305", "430502", "邵阳经济开发区"),
    ("4306", "430602", "岳阳经济技术开发区"),
    ("4307", "430702", "常德经济技术开发区"),
    ("4308", "430802", "张家界经济开发区"),
    ("4309", "430902", "益阳高新技术产业开发区"),
    ("4310", "431002", "郴州高新技术产业开发区"),
    ("4311", "431103", "永州经济技术开发区"),
    ("4312", "431202", "怀化高新技术产业开发区"),
    ("4313", "431302", "娄底经济技术开发区"),
    ("4331", "433101", "湘西经济开发区"),
)
# Industry: (share of enterprises, share above designated size, mean days after 10 February to reopen).
INDUSTRIES = {
    Industry.MANUFACTURING: (0.30, 0.45, 5),
    Industry.AGRICULTURE: (0.12, 0.25, 4),
    Industry.CONSTRUCTION: (0.10, 0.35, 8),
    Industry.ENERGY: (0.04, 0.80, 1),
    Industry.LOGISTICS: (0.08, 0.30, 4),
    Industry.RETAIL: (0.14, 0.15, 7),
    Industry.CATERING: (0.08, 0.10, 16),
    Industry.IT: (0.06, 0.25, 6),
    Industry.SERVICES: (0.06, 0.15, 9),
    Industry.OTHER: (0.02, 0.10, 10),
}
NAME_WORDS = (
    "华盛", "远航", "湘江", "恒达", "新锐", "金桥", "盛世", "宏图", "天成", "瑞丰", "中南", "长青",
    "博远", "德润", "顺通", "凯旋", "兴湘", "富民", "鑫源", "麓山", "星沙", "洞庭", "雪峰", "芙蓉",
)  # fmt: skip
NAME_SUFFIX = {
    Industry.MANUFACTURING: ("机械制造", "电子科技", "新材料", "汽车零部件", "医疗器械"),
    Industry.AGRICULTURE: ("农业开发", "生态农业", "粮油", "茶业", "畜牧"),
    Industry.CONSTRUCTION: ("建设工程", "路桥", "建筑安装"),
    Industry.ENERGY: ("电力", "燃气", "新能源"),
    Industry.LOGISTICS: ("物流", "供应链", "运输"),
    Industry.RETAIL: ("商贸", "超市", "百货"),
    Industry.CATERING: ("餐饮管理", "酒店", "食品"),
    Industry.IT: ("信息技术", "软件", "网络科技"),
    Industry.SERVICES: ("商务服务", "人力资源", "物业管理"),
    Industry.OTHER: ("文化传媒", "实业"),
}
TICKET_TITLES = {
    TicketCategory.LABOUR: ("返岗员工不足，急需{n}名普工", "外省员工无法返湘", "技术工人短缺"),
    TicketCategory.FUNDING: ("流动资金紧张，申请贷款贴息", "应收账款回笼困难", "社保缓缴申请"),
    TicketCategory.MATERIALS: ("原材料库存仅够{n}天", "上游零部件供应中断", "口罩、消毒液不足"),
    TicketCategory.LOGISTICS: ("货车通行证办理", "成品无法发往外省", "物流园区未开放"),
    TicketCategory.POLICY: ("复工审批材料咨询", "稳岗返还政策咨询", "电费减免如何申请"),
    TicketCategory.OTHER: ("员工食堂分餐改造", "宿舍隔离房间不足"),
}
# Priority mix of the archive's problems, and the working days it took to solve them (mean).
PRIORITY_MIX = (
    (TicketPriority.URGENT, 0.1),
    (TicketPriority.HIGH, 0.3),
    (TicketPriority.NORMAL, 0.5),
    (TicketPriority.LOW, 0.1),
)


@dataclasses.dataclass
class RecoveryResult:
    skipped: bool = False
    parks: int = 0
    enterprises: int = 0
    liaisons: int = 0
    resumption_days: int = 0
    tickets: int = 0
    policies: int = 0
    volunteers: int = 0
    missions: int = 0
    hours: int = 0


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)


@contextmanager
def _on(moment: dt.datetime) -> Iterator[None]:
    with clock.frozen_at(moment):
        yield


def credit_code(region: str, rng: random.Random) -> str:
    """A valid unified social credit code of an enterprise registered by the market regulator (9)
    as a company (1) in `region`."""
    body = "91" + region[:6].ljust(6, "0") + "".join(rng.choice(CREDIT_CODE_CHARS) for _ in range(9))
    return body + credit_code_check_char(body)


def recovery_seed(
    *,
    admin: User,
    seed: int,
    enterprises: int = 2000,
    progress: ProgressCallback | None = None,
) -> RecoveryResult:
    """Write the scenario once (see the module docstring); a second call adds nothing."""
    result = RecoveryResult()
    if Park.objects.filter(name=DEMO_PARK).exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    steps = 6

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, steps, label)

    with transaction.atomic():
        step(0, "enterprises")
        parks = _parks(result)
        firms = _enterprises(parks, enterprises, rng, result)
        liaisons = _liaisons(firms, parks, result)
        step(1, "resumption")
        _resumption_2020(firms, liaisons, rng, result)
        step(2, "problems")
        _tickets_2020(firms, rng, result)
        tickets.tickets_evaluate_all(now=_at(LAST_DAY, 23))
        step(3, "policies")
        _policies(admin, firms, rng, result)
        step(4, "today")
        _today(admin, parks, rng, result)
        step(5, "volunteers")
        volunteers = _volunteers_2020(admin, rng, result)
        _volunteers_today(admin, volunteers)
        step(steps, "done")
    return result


# Enterprises -------------------------------------------------------------------------------------


def _parks(result: RecoveryResult) -> dict[str, Park]:
    parks = Park.objects.bulk_create([Park(name=name, region_id=county) for _p, county, name in PARKS])
    result.parks = len(parks)
    return {park.region_id: park for park in parks}


def _enterprises(
    parks: dict[str, Park], count: int, rng: random.Random, result: RecoveryResult
) -> list[Enterprise]:
    """`count` enterprises spread over the counties by population, each county with at least two."""
    counties = weighted_counties()
    total = sum(weight for _county, _city, weight in counties)
    industries = list(INDUSTRIES)
    shares = [INDUSTRIES[industry][0] for industry in industries]
    codes: set[str] = set()
    firms = []
    for county, city, weight in counties:
        for _ in range(max(2, round(count * weight / total))):
            industry = rng.choices(industries, shares)[0]
            large = rng.random() < INDUSTRIES[industry][1]
            code = credit_code(county, rng)
            while code in codes:
                code = credit_code(county, rng)
            codes.add(code)
            park = (
                parks.get(county)
                if industry in (Industry.MANUFACTURING, Industry.IT) and rng.random() < 0.6
                else None
            )
            firms.append(
                Enterprise(
                    credit_code=code,
                    name=f"{city}{rng.choice(NAME_WORDS)}{rng.choice(NAME_SUFFIX[industry])}有限公司",
                    industry=industry,
                    large_scale=large,
                    key_project=large
                    and industry in (Industry.CONSTRUCTION, Industry.ENERGY, Industry.MANUFACTURING)
                    and rng.random() < 0.3,
                    region_id=county,
                    park=park,
                    workforce=rng.randint(300, 3000) if large else rng.randint(8, 200),
                    created_at=_at(dt.date(2020, 2, 3), 9),
                )
            )
    firms = Enterprise.objects.bulk_create(firms, batch_size=2000)
    result.enterprises = len(firms)
    return firms


def _liaisons(firms: list[Enterprise], parks: dict[str, Park], result: RecoveryResult) -> dict[int, User]:
    """A liaison of the county stationed at each large enterprise and three in each park's group
    (logins that cannot sign in: the demo signs in as the `liaison` login only)."""
    large = [firm for firm in firms if firm.large_scale and firm.park_id is None]
    users = []
    for n, firm in enumerate(large, start=1):
        users.append(User(username=f"liaison-{firm.region_id}-{n}", display_name=f"驻企联络员{n}"))
    for park in parks.values():
        for n in range(1, 4):
            users.append(User(username=f"liaison-park-{park.pk}-{n}", display_name=f"{park.name}联络员{n}"))
    for user in users:
        user.set_unusable_password()
    users = User.objects.bulk_create(users, batch_size=2000)
    by_user = {user.username: user for user in users}
    roles, stations = [], []
    at = _at(dt.date(2020, 2, 5), 9)
    stationed: dict[int, User] = {}
    for n, firm in enumerate(large, start=1):
        user = by_user[f"liaison-{firm.region_id}-{n}"]
        roles.append(RoleAssignment(user=user, role=Role.ENTERPRISE_LIAISON, region_id=firm.region_id))
        stations.append(LiaisonAssignment(liaison=user, enterprise=firm, assigned_at=at))
        stationed[firm.pk] = user
    for park in parks.values():
        group = [by_user[f"liaison-park-{park.pk}-{n}"] for n in range(1, 4)]
        for user in group:
            roles.append(RoleAssignment(user=user, role=Role.ENTERPRISE_LIAISON, region_id=park.region_id))
            stations.append(LiaisonAssignment(liaison=user, park=park, assigned_at=at))
        for firm in firms:
            if firm.park_id == park.pk:
                stationed[firm.pk] = group[firm.pk % 3]
    RoleAssignment.objects.bulk_create(roles, batch_size=2000)
    LiaisonAssignment.objects.bulk_create(stations, batch_size=2000)
    result.liaisons = len(users)
    return stationed


def _reopening(firm: Enterprise, rng: random.Random) -> dt.date | None:
    """When the enterprise reopened (None: not by the end of March). Large enterprises and key
    projects went first (every key project by 10 March), hotels and catering last."""
    mean = INDUSTRIES[Industry(firm.industry)][2] * (0.6 if firm.large_scale else 1.2)
    if (firm.industry == Industry.CATERING and rng.random() < 0.08) or rng.random() < 0.008:
        return None
    day = REOPENING + dt.timedelta(days=round(rng.expovariate(1 / mean)))
    if firm.key_project:
        day = min(day, dt.date(2020, 3, 10))
    return day if day <= LAST_DAY else None


def _resumption_2020(
    firms: list[Enterprise], stationed: dict[int, User], rng: random.Random, result: RecoveryResult
) -> None:
    """Plans, approved applications and the daily series of each enterprise that reopened: partly
    at first with half its staff or so, fully some days later, staff coming back behind."""
    plans, applications, days = [], [], []
    every_item = list(PlanItem.values)
    for firm in firms:
        reopened = _reopening(firm, rng)
        liaison = stationed.get(firm.pk)
        if reopened is None:
            plans.append(PreventionPlan(enterprise=firm, items=every_item[:5], updated_at=_at(REOPENING, 9)))
            continue
        submitted = _at(reopened - dt.timedelta(days=rng.randint(2, 4)), rng.randint(8, 17))
        plans.append(
            PreventionPlan(
                enterprise=firm,
                items=every_item,
                updated_at=submitted - dt.timedelta(hours=20),
                checked_at=submitted - dt.timedelta(hours=2),
                checked_by=liaison,
            )
        )
        applications.append(
            ResumptionApplication(
                enterprise=firm,
                planned_date=reopened,
                workforce_planned=max(1, firm.workforce // 2),
                plan_items=every_item,
                submitted_at=submitted,
                status=ApplicationStatus.APPROVED,
                decided_at=submitted + dt.timedelta(hours=rng.randint(3, 30)),
            )
        )
        fully = reopened + dt.timedelta(days=rng.randint(5, 30))
        first_share, last_share = rng.uniform(0.3, 0.6), rng.uniform(0.85, 0.98)
        day = reopened
        while day <= LAST_DAY:
            progress = min(1.0, (day - reopened).days / max(1, (fully - reopened).days))
            share = first_share + (last_share - first_share) * math.sqrt(progress)
            status = ResumptionStatus.FULLY if day >= fully else ResumptionStatus.PARTLY
            returned = min(firm.workforce, round(firm.workforce * share))
            days.append(
                ResumptionDay(
                    enterprise=firm, date=day, status=status, workforce=firm.workforce, returned=returned
                )
            )
            firm.status, firm.staff_returned, firm.status_date = status, returned, day
            day += dt.timedelta(days=2 if day < fully else 5)
    PreventionPlan.objects.bulk_create(plans, batch_size=2000)
    ResumptionApplication.objects.bulk_create(applications, batch_size=2000)
    ResumptionDay.objects.bulk_create(days, batch_size=5000)
    Enterprise.objects.bulk_update(
        [firm for firm in firms if firm.status_date],
        ["status", "staff_returned", "status_date"],
        batch_size=2000,
    )
    result.resumption_days = len(days)


def _working_hours_later(start: dt.datetime, days: float) -> dt.datetime:
    """`days` working days after `start`, skipping weekends (the archive's rough clock; the SLA
    evaluation afterwards uses the real calendar)."""
    moment = start
    remaining = days
    while remaining > 0:
        step = min(1.0, remaining)
        moment += dt.timedelta(days=step)
        if moment.weekday() < 5:
            remaining -= step
    return moment


def _tickets_2020(firms: list[Enterprise], rng: random.Random, result: RecoveryResult) -> None:
    """About two problems per reopened enterprise: most solved within their SLA and rated, some
    waiting on the enterprise for a while, some escalated to the prefecture and a few to the
    provincial policy group."""
    opened = [firm for firm in firms if firm.status_date]
    priorities = [priority for priority, _share in PRIORITY_MIX]
    weights = [share for _priority, share in PRIORITY_MIX]
    categories = list(TICKET_TITLES)
    category_weights = [0.3, 0.2, 0.2, 0.15, 0.1, 0.05]
    tickets_rows, events = [], []
    for firm in opened:
        for _ in range(rng.choice((0, 1, 2, 2, 3, 4))):
            category = rng.choices(categories, category_weights)[0]
            priority = rng.choices(priorities, weights)[0]
            start = _at(
                REOPENING + dt.timedelta(days=rng.randint(-3, 44)), rng.randint(8, 18), rng.randint(0, 59)
            )
            target = {"urgent": 1, "high": 3, "normal": 5, "low": 10}[priority]
            took = target * rng.uniform(0.2, 0.95) if rng.random() < 0.9 else target * rng.uniform(1.05, 2.0)
            ticket = ProblemTicket(
                enterprise=firm,
                category=category,
                priority=priority,
                title=rng.choice(TICKET_TITLES[category]).format(n=rng.choice((3, 5, 7, 20, 50, 120))),
                description="企业通过驻企联络员反映。",
                opened_at=start,
                status=TicketStatus.CLOSED,
            )
            log: list[tuple[str, dt.datetime, str, str]] = [
                (TicketEventKind.OPENED, start, TicketLevel.COUNTY, "")
            ]
            moment = start
            if rng.random() < 0.2:
                waited = _working_hours_later(moment, took * 0.3)
                log.append((TicketEventKind.WAITING, waited, "", "请企业补充材料"))
                moment = waited + dt.timedelta(days=rng.uniform(0.5, 3))
                log.append((TicketEventKind.RESUMED, moment, "", "企业已补充"))
            level = TicketLevel.COUNTY
            if took > target or rng.random() < 0.05:
                level = TicketLevel.PREFECTURE if rng.random() < 0.85 else TicketLevel.PROVINCE
                log.append(
                    (
                        TicketEventKind.ESCALATED,
                        _working_hours_later(start, target * 0.8),
                        level,
                        "县级无法协调",
                    )
                )
            resolved = _working_hours_later(moment, took)
            log.append((TicketEventKind.RESOLVED, resolved, "", "已协调解决"))
            closed = rng.random() < 0.85
            if closed:
                log.append(
                    (TicketEventKind.CLOSED, resolved + dt.timedelta(hours=rng.randint(2, 48)), "", "")
                )
            ticket.level = level
            ticket.status = TicketStatus.CLOSED if closed else TicketStatus.RESOLVED
            ticket.resolution = "已协调解决"
            ticket.resolved_at = resolved
            ticket.satisfaction = rng.choices((3, 4, 5), (0.1, 0.3, 0.6))[0] if closed else None
            tickets_rows.append((ticket, log))
    created = ProblemTicket.objects.bulk_create([ticket for ticket, _log in tickets_rows], batch_size=2000)
    for ticket, (_same, log) in zip(created, tickets_rows, strict=True):
        for kind, at, step_level, note in log:
            events.append(TicketEvent(ticket=ticket, kind=kind, at=at, level=step_level, note=note))
    TicketEvent.objects.bulk_create(events, batch_size=5000)
    result.tickets = len(created)


# Volunteers --------------------------------------------------------------------------------------

VOLUNTEER_SHARE = 0.08  # of the demo's residents
DEMO_COUNTY_SHARE = 0.3  # in 芙蓉区, where the demo logins work
COUNSELLORS = 40
ORGANISATIONS = ("共青团志愿服务队", "党员先锋志愿队", "红十字志愿服务队", "社区志愿服务队", "巾帼志愿服务队")
COUNSELLOR_ORGANISATIONS = ("湖南省心理卫生协会", "湖南省脑科医院心理援助队", "中南大学湘雅二医院心理科")
HOTLINE = "文艺路街道心理援助热线"
# The township of the `volunteers` coordinator login (文艺路街道, 芙蓉区), where the hotline runs.
DEMO_TOWNSHIP = "430102001"
ERRANDS = ("为居家观察家庭代购生活物资", "社区出入口体温检测与登记", "孤寡老人送药上门", "小区消毒消杀")
HOTLINE_BLOCKS = (8, 12, 16, 20)  # the hotline's four-hour shifts, 08:00–24:00


def _volunteers_2020(admin: User, rng: random.Random, result: RecoveryResult) -> list[Volunteer]:
    """Residents registered as volunteers in their township, counsellors among them; the weekly
    missions of February–March in the counties with volunteers, their sign-ups and approved hours;
    the hotline's shifts with their anonymous session logs; a certificate for everyone who served."""
    people = list(Person.objects.order_by("pk").values_list("pk", "home_region_id", "user_id"))
    chosen = [
        row
        for row in people
        if row[2] is not None
        or rng.random() < (DEMO_COUNTY_SHARE if row[1].startswith(DEMO_COUNTY) else VOLUNTEER_SHARE)
    ]
    volunteers = []
    for n, (person_id, home, _user) in enumerate(chosen):
        counsellor = (
            n % max(1, len(chosen) // COUNSELLORS) == 0
            and n // max(1, len(chosen) // COUNSELLORS) < COUNSELLORS
        )
        skills = rng.sample(list(Skill.values), rng.randint(1, 3))
        if counsellor and Skill.COUNSELLING not in skills:
            skills.append(Skill.COUNSELLING)
        volunteers.append(
            Volunteer(
                person_id=person_id,
                region_id=home[:9],
                organisation=rng.choice(COUNSELLOR_ORGANISATIONS if counsellor else ORGANISATIONS),
                skills=skills,
                languages=[Language.MANDARIN] + ([Language.XIANG] if rng.random() < 0.6 else []),
                availability=rng.sample(list(Availability.values), rng.randint(1, 2)),
                qualification=rng.choice(list(Qualification.values)) if counsellor else "",
                qualification_number=f"{rng.randint(10**9, 10**10 - 1)}" if counsellor else "",
                qualification_verified_at=_at(dt.date(2020, 1, 30), 10) if counsellor else None,
                qualification_verified_by=admin if counsellor else None,
                registered_at=_at(dt.date(2020, 1, 27) + dt.timedelta(days=rng.randint(0, 10)), 9),
            )
        )
    volunteers = Volunteer.objects.bulk_create(volunteers, batch_size=2000)
    result.volunteers = len(volunteers)
    _missions_2020(admin, volunteers, rng, result)
    _hotline_2020(admin, [v for v in volunteers if v.qualification], rng)
    return volunteers


def _missions_2020(
    admin: User, volunteers: list[Volunteer], rng: random.Random, result: RecoveryResult
) -> None:
    by_county: dict[str, list[Volunteer]] = {}
    for volunteer in volunteers:
        by_county.setdefault(volunteer.region_id[:6], []).append(volunteer)
    missions, plans = [], []
    for county, members in sorted(by_county.items()):
        if len(members) < 3:
            continue
        for week in range(8):
            day = dt.date(2020, 2, 3) + dt.timedelta(days=7 * week + rng.randint(0, 4))
            kind = rng.choice(
                (MissionKind.CHECKPOINT, MissionKind.ERRANDS, MissionKind.ERRANDS, MissionKind.DELIVERY)
            )
            start = _at(day, rng.choice((8, 9, 14)))
            slots = min(len(members), rng.randint(2, 5))
            missions.append(
                Mission(
                    kind=kind,
                    title=rng.choice(ERRANDS)
                    if kind == MissionKind.ERRANDS
                    else str(MissionKind(kind).label),
                    region_id=county,
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=4),
                    slots=slots,
                    status=MissionStatus.CLOSED,
                    organiser=admin,
                    created_at=start - dt.timedelta(days=2),
                )
            )
            plans.append(rng.sample(members, slots))
    missions = Mission.objects.bulk_create(missions, batch_size=2000)
    signups = []
    for mission, members in zip(missions, plans, strict=True):
        for volunteer in members:
            signups.append(
                SignUp(
                    mission=mission,
                    volunteer=volunteer,
                    status=SignUpStatus.ASSIGNED,
                    created_at=mission.created_at,
                    decided_at=mission.created_at + dt.timedelta(hours=3),
                    decided_by=admin,
                )
            )
    signups = SignUp.objects.bulk_create(signups, batch_size=5000)
    missions_by_id = {mission.pk: mission for mission in missions}
    hours = []
    for signup in signups:
        mission = missions_by_id[signup.mission_id]
        check_in = mission.starts_at + dt.timedelta(minutes=rng.randint(-10, 15))
        check_out = mission.ends_at + dt.timedelta(minutes=rng.randint(-20, 30))
        hours.append(
            HoursRecord(
                signup=signup,
                volunteer_id=signup.volunteer_id,
                check_in_at=check_in,
                check_out_at=check_out,
                minutes=int((check_out - check_in).total_seconds() // 60),
                status=HoursStatus.APPROVED,
                decided_at=check_out + dt.timedelta(hours=5),
                decided_by=admin,
            )
        )
    HoursRecord.objects.bulk_create(hours, batch_size=5000)
    result.missions = len(missions)
    result.hours = len(hours)
    _certificates_2020(admin, hours, missions_by_id, signups, rng)


def _certificates_2020(
    admin: User,
    hours: list[HoursRecord],
    missions: dict[int, Mission],
    signups: list[SignUp],
    rng: random.Random,
) -> None:
    """A service certificate on 1 April for every volunteer who served (all their approved hours)."""
    mission_of = {signup.pk: missions[signup.mission_id] for signup in signups}
    served: dict[int, list[HoursRecord]] = {}
    for record in hours:
        served.setdefault(record.volunteer_id, []).append(record)
    issued = _at(dt.date(2020, 4, 1), 10)
    certificates = []
    for volunteer_id, records in sorted(served.items()):
        minutes = sum(record.minutes or 0 for record in records)
        days = [record.check_in_at.astimezone(clock.SHANGHAI).date() for record in records]
        certificates.append(
            Certificate(
                serial="VC20200401" + "".join(rng.choice(SERIAL_ALPHABET) for _ in range(8)),
                volunteer_id=volunteer_id,
                hours=Decimal(minutes) / 60,
                missions=len({mission_of[record.signup_id].pk for record in records}),
                first_day=min(days),
                last_day=max(days),
                issued_at=issued,
                issued_by=admin,
            )
        )
    Certificate.objects.bulk_create(certificates, batch_size=2000)


def _hotline_2020(admin: User, counsellors: list[Volunteer], rng: random.Random) -> None:
    """The hotline from 1 February to 31 March, four shifts a day, and what the calls were about
    (groups and topics only: nobody who called is recorded)."""
    shifts = []
    day = dt.date(2020, 2, 1)
    while day <= LAST_DAY:
        for hour in HOTLINE_BLOCKS:
            start = _at(day, hour)
            shifts.append(
                HotlineShift(
                    line=HOTLINE,
                    region_id=DEMO_TOWNSHIP,
                    counsellor=rng.choice(counsellors),
                    starts_at=start,
                    ends_at=start + dt.timedelta(hours=4),
                    scheduled_by=admin,
                )
            )
        day += dt.timedelta(days=1)
    shifts = HotlineShift.objects.bulk_create(shifts, batch_size=2000)
    groups, topics = list(CallerGroup.values), list(CounsellingTopic.values)
    sessions = []
    for shift in shifts:
        calls = rng.randint(2, 8) if shift.starts_at.date() < dt.date(2020, 3, 1) else rng.randint(0, 4)
        for _ in range(calls):
            started = shift.starts_at + dt.timedelta(minutes=rng.randint(0, 200))
            sessions.append(
                CounsellingSession(
                    shift=shift,
                    started_at=started,
                    minutes=rng.randint(8, 40),
                    caller_group=rng.choice(groups),
                    topic=rng.choices(topics, (0.35, 0.25, 0.05, 0.1, 0.1, 0.1, 0.05))[0],
                    risk=rng.choices(list(CounsellingRisk.values), (0.85, 0.13, 0.02))[0],
                    logged_at=started + dt.timedelta(minutes=45),
                )
            )
    CounsellingSession.objects.bulk_create(sessions, batch_size=5000)


# Policies ----------------------------------------------------------------------------------------

# code, title, kind, issuer, rules, summary (the support measures of early 2020, in short).
POLICIES: tuple[tuple[str, str, str, str, dict[str, Any], str], ...] = (
    ("hn-2020-sme-insurance", "中小微企业阶段性免征社会保险单位缴费", PolicyKind.SOCIAL_INSURANCE, "43",
     {"small_only": True}, "2020 年 2 月至 6 月免征中小微企业养老、失业、工伤保险单位缴费。"),
    ("hn-2020-large-insurance", "大型企业社会保险单位缴费减半征收", PolicyKind.SOCIAL_INSURANCE, "43",
     {"large_scale_only": True}, "2020 年 2 月至 4 月大型企业养老、失业、工伤保险单位缴费减半征收。"),
    ("hn-2020-tax-deferral", "受疫情影响企业延期缴纳税款", PolicyKind.TAX, "43",
     {}, "因疫情影响缴纳税款确有困难的企业，可依法申请延期缴纳，最长不超过 3 个月。"),
    ("hn-2020-loan-interest", "疫情防控重点保障企业贷款贴息", PolicyKind.LOAN, "43",
     {"industries": [Industry.MANUFACTURING, Industry.LOGISTICS, Industry.AGRICULTURE]},
     "对防疫物资生产、运输和生活必需品保供企业的新增贷款，按实际利率的 50% 给予贴息。"),
    ("hn-2020-job-retention", "失业保险稳岗返还", PolicyKind.SUBSIDY, "43",
     {}, "不裁员或少裁员的参保企业，返还其上年度实际缴纳失业保险费的 50%，中小微企业可提高至 100%。"),
    ("hn-2020-rent-relief", "国有经营用房租金减免", PolicyKind.RENT, "43",
     {"small_only": True},
     "承租国有资产类经营用房的中小微企业，免收 2 月、3 月租金，减半收取 4 月至 6 月租金。"),
    ("hn-2020-electricity", "非高耗能企业电费按 95% 结算", PolicyKind.OTHER, "43",
     {"industries": [
         Industry.MANUFACTURING, Industry.IT, Industry.SERVICES, Industry.RETAIL, Industry.CATERING
     ]},
     "2020 年 2 月至 6 月，除高耗能行业外的工商业用户电费按原到户电价的 95% 结算。"),
    ("hn-2020-key-project-loan", "重点项目复工专项贷款", PolicyKind.LOAN, "43",
     {"key_project_only": True}, "省重点建设项目复工复产所需资金，由政策性银行专项贷款支持。"),
    ("cs-2020-return-bus", "长沙市员工返岗包车补贴", PolicyKind.SUBSIDY, "4301",
     {"industries": [Industry.MANUFACTURING, Industry.CONSTRUCTION]},
     "企业组织包车接回外地员工返岗的，按实际费用的 50% 给予补贴。"),
    ("cs-2020-small-catering", "长沙市小微餐饮企业防疫补贴", PolicyKind.SUBSIDY, "4301",
     {"industries": [Industry.CATERING], "max_workforce": 50},
     "50 人以下餐饮企业复工购置防疫物资，给予一次性补贴。"),
)  # fmt: skip


def _policies(admin: User, firms: list[Enterprise], rng: random.Random, result: RecoveryResult) -> None:
    """The catalogue, and applications of the reopened enterprises to what fits them: most granted
    within two weeks, a few refused."""
    catalogue = []
    with _on(_at(dt.date(2020, 2, 8), 10)):
        for code, title, kind, issuer, rules, summary in POLICIES:
            catalogue.append(
                policies.policy_create(
                    actor=admin,
                    code=code,
                    title=title,
                    kind=kind,
                    summary=summary,
                    issuer=issuer,
                    valid_from=dt.date(2020, 2, 1),
                    valid_until=dt.date(2020, 12, 31),
                    **rules,
                )
            )
    applications = []
    for firm in firms:
        if not firm.status_date or rng.random() < 0.6:
            continue
        fitting = [
            policy
            for policy in catalogue
            if not policies.policy_eligibility(policy, firm, firm.status_date)[1]
        ]
        for policy in rng.sample(fitting, min(len(fitting), rng.randint(1, 2))):
            submitted = _at(firm.status_date - dt.timedelta(days=rng.randint(0, 20)), rng.randint(9, 17))
            granted = rng.random() < 0.9
            applications.append(
                PolicyApplication(
                    policy=policy,
                    enterprise=firm,
                    submitted_at=submitted,
                    status=PolicyApplicationStatus.GRANTED if granted else PolicyApplicationStatus.REFUSED,
                    decided_at=submitted + dt.timedelta(days=rng.randint(2, 14)),
                    decided_by=admin,
                    outcome_note="" if granted else "材料不全，请补充后重新申请",
                )
            )
    PolicyApplication.objects.bulk_create(applications, batch_size=2000)
    result.policies = len(catalogue)


# Today in 芙蓉区 ---------------------------------------------------------------------------------

EMPLOYER_FIRM = "长沙稻香生物科技有限公司"
WAITING_FIRM = "长沙湘绣文创有限公司"


def _today(admin: User, parks: dict[str, Park], rng: random.Random, result: RecoveryResult) -> None:
    """The employer login's enterprise in 隆平高科技园, reopened this week with its employees'
    health report today and three problems open; another enterprise's application waiting for
    the county; the liaison login stationed at both, four more enterprises and the park's group."""
    employer = User.objects.get(username="employer")
    liaison = User.objects.get(username="liaison")
    today = clock.today()

    def at(days_ago: int, hour: int) -> dt.datetime:
        return _at(today - dt.timedelta(days=days_ago), hour)

    with _on(at(10, 9)):
        firm = services.enterprise_register(
            actor=admin,
            credit_code=credit_code(DEMO_COUNTY, rng),
            name=EMPLOYER_FIRM,
            industry=Industry.MANUFACTURING,
            region=DEMO_COUNTY,
            large_scale=True,
            park_id=parks[DEMO_COUNTY].pk,
            workforce=0,
        )
        firm.accounts.add(employer)
        waiting = services.enterprise_register(
            actor=admin,
            credit_code=credit_code(DEMO_COUNTY, rng),
            name=WAITING_FIRM,
            industry=Industry.RETAIL,
            region=DEMO_COUNTY,
            workforce=35,
        )
        services.liaison_assign(actor=admin, liaison_id=liaison.pk, park_id=parks[DEMO_COUNTY].pk)
        services.liaison_assign(actor=admin, liaison_id=liaison.pk, enterprise_id=waiting.pk)
        for other in Enterprise.objects.filter(
            region_id=DEMO_COUNTY, park__isnull=True, large_scale=False
        ).exclude(pk=waiting.pk)[:4]:
            services.liaison_assign(actor=admin, liaison_id=liaison.pk, enterprise_id=other.pk)
    staff = list(
        Person.objects.filter(home_region__code__startswith=DEMO_COUNTY, user__isnull=True).order_by("pk")[
            :12
        ]
    )
    Employee.objects.bulk_create(
        [Employee(enterprise=firm, person=person, added_at=at(10, 10)) for person in staff]
    )
    Enterprise.objects.filter(pk=firm.pk).update(workforce=len(staff))
    with _on(at(7, 10)):
        services.plan_update(actor=employer, enterprise_id=firm.pk, items=list(PlanItem.values))
        services.plan_update(actor=liaison, enterprise_id=waiting.pk, items=list(PlanItem.values))
    with _on(at(6, 15)):
        services.plan_check(actor=liaison, enterprise_id=firm.pk)
    with _on(at(6, 16)):
        application = services.resumption_apply(
            actor=employer,
            enterprise_id=firm.pk,
            planned_date=today - dt.timedelta(days=4),
            workforce_planned=8,
        )
    with _on(at(5, 11)):
        services.resumption_decide(actor=admin, application_id=application.pk, approve=True)
    for days_ago, returned in ((4, 6), (3, 7), (2, 8), (1, 9)):
        with _on(at(days_ago, 18)):
            services.resumption_report(
                actor=employer,
                enterprise_id=firm.pk,
                date=today - dt.timedelta(days=days_ago),
                status="partly",
                returned=returned,
            )
    with _on(at(0, 9)):
        lines = []
        for n, employee in enumerate(Employee.objects.filter(enterprise=firm).select_related("person")):
            state = colour_state_of(employee.person)
            green = state is None or state.colour == Colour.GREEN
            lines.append(
                {
                    "employee_id": employee.pk,
                    "temperature": Decimal("36.4") + Decimal(n % 5) / 10,
                    "symptoms": False,
                    "on_site": green and n < 10,
                }
            )
        services.health_report_submit(actor=employer, enterprise_id=firm.pk, date=today, lines=lines)
    with _on(at(1, 10)):
        services.plan_check(actor=liaison, enterprise_id=waiting.pk)
        services.resumption_apply(
            actor=liaison,
            enterprise_id=waiting.pk,
            planned_date=today + dt.timedelta(days=2),
            workforce_planned=20,
        )
    _tickets_today(employer, admin, firm, at)


def _tickets_today(
    employer: User, admin: User, firm: Enterprise, at: Callable[[int, int], dt.datetime]
) -> None:
    """An overdue problem (escalated to the prefecture by today's check), one waiting on the
    enterprise, and an urgent one opened this morning."""
    with _on(at(9, 10)):
        tickets.ticket_open(
            actor=employer,
            enterprise_id=firm.pk,
            category=TicketCategory.LOGISTICS,
            priority=TicketPriority.NORMAL,
            title="成品无法发往外省",
            description="物流园区尚未恢复外省线路，成品积压。",
        )
    with _on(at(2, 14)):
        labour = tickets.ticket_open(
            actor=employer,
            enterprise_id=firm.pk,
            category=TicketCategory.LABOUR,
            priority=TicketPriority.HIGH,
            title="急需 20 名普工",
            description="订单恢复，返岗员工不足。",
        )
    with _on(at(1, 11)):
        tickets.ticket_wait(
            actor=admin, ticket_id=labour.pk, note="请提供岗位要求与薪资范围，以便在湘就业发布。"
        )
    with _on(at(0, 8)):
        tickets.ticket_open(
            actor=employer,
            enterprise_id=firm.pk,
            category=TicketCategory.MATERIALS,
            priority=TicketPriority.URGENT,
            title="消毒液库存仅够 2 天",
            description="请协调采购医用酒精和含氯消毒液。",
        )
    tickets.tickets_check_daily(now=clock.now())


def _volunteers_today(admin: User, volunteers: list[Volunteer]) -> None:
    """In 文艺路街道 (the `volunteers` coordinator login): today's errands with the resident login
    assigned (ready to check in), yesterday's deliveries with hours waiting for approval, tomorrow's
    checkpoint duty with the resident's sign-up waiting; this week's hotline rota with one evening
    uncovered."""
    coordinator = User.objects.get(username="volunteers")
    resident = User.objects.get(username="resident")
    township = DEMO_TOWNSHIP
    today = clock.today()

    def at(days: int, hour: int) -> dt.datetime:
        return _at(today + dt.timedelta(days=days), hour)

    with _on(at(-2, 9)):
        made = {
            key: volunteer_services.mission_create(
                actor=coordinator,
                kind=kind,
                title=title,
                region=township,
                starts_at=at(days, hour),
                ends_at=at(days, hour + hours),
                slots=slots,
                description=description,
            )
            for key, kind, title, days, hour, hours, slots, description in (
                (
                    "yesterday",
                    MissionKind.DELIVERY,
                    "为隔离观察家庭配送生活物资",
                    -1,
                    14,
                    3,
                    3,
                    "在社区服务中心领取物资后分片配送。",
                ),
                (
                    "today",
                    MissionKind.ERRANDS,
                    "孤寡老人送药上门",
                    0,
                    9,
                    8,
                    4,
                    "按社区卫生服务中心的名单上门送药。",
                ),
                (
                    "tomorrow",
                    MissionKind.CHECKPOINT,
                    "小区出入口体温检测与登记",
                    1,
                    8,
                    4,
                    4,
                    "佩戴口罩，测温并查验健康码。",
                ),
                ("weekend", MissionKind.ERRANDS, "小区消毒消杀", 3, 9, 3, 6, "消毒液与喷壶由社区提供。"),
            )
        }
        for key in ("yesterday", "today"):
            signup = volunteer_services.signup_create(actor=resident, mission_id=made[key].pk)
            volunteer_services.signup_decide(actor=coordinator, signup_id=signup.pk, assign=True)
        volunteer_services.signup_create(actor=resident, mission_id=made["tomorrow"].pk)
    yesterday = SignUp.objects.get(mission=made["yesterday"], volunteer__person__user=resident)
    with _on(at(-1, 19)):
        volunteer_services.hours_log(
            actor=coordinator, signup_id=yesterday.pk, check_in_at=at(-1, 14), check_out_at=at(-1, 17)
        )
    counsellors = [volunteer for volunteer in volunteers if volunteer.qualification]
    with _on(at(0, 7)):
        for day in range(7):
            for n, hour in enumerate(HOTLINE_BLOCKS):
                if day == 2 and hour == 20:
                    continue  # the gap the rota shows
                volunteer_services.shift_schedule(
                    actor=admin,
                    counsellor_id=counsellors[(day * len(HOTLINE_BLOCKS) + n) % len(counsellors)].pk,
                    line=HOTLINE,
                    region=DEMO_TOWNSHIP,
                    starts_at=at(day, hour),
                    ends_at=at(day, hour) + dt.timedelta(hours=4),
                )
