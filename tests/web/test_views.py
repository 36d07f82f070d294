import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import PASSWORD

from fangyi.accounts.choices import Role
from fangyi.core.validators import id_check_char
from fangyi.people.services import person_register
from fangyi.regions.models import Place, Region

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def id_number(home: str, serial: int) -> str:
    first17 = f"{home[:6]}19850101{serial:03d}"
    return first17 + id_check_char(first17)


def register(home: str, serial: int) -> None:
    person_register(actor=None, name=f"居民{serial}", id_number=id_number(home, serial), home_region=home)


@pytest.fixture
def residents():
    """Three residents in 芙蓉区 (Changsha), two in 天心区 (Changsha), one in 株洲 荷塘区."""
    for serial, home in enumerate(
        ["430102001001", "430102001002", "430102002001", "430103002001", "430103002002", "430202001001"],
        start=1,
    ):
        register(home, serial)


@pytest.fixture
def places():
    Place.objects.create(name="文艺路社区卡口", kind="compound_gate", region_id="430102001001")
    Place.objects.create(name="天心区发热门诊", kind="fever_clinic", region_id="430103002")
    Place.objects.create(name="株洲检测点", kind="lab", region_id="4302")


def signed_in(user) -> Client:
    client = Client(**ZH)
    client.force_login(user)
    return client


def kpi(html: str, name: str) -> str:
    match = re.search(rf'data-kpi="{name}">([^<]*)<', html)
    assert match, f"no KPI {name}"
    return match.group(1).strip()


def child_row(html: str, code: str) -> list[str]:
    """The name and the three figures of one row of the children table."""
    match = re.search(rf'data-region="{code}">([^<]+)</a></th>(.*?)</tr>', html, re.S)
    assert match, f"no row for {code}"
    cells = re.findall(r'<td class="num">([^<]*)</td>', match.group(2))
    return [match.group(1), *(cell.strip() for cell in cells)]


# Sign-in ---------------------------------------------------------------------------------------


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("web:login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert 'name="language" value="en"' in html
    assert reverse("set_language") in html


def test_login_success_redirects_to_next(make_user, client):
    user = make_user(Role.COUNTY_OFFICIAL, "430102")
    response = client.post(
        reverse("web:login"), {"username": user.username, "password": PASSWORD, "next": "/regions/4301/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/regions/4301/"
    assert client.get("/").status_code == 200


def test_login_ignores_an_offsite_next(make_user, client):
    user = make_user(Role.COUNTY_OFFICIAL, "430102")
    response = client.post(
        reverse("web:login"),
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_login_failure_shows_the_error_next_to_the_form(make_user, client):
    user = make_user(Role.COUNTY_OFFICIAL, "430102")
    response = client.post(
        reverse("web:login"), {"username": user.username, "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Wrong username or password." in html
    assert f'value="{user.username}"' in html
    assert "_auth_user_id" not in client.session


def test_login_is_throttled_after_repeated_failures(make_user, client, settings):
    user = make_user(Role.COUNTY_OFFICIAL, "430102")
    for _ in range(settings.FANGYI_LOGIN_MAX_FAILURES):
        client.post(reverse("web:login"), {"username": user.username, "password": "wrong"})
    response = client.post(
        reverse("web:login"), {"username": user.username, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_post_and_signs_out(make_user):
    client = signed_in(make_user(Role.COUNTY_OFFICIAL, "430102"))
    assert client.get(reverse("web:logout")).status_code == 405
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login")
    assert client.get("/").status_code == 302


def test_dashboard_requires_sign_in(client):
    response = client.get("/regions/4301/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


# Dashboard -------------------------------------------------------------------------------------


def test_province_dashboard(make_user, residents, places):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>湖南省</h1>" in html
    assert kpi(html, "residents") == "6"
    assert kpi(html, "places") == "3"
    assert kpi(html, "children") == "14"
    assert kpi(html, "population") != "—"
    assert child_row(html, "4301") == ["长沙市", "10,047,914", "5", "2"]
    assert child_row(html, "4302")[2:] == ["1", "1"]
    data = json.loads(re.search(r'id="map-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["level"] == "province"
    assert data["geojson"].endswith("hunan_prefectures.geojson")
    assert data["values"]["430100"]["residents"] == 5
    assert data["metric"] == "residents"
    assert 'id="region-map"' in html
    assert 'data-map-level="province"' in html
    assert "OpenStreetMap" not in html


def test_dashboard_counts_use_one_grouped_query_each(make_user, residents, places):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    client.get("/regions/4301/")  # warm the session and the user
    with CaptureQueriesContext(connection) as small:
        client.get("/regions/4301/")  # 9 counties
    with CaptureQueriesContext(connection) as large:
        client.get("/regions/4312/")  # 12 counties
    assert len(small.captured_queries) == len(large.captured_queries)
    sql = [query["sql"] for query in large.captured_queries]
    assert sum('FROM "people_person"' in q for q in sql) == 1
    assert sum('FROM "regions_place"' in q for q in sql) == 1


def test_prefecture_dashboard_shows_counties_and_the_county_map(make_user, residents, places):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get("/regions/430100/")  # official code form
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>长沙市</h1>" in html
    assert 'href="/regions/43/"' in html  # breadcrumb
    assert kpi(html, "population") == "10,047,914"
    assert child_row(html, "430102") == ["芙蓉区", "—", "3", "1"]
    assert child_row(html, "430103") == ["天心区", "—", "2", "1"]
    assert 'data-map-level="prefecture"' in html
    assert "OpenStreetMap contributors" in html
    data = json.loads(re.search(r'id="map-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["prefecture"] == "430100"
    assert data["geojson"].endswith("hunan_counties.geojson")


def test_county_dashboard_highlights_the_county(make_user, residents, places):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    html = client.get("/regions/430102/").content.decode()
    assert "<h1>芙蓉区</h1>" in html
    assert kpi(html, "population") == "—"
    assert kpi(html, "residents") == "3"
    assert child_row(html, "430102001") == ["文艺路街道", "—", "2", "1"]
    assert 'data-map-level="county"' in html
    data = json.loads(re.search(r'id="map-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["highlight"] == "430102"
    assert data["prefecture"] == "430100"


def test_village_dashboard_has_an_empty_state(make_user, residents, places):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get("/regions/430102001001/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>识字里社区居委会</h1>" in html
    for ancestor in ("湖南省", "长沙市", "芙蓉区", "文艺路街道"):
        assert f">{ancestor}</a>" in html
    assert kpi(html, "residents") == "1"
    assert kpi(html, "places") == "1"
    assert kpi(html, "children") == "0"
    assert "it has no subdivisions" in html
    assert 'id="children-table"' not in html


def test_county_official_sees_only_his_county(make_user, residents, places):
    client = signed_in(make_user(Role.COUNTY_OFFICIAL, "430102"))
    html = client.get("/regions/43/").content.decode()
    assert kpi(html, "residents") == "3"
    assert kpi(html, "places") == "1"
    assert child_row(html, "4301")[2:] == ["3", "1"]
    assert child_row(html, "4302")[2:] == ["0", "0"]
    html = client.get("/regions/4301/").content.decode()
    assert child_row(html, "430103")[2:] == ["0", "0"]


def test_outside_the_jurisdiction_divisions_show_but_nothing_is_counted(make_user, residents, places):
    client = signed_in(make_user(Role.COUNTY_OFFICIAL, "430102"))
    response = client.get("/regions/4302/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>株洲市</h1>" in html
    assert "outside your jurisdiction" in html
    assert kpi(html, "residents") == "0"
    assert kpi(html, "places") == "0"


def test_user_without_roles_sees_no_counts(make_user, residents, places):
    client = signed_in(make_user(None))
    html = client.get("/").content.decode()
    assert kpi(html, "residents") == "0"
    assert kpi(html, "places") == "0"
    assert kpi(html, "children") == "14"


@pytest.mark.parametrize("code", ["abc", "4", "430", "4301000", "430100000001x"])
def test_malformed_region_code_is_a_400_page(make_user, code):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get(f"/regions/{code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a region code" in html
    assert 'role="alert"' in html


@pytest.mark.parametrize("code", ["4399", "110000", "430102999999"])
def test_unknown_region_is_a_404_page(make_user, code):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get(f"/regions/{code}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "No such region." in response.content.decode()


def test_htmx_request_gets_only_the_content_partial(make_user):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get("/regions/4301/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="content")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert "site-header" not in html
    assert "<h1>长沙市</h1>" in html
    assert 'id="region-map"' in html
    assert 'id="map-data"' in html


def test_htmx_boosted_request_gets_the_full_page(make_user):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    response = client.get("/regions/4301/", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")
    assert "<html" in response.content.decode()


# Language --------------------------------------------------------------------------------------


def test_english_switch(make_user):
    client = signed_in(make_user(Role.PROVINCIAL_COMMAND, "43"))
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    response = client.post(reverse("set_language"), {"language": "en", "next": "/regions/4301/"})
    assert response.status_code == 302
    assert response["Location"] == "/regions/4301/"
    html = client.get("/regions/4301/").content.decode()
    assert '<html lang="en">' in html
    assert "Residents in your jurisdiction" in html
    assert "Sign out" in html
    assert '<button type="submit" name="language" value="zh-hans"' in html


def test_regions_are_public_reference_data(make_user):
    """A user without any role still browses the divisions."""
    client = signed_in(make_user(None))
    html = client.get("/regions/4301/").content.decode()
    links = re.findall(r'<a href="/regions/(\d+)/"[^>]* data-region=', html)
    assert links == list(Region.objects.filter(parent_id="4301").values_list("code", flat=True))


def test_residents_link_shows_only_to_roles_that_may_see_residents(client, make_user):
    official = make_user("county_official", "430102")
    merchant = make_user("merchant", "430102")
    client.force_login(official)
    assert 'href="/people/"' in client.get("/").content.decode()
    client.force_login(merchant)
    assert 'href="/people/"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("role", "region", "shown", "hidden"),
    [
        (
            "county_official",
            "430102",
            ["/resumption/", "/volunteers/"],
            ["/resumption/liaison/", "/volunteers/me/"],
        ),
        ("enterprise_liaison", "430102", ["/resumption/liaison/"], ["/resumption/", "/resumption/my/"]),
        ("employer", "430102", ["/resumption/my/"], ["/resumption/", "/resumption/liaison/"]),
        ("volunteer_coordinator", "430102001", ["/volunteers/"], ["/volunteers/me/", "/resumption/"]),
        ("resident", "430102001001", ["/volunteers/me/"], ["/volunteers/", "/resumption/"]),
    ],
)
def test_recovery_links_follow_the_role(client, make_user, role, region, shown, hidden):
    client.force_login(make_user(role, region))
    page = client.get("/").content.decode()
    assert all(f'href="{link}"' in page for link in shown)
    assert not any(f'href="{link}"' in page for link in hidden)


def test_every_page_links_the_public_job_search(client):
    assert 'href="/employment/"' in client.get("/login/").content.decode()
