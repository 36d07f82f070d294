"""Registering residents, finding them and revealing their identity numbers."""

import datetime as dt

import pytest
from django.db import connection

from fangyi.accounts.choices import Role
from fangyi.core import pii
from fangyi.core.models import AuditEvent
from fangyi.core.validators import id_check_char
from fangyi.people.models import Person
from fangyi.people.services import person_register

HOME = "430102001001"  # 识字里社区, 芙蓉区
ELSEWHERE = "430103002001"  # 八角亭社区, 天心区
PHONE = "13800138000"


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def payload(new_id_number):
    return {
        "name": "张三",
        "id_number": new_id_number("430102", "19800101", sex="F"),
        "home_region": HOME,
        "phone": "+86 138 0013 8000",
        "address": " 识字里 12 栋 ",
    }


@pytest.fixture
def resident(new_id_number):
    """Someone already registered in 芙蓉区."""
    return person_register(actor=None, name="李四", id_number=new_id_number("430102"), home_region=HOME)


@pytest.fixture
def stranger(new_id_number):
    """Someone registered in 天心区, outside the officials' jurisdiction."""
    return person_register(
        actor=None, name="王五", id_number=new_id_number("430103"), home_region=ELSEWHERE, phone=PHONE
    )


def counts():
    return Person.objects.count(), AuditEvent.objects.count()


def every_stored_value() -> str:
    """Every column of the people and audit tables, as text."""
    dump = []
    with connection.cursor() as cursor:
        for table in (Person._meta.db_table, AuditEvent._meta.db_table):
            cursor.execute(f"SELECT * FROM {table}")
            dump += [str(value) for row in cursor.fetchall() for value in row]
    return "\n".join(dump)


def test_register(api_client, official, payload):
    response = api_client.post("/people", json=payload, user=official)
    assert response.status_code == 201, response.json()
    body = response.json()
    number = payload["id_number"]
    assert body["name"] == "张三"
    assert body["sex"] == "F"
    assert body["birth_date"] == "1980-01-01"
    assert body["id_number"] == number[:3] + "*" * 11 + number[-4:]
    assert body["phone"] == "138****8000"
    assert (body["home_region_code"], body["home_region_name"]) == (HOME, "识字里社区居委会")
    assert body["address"] == "识字里 12 栋"
    assert body["synthetic"] is False

    person = Person.objects.get(pk=body["id"])
    assert pii.decrypt(person.id_number_encrypted) == number
    assert pii.decrypt(person.phone_encrypted) == PHONE
    assert person.id_number_hash == pii.lookup_hash("id", number)
    assert person.phone_hash == pii.lookup_hash("phone", PHONE)
    stored = every_stored_value()
    assert number not in stored
    assert number[6:14] + number[14:] not in stored  # no part that would identify the person
    assert PHONE not in stored

    event = AuditEvent.objects.get(action="person.register")
    assert (event.actor_id, event.object_id, event.region_path) == (official.pk, str(person.pk), HOME)


def test_register_accepts_lowercase_x_and_stores_it_normalised(api_client, official, new_id_number):
    number = next(n for n in (new_id_number() for _ in range(60)) if n.endswith("X"))
    payload = {"name": "赵六", "id_number": number.lower(), "home_region": HOME}
    response = api_client.post("/people", json=payload, user=official)
    assert response.status_code == 201
    assert response.json()["id_number"].endswith("X")
    assert response.json()["phone"] == ""
    person = Person.objects.get()
    assert pii.decrypt(person.id_number_encrypted) == number
    # The same number in upper case is a duplicate.
    response = api_client.post("/people", json={**payload, "id_number": number}, user=official)
    assert (response.status_code, response.json()["code"]) == (409, "person.duplicate")


def test_register_by_official_code_of_a_village_ending_in_zeros(api_client, make_user, new_id_number):
    official = make_user(Role.TOWNSHIP_OFFICIAL, "430212108")
    payload = {"name": "刘七", "id_number": new_id_number("430212"), "home_region": "430212108200"}
    response = api_client.post("/people", json=payload, user=official)
    assert response.status_code == 201, response.json()
    assert response.json()["home_region_name"] == "李家村"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"id_number": "430102198001010010"}, 400, "id_number.checksum"),
        ({"id_number": "4301021980010100"}, 400, "id_number.format"),
        ({"id_number": "43010219800230001"}, 400, "id_number.birth_date"),
        ({"id_number": "43010220990101001"}, 400, "id_number.birth_date"),
        ({"id_number": "99010219800101001"}, 400, "id_number.region"),
        ({"id_number": "43990119800101001"}, 400, "id_number.region"),
        ({"home_region": "430102001"}, 400, "person.home_not_village"),
        ({"home_region": "430102"}, 400, "person.home_not_village"),
        ({"home_region": "430102001999"}, 404, "region.not_found"),
        ({"home_region": "43010200100x"}, 400, "region.invalid_code"),
        ({"home_region": ELSEWHERE}, 404, "region.not_found"),
        ({"phone": "12345"}, 400, "phone.invalid"),
        ({"phone": "12800138000"}, 400, "phone.invalid"),
        ({"name": "   "}, 400, "person.name_required"),
        ({"name": ""}, 422, "validation_error"),
        ({"name": "张" * 65}, 422, "validation_error"),
        ({"id_number": ""}, 422, "validation_error"),
        ({"home_region": None}, 422, "validation_error"),
    ],
)
def test_bad_input_writes_nothing(api_client, official, payload, change, status, code):
    for key, value in change.items():
        if key == "id_number" and len(value) == 17:  # complete it with the right check character
            value += id_check_char(value)
        payload[key] = value
    before = counts()
    response = api_client.post("/people", json=payload, user=official)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert counts() == before


def test_duplicate_writes_nothing(api_client, official, payload):
    assert api_client.post("/people", json=payload, user=official).status_code == 201
    before = counts()
    again = {**payload, "name": "张三丰", "phone": ""}
    response = api_client.post("/people", json=again, user=official)
    assert response.status_code == 409
    assert response.json()["code"] == "person.duplicate"
    assert counts() == before
    assert Person.objects.get().name == "张三"


def test_outside_the_jurisdiction_a_duplicate_is_not_revealed(api_client, official, stranger):
    """Registering someone in 天心区 is refused the same way whether or not they exist there."""
    number = pii.decrypt(stranger.id_number_encrypted)
    before = counts()
    payload = {"name": "王五", "id_number": number, "home_region": ELSEWHERE}
    response = api_client.post("/people", json=payload, user=official)
    assert (response.status_code, response.json()["code"]) == (404, "region.not_found")
    assert counts() == before


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.CLINIC_STAFF, Role.PROVINCIAL_COMMAND])
def test_register_needs_people_manage_and_reveals_no_duplicate(api_client, make_user, resident, role):
    """A role that may not register people learns nothing from trying, not even that someone exists."""
    user = make_user(role, "430102")
    before = counts()
    for number in (pii.decrypt(resident.id_number_encrypted), "not-a-number"):
        payload = {"name": "李四", "id_number": number, "home_region": HOME}
        response = api_client.post("/people", json=payload, user=user)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert counts() == before


def test_list_is_scoped(api_client, official, resident, stranger):
    body = api_client.get("/people", user=official).json()
    assert body["count"] == 1
    assert [p["name"] for p in body["items"]] == ["李四"]
    assert "王五" not in str(body)
    assert stranger.id_number_masked not in str(body)
    assert api_client.get("/people?region=430103", user=official).json() == {"count": 0, "items": []}
    assert api_client.get("/people?q=李", user=official).json()["count"] == 1
    assert api_client.get("/people?q=王", user=official).json()["count"] == 0
    response = api_client.get("/people?region=4301x", user=official)
    assert (response.status_code, response.json()["code"]) == (400, "region.invalid_code")


def test_detail(api_client, official, resident, stranger):
    response = api_client.get(f"/people/{resident.pk}", user=official)
    assert response.status_code == 200
    assert response.json()["id_number"] == resident.id_number_masked
    assert "*" in response.json()["id_number"]
    response = api_client.get(f"/people/{stranger.pk}", user=official)
    assert (response.status_code, response.json()["code"]) == (404, "person.not_found")
    assert "王五" not in response.content.decode()
    assert api_client.get("/people/not-a-uuid", user=official).status_code == 422


def test_lookup_by_id_number(api_client, official, resident, stranger):
    number = pii.decrypt(resident.id_number_encrypted)
    response = api_client.post("/people/lookup", json={"id_number": f" {number.lower()} "}, user=official)
    assert response.status_code == 200
    assert response.json()["id"] == str(resident.pk)
    assert number not in response.content.decode()

    outside = pii.decrypt(stranger.id_number_encrypted)
    response = api_client.post("/people/lookup", json={"id_number": outside}, user=official)
    assert (response.status_code, response.json()["code"]) == (404, "person.not_found")
    assert "王五" not in response.content.decode()


def test_lookup_unknown_and_bad_numbers(api_client, official, new_id_number):
    response = api_client.post("/people/lookup", json={"id_number": new_id_number()}, user=official)
    assert (response.status_code, response.json()["code"]) == (404, "person.not_found")
    response = api_client.post("/people/lookup", json={"id_number": "430102198001010010"}, user=official)
    assert (response.status_code, response.json()["code"]) == (400, "id_number.checksum")


def test_reveal_is_audited(api_client, official, stranger, make_user):
    user = make_user(Role.COUNTY_OFFICIAL, "430103")
    response = api_client.post(
        f"/people/{stranger.pk}/reveal", json={"reason": "  流调:密接核实  "}, user=user
    )
    assert response.status_code == 200
    assert response.json() == {"id_number": pii.decrypt(stranger.id_number_encrypted), "phone": PHONE}
    event = AuditEvent.objects.get(action="person.reveal")
    assert (event.actor_id, event.object_id, event.region_path, event.reason) == (
        user.pk,
        str(stranger.pk),
        ELSEWHERE,
        "流调:密接核实",
    )
    assert event.at > dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert response.json()["id_number"] not in every_stored_value()


@pytest.mark.parametrize("role", [Role.TOWNSHIP_OFFICIAL, Role.GRID_WORKER, Role.CLINIC_STAFF])
def test_reveal_needs_the_reveal_capability(api_client, make_user, resident, role):
    user = make_user(role, "430102")
    assert api_client.get(f"/people/{resident.pk}", user=user).status_code == 200  # may see, masked
    before = counts()
    response = api_client.post(f"/people/{resident.pk}/reveal", json={"reason": "流调核实"}, user=user)
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert pii.decrypt(resident.id_number_encrypted) not in response.content.decode()
    assert counts() == before


def test_reveal_outside_the_jurisdiction_is_404(api_client, official, stranger):
    before = counts()
    response = api_client.post(f"/people/{stranger.pk}/reveal", json={"reason": "流调核实"}, user=official)
    assert (response.status_code, response.json()["code"]) == (404, "person.not_found")
    assert PHONE not in response.content.decode()
    assert counts() == before


@pytest.mark.parametrize(
    ("reason", "status", "code"),
    [
        ("ab", 400, "person.reason_required"),
        ("  abc  ", 400, "person.reason_required"),
        ("", 422, "validation_error"),
    ],
)
def test_reveal_needs_a_reason(api_client, official, resident, reason, status, code):
    before = counts()
    response = api_client.post(f"/people/{resident.pk}/reveal", json={"reason": reason}, user=official)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert counts() == before


def test_service_register_without_actor_is_the_system(db, new_id_number):
    person = person_register(
        actor=None, name="系统", id_number=new_id_number(), home_region=HOME, synthetic=True
    )
    assert person.synthetic is True
    assert AuditEvent.objects.get(action="person.register").actor_id is None


@pytest.mark.parametrize("field", ["name", "address", "phone", "id_number", "home_region"])
def test_nul_characters_are_refused_before_the_database(api_client, official, payload, field):
    payload[field] = payload[field][:3] + "\x00" + payload[field][3:]
    before = counts()
    response = api_client.post("/people", json=payload, user=official)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert counts() == before


@pytest.mark.parametrize(
    "url", ["/people?q=%00", "/people?region=%00", "/people?offset=99999999999999999999"]
)
def test_list_input_the_database_cannot_take_is_422(api_client, official, url):
    response = api_client.get(url, user=official)
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")


def test_reveal_reason_with_nul_is_422(api_client, official, resident):
    response = api_client.post(
        f"/people/{resident.pk}/reveal", json={"reason": "流调\x00核实"}, user=official
    )
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert not AuditEvent.objects.filter(action="person.reveal").exists()
