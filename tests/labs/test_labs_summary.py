"""The testing summary: totals, positivity, median turnaround, same-day share, labs' backlog and
capacity, positivity by day, and who may read them."""

import datetime as dt

import pytest

from fangyi.accounts.choices import Role
from fangyi.core import clock
from fangyi.core.errors import DomainError
from fangyi.labs import selectors
from fangyi.labs.choices import Result, SampleKind, SampleStatus
from fangyi.labs.models import Laboratory, Sample
from fangyi.people.services import person_register
from fangyi.regions.models import Place

FURONG_VILLAGE = "430102001001"
TIANXIN_VILLAGE = "430103002001"
DAY = dt.date(2020, 2, 1)
NINE = dt.datetime(2020, 2, 1, 1, tzinfo=dt.UTC)  # 09:00 in Shanghai


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen_at(dt.datetime(2020, 2, 3, 4, tzinfo=dt.UTC)):
        yield


@pytest.fixture
def data(db, new_id_number):
    clinic = Place.objects.create(name="发热门诊", kind="fever_clinic", region_id=FURONG_VILLAGE)
    lab = Laboratory.objects.create(
        place=Place.objects.create(name="芙蓉实验室", kind="lab", region_id=FURONG_VILLAGE),
        daily_capacity=800,
    )
    Laboratory.objects.create(
        place=Place.objects.create(name="天心实验室", kind="lab", region_id=TIANXIN_VILLAGE),
        daily_capacity=500,
    )
    person = person_register(
        actor=None, name="王某", id_number=new_id_number("430102"), home_region=FURONG_VILLAGE
    )
    serial = iter(range(1, 1000))

    def sample(minutes=None, result=Result.NEGATIVE, status=None, collected=NINE, county="430102", **extra):
        reported = collected + dt.timedelta(minutes=minutes) if minutes is not None else None
        return Sample.objects.create(
            barcode=f"S-{next(serial):06d}",
            kind=SampleKind.INDIVIDUAL,
            person=person,
            collection_place=clinic,
            county_id=county,
            collected_at=collected,
            lab=lab,
            status=status or (SampleStatus.REPORTED if reported else SampleStatus.RECEIVED),
            result=result if reported else "",
            reported_at=reported,
            turnaround_minutes=minutes,
            reported_same_day=(reported.astimezone(clock.SHANGHAI).date() == DAY) if reported else None,
            **extra,
        )

    # Four reported on 1 February: 2 h, 4 h, 10 h (positive) and 20 h (the next day); one waiting,
    # one in transit; one of another county; one reported on 2 February.
    sample(120)
    sample(240)
    sample(600, Result.POSITIVE)
    sample(1200)
    sample(received_at=NINE + dt.timedelta(hours=1))
    sample(status=SampleStatus.SHIPPED)
    sample(60, Result.POSITIVE, county="430103")
    sample(90, collected=NINE + dt.timedelta(days=1))
    return lab


def test_the_summary_of_a_county_on_a_day(data, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    summary = selectors.lab_summary(actor=official, region="430102", date=DAY)
    assert summary["samples_total"] == 6 and summary["reported_total"] == 4 and summary["positive_total"] == 1
    assert summary["positive_rate"] == 0.25
    assert summary["median_turnaround_hours"] == 7.0  # (240 + 600) / 2 minutes
    assert summary["reported_same_day_rate"] == 0.75
    assert summary["backlog"] == 2 and summary["daily_capacity"] == 800
    [lab] = summary["labs"]
    assert lab["place_id"] == data.place_id and lab["backlog"] == 2 and lab["received_today"] == 1
    assert lab["reported_today"] == 4  # with 天心区's sample; the 20-hour one was reported on 2 February


def test_all_time_and_an_odd_count_median_and_the_prefecture(data, make_user):
    official = make_user(Role.PREFECTURE_OFFICIAL, "4301")
    summary = selectors.lab_summary(actor=official, region="430102")
    assert summary["samples_total"] == 7 and summary["reported_total"] == 5
    assert summary["median_turnaround_hours"] == 4.0
    city = selectors.lab_summary(actor=official, region="430100", date=DAY)
    assert city["samples_total"] == 7 and city["daily_capacity"] == 1300 and len(city["labs"]) == 2


def test_an_empty_day_has_no_rates(data, make_user):
    summary = selectors.lab_summary(
        actor=make_user(Role.COUNTY_OFFICIAL, "430102"), region="430102", date=DAY - dt.timedelta(days=5)
    )
    assert summary["samples_total"] == 0
    assert summary["positive_rate"] is None and summary["median_turnaround_hours"] is None
    assert summary["reported_same_day_rate"] is None


def test_the_summary_is_scoped(data, make_user):
    with pytest.raises(DomainError) as caught:
        selectors.lab_summary(actor=make_user(Role.LAB_STAFF, "430103"), region="430102")
    assert caught.value.code == "region.not_found"
    with pytest.raises(DomainError) as caught:
        selectors.lab_summary(actor=make_user(Role.RESIDENT, "430102"), region="430102")
    assert caught.value.status == 403
    with pytest.raises(DomainError) as caught:
        selectors.lab_summary(actor=make_user(Role.COUNTY_OFFICIAL, "430102"), region="4301x2")
    assert caught.value.code == "region.invalid_code" and caught.value.status == 400


def test_positivity_by_day_lists_every_day(data, make_user):
    official = make_user(Role.COUNTY_OFFICIAL, "430102")
    days = selectors.positivity_by_day(
        actor=official, region="430102", start=DAY, end=DAY + dt.timedelta(days=2)
    )
    assert [(d["date"], d["reported"], d["positive"], d["rate"]) for d in days] == [
        (DAY, 3, 1, 0.3333),
        (DAY + dt.timedelta(days=1), 2, 0, 0.0),
        (DAY + dt.timedelta(days=2), 0, 0, None),
    ]
    with pytest.raises(DomainError) as caught:
        selectors.positivity_by_day(
            actor=official, region="430102", start=DAY, end=DAY - dt.timedelta(days=1)
        )
    assert caught.value.code == "summary.invalid_range"
    with pytest.raises(DomainError) as caught:
        selectors.positivity_by_day(
            actor=official, region="430102", start=DAY, end=DAY + dt.timedelta(days=400)
        )
    assert caught.value.code == "summary.range_too_long"
