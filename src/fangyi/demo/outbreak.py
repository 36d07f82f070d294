"""The demo's screening and observation scenario of January–February 2020.

Residents came home from Hubei before Wuhan closed on 2020-01-23. Travel records (rail and air
tickets, telecom roaming, road checkpoints, gate scans, and records of people who are no resident)
are imported as a file; Hubei and Wuhan are listed as risk areas from 2020-01-10; a screening of
the province as of 2020-01-27 finds the returnees and gives their grid workers door-to-door tasks.
Most tasks are verified the next day (home or centralised observation, monitoring, a few not
found, left the province or false matches); some wait for the demo's grid worker. Those observed
check in twice a day, two of them with a fever; the close contacts of some replayed cases are
traced; everyone observed in 2020 is released after 14 days and a negative test.

Today, a few residents of the resident login's community are under home observation after a
recent arrival, the resident login among them, so the observation pages have live data.

Everything goes through the services with the clock set to the scenario's moments, derived from
`random.Random(seed)` in a fixed order. It needs the demo residents and the 2020 replay, and runs
once: a second run finds its risk areas and adds nothing.
"""

import csv
import dataclasses
import datetime as dt
import io
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from fangyi.accounts.models import User
from fangyi.core import clock, pii
from fangyi.core.errors import DomainError
from fangyi.labs.services import referral_close, result_report
from fangyi.people.models import Person
from fangyi.people.services import person_register
from fangyi.people.synthetic import residents_generate
from fangyi.quarantine import services as quarantine
from fangyi.quarantine.choices import AlertKind, ObservationStatus
from fangyi.quarantine.models import Alert, ObservationPeriod, Site
from fangyi.regions.models import Region
from fangyi.screening import services as screening
from fangyi.screening.choices import Outcome, TaskStatus
from fangyi.screening.models import GridTask, RiskArea
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.models import Case

ProgressCallback = Callable[[int, int, str], None]

WUHAN, HUBEI = "4201", "42"
LISTED_ON = dt.date(2020, 1, 10)
WUHAN_CLOSED = dt.date(2020, 1, 23)
SCREENED_AS_OF = dt.date(2020, 1, 27)
VERIFIED_ON = dt.date(2020, 1, 28)
# Wuhan's districts and other Hubei prefectures where returnees were seen (GB/T 2260).
WUHAN_DISTRICTS = ("420102", "420103", "420104", "420105", "420106", "420111", "420115")
HUBEI_ELSEWHERE = ("4202", "4205", "4206", "4209", "4210", "4211", "4212", "4213")
ELSEWHERE = ("11", "31", "4401", "4403", "3301", "5101", "3201")
RETURNEE_SHARE = 0.012
UNKNOWN_SUBJECTS = 40
HOME_RETURNEES = 8  # extra returnees in the resident login's community, for its grid worker
HOME_LEFT_FOR_GRID = 4  # of which the demo's grid worker still has to visit these
TRACED_CASES = 40
CHECKIN_SAMPLE = 60  # observed residents whose every check-in is recorded
NOW_OBSERVED = 3  # residents of the login's community under observation today
NEGATIVE_LAB = "长沙市疾病预防控制中心实验室"
# What the verification found, as shares of the tasks verified on 2020-01-28.
OUTCOMES = (
    (Outcome.HOME_OBSERVATION, 0.62),
    (Outcome.CENTRALISED_OBSERVATION, 0.14),
    (Outcome.HEALTH_MONITORING, 0.12),
    (Outcome.NOT_FOUND, 0.05),
    (Outcome.LEFT_PROVINCE, 0.04),
    (Outcome.FALSE_MATCH, 0.03),
)
SITE_ROOMS = 80


@dataclasses.dataclass
class OutbreakResult:
    skipped: bool = False
    records: int = 0
    persons_screened: int = 0
    tasks_verified: int = 0
    tasks_open: int = 0
    contacts: int = 0
    observed_now: int = 0


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)


@contextmanager
def _on(day: dt.date, hour: int, minute: int = 0) -> Iterator[None]:
    with clock.frozen_at(_at(day, hour, minute)):
        yield


def outbreak_seed(
    *, admin: User, grid_worker: User | None, home: str, seed: int, progress: ProgressCallback | None = None
) -> OutbreakResult:
    """Play the scenario once (see the module docstring); a second call adds nothing."""
    result = OutbreakResult()
    if RiskArea.objects.filter(area_code=WUHAN, starts_on=LISTED_ON).exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    steps = 7

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, steps, label)

    with transaction.atomic():
        step(0, "risk areas")
        _list_risk_areas(admin)
        returnees = _returnees(rng, home)
        step(1, "travel records")
        result.records = _import_travel(rng, returnees)
        step(2, "screening")
        with _on(SCREENED_AS_OF, 18):
            run = screening.screening_run_create(
                actor=admin, region="43", as_of=SCREENED_AS_OF, lookback_days=14, backend="duckdb"
            )
        with _on(SCREENED_AS_OF, 18, 5):
            run = screening.screening_run_execute(run_id=run.pk)
        result.persons_screened = run.counts.get("persons_screened", 0)
        step(3, "grid verification")
        sites = _sites(admin)
        result.tasks_verified, result.tasks_open = _verify(rng, admin, grid_worker, run.pk, home, sites)
        step(4, "check-ins")
        _check_in(rng, admin)
        step(5, "contact tracing")
        result.contacts = _trace(rng, admin)
        _release_2020(admin)
        step(6, "observation today")
        result.observed_now = _observe_now(admin, home)
        step(7, "")
    return result


def _list_risk_areas(admin: User) -> None:
    with _on(LISTED_ON, 9):
        screening.risk_area_create(
            actor=admin,
            area_code=WUHAN,
            name="湖北省武汉市",
            starts_on=LISTED_ON,
            ends_on=dt.date(2020, 4, 8),
            note="离汉通道于2020-04-08解除管控",
        )
        screening.risk_area_create(
            actor=admin,
            area_code=HUBEI,
            name="湖北省",
            starts_on=LISTED_ON,
            ends_on=dt.date(2020, 3, 25),
            note="除武汉外的离鄂通道于2020-03-25解除管控",
        )


def _returnees(rng: random.Random, home: str) -> list[Person]:
    """Some of the demo's residents without a case, and a few more in the login's community."""
    with_case = set(Case.objects.values_list("person_id", flat=True))
    pool = [
        person
        for person in Person.objects.filter(synthetic=True, user__isnull=True).order_by("id_number_hash")
        if person.pk not in with_case
    ]
    chosen = rng.sample(pool, min(len(pool), int(len(pool) * RETURNEE_SHARE)))
    extra = residents_generate(residents=HOME_RETURNEES, seed=rng.randrange(10**9))
    community = Region.objects.get(code=home).name.replace("社区居委会", "").replace("社区", "")
    for number, resident in enumerate(extra, start=1):
        person = Person.objects.filter(id_number_hash=pii.lookup_hash("id", resident.id_number)).first()
        if person is None:
            person = person_register(
                actor=None,
                name=resident.name,
                id_number=resident.id_number,
                home_region=home,
                phone=resident.phone,
                address=f"{community}{number + 3}栋{number % 4 + 1}单元{number + 1}02室",
                synthetic=True,
            )
        chosen.append(person)
    return chosen


def _import_travel(rng: random.Random, returnees: list[Person]) -> int:
    """Write the records as a telecom and transport feed would send them, and import the file."""
    rows: list[dict[str, str]] = []

    def add(subject: dict[str, str], area: str, moment: dt.datetime, source: str) -> None:
        rows.append({**subject, "area_code": area, "at": moment.strftime("%Y-%m-%d %H:%M"), "source": source})

    for person in returnees:
        subject = {"id_number": pii.decrypt(person.id_number_encrypted)}
        roaming = {"phone_hash": person.phone_hash} if person.phone_hash else subject
        # Home between 2020-01-15 and the closing of Wuhan: under 14 days before the visit.
        back = WUHAN_CLOSED - dt.timedelta(days=rng.randrange(9))
        area = rng.choice(WUHAN_DISTRICTS) if rng.random() < 0.8 else rng.choice(HUBEI_ELSEWHERE)
        for days_before in range(rng.randint(1, 4), 0, -1):
            add(roaming, area, _at(back - dt.timedelta(days=days_before), rng.randint(8, 22)), "telecom")
        add(
            subject,
            area[:4],
            _at(back, rng.randint(7, 14), rng.choice((0, 15, 30, 45))),
            rng.choice(("rail", "rail", "air")),
        )
        add(subject, person.home_region_id[:6], _at(back, rng.randint(16, 21)), "road")
        add(subject, person.home_region_id, _at(back + dt.timedelta(days=1), rng.randint(7, 20)), "gate")
    others = list(Person.objects.filter(synthetic=True).order_by("id_number_hash")[:2000])
    for person in rng.sample(others, min(len(others), 600)):
        subject = {"id_number": pii.decrypt(person.id_number_encrypted)}
        day = LISTED_ON + dt.timedelta(days=rng.randrange(14))
        add(
            subject,
            rng.choice(ELSEWHERE),
            _at(day, rng.randint(7, 21)),
            rng.choice(("rail", "air", "telecom")),
        )
        add(subject, person.home_region_id[:6], _at(day + dt.timedelta(days=1), rng.randint(7, 21)), "road")
    for number in range(UNKNOWN_SUBJECTS):
        phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
        day = LISTED_ON + dt.timedelta(days=rng.randrange(13))
        add({"phone": phone}, rng.choice(WUHAN_DISTRICTS), _at(day, 8 + number % 12), "telecom")
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=["id_number", "phone", "phone_hash", "area_code", "at", "source"]
    )
    writer.writeheader()
    writer.writerows(rows)
    with _on(SCREENED_AS_OF, 12):
        job = screening.travel_import_job(file_name="travel-2020-01.csv", data=buffer.getvalue().encode())
        screening.travel_import_run(job_id=job.pk)
    return len(rows)


def _sites(admin: User) -> dict[str, Site]:
    """One requisitioned hotel per prefecture for centralised observation."""
    sites = {}
    with _on(dt.date(2020, 1, 25), 10):
        for prefecture in Region.objects.filter(level="prefecture", code__startswith="43").order_by("code"):
            county = Region.objects.filter(parent=prefecture).order_by("code").first()
            assert county is not None
            sites[prefecture.code] = quarantine.site_create(
                actor=admin,
                name=f"{prefecture.name}集中医学观察点",
                kind="hotel",
                region=county.code,
                address=f"{county.name}（征用酒店）",
                rooms=SITE_ROOMS,
            )
    return sites


def _outcome(rng: random.Random) -> str:
    pick = rng.random()
    for outcome, share in OUTCOMES:
        if pick < share:
            return outcome
        pick -= share
    return Outcome.HOME_OBSERVATION


def _verify(
    rng: random.Random, admin: User, grid_worker: User | None, run_id: Any, home: str, sites: dict[str, Site]
) -> tuple[int, int]:
    tasks = list(GridTask.objects.filter(run_id=run_id).order_by("region_id", "person_id"))
    at_home = [task for task in tasks if task.region_id == home]
    left = {task.pk for task in at_home[:HOME_LEFT_FOR_GRID]}
    for number, task in enumerate(tasks):
        if task.pk in left or (task.region_id != home and rng.random() < 0.08):
            continue
        outcome = _outcome(rng)
        site = sites.get(task.region_id[:4]) if outcome == Outcome.CENTRALISED_OBSERVATION else None
        actor = grid_worker if grid_worker is not None and task.region_id == home else admin
        with _on(VERIFIED_ON, 9 + number % 9, number % 60):
            try:
                screening.grid_task_verify(
                    actor=actor,
                    task_id=task.pk,
                    outcome=outcome,
                    note="入户核实",
                    site_id=site.pk if site else None,
                    room=f"{rng.randint(2, 9)}{rng.randint(1, 30):02d}" if site else "",
                )
            except DomainError:  # a full site: observed at home instead
                screening.grid_task_verify(
                    actor=actor, task_id=task.pk, outcome=Outcome.HOME_OBSERVATION, note="入户核实"
                )
        if outcome == Outcome.NOT_FOUND and rng.random() < 0.5:  # the rest stay with the township
            with _on(VERIFIED_ON + dt.timedelta(days=1), 15):
                screening.grid_task_verify(
                    actor=admin, task_id=task.pk, outcome=Outcome.LEFT_PROVINCE, note="经公安协查已离湘"
                )
    done = GridTask.objects.filter(run_id=run_id, status=TaskStatus.DONE).count()
    return done, len(tasks) - done


def _check_in(rng: random.Random, admin: User) -> None:
    """Twice-daily temperatures of a sample of the observed, two of whom run a fever."""
    periods = list(
        ObservationPeriod.objects.filter(status=ObservationStatus.ACTIVE, starts_on=VERIFIED_ON).order_by(
            "id"
        )
    )
    sample = rng.sample(periods, min(len(periods), CHECKIN_SAMPLE))
    # Two of those with the longest observation ahead run a fever on their fourth day.
    feverish = {period.pk for period in sorted(sample, key=lambda p: (-p.due_on.toordinal(), p.pk))[:2]}
    for period in sample:
        day = period.starts_on
        while day < period.due_on:
            for slot, hour in (("am", 8), ("pm", 16)):
                temperature = Decimal(f"36.{rng.randint(1, 8)}")
                if period.pk in feverish and day == period.starts_on + dt.timedelta(days=3) and slot == "pm":
                    temperature = Decimal("37.9")
                with _on(day, hour, rng.randint(0, 59)):
                    quarantine.checkin_record(
                        actor=admin, period_id=period.pk, temperature=temperature, slot=slot
                    )
            day += dt.timedelta(days=1)
    _clear_fevers(admin)


def _clear_fevers(admin: User) -> None:
    """The fever clinic tested the two with a fever the next day: negative, referral cleared."""
    for alert in Alert.objects.filter(kind=AlertKind.FEVER, resolved_at__isnull=True).select_related(
        "period"
    ):
        with _on(alert.date + dt.timedelta(days=1), 11):
            result_report(
                actor=admin,
                person_id=alert.period.person_id,
                result="negative",
                sampled_on=alert.date,
                lab=NEGATIVE_LAB,
                referral_id=alert.referral_id,
            )
            if alert.referral_id is not None:
                referral_close(
                    actor=admin, referral_id=alert.referral_id, status="cleared", note="核酸阴性，排除"
                )
            quarantine.alert_resolve(actor=admin, alert_id=alert.pk, note="发热门诊排除")


def _trace(rng: random.Random, admin: User) -> int:
    """Household and other close contacts of some confirmed cases, and a few secondary contacts."""
    cases = list(
        Case.objects.filter(classification=Classification.CONFIRMED, onset_date__isnull=False)
        .select_related("county")
        .order_by("report_date", "pk")[: TRACED_CASES * 3]
    )
    observed = set(ObservationPeriod.objects.values_list("person_id", flat=True))
    with_case = set(Case.objects.values_list("person_id", flat=True))
    registered = 0
    for case in rng.sample(cases, min(len(cases), TRACED_CASES)):
        neighbours = [
            person
            for person in Person.objects.filter(home_region__code__startswith=case.county_id).order_by("id")[
                :60
            ]
            if person.pk not in observed and person.pk not in with_case
        ]
        if not neighbours:
            continue
        primaries = []
        assert case.onset_date is not None
        for person in rng.sample(neighbours, min(len(neighbours), rng.randint(1, 4))):
            contact_type = rng.choice(("household", "household", "shared_meal", "work", "transport", "care"))
            last = case.onset_date + dt.timedelta(days=rng.randint(-2, 1))
            with _on(case.report_date, 20):
                primaries.append(
                    quarantine.contact_register(
                        actor=admin,
                        case_id=case.pk,
                        person_id=person.pk,
                        contact_type=contact_type,
                        last_contact_on=min(last, case.report_date),
                        note="流调排查",
                    )
                )
            observed.add(person.pk)
            registered += 1
        rest = [person for person in neighbours if person.pk not in observed]
        if primaries and rest and rng.random() < 0.4:
            via = primaries[0]
            person = rng.choice(rest)
            with _on(case.report_date + dt.timedelta(days=1), 11):
                quarantine.contact_register(
                    actor=admin,
                    case_id=case.pk,
                    person_id=person.pk,
                    contact_type="household",
                    last_contact_on=via.last_contact_on,
                    via_contact_id=via.pk,
                    note="次密接",
                )
            observed.add(person.pk)
            registered += 1
    return registered


def _release_2020(admin: User) -> None:
    """Everyone observed in 2020 tested negative at the end and was released on the due day."""
    for period in ObservationPeriod.objects.filter(status=ObservationStatus.ACTIVE).order_by("due_on", "id"):
        with _on(period.due_on - dt.timedelta(days=1), 9):
            result_report(
                actor=admin,
                person_id=period.person_id,
                result="negative",
                sampled_on=period.due_on - dt.timedelta(days=1),
                lab=NEGATIVE_LAB,
            )
        with _on(period.due_on, 10):
            quarantine.observation_release(actor=admin, period_id=period.pk, note="观察期满，核酸阴性")


def _observe_now(admin: User, home: str) -> int:
    """A few residents of the login's community, the resident login first, observed at home now."""
    today = clock.today()
    people = list(
        Person.objects.filter(home_region_id=home).order_by(
            F("user_id").desc(nulls_last=True), "id_number_hash"
        )[:NOW_OBSERVED]
    )
    for days_ago, person in enumerate(people, start=2):
        start = today - dt.timedelta(days=days_ago)
        with clock.frozen_at(_at(start, 10)):
            period = quarantine.observation_start(
                actor=admin, person_id=person.pk, kind="home", source="arrival", last_exposure_on=start
            )
        for offset in range(days_ago):
            day = start + dt.timedelta(days=offset)
            for slot, hour in (("am", 8), ("pm", 17)):
                with clock.frozen_at(_at(day, hour, 30)):
                    quarantine.checkin_record(
                        actor=admin, period_id=period.pk, temperature=Decimal("36.5"), slot=slot
                    )
    return len(people)
