"""The demo's testing and treatment of 2020, and a few patients in hospital today.

Places: a fever clinic in every county, 62 testing labs and 116 designated hospitals (2 at
province level, one per prefecture, 100 county hospitals), as Hunan had before its first case.
The 2020 history is written in bulk, as a lab's and a hospital's archive import would be: 1 test
in 20 of the province's 915,000 (the mass testing from early February, half of it in 10:1 pools),
with every replayed case's positive test on the day it was confirmed and its two negative tests
before discharge; each replayed case admitted on confirmation, severe cases moved to the
prefecture's (Changsha's: the province's) hospital, daily rounds, TCM for 96.75 % of the cured,
and 42 remote consultations with their opinions. Because the volume is scaled and the positives
are not, the demo's positive rate is higher than the province's 0.04 %.

Today goes through the services: the province's 228 experts in 15 groups and this week's rota;
visits at the Furong district clinic, samples collected, a pool, samples in transit and waiting
at the Changsha lab; four patients in Changsha's designated hospitals, one severe with a remote
consultation the demo's expert is invited to, one who meets the discharge criteria.

Everything derives from `random.Random(seed)` in a fixed order. It needs the demo residents and
the 2020 replay, and runs once: a second run finds its labs and adds nothing.
"""

import dataclasses
import datetime as dt
import json
import random
import statistics
import uuid
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib.staticfiles import finders
from django.db import transaction

from fangyi.accounts.models import User
from fangyi.core import clock
from fangyi.hospitals import services as hospitals
from fangyi.hospitals.choices import AdmissionStatus, BedType, HospitalLevel, Shift, Specialty, TreatmentKind
from fangyi.hospitals.models import (
    Admission,
    Consultation,
    Expert,
    ExpertGroup,
    Hospital,
    Invitation,
    Opinion,
    SeverityUpdate,
    Treatment,
)
from fangyi.labs import services as labs
from fangyi.labs.choices import CodeColour, Exposure, Result, SampleKind, SampleStatus, Symptom
from fangyi.labs.models import Laboratory, Sample, TestResult
from fangyi.people.models import Person
from fangyi.people.services import person_build
from fangyi.people.synthetic import load_tree, residents_generate, shares
from fangyi.regions.choices import Level, PlaceKind
from fangyi.regions.models import Place, Region
from fangyi.regions.services import place_create
from fangyi.surveillance import services as surveillance
from fangyi.surveillance.choices import Classification, ConfirmationMethod, Outcome, Severity
from fangyi.surveillance.models import Case, SeverityChange

ProgressCallback = Callable[[int, int, str], None]

LABS = 62
COUNTY_HOSPITALS = 100
EXPERTS = 228
FIRST_DAY, LAST_DAY = dt.date(2020, 1, 21), dt.date(2020, 3, 31)
MASS_TESTING_FROM = dt.date(2020, 2, 5)
SCALE = 20  # one demo test for this many of the province's
POOL_SIZE = 10
TCM_SHARE = 0.9675
CONSULTED_2020 = 42
PROVINCE_HOSPITALS = (("430102", "湖南省人民医院"), ("430121", "长沙市公共卫生救治中心"))
CHANGSHA_LAB = "长沙市疾病预防控制中心实验室"
HOME_CLINIC_COUNTY = "430102"
# Today's patients live in Changsha districts other than the resident login's.
PATIENT_COUNTIES = ("430104", "430105", "430111", "430112")
VIDEO_LINK = "https://meeting.example.org/fangyi/consultation"
WARD_BEDS: dict[str, dict[str, int]] = {
    HospitalLevel.PROVINCE: {BedType.GENERAL: 150, BedType.ISOLATION: 100, BedType.ICU: 30},
    HospitalLevel.PREFECTURE: {BedType.GENERAL: 80, BedType.ISOLATION: 60, BedType.ICU: 10},
    HospitalLevel.COUNTY: {BedType.GENERAL: 30, BedType.ISOLATION: 20, BedType.ICU: 2},
}
SPECIALTY_MIX = (
    (Specialty.RESPIRATORY, 5),
    (Specialty.CRITICAL_CARE, 4),
    (Specialty.INFECTIOUS, 4),
    (Specialty.TCM, 3),
    (Specialty.RADIOLOGY, 1),
    (Specialty.CARDIOLOGY, 1),
    (Specialty.NURSING, 1),
    (Specialty.PSYCHOLOGY, 1),
)
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
GIVEN = "建国志强海燕晓东丽华明辉文杰秀英国平红梅振华春生玉兰德明新民卫东立新金凤雪梅永红宏伟"
TITLES = ("主任医师", "副主任医师", "教授", "主任护师")


@dataclasses.dataclass
class ClinicalResult:
    skipped: bool = False
    clinics: int = 0
    labs: int = 0
    hospitals: int = 0
    samples: int = 0
    positives: int = 0
    admissions: int = 0
    experts: int = 0
    consultations: int = 0
    patients_now: int = 0


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=clock.SHANGHAI)


def clinical_seed(
    *,
    admin: User,
    expert_login: User | None,
    seed: int,
    scale: int = SCALE,
    progress: ProgressCallback | None = None,
) -> ClinicalResult:
    """Write the scenario once (see the module docstring); a second call adds nothing. One demo
    test stands for `scale` of the province's."""
    result = ClinicalResult()
    if Laboratory.objects.exists():
        result.skipped = True
        return result
    rng = random.Random(seed)
    steps = 6

    def step(done: int, label: str) -> None:
        if progress:
            progress(done, steps, label)

    with transaction.atomic():
        step(0, "places")
        places = _Places.build(admin, rng, result)
        step(1, "samples")
        _samples_2020(places, rng, result, scale)
        step(2, "admissions")
        _admissions_2020(places, rng, result)
        step(3, "experts")
        experts = _experts(admin, expert_login, rng, result)
        _consultations_2020(experts, rng, result)
        step(4, "today")
        _today_at_the_clinic(admin, places, rng)
        _today_in_hospital(admin, places, experts, rng, result)
        step(steps, "done")
    return result


# Places ------------------------------------------------------------------------------------------


def _county_centres() -> dict[str, tuple[float, float]]:
    """The middle of each county's outline (bounding-box centre), for distances between hospitals."""
    path = finders.find("fangyi/maps/hunan_counties.geojson")
    if not path:
        return {}
    with open(str(path), encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    centres = {}
    for feature in features:
        points = [
            point for polygon in feature["geometry"]["coordinates"] for ring in polygon for point in ring
        ]
        lon = (min(p[0] for p in points) + max(p[0] for p in points)) / 2
        lat = (min(p[1] for p in points) + max(p[1] for p in points)) / 2
        centres[feature["properties"]["code"]] = (round(lat, 6), round(lon, 6))
    return centres


@dataclasses.dataclass
class _Places:
    clinic_of_county: dict[str, Place]
    labs_of_prefecture: dict[str, list[Laboratory]]
    county_hospital: dict[str, Hospital]
    prefecture_hospital: dict[str, Hospital]
    province_hospitals: list[Hospital]

    @classmethod
    def build(cls, admin: User, rng: random.Random, result: ClinicalResult) -> "_Places":
        tree = load_tree()
        names = dict(
            Region.objects.filter(level__in=[Level.COUNTY, Level.PREFECTURE]).values_list("code", "name")
        )
        centres = _county_centres()

        def place(kind: str, county: str, name: str) -> Place:
            lat, lon = centres.get(county, (None, None))
            found = Place.objects.filter(kind=kind, region_id=county, name=name).first()
            if found is not None:
                if found.latitude is None and lat is not None:  # a place of the first demo seed
                    Place.objects.filter(pk=found.pk).update(latitude=lat, longitude=lon)
                    found.refresh_from_db()
                return found
            return place_create(actor=admin, name=name, kind=kind, region=county, latitude=lat, longitude=lon)

        clinics = {}
        for counties in tree.id_counties.values():
            for county in counties:
                clinics[county] = place(PlaceKind.FEVER_CLINIC, county, f"{names[county]}人民医院发热门诊")
        result.clinics = len(clinics)

        labs_of: dict[str, list[Laboratory]] = defaultdict(list)
        prefectures = tree.prefectures
        extra = shares(LABS - len(prefectures) - 1, [population for _c, _n, population in prefectures])
        province_lab = place(PlaceKind.LAB, "430102", "湖南省疾病预防控制中心实验室")
        labs_of["4301"].append(
            labs.laboratory_set_capacity(actor=admin, place_id=province_lab.pk, daily_capacity=3000)
        )
        for (prefecture, name, _population), count in zip(prefectures, extra, strict=True):
            counties = tree.id_counties[prefecture]
            cdc = place(PlaceKind.LAB, counties[0], f"{name}疾病预防控制中心实验室")
            labs_of[prefecture].append(
                labs.laboratory_set_capacity(
                    actor=admin, place_id=cdc.pk, daily_capacity=rng.randrange(800, 2001, 100)
                )
            )
            for county in (counties[1:] or counties)[:count]:
                lab = place(PlaceKind.LAB, county, f"{names[county]}人民医院检验科")
                labs_of[prefecture].append(
                    labs.laboratory_set_capacity(
                        actor=admin, place_id=lab.pk, daily_capacity=rng.randrange(200, 801, 50)
                    )
                )
        result.labs = sum(len(found) for found in labs_of.values())

        def hospital(county: str, name: str, level: str) -> Hospital:
            registered = hospitals.hospital_register(
                actor=admin, place_id=place(PlaceKind.HOSPITAL, county, name).pk, level=level
            )
            for bed_type, beds in WARD_BEDS[level].items():
                hospitals.ward_set_capacity(
                    actor=admin, hospital_id=registered.pk, bed_type=bed_type, capacity=beds
                )
            return registered

        province = [hospital(county, name, HospitalLevel.PROVINCE) for county, name in PROVINCE_HOSPITALS]
        by_prefecture = {
            prefecture: hospital(
                tree.id_counties[prefecture][0], f"{name}第一人民医院", HospitalLevel.PREFECTURE
            )
            for prefecture, name, _population in prefectures
        }
        seats = {counties[0] for counties in tree.id_counties.values()}
        others = sorted(
            county for counties in tree.id_counties.values() for county in counties if county not in seats
        )
        by_county = {
            county: hospital(county, f"{names[county]}人民医院", HospitalLevel.COUNTY)
            for county in others[:COUNTY_HOSPITALS]
        }
        result.hospitals = len(province) + len(by_prefecture) + len(by_county)
        return cls(clinics, labs_of, by_county, by_prefecture, province)

    def lab_named(self, name: str) -> Laboratory:
        return next(
            lab for found in self.labs_of_prefecture.values() for lab in found if lab.place.name == name
        )

    def clinic_for(self, county: str) -> Place:
        """The county's fever clinic; a functional zone's residents go to the prefecture seat's."""
        return (
            self.clinic_of_county.get(county)
            or self.clinic_of_county[self.prefecture_hospital[county[:4]].county_id]
        )

    def first_hospital(self, county: str) -> Hospital:
        """Where a new case of `county` is admitted: its county's designated hospital, else its
        prefecture's."""
        return self.county_hospital.get(county) or self.prefecture_hospital[county[:4]]

    def severe_hospital(self, county: str) -> Hospital:
        """Where a severe case of `county` is treated: Changsha's go to the province's centre."""
        return (
            self.province_hospitals[1] if county.startswith("4301") else self.prefecture_hospital[county[:4]]
        )


# The 2020 history, in bulk -----------------------------------------------------------------------


def _daily_tests(day: dt.date) -> int:
    """The province's tests on `day`: rising from 2,000 to 8,000 until mass testing began, to
    20,000 by the end of February, easing to 10,000 by the end of March (about 915,000 in all)."""

    def ramp(start: dt.date, end: dt.date, low: int, high: int) -> int:
        return round(low + (high - low) * (day - start).days / max(1, (end - start).days))

    if day < MASS_TESTING_FROM:
        return ramp(FIRST_DAY, MASS_TESTING_FROM, 2000, 8000)
    if day < dt.date(2020, 3, 1):
        return ramp(MASS_TESTING_FROM, dt.date(2020, 2, 29), 8000, 20000)
    return ramp(dt.date(2020, 3, 1), LAST_DAY, 20000, 10000)


class _SampleWriter:
    """Samples and their results of 2020, written in batches with their turnaround fixed."""

    BATCH = 2000

    def __init__(self, places: _Places, rng: random.Random) -> None:
        self.places, self.rng = places, rng
        self.samples: list[Sample] = []
        self.results: list[TestResult] = []
        self.count = 0

    def _timing(self, day: dt.date) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
        hour = self.rng.randrange(8, 18)
        collected = _at(day, hour, self.rng.randrange(60))
        # Early on a sample could wait overnight; from February "the same day" was the rule,
        # kept for about nineteen samples in twenty.
        same_day = self.rng.random() < (0.6 if day < MASS_TESTING_FROM else 0.95)
        until_midnight = 23.5 - hour
        hours = (
            self.rng.uniform(2.5, max(3.0, min(12.0, until_midnight)))
            if same_day
            else self.rng.uniform(until_midnight + 1, until_midnight + 14)
        )
        received = collected + dt.timedelta(hours=min(hours / 3, 2))
        return collected, received, collected + dt.timedelta(hours=hours)

    def tube(
        self,
        *,
        day: dt.date,
        county: str,
        person: Any,
        result: str,
        timing: tuple | None = None,
        pool: Sample | None = None,
        kind: str = SampleKind.INDIVIDUAL,
    ) -> Sample:
        collected, received, reported = timing or self._timing(day)
        lab = self.rng.choice(self.places.labs_of_prefecture[county[:4]])
        self.count += 1
        sample = Sample(
            id=uuid.uuid4(),
            barcode=f"HN{day:%y%m%d}{self.count:07d}",
            kind=kind,
            person_id=person,
            pool=pool,
            collected_at=collected,
            collection_place=self.places.clinic_for(county),
            county_id=county,
            status=SampleStatus.REPORTED,
            lab=lab,
            shipped_at=received - dt.timedelta(minutes=40),
            received_at=received,
            result=result,
            ct_value=Decimal(self.rng.randrange(180, 350)) / 10 if result == Result.POSITIVE else None,
            operator=f"检验员{self.rng.randrange(1, 40):02d}",
            reported_at=reported,
            turnaround_minutes=round((reported - collected).total_seconds() / 60),
            reported_same_day=reported.astimezone(clock.SHANGHAI).date()
            == collected.astimezone(clock.SHANGHAI).date(),
        )
        self.samples.append(sample)
        if person is not None:
            self.results.append(
                TestResult(
                    person_id=person,
                    sample=sample,
                    sampled_on=day,
                    sampled_at=collected,
                    result=result,
                    ct_value=sample.ct_value,
                    lab=lab.place.name,
                    reported_at=reported,
                    county_id=county,
                )
            )
        if len(self.samples) >= self.BATCH:
            self.flush()
        return sample

    def pool(self, *, day: dt.date, county: str, people: list[Any]) -> None:
        timing = self._timing(day)
        tube = self.tube(
            day=day, county=county, person=None, result=Result.NEGATIVE, timing=timing, kind=SampleKind.POOL
        )
        for person in people:
            self.tube(day=day, county=county, person=person, result=Result.NEGATIVE, timing=timing, pool=tube)

    def flush(self) -> None:
        # A pool is written before its members: both are in this batch, pools first.
        self.samples.sort(key=lambda sample: sample.kind != SampleKind.POOL)
        Sample.objects.bulk_create(self.samples)
        TestResult.objects.bulk_create(self.results)
        self.samples, self.results = [], []


def _replayed_cases() -> list[Case]:
    return list(
        Case.objects.filter(
            synthetic=True, classification=Classification.CONFIRMED, confirmed_date__isnull=False
        ).order_by("confirmed_date", "external_id")
    )


def _samples_2020(places: _Places, rng: random.Random, result: ClinicalResult, scale: int) -> None:
    writer = _SampleWriter(places, rng)
    people = list(Person.objects.filter(synthetic=True).values_list("id", "home_region_id").order_by("id"))
    cases = _replayed_cases()
    confirmed_on: dict[dt.date, list[Case]] = defaultdict(list)
    for case in cases:
        confirmed_on[case.confirmed_date].append(case)  # type: ignore[index]
    day = FIRST_DAY
    while day <= LAST_DAY:
        for case in confirmed_on.get(day, []):
            writer.tube(day=day, county=case.county_id, person=case.person_id, result=Result.POSITIVE)
            result.positives += 1
        negatives = _daily_tests(day) // scale
        pooled = negatives // 2 if day >= MASS_TESTING_FROM else 0
        for _i in range(negatives - pooled):
            person, home = rng.choice(people)
            writer.tube(day=day, county=home[:6], person=person, result=Result.NEGATIVE)
        for _i in range(pooled // POOL_SIZE):
            members = rng.sample(people, POOL_SIZE)
            county = members[0][1][:6]
            writer.pool(day=day, county=county, people=[person for person, _home in members])
        day += dt.timedelta(days=1)
    # Two negative tests at least a day apart before each discharge.
    for case in cases:
        if case.outcome == Outcome.CURED and case.outcome_date:
            for days_before in (2, 1):
                writer.tube(
                    day=case.outcome_date - dt.timedelta(days=days_before),
                    county=case.county_id,
                    person=case.person_id,
                    result=Result.NEGATIVE,
                )
    writer.flush()
    result.samples = writer.count


def _admissions_2020(places: _Places, rng: random.Random, result: ClinicalResult) -> None:
    cases = _replayed_cases()
    changes: dict[Any, list[SeverityChange]] = defaultdict(list)
    for change in SeverityChange.objects.filter(case__in=cases).order_by("date"):
        changes[change.case_id].append(change)
    cured = [case for case in cases if case.outcome == Outcome.CURED and case.outcome_date]
    # TCM for 96.75 % of the cured; those without it are drawn from stays about 2.5 days longer
    # than the average, as the province found TCM shortened stays by two days or more.
    without = round(len(cured) * (1 - TCM_SHARE))
    target = statistics.mean(_stay_days(case) for case in cured) + 2.5 if cured else 0
    nearest = sorted(cured, key=lambda case: (abs(_stay_days(case) - target), rng.random()))
    without_tcm = {case.pk for case in rng.sample(nearest[: without * 3], without)}
    admissions, updates, treatments = [], [], []
    for case in cases:
        assert case.confirmed_date is not None
        history = changes.get(case.pk) or []
        end = case.outcome_date or LAST_DAY
        severe_on = next(
            (c.date for c in history if c.severity in (Severity.SEVERE, Severity.CRITICAL)), None
        )
        first = places.first_hospital(case.county_id)
        stays = [(first, case.confirmed_date, severe_on)]
        if severe_on is not None and places.severe_hospital(case.county_id) != first:
            stays = [
                (first, case.confirmed_date, severe_on),
                (places.severe_hospital(case.county_id), severe_on, None),
            ]
        tcm = rng.random() < 0.8 if case.outcome == Outcome.DIED else case.pk not in without_tcm
        previous = None
        for index, (hospital, start, moved_on) in enumerate(stays):
            last = index == len(stays) - 1
            level = _severity_on(history, start)
            ward_type = (
                BedType.ICU
                if level == Severity.CRITICAL or (last and severe_on is not None)
                else BedType.ISOLATION
                if level == Severity.SEVERE
                else BedType.GENERAL
            )
            admission = Admission(
                id=uuid.uuid4(),
                case=case,
                person_id=case.person_id,
                hospital=hospital,
                ward=hospital.wards.get(bed_type=ward_type),
                county_id=hospital.county_id,
                status=(
                    AdmissionStatus.TRANSFERRED
                    if not last
                    else AdmissionStatus.DIED
                    if case.outcome == Outcome.DIED
                    else AdmissionStatus.DISCHARGED
                    if case.outcome == Outcome.CURED
                    else AdmissionStatus.ADMITTED
                ),
                admitted_on=start,
                ended_on=moved_on if not last else case.outcome_date,
                transferred_from=previous,
                transfer_reason="重症患者集中到上级定点医院救治" if previous is not None else "",
                severity_on_admission=level,
                severity=_severity_on(history, moved_on or end),
                tcm=tcm,
                synthetic=True,
            )
            admissions.append(admission)
            stay_end = moved_on or end
            day = start
            while day <= stay_end and day <= LAST_DAY:
                severity = _severity_on(history, day)
                fever = (
                    severity in (Severity.SEVERE, Severity.CRITICAL) or (day - case.confirmed_date).days < 3
                )
                updates.append(
                    SeverityUpdate(
                        admission=admission,
                        date=day,
                        severity=severity,
                        temperature=Decimal(rng.randrange(375, 393) if fever else rng.randrange(361, 372))
                        / 10,
                        spo2=rng.randrange(86, 93)
                        if severity in (Severity.SEVERE, Severity.CRITICAL)
                        else rng.randrange(95, 100),
                        respiratory_rate=rng.randrange(24, 32)
                        if severity in (Severity.SEVERE, Severity.CRITICAL)
                        else rng.randrange(14, 21),
                        heart_rate=rng.randrange(70, 110),
                        recorded_at=_at(day, 9),
                    )
                )
                day += dt.timedelta(days=1)
            treatments.append(
                Treatment(
                    admission=admission,
                    date=start,
                    kind=TreatmentKind.IMAGING,
                    detail="胸部CT：双肺多发磨玻璃影" if level != Severity.MILD else "胸部CT：未见明显异常",
                    recorded_at=_at(start, 11),
                )
            )
            treatments.append(
                Treatment(
                    admission=admission,
                    date=start,
                    kind=TreatmentKind.ANTIVIRAL,
                    detail="α-干扰素雾化吸入，洛匹那韦/利托那韦",
                    recorded_at=_at(start, 12),
                )
            )
            if tcm:
                treatments.append(
                    Treatment(
                        admission=admission,
                        date=start,
                        kind=TreatmentKind.TCM,
                        detail="清肺排毒汤，每日一剂",
                        recorded_at=_at(start, 12, 30),
                    )
                )
            if level in (Severity.SEVERE, Severity.CRITICAL) or (last and severe_on is not None):
                treatments.append(
                    Treatment(
                        admission=admission,
                        date=start,
                        kind=TreatmentKind.OXYGEN,
                        detail="高流量鼻导管吸氧",
                        recorded_at=_at(start, 13),
                    )
                )
            previous = admission
    for admission in admissions:  # a transfer's first stay is written before the second
        admission.save(force_insert=True)
    SeverityUpdate.objects.bulk_create(updates, batch_size=2000)
    Treatment.objects.bulk_create(treatments, batch_size=2000)
    result.admissions = len(admissions)


def _stay_days(case: Case) -> int:
    assert case.outcome_date is not None and case.confirmed_date is not None
    return (case.outcome_date - case.confirmed_date).days


def _severity_on(history: list[SeverityChange], day: dt.date) -> str:
    level = history[0].severity if history else Severity.MODERATE
    for change in history:
        if change.date <= day:
            level = change.severity
    return level


# Experts -----------------------------------------------------------------------------------------


def _experts(
    admin: User, expert_login: User | None, rng: random.Random, result: ClinicalResult
) -> list[Expert]:
    """228 experts in 14 prefecture groups and the province's; this week's day and night duty."""
    tree = load_tree()
    specialties = [specialty for specialty, weight in SPECIALTY_MIX for _i in range(weight)]
    groups = [("43", "湖南省医疗救治专家组")] + [
        (prefecture, f"{name}医疗救治专家组") for prefecture, name, _population in tree.prefectures
    ]
    sizes = shares(EXPERTS, [2] + [1] * len(tree.prefectures))
    experts: list[Expert] = []
    today = clock.today()
    monday = today - dt.timedelta(days=today.weekday())
    for (region, name), size in zip(groups, sizes, strict=True):
        members = [
            hospitals.expert_create(
                actor=admin,
                name=rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, 2)),
                specialty=specialties[(len(experts) + i) % len(specialties)],
                title=rng.choice(TITLES),
                employer=f"{name.removesuffix('医疗救治专家组')}定点医院",
                user_id=expert_login.pk if expert_login is not None and region == "4301" and i == 0 else None,
            )
            for i in range(size)
        ]
        experts += members
        group = hospitals.expert_group_create(
            actor=admin, name=name, region=region, member_ids=[m.pk for m in members], leader_id=members[0].pk
        )
        for offset in range(7):
            for shift in (Shift.DAY, Shift.NIGHT):
                hospitals.duty_assign(
                    actor=admin,
                    group_id=group.pk,
                    expert_id=rng.choice(members).pk,
                    date=monday + dt.timedelta(days=offset),
                    shift=shift,
                )
    result.experts = len(experts)
    return experts


def _consultations_2020(experts: list[Expert], rng: random.Random, result: ClinicalResult) -> None:
    """The 42 remote consultations of 2020 on severe patients, each with two or three opinions."""
    severe = list(
        Admission.objects.filter(
            synthetic=True, severity_on_admission__in=[Severity.SEVERE, Severity.CRITICAL]
        ).order_by("admitted_on", "id")[:CONSULTED_2020]
    )
    province_group = ExpertGroup.objects.get(region_id="43")
    panel = list(province_group.members.all())
    for admission in severe:
        at = _at(admission.admitted_on, 15)
        consultation = Consultation.objects.create(
            admission=admission,
            county_id=admission.county_id,
            question="患者氧合持续下降，请专家组会诊评估是否需要调整呼吸支持方案。",
            summary={
                "severity": admission.severity_on_admission,
                "admitted_on": admission.admitted_on.isoformat(),
            },
            status="completed",
            scheduled_at=at + dt.timedelta(hours=2),
            video_url=VIDEO_LINK,
            requested_at=at,
            closed_at=at + dt.timedelta(hours=3),
        )
        for expert in rng.sample(panel, 3):
            Invitation.objects.create(
                consultation=consultation,
                expert=expert,
                status="accepted",
                invited_at=at,
                answered_at=at + dt.timedelta(minutes=20),
            )
            Opinion.objects.create(
                consultation=consultation,
                expert=expert,
                written_at=at + dt.timedelta(hours=3),
                text="同意目前诊断。建议加强呼吸支持，监测凝血功能和炎症指标。",
                recommendations="高流量氧疗，必要时无创通气；中西医结合，辨证使用中药。",
            )
    result.consultations = len(severe)


# Today, through the services ---------------------------------------------------------------------


def _today_at_the_clinic(admin: User, places: _Places, rng: random.Random) -> None:
    """Visitors at the Furong district clinic this morning, their samples on the way to the
    Changsha CDC lab: some received and waiting for a result, a pool not yet sent."""
    clinic = places.clinic_of_county[HOME_CLINIC_COUNTY]
    lab = places.lab_named(CHANGSHA_LAB)
    people = list(
        Person.objects.filter(home_region__code__startswith=HOME_CLINIC_COUNTY, synthetic=True).order_by(
            "id"
        )[:20]
    )
    # The morning's work, ending an hour ago (whatever the hour the demo is seeded at).
    start = clock.now() - dt.timedelta(hours=4)
    today = start.astimezone(clock.SHANGHAI).date()
    barcodes = []
    for index, person in enumerate(people[:8]):
        with clock.frozen_at(start + dt.timedelta(minutes=10 * index)):
            visit = labs.visit_triage(
                actor=admin,
                clinic_id=clinic.pk,
                person_id=person.pk,
                temperature=Decimal(rng.choice(["37.6", "38.1", "37.2", "36.9"])),
                symptoms=[Symptom.FEVER, Symptom.COUGH] if index % 2 else [Symptom.SORE_THROAT],
                exposures=[Exposure.TRAVEL_RISK_AREA] if index % 3 == 0 else [],
                code_colour=CodeColour.YELLOW if index % 3 == 0 else CodeColour.GREEN,
            )
            barcode = f"FR{today:%y%m%d}{index + 1:04d}"
            labs.sample_collect(
                actor=admin, place_id=clinic.pk, person_id=person.pk, barcode=barcode, visit_id=visit.pk
            )
            barcodes.append(barcode)
    with clock.frozen_at(start + dt.timedelta(minutes=90)):
        labs.samples_ship(actor=admin, lab_id=lab.pk, barcodes=barcodes[:6])
    with clock.frozen_at(start + dt.timedelta(minutes=135)):
        labs.samples_receive(actor=admin, lab_id=lab.pk, barcodes=barcodes[:6])
    with clock.frozen_at(start + dt.timedelta(minutes=180)):
        for barcode in barcodes[:3]:
            labs.sample_report(actor=admin, barcode=barcode, result=Result.NEGATIVE, operator="检验员07")
    pooled = []
    for index, person in enumerate(people[8:13]):
        barcode = f"FR{today:%y%m%d}{index + 101:04d}"
        with clock.frozen_at(start + dt.timedelta(minutes=100 + index)):
            labs.sample_collect(actor=admin, place_id=clinic.pk, person_id=person.pk, barcode=barcode)
        pooled.append(barcode)
    with clock.frozen_at(start + dt.timedelta(minutes=110)):
        labs.pool_create(
            actor=admin, place_id=clinic.pk, barcode=f"FP{today:%y%m%d}0001", size=5, member_barcodes=pooled
        )


def _today_in_hospital(
    admin: User, places: _Places, experts: list[Expert], rng: random.Random, result: ClinicalResult
) -> None:
    """Four patients of Changsha admitted this week: one turned severe and is under remote
    consultation (the demo's expert invited), one meets the discharge criteria today."""
    tree = load_tree()
    residents = [
        r
        for r in residents_generate(residents=4000, seed=rng.randrange(1 << 30), tree=tree)
        if r.home_region[:6] in PATIENT_COUNTIES
    ][:4]
    now = clock.now()
    today = now.astimezone(clock.SHANGHAI).date()
    lab = places.lab_named(CHANGSHA_LAB)
    for index, resident in enumerate(residents):
        person = Person.objects.filter(pk=resident.id).first()
        if person is None:
            person = person_build(
                name=resident.name,
                id_number=resident.id_number,
                home_region=resident.home_region,
                phone=resident.phone,
                address=resident.address,
                synthetic=True,
            )
            person.id = resident.id
            person.save(force_insert=True)
        start = today - dt.timedelta(days=6 - index)
        case = surveillance.case_report(
            actor=None,
            person_id=person.pk,
            classification=Classification.SUSPECTED,
            report_date=start,
            onset_date=start - dt.timedelta(days=1),
            residence=resident.home_region,
            reporting_unit="长沙市第一人民医院发热门诊",
            synthetic=True,
        )
        surveillance.case_confirm(
            actor=None, case_id=case.pk, date=start, method=ConfirmationMethod.NUCLEIC_ACID
        )
        with clock.frozen_at(_at(start, 14)):
            admission = hospitals.admission_admit(
                actor=admin,
                case_id=case.pk,
                hospital_id=places.province_hospitals[1].pk,
                bed_type=BedType.ISOLATION,
                admitted_on=start,
                severity=Severity.MODERATE if index else Severity.MILD,
            )
            hospitals.treatment_record(
                actor=admin,
                admission_id=admission.pk,
                date=start,
                kind=TreatmentKind.TCM,
                detail="清肺排毒汤，每日一剂",
            )
            hospitals.treatment_record(
                actor=admin,
                admission_id=admission.pk,
                date=start,
                kind=TreatmentKind.IMAGING,
                detail="胸部CT：右肺下叶磨玻璃影",
            )
        day = start
        while day <= today:
            severe = index == 1 and (day - start).days >= 2
            with clock.frozen_at(min(_at(day, 9), now - dt.timedelta(minutes=5))):
                hospitals.severity_record(
                    actor=admin,
                    admission_id=admission.pk,
                    date=day,
                    severity=Severity.SEVERE
                    if severe
                    else Severity.MILD
                    if index == 0
                    else Severity.MODERATE,
                    temperature=Decimal("38.4") if severe or (day - start).days < 2 else Decimal("36.7"),
                    spo2=91 if severe else 97,
                    respiratory_rate=26 if severe else 18,
                    heart_rate=96 if severe else 80,
                )
            day += dt.timedelta(days=1)
        if index == 0:  # recovered: two negative tests a day apart
            for days_before in (2, 1):
                day = today - dt.timedelta(days=days_before)
                barcode = f"DH{day:%y%m%d}{index + 1:04d}"
                with clock.frozen_at(_at(day, 7, 30)):
                    labs.sample_collect(
                        actor=admin,
                        place_id=places.clinic_for("430121").pk,
                        person_id=person.pk,
                        barcode=barcode,
                    )
                with clock.frozen_at(_at(day, 10)):
                    labs.samples_ship(actor=admin, lab_id=lab.pk, barcodes=[barcode])
                    labs.samples_receive(actor=admin, lab_id=lab.pk, barcodes=[barcode])
                with clock.frozen_at(_at(day, 15)):
                    labs.sample_report(
                        actor=admin, barcode=barcode, result=Result.NEGATIVE, operator="检验员07"
                    )
        if index == 1:
            with clock.frozen_at(now - dt.timedelta(hours=1)):
                consultation = hospitals.consultation_request(
                    actor=admin,
                    admission_id=admission.pk,
                    question="患者转为重型，氧合指数下降，请专家组会诊指导下一步治疗。",
                )
                invited = [e.pk for e in experts if e.user_id is not None] + [
                    e.pk for e in rng.sample([e for e in experts if e.user_id is None][:16], 2)
                ]
                hospitals.consultation_invite(
                    actor=admin, consultation_id=consultation.pk, expert_ids=invited
                )
                hospitals.consultation_schedule(
                    actor=admin,
                    consultation_id=consultation.pk,
                    scheduled_at=now + dt.timedelta(hours=3),
                    video_url=VIDEO_LINK,
                )
        result.patients_now += 1
