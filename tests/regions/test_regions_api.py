"""GET /regions and /regions/{code}; places: list, create, detail, scoped by jurisdiction."""

import pytest

from fangyi.accounts.choices import Role
from fangyi.core.models import AuditEvent
from fangyi.regions.models import Place, Region


@pytest.fixture
def user(make_user):
    return make_user()  # signed in, no role: division data is public reference data


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def places(db):
    return {
        "fr": Place.objects.create(name="识字里小区东门", kind="compound_gate", region_id="430102001001"),
        "fr2": Place.objects.create(name="芙蓉区发热门诊", kind="fever_clinic", region_id="430102"),
        "tx": Place.objects.create(name="天心区检查站", kind="border_checkpoint", region_id="430103002"),
    }


def test_detail_by_official_code(api_client, user):
    response = api_client.get("/regions/430100", user=user)
    assert response.status_code == 200
    body = response.json()
    assert {k: body[k] for k in ("code", "path", "name", "level", "kind", "parent_code")} == {
        "code": "430100",
        "path": "4301",
        "name": "长沙市",
        "level": "prefecture",
        "kind": "prefecture_city",
        "parent_code": "430000",
    }
    assert body["population"] == 10_047_914
    assert body["ancestors"] == [
        {"code": "430000", "path": "43", "name": "湖南省", "level": "province", "kind": "province"}
    ]
    assert [c["code"] for c in body["children"]][:3] == ["430102", "430103", "430104"]
    assert len(body["children"]) == 9
    assert body["children"][0] == {
        "code": "430102",
        "path": "430102",
        "name": "芙蓉区",
        "level": "county",
        "kind": "district",
    }


@pytest.mark.parametrize("code", ["4301", "430100", "430100000", "430100000000"])
def test_path_and_official_code_name_the_same_region(api_client, user, code):
    response = api_client.get(f"/regions/{code}", user=user)
    assert response.status_code == 200
    assert (response.json()["path"], response.json()["name"]) == ("4301", "长沙市")


def test_village_detail_has_all_ancestors_and_no_children(api_client, user):
    body = api_client.get("/regions/430102001001", user=user).json()
    assert body["name"] == "识字里社区居委会"
    assert body["kind"] == "community"
    assert body["parent_code"] == "430102001"
    assert [a["code"] for a in body["ancestors"]] == ["430000", "430100", "430102", "430102001"]
    assert body["children"] == []


def test_province_has_no_parent(api_client, user):
    body = api_client.get("/regions/43", user=user).json()
    assert (body["code"], body["parent_code"], body["ancestors"]) == ("430000", None, [])
    assert len(body["children"]) == 14


def test_township_ending_in_zeros_is_reachable(api_client, user):
    response = api_client.get("/regions/430202100", user=user)
    assert response.status_code == 200
    assert response.json()["name"] == "仙庾镇"


@pytest.mark.parametrize("code", ["abc", "4", "43010", "4301020", "430100100", "４３", "0000"])
def test_bad_code_is_400(api_client, user, code):
    response = api_client.get(f"/regions/{code}", user=user)
    assert response.status_code == 400
    assert response.json()["code"] == "region.invalid_code"
    assert response.json()["message"]


@pytest.mark.parametrize("code", ["439999", "110105", "430102999", "430102001999"])
def test_unknown_code_is_404(api_client, user, code):
    response = api_client.get(f"/regions/{code}", user=user)
    assert response.status_code == 404
    assert response.json() == {"code": "region.not_found", "message": response.json()["message"]}


def test_anonymous_is_401(api_client, db):
    response = api_client.get("/regions/430100")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_list_by_level(api_client, user):
    body = api_client.get("/regions?level=prefecture", user=user).json()
    assert body["count"] == 14
    assert [i["code"] for i in body["items"]][:2] == ["430100", "430200"]
    assert {i["level"] for i in body["items"]} == {"prefecture"}


def test_list_limit_and_offset(api_client, user):
    everything = api_client.get("/regions?level=prefecture", user=user).json()["items"]
    body = api_client.get("/regions?level=prefecture&limit=5&offset=10", user=user).json()
    assert body["count"] == 14
    assert body["items"] == everything[10:14]
    body = api_client.get("/regions?level=prefecture&limit=3&offset=2", user=user).json()
    assert body["items"] == everything[2:5]
    assert api_client.get("/regions?level=prefecture&offset=14", user=user).json() == {
        "count": 14,
        "items": [],
    }


def test_list_default_limit_is_100(api_client, user):
    body = api_client.get("/regions?parent=430102001", user=user).json()
    assert body["count"] == 7
    body = api_client.get("/regions?level=county", user=user).json()
    assert body["count"] == Region.objects.filter(level="county").count() > 100
    assert len(body["items"]) == 100


def test_list_by_parent_and_name(api_client, user):
    body = api_client.get("/regions?parent=430100", user=user).json()
    assert body["count"] == 9
    assert {i["path"][:4] for i in body["items"]} == {"4301"}
    body = api_client.get("/regions?parent=4301&q=芙蓉", user=user).json()
    assert [i["code"] for i in body["items"]] == ["430102"]
    body = api_client.get("/regions?q=芙蓉&level=township", user=user).json()
    assert body["count"] == 4
    assert all("芙蓉" in i["name"] for i in body["items"])


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("parent=abc", 400, "region.invalid_code"),
        ("parent=439900", 404, "region.not_found"),
        ("level=planet", 422, "validation_error"),
        ("limit=0", 422, "validation_error"),
        ("limit=1001", 422, "validation_error"),
        ("offset=-1", 422, "validation_error"),
        ("limit=ten", 422, "validation_error"),
    ],
)
def test_list_bad_filters(api_client, user, query, status, code):
    response = api_client.get(f"/regions?{query}", user=user)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_places_are_listed_inside_the_jurisdiction_only(api_client, official, places):
    body = api_client.get("/regions/places", user=official).json()
    assert body["count"] == 2
    names = [p["name"] for p in body["items"]]
    assert names == ["芙蓉区发热门诊", "识字里小区东门"]  # ordered by region, then name
    assert "天心区检查站" not in str(body)
    gate = body["items"][1]
    assert gate["region_code"] == "430102001001"
    assert gate["region_name"] == "识字里社区居委会"
    assert gate["kind"] == "compound_gate"


def test_places_filters(api_client, official, places):
    def names(query):
        return [p["name"] for p in api_client.get(f"/regions/places?{query}", user=official).json()["items"]]

    assert names("kind=fever_clinic") == ["芙蓉区发热门诊"]
    assert names("region=430102001") == ["识字里小区东门"]
    assert names("q=东门") == ["识字里小区东门"]
    assert names("region=430103") == []
    assert names("limit=1&offset=1") == ["识字里小区东门"]


def test_place_detail_is_scoped(api_client, official, places):
    response = api_client.get(f"/regions/places/{places['fr'].pk}", user=official)
    assert response.status_code == 200
    assert response.json()["name"] == "识字里小区东门"
    for missing in (places["tx"].pk, 999_999):
        response = api_client.get(f"/regions/places/{missing}", user=official)
        assert response.status_code == 404
        assert response.json()["code"] == "place.not_found"
        assert "天心区" not in response.content.decode()


def test_superuser_sees_every_place(api_client, make_user, places):
    admin = make_user(superuser=True)
    assert api_client.get("/regions/places", user=admin).json()["count"] == 3


def test_roles_without_places_view_are_refused(api_client, make_user, places):
    response = api_client.get("/regions/places", user=make_user(Role.RESIDENT, "430102"))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_create_place(api_client, official):
    payload = {
        "name": " 识字里小区西门 ",
        "kind": "compound_gate",
        "region": "430102001001",
        "address": "识字里 12 号",
        "latitude": "28.190000",
        "longitude": "112.990000",
    }
    response = api_client.post("/regions/places", json=payload, user=official)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "识字里小区西门"
    assert body["region_code"] == "430102001001"
    place = Place.objects.get(pk=body["id"])
    assert (place.name, place.region_id, str(place.latitude)) == (
        "识字里小区西门",
        "430102001001",
        "28.190000",
    )
    event = AuditEvent.objects.get(action="place.create")
    assert (event.object_id, event.region_path, event.actor_id) == (
        str(place.pk),
        "430102001001",
        official.pk,
    )


def test_create_place_with_an_official_code(api_client, official):
    payload = {"name": "芙蓉区仓库", "kind": "warehouse", "region": "430102000000"}
    response = api_client.post("/regions/places", json=payload, user=official)
    assert response.status_code == 201
    assert Place.objects.get(name="芙蓉区仓库").region_id == "430102"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"region": "430103002"}, 404, "region.not_found"),  # outside the jurisdiction
        ({"region": "4301"}, 404, "region.not_found"),  # above it
        ({"region": "430102999"}, 404, "region.not_found"),  # inside, but no such region
        ({"region": "43010x"}, 400, "region.invalid_code"),
        ({"name": "   "}, 400, "place.name_required"),
        ({"name": ""}, 422, "validation_error"),
        ({"kind": "spaceport"}, 422, "validation_error"),
        ({"latitude": "91"}, 422, "validation_error"),
        ({"name": "识字里小区东门"}, 409, "place.duplicate"),
    ],
)
def test_create_place_refused_writes_nothing(api_client, official, places, change, status, code):
    before = (Place.objects.count(), AuditEvent.objects.count())
    payload = {"name": "新卡口", "kind": "compound_gate", "region": "430102001001", **change}
    response = api_client.post("/regions/places", json=payload, user=official)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert (Place.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize("role", [Role.GRID_WORKER, Role.CHECKPOINT_STAFF, Role.RESIDENT])
def test_create_place_needs_places_manage(api_client, make_user, role):
    payload = {"name": "新卡口", "kind": "compound_gate", "region": "430102001001"}
    response = api_client.post("/regions/places", json=payload, user=make_user(role, "430102"))
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Place.objects.filter(name="新卡口").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/regions?q=a%00b",
        "/regions?parent=4301%00",
        "/regions/places?q=%00",
        "/regions/places?region=%00",
        "/regions?offset=99999999999999999999",
        "/regions/places?offset=99999999999999999999",
        "/regions/places/99999999999999999999",
        "/regions/places/0",
    ],
)
def test_input_the_database_cannot_take_is_422(api_client, official, url):
    """NUL characters (PostgreSQL refuses them) and integers beyond 64 bits were server errors."""
    response = api_client.get(url, user=official)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_place_with_nul_in_its_name_is_422(api_client, official):
    response = api_client.post(
        "/regions/places", json={"name": "卡\x00口", "kind": "port", "region": "430102"}, user=official
    )
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert not Place.objects.exists()
