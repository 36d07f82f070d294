"""The situation report's hiring (湘就业) and consumption voucher (湘消费) sections against figures
worked out by hand, on two days, D1 = 2020-02-09 and D2 = 2020-02-10 (times in Changsha).

Hiring, 芙蓉区: employer A (文艺路街道) posts p1 (D1 09:00, closes D2+30), p2 (D2 08:00), p3 (D1-5,
closes on D1) and p4 (closed). Seekers s1, s2 visible in 芙蓉区, s3 hidden. Applications:
  s1→p1 applied D1 10:00, hired D2 09:00;   s2→p1 applied D2 08:30;
  s2→p3 applied D1 11:00, hired D1 15:00;   s3→p1 applied D1-2, hired D1 23:30;
  s1→p3 applied D1-8, hired D1-6;           s3→p2 applied D2 09:00, withdrawn.
天心区: employer B posts pB (D1); its visible seeker s4 applies D2 09:00 and is hired D2 09:10.

Vouchers of 芙蓉区's programme (20 off 100, 50 off 200). Shop A (small, 文艺路街道), shop B (not
small, 430102002), shop T (small, 天心区). Residents r1-r3 of 芙蓉区, r4 of 天心区:
  v1 r1 20 off, claimed D1 10:00, spent at A D1 23:50 on 120 yuan;
  v4 r2 20 off, claimed D1 08:00, spent at A D1 18:00 on 150 yuan, refunded D2 09:00;
  v2 r2 50 off, claimed D1 11:00, spent at B D2 10:00 on 300 yuan;
  v3 r3 20 off, claimed D2 08:00, spent at A D2 09:00 on 100 yuan, refunded D2 09:15;
  v5 r4 20 off, claimed D2 09:00, spent at A D2 09:20 on 200 yuan (a claim of 天心区, a sale of 芙蓉区);
  v6 r4 20 off, claimed D2 09:30, spent at T D2 09:40 on 100 yuan.
"""

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation
from tests.command.conftest import COUNTY, OTHER_COUNTY, PREFECTURE

from fangyi.accounts.choices import Role
from fangyi.command import selectors, services
from fangyi.command.models import Sitrep
from fangyi.core import clock
from fangyi.employment.models import Application, Employer, JobPost, Seeker
from fangyi.people.services import person_register
from fangyi.vouchers.models import Denomination, Merchant, Program, Redemption, Voucher

pytestmark = pytest.mark.django_db
D1, D2 = dt.date(2020, 2, 9), dt.date(2020, 2, 10)
TOWNSHIP = "430102001"
TOWNSHIP_B = "430102002"
VILLAGE = "430102001001"
OTHER_VILLAGE = "430103002001"
ELECTRICIAN = "6-31-01-03"
EMPTY = "No data for this region on this day."


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.SHANGHAI)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def person(new_id_number):
    def make(home: str):
        return person_register(actor=None, name="李建国", id_number=new_id_number(home[:6]), home_region=home)

    return make


@pytest.fixture
def hiring(person):
    firm_a = Employer.objects.create(name="湘华制造有限公司", region_id=TOWNSHIP)
    firm_b = Employer.objects.create(name="天心物流有限公司", region_id=OTHER_COUNTY)

    def post(employer, posted, closing, status="open"):
        return JobPost.objects.create(
            employer=employer,
            title="招聘电工",
            occupation_id=ELECTRICIAN,
            region_id=employer.region_id,
            salary_min=4000,
            salary_max=6000,
            headcount=2,
            closing_date=closing,
            posted_at=posted,
            status=status,
        )

    p1 = post(firm_a, at(D1, 9), D2 + days(30))
    p2 = post(firm_a, at(D2, 8), D2 + days(10))
    p3 = post(firm_a, at(D1 - days(5), 9), D1)
    post(firm_a, at(D1 - days(3), 9), D2 + days(30), status="closed")
    pb = post(firm_b, at(D1, 9), D2 + days(30))

    def seeker(home, region, visible=True):
        return Seeker.objects.create(
            person=person(home), region_id=region, available_from=D1 - days(10), visible=visible
        )

    s1, s2 = seeker(VILLAGE, COUNTY), seeker(VILLAGE, TOWNSHIP)
    s3 = seeker(VILLAGE, COUNTY, visible=False)
    s4 = seeker(OTHER_VILLAGE, OTHER_COUNTY)

    def apply(post, seeker, applied, hired=None, stage="applied"):
        Application.objects.create(
            post=post,
            seeker=seeker,
            applied_at=applied,
            hired_at=hired,
            stage="hired" if hired else stage,
        )

    apply(p1, s1, at(D1, 10), hired=at(D2, 9))
    apply(p1, s2, at(D2, 8, 30))
    apply(p3, s2, at(D1, 11), hired=at(D1, 15))
    apply(p1, s3, at(D1 - days(2), 10), hired=at(D1, 23, 30))
    apply(p3, s1, at(D1 - days(8), 10), hired=at(D1 - days(6), 10))
    apply(p2, s3, at(D2, 9), stage="withdrawn")
    apply(pb, s4, at(D2, 9), hired=at(D2, 9, 10))


@pytest.fixture
def consumption(person):
    program = Program.objects.create(
        name="芙蓉区消费券 第一期",
        funder_kind="government",
        funder="芙蓉区人民政府",
        region_id=COUNTY,
        budget_fen=1_000_000,
        categories=["catering", "supermarket"],
        claiming="first_come",
        per_person_limit=2,
        claim_opens=at(D1, 0),
        claim_closes=at(D1 + days(7), 0),
        valid_from=at(D1, 0),
        valid_until=at(D1 + days(30), 0),
        status="published",
    )
    twenty, fifty = (
        Denomination.objects.create(
            program=program, face_value_fen=face, threshold_fen=threshold, stock=50, remaining=40
        )
        for face, threshold in ((2000, 10000), (5000, 20000))
    )
    shop_a = Merchant.objects.create(
        name="湘菜馆", category="catering", region_id=TOWNSHIP, status="approved"
    )
    shop_b = Merchant.objects.create(
        name="芙蓉超市", category="supermarket", small_micro=False, region_id=TOWNSHIP_B, status="approved"
    )
    shop_t = Merchant.objects.create(
        name="天心小吃", category="catering", region_id=OTHER_COUNTY, status="approved"
    )
    r1, r2, r3, r4 = person(VILLAGE), person(VILLAGE), person(VILLAGE), person(OTHER_VILLAGE)
    codes = iter(range(1, 100))

    def spend(holder, slot, kind, claimed, shop, redeemed, order_yuan, refunded=None):
        voucher = Voucher.objects.create(
            code=f"V{next(codes):05d}",
            program=program,
            denomination=kind,
            holder=holder,
            slot=slot,
            claimed_in_id=holder.home_region_id,
            claimed_at=claimed,
            status="held" if refunded else "redeemed",
            redeemed_at=None if refunded else redeemed,
        )
        Redemption.objects.create(
            merchant=shop,
            voucher=voucher,
            order_no=voucher.code,
            order_amount_fen=order_yuan * 100,
            discount_fen=kind.face_value_fen,
            status="refunded" if refunded else "done",
            redeemed_at=redeemed,
            refunded_at=refunded,
        )

    spend(r1, 1, twenty, at(D1, 10), shop_a, at(D1, 23, 50), 120)
    spend(r2, 2, twenty, at(D1, 8), shop_a, at(D1, 18), 150, refunded=at(D2, 9))
    spend(r2, 1, fifty, at(D1, 11), shop_b, at(D2, 10), 300)
    spend(r3, 1, twenty, at(D2, 8), shop_a, at(D2, 9), 100, refunded=at(D2, 9, 15))
    spend(r4, 1, twenty, at(D2, 9), shop_a, at(D2, 9, 20), 200)
    spend(r4, 2, twenty, at(D2, 9, 30), shop_t, at(D2, 9, 40), 100)


@pytest.fixture
def later():
    with clock.frozen_at(at(D2, 20)) as moment:
        yield moment


def sections(region: str, date: dt.date) -> dict:
    region_row = selectors.sitrep_region(actor=None, capability=selectors.VIEW, code=region)
    content = selectors.sitrep_build(region=region_row, date=date)
    return {section["key"]: section for section in content["sections"]}


def test_hiring_figures_on_two_days(hiring, later):
    first, second = sections(COUNTY, D1)["hiring"], sections(COUNTY, D2)["hiring"]
    assert first["available"] and second["available"]
    assert first["figures"] == {
        "open_posts": 2,  # p1 and p3, on its closing day
        "applications_today": 2,  # s1→p1, s2→p3
        "hires_today": 2,  # s2 at 15:00 and s3 at 23:30 Changsha time
        "hires_week": 3,  # and s1's on D1-6
        "seekers": 2,  # s3 is hidden
    }
    assert second["figures"] == {
        "open_posts": 2,  # p1 and p2; p3 closed the day before, p4 is closed
        "applications_today": 2,  # s2→p1 and the withdrawn s3→p2
        "hires_today": 1,
        "hires_week": 3,  # D1's two and D2's one; D1-6 is a day too early
        "seekers": 2,
    }


def test_consumption_figures_on_two_days(consumption, later):
    first, second = sections(COUNTY, D1)["consumption"], sections(COUNTY, D2)["consumption"]
    assert first["available"] and second["available"]
    assert first["figures"] == {
        "claimed_today": 3,  # v1, v2, v4
        "claimed": 3,
        "redeemed_today": 2,  # v1 at 23:50, v4 refunded only the next day
        "redeemed": 2,
        "redeemed_fen": 4000,
        "order_amount_fen": 27000,
        "leverage": 6.75,
        "small_micro_share": 1.0,
    }
    assert second["figures"] == {
        "claimed_today": 1,  # v3; v5 and v6 were claimed in 天心区
        "claimed": 4,
        "redeemed_today": 2,  # v2 and v5; v3 was refunded the same day
        "redeemed": 3,  # v1, v2, v5; v4 is refunded now
        "redeemed_fen": 9000,
        "order_amount_fen": 62000,
        "leverage": 6.89,  # 620 / 90
        "small_micro_share": 0.4444,  # 40 of the 90 yuan at shop A
    }


def test_a_county_never_counts_another_countys_figures(hiring, consumption, later):
    other = sections(OTHER_COUNTY, D2)
    assert other["hiring"]["figures"] == {
        "open_posts": 1,
        "applications_today": 1,
        "hires_today": 1,
        "hires_week": 1,
        "seekers": 1,
    }
    assert other["consumption"]["figures"] == {
        "claimed_today": 2,
        "claimed": 2,
        "redeemed_today": 1,  # v6 at shop T; v5 was spent in 芙蓉区
        "redeemed": 1,
        "redeemed_fen": 2000,
        "order_amount_fen": 10000,
        "leverage": 5.0,
        "small_micro_share": 1.0,
    }
    # The prefecture adds its two counties up.
    changsha = sections(PREFECTURE, D2)
    assert changsha["hiring"]["figures"] == {
        "open_posts": 3,
        "applications_today": 3,
        "hires_today": 2,
        "hires_week": 4,
        "seekers": 3,
    }
    assert (
        changsha["consumption"]["figures"]["claimed"],
        changsha["consumption"]["figures"]["redeemed"],
    ) == (
        6,
        4,
    )


def test_the_report_reads_with_its_own_regions_jurisdiction_only():
    reader = selectors.RegionReader(COUNTY)
    for capability in ("resumption.view", "vouchers.view"):
        assert reader.prefixes_for(capability) == (COUNTY,)
    assert reader.prefixes_for("vouchers.manage") == ()
    assert reader.prefixes_for("employment.post") == ()


def test_sections_say_so_when_there_is_nothing(later):
    found = sections(COUNTY, D2)
    for key in ("hiring", "consumption"):
        assert not found[key]["available"], key
    with translation.override("en"):
        rendered = {s["key"]: s for s in selectors.sitrep_sections({"sections": list(found.values())})}
    for key in ("hiring", "consumption"):
        assert (rendered[key]["headline"], rendered[key]["figures"]) == (EMPTY, [])


def test_vouchers_not_yet_claimed_on_an_earlier_day_leave_the_section_empty(consumption, later):
    assert not sections(COUNTY, D1 - days(1))["consumption"]["available"]
    assert sections(COUNTY, D1)["consumption"]["available"]


def test_a_hidden_seeker_alone_is_no_hiring(person, later):
    Seeker.objects.create(person=person(VILLAGE), region_id=COUNTY, available_from=D1, visible=False)
    assert not sections(COUNTY, D2)["hiring"]["available"]
    Seeker.objects.create(person=person(VILLAGE), region_id=COUNTY, available_from=D1)
    hiring = sections(COUNTY, D2)["hiring"]
    assert hiring["available"] and hiring["figures"]["seekers"] == 1


def test_headlines_and_values_in_the_readers_language(hiring, consumption, later, county):
    sitrep = services.sitrep_generate(actor=county, region=COUNTY, date=D2)
    with translation.override("en"):
        rendered = {s["key"]: s for s in selectors.sitrep_sections(sitrep.content)}
    assert rendered["hiring"]["title"] == "Hiring"
    assert rendered["hiring"]["headline"] == (
        "2 job posts open; 2 applications and 1 hires today, 3 hires in the last 7 days; "
        "2 job seekers looking."
    )
    assert rendered["consumption"]["title"] == "Consumption vouchers"
    assert rendered["consumption"]["headline"] == (
        "1 vouchers claimed and 2 redeemed today; 90.00 yuan of vouchers spent in all went with "
        "620.00 yuan of purchases."
    )
    values = {f["label"]: f["value"] for f in rendered["consumption"]["figures"]}
    assert values == {
        "Vouchers claimed today": "1",
        "Vouchers claimed in all": "4",
        "Vouchers redeemed today": "2",
        "Vouchers redeemed in all": "3",
        "Voucher discount spent (yuan)": "90.00",
        "Purchases driven (yuan)": "620.00",
        "Purchases per yuan of discount": "6.89",
        "Small and micro businesses' share": "44.4 %",
    }
    assert {f["key"]: f["value"] for f in rendered["hiring"]["figures"]}["hires_week"] == "3"


def test_large_amounts_are_grouped_and_an_unspent_programme_has_no_ratios():
    with translation.override("en"):
        [section] = selectors.sitrep_sections(
            {
                "sections": [
                    {
                        "key": "consumption",
                        "available": True,
                        "table": [],
                        "figures": {
                            "claimed_today": 1200,
                            "claimed": 1200,
                            "redeemed_today": 0,
                            "redeemed": 0,
                            "redeemed_fen": 123456705,
                            "order_amount_fen": 0,
                            "leverage": None,
                            "small_micro_share": None,
                        },
                    }
                ]
            }
        )
    values = {f["key"]: f["value"] for f in section["figures"]}
    assert (values["claimed"], values["redeemed_fen"], values["order_amount_fen"]) == (
        "1,200",
        "1,234,567.05",
        "0.00",
    )
    assert (values["leverage"], values["small_micro_share"]) == ("—", "—")


def test_the_daily_archive_page_and_api_show_both_sections(hiring, consumption, later, api_client, make_user):
    archived = {s.region_id: s for s in services.sitreps_generate_daily(date=D2)}
    changsha = {s["key"]: s for s in archived[PREFECTURE].content["sections"]}
    assert changsha["hiring"]["figures"]["hires_week"] == 4
    assert changsha["consumption"]["figures"]["redeemed_fen"] == 11000
    province = {s["key"]: s for s in archived["43"].content["sections"]}
    assert province["consumption"]["figures"]["claimed"] == 6
    assert Sitrep.objects.filter(region_id=PREFECTURE, date=D2).exists()

    official = make_user(Role.PREFECTURE_OFFICIAL, PREFECTURE)
    with translation.override("en"):  # the test client calls the API without the locale middleware
        response = api_client.get(f"/command/sitreps/{PREFECTURE}/{D2}", user=official)
    assert response.status_code == 200
    by_key = {s["key"]: s for s in response.json()["sections"]}
    assert by_key["hiring"]["available"] and by_key["consumption"]["available"]
    assert {"key": "redeemed_fen", "label": "Voucher discount spent (yuan)", "value": "110.00"} in (
        by_key["consumption"]["figures"]
    )

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(official)
    html = client.get(f"/command/sitreps/{PREFECTURE}/{D2}/").content.decode()
    assert 'id="sitrep-hiring"' in html and 'id="sitrep-consumption"' in html
    assert "Hires in the last 7 days" in html and "Small and micro businesses&#x27; share" in html
