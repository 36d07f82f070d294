"""The Hunan 2020 replay: a synthetic line list that reproduces the province's real epidemic curve.

The daily figures come from the Johns Hopkins CSSE time series (data/hunan_2020_jhu_csse.csv),
shifted one day back to the date of the Hunan bulletin. From them the replay derives, for every
day, the new confirmed cases, the newly cured and the deaths, and writes one synthetic resident and
one Case per confirmed case, so that the daily reports computed from the cases show the real curve.

Everything the series does not say is an assumption, derived from `random.Random(seed)` in a fixed
order so that every run gives the same line list:

- residence: spread over the prefectures by their 2020 census population, and within a
  prefecture over its counties, townships and villages (the demo's resident generator);
- origin: the early cases are imported from 武汉市. The share of imported cases falls linearly
  from all cases confirmed on 2020-01-21 to none from 2020-02-11 on (IMPORTED_UNTIL);
- each case is reported as suspected 0–2 days before it is confirmed, with symptom onset 1–7 days
  before the report;
- the cured of each day are, among the confirmed cases still in hospital, those whose planned stay
  (8–24 days) ends first; the deaths are cases confirmed at least a week before;
- 150 of the cured (the official account's severe and critical cases cured) go through severe,
  some through critical, and back to moderate before discharge; the four who died went from severe
  to critical; every other case is mild or moderate from its confirmation.

The cases go through the same services as reported cases (report, confirm, severity, outcome, each
validated and recorded as a case event and an audit event) with the per-case report refresh off; the
daily reports are rebuilt once at the end. The residents are built by person_build and inserted in
bulk.

The replay owns the cases whose line-list id starts with "hunan2020-": running it again deletes
and recreates them (their residents are reused, matched by identity number), so nothing doubles.
"""

import csv
import dataclasses
import datetime as dt
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangyi.core import pii
from fangyi.core.models import AuditEvent
from fangyi.people.models import Person
from fangyi.people.services import person_build
from fangyi.people.synthetic import RegionTree, SyntheticResident, load_tree, residents_generate
from fangyi.surveillance import services
from fangyi.surveillance.choices import (
    Classification,
    ConfirmationMethod,
    Origin,
    Outcome,
    ResponseLevel,
    Severity,
)
from fangyi.surveillance.models import Case, CaseEvent, ResponseLevelPeriod, SeverityChange
from fangyi.surveillance.reports import daily_reports_rebuild

ProgressCallback = Callable[[int, int, str], None]

SERIES_FILE = Path(__file__).resolve().parent / "data" / "hunan_2020_jhu_csse.csv"
# JHU recorded the figures about one day after the Hunan bulletin that published them.
RECORDING_LAG = dt.timedelta(days=1)
EXTERNAL_ID_PREFIX = "hunan2020-"
DEFAULT_SEED = 20200121
FIRST_CASE_DAY = dt.date(2020, 1, 21)
IMPORTED_UNTIL = dt.date(2020, 2, 11)
IMPORTED_FROM = "武汉市"
SEVERE_CURED = 150
HOSPITAL_STAY_DAYS = (8, 24)
DEATH_AFTER_DAYS = 7
RESPONSE_LEVELS = (
    (dt.date(2020, 1, 23), ResponseLevel.LEVEL_I),
    (dt.date(2020, 3, 10), ResponseLevel.LEVEL_II),
    (dt.date(2020, 3, 31), ResponseLevel.LEVEL_III),
)
BATCH_SIZE = 1000


@dataclasses.dataclass(frozen=True)
class SeriesDay:
    """One day of the series, on the bulletin's date, with the day's changes."""

    date: dt.date
    confirmed_cumulative: int
    cured_cumulative: int
    deaths_cumulative: int
    new_confirmed: int
    new_cured: int
    new_deaths: int


def series_load(*, path: Path = SERIES_FILE, scale: float = 1.0) -> list[SeriesDay]:
    """The series on bulletin dates; with `scale`, every cumulative figure is multiplied and rounded."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    days: list[SeriesDay] = []
    previous: tuple[int, ...] = (0, 0, 0)
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            figures = tuple(
                round(int(record[column]) * scale)
                for column in ("confirmed_cumulative", "recovered_cumulative", "deaths_cumulative")
            )
            new = tuple(now - before for now, before in zip(figures, previous, strict=True))
            if min(new) < 0:
                raise ValueError(f"the series goes down on {record['date']}")
            days.append(
                SeriesDay(
                    dt.date.fromisoformat(record["date"]) - RECORDING_LAG,
                    *figures,
                    *new,
                )
            )
            previous = figures
    return days


@dataclasses.dataclass
class PlannedCase:
    number: int
    confirmed_date: dt.date
    report_date: dt.date
    onset_date: dt.date
    origin: str
    ready_date: dt.date  # when its planned hospital stay ends
    outcome: str = Outcome.NONE
    outcome_date: dt.date | None = None
    severity: list[tuple[dt.date, str]] = dataclasses.field(default_factory=list)

    @property
    def external_id(self) -> str:
        return f"{EXTERNAL_ID_PREFIX}{self.number:04d}"


def _imported_share(day: dt.date) -> float:
    span = (IMPORTED_UNTIL - FIRST_CASE_DAY).days
    return max(0.0, 1.0 - (day - FIRST_CASE_DAY).days / span)


def replay_plan(series: list[SeriesDay], *, seed: int = DEFAULT_SEED) -> list[PlannedCase]:
    """The line list (without residents) that reproduces `series`: the same for the same seed."""
    rng = random.Random(seed)
    cases: list[PlannedCase] = []
    for day in series:
        for _i in range(day.new_confirmed):
            report = day.date - dt.timedelta(days=rng.choices((0, 1, 2), (40, 45, 15))[0])
            onset = report - dt.timedelta(days=rng.choices(range(1, 8), (10, 18, 20, 18, 14, 11, 9))[0])
            imported = rng.random() < _imported_share(day.date)
            cases.append(
                PlannedCase(
                    number=len(cases) + 1,
                    confirmed_date=day.date,
                    report_date=report,
                    onset_date=onset,
                    origin=Origin.IMPORTED if imported else Origin.LOCAL,
                    ready_date=day.date + dt.timedelta(days=rng.randint(*HOSPITAL_STAY_DAYS)),
                )
            )
    _plan_deaths(series, cases, rng)
    _plan_cures(series, cases)
    _plan_severity(cases, rng, severe_cured=round(SEVERE_CURED * len(cases) / 1019) if cases else 0)
    return cases


def _plan_deaths(series: list[SeriesDay], cases: list[PlannedCase], rng: random.Random) -> None:
    for day in series:
        for _i in range(day.new_deaths):
            latest = day.date - dt.timedelta(days=DEATH_AFTER_DAYS)
            candidates = [c for c in cases if not c.outcome and c.confirmed_date <= latest]
            if not candidates:
                raise ValueError(f"no case can have died on {day.date}")
            case = rng.choice(candidates)
            case.outcome, case.outcome_date = Outcome.DIED, day.date


def _plan_cures(series: list[SeriesDay], cases: list[PlannedCase]) -> None:
    """Each day's cured: the cases in hospital (not dying) whose planned stay ends first."""
    waiting = sorted((c for c in cases if not c.outcome), key=lambda c: (c.ready_date, c.number))
    for day in series:
        if not day.new_cured:
            continue
        chosen = [c for c in waiting if c.confirmed_date < day.date][: day.new_cured]
        if len(chosen) < day.new_cured:
            raise ValueError(f"fewer cases in hospital than cured on {day.date}")
        for case in chosen:
            case.outcome, case.outcome_date = Outcome.CURED, day.date
        taken = {case.number for case in chosen}
        waiting = [c for c in waiting if c.number not in taken]


def _plan_severity(cases: list[PlannedCase], rng: random.Random, *, severe_cured: int) -> None:
    def later(day: dt.date, low: int, high: int) -> dt.date:
        return day + dt.timedelta(days=rng.randint(low, high))

    long_stays = [
        c
        for c in cases
        if c.outcome == Outcome.CURED and c.outcome_date and (c.outcome_date - c.confirmed_date).days >= 6
    ]
    severe = {c.number for c in rng.sample(long_stays, min(severe_cured, len(long_stays)))}
    for case in cases:
        start = case.confirmed_date
        if case.outcome == Outcome.DIED:
            assert case.outcome_date is not None
            worse = later(start, 1, 2)
            case.severity = [
                (start, Severity.MODERATE),
                (worse, Severity.SEVERE),
                (min(later(worse, 1, 3), case.outcome_date), Severity.CRITICAL),
            ]
        elif case.number in severe:
            assert case.outcome_date is not None
            worse = later(start, 1, 2)
            case.severity = [(start, Severity.MODERATE), (worse, Severity.SEVERE)]
            if rng.random() < 0.3:
                worse += dt.timedelta(days=1)
                case.severity.append((worse, Severity.CRITICAL))
            better = max(
                worse + dt.timedelta(days=1), case.outcome_date - dt.timedelta(days=rng.randint(1, 3))
            )
            case.severity.append((better, Severity.MODERATE))
        else:
            case.severity = [(start, Severity.MILD if rng.random() < 0.25 else Severity.MODERATE)]


# Writing -----------------------------------------------------------------------------------------


@dataclasses.dataclass
class ReplayResult:
    cases: int = 0
    residents_created: int = 0
    residents_reused: int = 0
    cases_replaced: int = 0
    report_rows: int = 0
    response_levels: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    seconds: float = 0.0


def _residents(tree: RegionTree, count: int, seed: int) -> list[SyntheticResident]:
    """`count` residents in a shuffled order, skipping any whose identity number someone else holds."""
    rng = random.Random(seed)
    chosen: list[SyntheticResident] = []
    attempt = 0
    while len(chosen) < count:
        pool = residents_generate(residents=count, seed=seed + attempt, tree=tree)
        rng.shuffle(pool)
        hashes = {pii.lookup_hash("id", r.id_number): r for r in pool}
        holders = dict(
            Person.objects.filter(id_number_hash__in=list(hashes)).values_list("id_number_hash", "id")
        )
        taken = {r.id_number for r in chosen}
        for id_hash, resident in hashes.items():
            free = holders.get(id_hash) in (None, resident.id) and resident.id_number not in taken
            if free and len(chosen) < count:
                chosen.append(resident)
        attempt += 1
    return chosen


def _reporting_unit(tree: RegionTree, village: str) -> str:
    names = {code: name for code, name, _population in tree.prefectures}
    return f"{names.get(village[:4], '')}第一人民医院发热门诊"


def replay_hunan_2020(
    *,
    scale: float = 1.0,
    seed: int = DEFAULT_SEED,
    progress: ProgressCallback | None = None,
    series_path: Path = SERIES_FILE,
) -> ReplayResult:
    """Write the replay's residents and cases, then rebuild the daily reports once. Idempotent."""
    started = time.monotonic()
    series = series_load(path=series_path, scale=scale)
    plan = replay_plan(series, seed=seed)
    tree = load_tree()
    residents = _residents(tree, len(plan), seed)
    result = ReplayResult(cases=len(plan), first_day=series[0].date, last_day=series[-1].date)
    with transaction.atomic():
        result.cases_replaced = _delete_previous()
        people = _ensure_people(residents, result)
        total = len(plan)
        step = max(1, total // 100)
        for done, (planned, resident) in enumerate(zip(plan, residents, strict=True), start=1):
            _write_case(planned, resident, people[resident.id_number], tree)
            if progress and (done % step == 0 or done == total):
                progress(done, total, str(_("cases")))
        result.response_levels = _record_response_levels()
        result.report_rows = daily_reports_rebuild()
    result.seconds = time.monotonic() - started
    return result


def _delete_previous() -> int:
    previous = Case.objects.filter(synthetic=True, external_id__startswith=EXTERNAL_ID_PREFIX)
    count = previous.count()
    if count:
        SeverityChange.objects.filter(case__in=previous).delete()
        CaseEvent.objects.filter(case__in=previous).delete()
        previous.delete()
    return count


def _ensure_people(residents: list[SyntheticResident], result: ReplayResult) -> dict[str, Any]:
    """The replay's residents by identity number: those from an earlier run, the others created."""
    existing = set(Person.objects.filter(pk__in=[r.id for r in residents]).values_list("id", flat=True))
    new_people = []
    for resident in residents:
        if resident.id in existing:
            continue
        person = person_build(
            name=resident.name,
            id_number=resident.id_number,
            home_region=resident.home_region,
            phone=resident.phone,
            address=resident.address,
            synthetic=True,
        )
        person.id = resident.id
        new_people.append(person)
    Person.objects.bulk_create(new_people, batch_size=BATCH_SIZE)
    AuditEvent.objects.bulk_create(
        (
            AuditEvent(
                action="person.register",
                object_type=Person._meta.label_lower,
                object_id=str(person.pk),
                region_path=person.home_region_id,
                data={"via": "replay_hunan_2020"},
            )
            for person in new_people
        ),
        batch_size=BATCH_SIZE,
    )
    result.residents_created = len(new_people)
    result.residents_reused = len(existing)
    return {resident.id_number: resident.id for resident in residents}


def _write_case(planned: PlannedCase, resident: SyntheticResident, person_id: Any, tree: RegionTree) -> None:
    """One case through the services, as a clinic would have reported it (reports refreshed later)."""
    imported = planned.origin == Origin.IMPORTED
    case = services.case_report(
        actor=None,
        person_id=person_id,
        classification=Classification.SUSPECTED,
        report_date=planned.report_date,
        onset_date=planned.onset_date,
        residence=resident.home_region,
        reporting_unit=_reporting_unit(tree, resident.home_region),
        origin=planned.origin,
        source_area=IMPORTED_FROM if imported else "",
        external_id=planned.external_id,
        synthetic=True,
        refresh=False,
    )
    services.case_confirm(
        actor=None,
        case_id=case.pk,
        date=planned.confirmed_date,
        method=ConfirmationMethod.NUCLEIC_ACID,
        refresh=False,
    )
    for day, level in planned.severity:
        services.case_update_severity(actor=None, case_id=case.pk, date=day, severity=level, refresh=False)
    if planned.outcome and planned.outcome_date:
        services.case_record_outcome(
            actor=None, case_id=case.pk, outcome=planned.outcome, date=planned.outcome_date, refresh=False
        )


def _record_response_levels() -> int:
    """Hunan's declared response levels of 2020, through the service; a day already declared is kept."""
    written = 0
    for start, level in RESPONSE_LEVELS:
        if not ResponseLevelPeriod.objects.filter(start_date=start).exists():
            services.response_level_declare(actor=None, level=level, start_date=start, note="Hunan 2020")
            written += 1
    return written
