import codecs
import datetime as dt

import pytest
from django.utils import translation
from tests.command.conftest import COUNTY, NOW, OTHER_COUNTY, PREFECTURE, TOWNSHIP

from fangyi.command import selectors, services
from fangyi.command.models import Sitrep
from fangyi.core.errors import DomainError
from fangyi.core.models import AuditEvent
from fangyi.hospitals.models import Hospital, Ward
from fangyi.labs.models import Laboratory
from fangyi.regions.models import Place
from fangyi.resumption.models import Enterprise, ResumptionDay
from fangyi.supplies.models import Balance, Item, Location, Warehouse
from fangyi.surveillance.models import DailyReport, ResponseLevelPeriod

pytestmark = pytest.mark.django_db
DAY = NOW.date()
ALWAYS = {"risk"}  # every county has a level once a rule set is in force, quiet ones low


def _sections(sitrep):
    return {section["key"]: section for section in sitrep.content["sections"]}


@pytest.fixture
def data(county_directive):
    """Something in every module for 芙蓉区 (and so 长沙市 and the province) on DAY."""
    for code in ("43", PREFECTURE, COUNTY):
        DailyReport.objects.create(
            region_id=code, date=DAY, new_confirmed_local=3, confirmed_cumulative=120, in_hospital=80
        )
    ResponseLevelPeriod.objects.create(level="I", start_date=dt.date(2020, 1, 23))
    lab = Place.objects.create(name="芙蓉区疾控实验室", kind="lab", region_id=COUNTY)
    Laboratory.objects.create(place=lab, daily_capacity=600)
    hospital = Place.objects.create(name="芙蓉区人民医院", kind="hospital", region_id=COUNTY)
    Ward.objects.create(
        hospital=Hospital.objects.create(place=hospital, level="county", county_id=COUNTY),
        bed_type="isolation",
        capacity=40,
    )
    place = Place.objects.create(name="芙蓉区物资储备库", kind="warehouse", region_id=COUNTY)
    warehouse = Warehouse.objects.create(place=place, level="county")
    masks = Item.objects.create(
        code="mask", name="医用外科口罩", category="protection", unit="只", pack_size=50
    )
    for kind, quantity in (("warehouse", 5000), ("in_transit", 200)):
        location = Location.objects.create(kind=kind, warehouse=warehouse, region_id=COUNTY)
        Balance.objects.create(location=location, item=masks, quantity=quantity)
    for n, (status, returned) in enumerate((("partly", 30), ("not_resumed", 0))):
        firm = Enterprise.objects.create(
            credit_code=f"91430102MA4L00000{n}",
            name=f"芙蓉企业{n}",
            industry="manufacturing",
            region_id=COUNTY,
            workforce=50,
        )
        ResumptionDay.objects.create(
            enterprise=firm, date=DAY, status=status, workforce=50, returned=returned
        )
    return county_directive


def test_the_sitrep_gathers_every_module(data, county):
    sitrep = services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    sections = _sections(sitrep)
    assert list(sections) == [
        "cases",
        "risk",
        "response",
        "screening",
        "observation",
        "testing",
        "beds",
        "supplies",
        "resumption",
        "hiring",
        "consumption",
        "directives",
    ]
    assert sections["cases"]["figures"]["new_confirmed"] == 3
    assert sections["cases"]["figures"]["in_hospital"] == 80
    assert sections["response"]["figures"] == {"level": "I", "since": "2020-01-23"}
    assert (sections["testing"]["figures"]["labs"], sections["testing"]["figures"]["daily_capacity"]) == (
        1,
        600,
    )
    assert sections["beds"]["figures"]["capacity"] == 40
    assert sections["beds"]["table"] == [{"bed_type": "isolation", "capacity": 40, "occupied": 0}]
    [stock] = sections["supplies"]["table"]
    assert (stock["item"], stock["quantity"], stock["in_transit"]) == ("mask", 5000, 200)
    assert sections["directives"]["figures"]["directives"] == 1
    resumption = sections["resumption"]["figures"]
    assert (resumption["enterprises"], resumption["resumed"], resumption["resumption_rate"]) == (2, 1, 0.5)
    assert resumption["staff_return_rate"] == 0.3
    for key in ("cases", "response", "testing", "beds", "supplies", "resumption", "directives"):
        assert sections[key]["available"], key
    assert not sections["screening"]["available"]
    assert not sections["observation"]["available"]
    assert sitrep.content["region"] == {"code": COUNTY, "name": "芙蓉区", "level": "county"}


def test_headlines_are_rendered_in_the_readers_language(data, county):
    sitrep = services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    with translation.override("en"):
        rendered = {s["key"]: s for s in selectors.sitrep_sections(sitrep.content)}
        title = selectors.sitrep_title(sitrep)
    assert rendered["cases"]["headline"].startswith("3 new confirmed; 120 confirmed in all")
    assert rendered["cases"]["title"] == "Cases"
    assert rendered["observation"]["headline"] == "No data for this region on this day."
    assert {"key": "in_hospital", "label": "In hospital", "value": "80"} in rendered["cases"]["figures"]
    assert rendered["beds"]["columns"] == ["Bed type", "Beds", "Occupied"]
    assert rendered["beds"]["rows"] == [["Isolation", "40", "0"]]
    assert rendered["resumption"]["headline"] == (
        "1 of 2 enterprises reopened (50.0 %), 30.0 % of staff back; 0 problems open."
    )
    assert title == "Situation report of 芙蓉区 on 2020-02-10"


def test_a_region_without_data_says_so_in_every_section(county, now):
    sitrep = services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    for key, section in _sections(sitrep).items():
        if key not in ALWAYS:
            assert not section["available"], key
    with translation.override("en"):
        headlines = {
            s["headline"] for s in selectors.sitrep_sections(sitrep.content) if s["key"] not in ALWAYS
        }
    assert headlines == {"No data for this region on this day."}


def test_the_province_and_a_prefecture_see_the_counties_below(data, province, prefecture):
    for actor, code in ((province, "43"), (prefecture, PREFECTURE)):
        sections = _sections(services.sitrep_generate(actor=actor, region=code, date=DAY))
        assert sections["beds"]["figures"]["capacity"] == 40
        assert sections["supplies"]["figures"]["warehouses"] == 1


def test_regenerating_a_day_replaces_it_and_each_day_is_archived(data, county, township):
    first = services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    services.target_complete(actor=township, target_id=data.targets.get(region_id=TOWNSHIP).pk, note="")
    again = services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    assert again.pk == first.pk
    assert _sections(again)["directives"]["figures"]["completed"] == 1
    services.sitrep_generate(actor=county, region=COUNTY, date=DAY - dt.timedelta(days=1))
    assert Sitrep.objects.filter(region_id=COUNTY).count() == 2
    assert [s.date for s in selectors.sitrep_list(actor=county)] == [DAY, DAY - dt.timedelta(days=1)]
    assert list(AuditEvent.objects.filter(action__startswith="sitrep.").values_list("action", flat=True)) == [
        "sitrep.generate",
        "sitrep.regenerate",
        "sitrep.generate",
    ]


def test_the_pdf_is_a_pdf_with_the_title(data, county):
    sitrep = services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    with translation.override("en"):
        pdf = selectors.sitrep_pdf(sitrep)
    assert pdf.startswith(b"%PDF")
    assert b"/Title (" + _pdf_string("Situation report of 芙蓉区 on 2020-02-10") + b")" in pdf


def _pdf_string(text):
    """How a PDF writes a string with Chinese in it: UTF-16 with a byte-order mark, bytes outside
    printable ASCII as octal escapes."""
    raw = codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return "".join(chr(b) if 32 <= b < 127 else f"\\{b:03o}" for b in raw).encode()


@pytest.mark.parametrize(
    ("region", "date", "code", "status"),
    [
        (COUNTY, DAY + dt.timedelta(days=1), "sitrep.date_in_future", 400),
        (TOWNSHIP, DAY, "sitrep.invalid_region", 400),
        ("43x", DAY, "region.invalid_code", 400),
        ("4399", DAY, "region.not_found", 404),
        (OTHER_COUNTY, DAY, "region.not_found", 404),
        (PREFECTURE, DAY, "region.not_found", 404),
    ],
)
def test_bad_requests_are_refused_and_nothing_is_archived(county, now, region, date, code, status):
    with pytest.raises(DomainError) as refused:
        services.sitrep_generate(actor=county, region=region, date=date)
    assert (refused.value.code, refused.value.status) == (code, status)
    assert not Sitrep.objects.exists()


def test_reading_is_scoped(data, county, other_county, grid_worker):
    services.sitrep_generate(actor=county, region=COUNTY, date=DAY)
    assert selectors.sitrep_get(actor=county, region=COUNTY, date=DAY).region_id == COUNTY
    assert not selectors.sitrep_list(actor=other_county).exists()
    for actor, date in ((other_county, DAY), (county, DAY - dt.timedelta(days=3))):
        with pytest.raises(DomainError) as refused:
            selectors.sitrep_get(actor=actor, region=COUNTY, date=date)
        assert refused.value.code == "sitrep.not_found"
    with pytest.raises(DomainError) as refused:
        services.sitrep_generate(actor=grid_worker, region=COUNTY, date=DAY)
    assert refused.value.status == 403
