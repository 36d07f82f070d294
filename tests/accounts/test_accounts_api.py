"""Bearer tokens (issue, use, expiry, revoke), sign-in throttling and /me."""

import datetime as dt

import pytest
from django.conf import settings

from fangyi.accounts.choices import Role
from fangyi.accounts.models import ApiToken, LoginFailure, RoleAssignment
from fangyi.accounts.roles import ALL_CAPABILITIES
from fangyi.accounts.services import api_token_create
from fangyi.core import clock
from fangyi.core.models import AuditEvent
from fangyi.people.services import person_register
from fangyi.regions.models import Place

PASSWORD = "correct-horse-battery-staple"  # what conftest's make_user sets
START = dt.datetime(2020, 1, 23, 2, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def official(make_user):
    return make_user(Role.COUNTY_OFFICIAL, "430102", username="furong")


def sign_in(api_client, username, password=PASSWORD, **extra):
    return api_client.post("/auth/token", json={"username": username, "password": password, **extra})


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_issue(api_client, official):
    with clock.frozen_at(START):
        response = sign_in(api_client, "furong", name="laptop")
    assert response.status_code == 200
    body = response.json()
    key = body["token"]
    assert key.startswith("fy_")
    assert len(key) > 40
    assert dt.datetime.fromisoformat(body["expires_at"]) == START + dt.timedelta(days=30)
    token = ApiToken.objects.get(user=official)
    assert (token.name, token.prefix) == ("laptop", key[:12])
    assert key not in (token.key_hash, token.prefix)
    assert token.revoked_at is None
    event = AuditEvent.objects.get(action="api_token.create")
    assert (event.actor_id, event.object_id) == (official.pk, str(token.pk))


def test_token_use(api_client, official):
    key = sign_in(api_client, "furong").json()["token"]
    with clock.frozen_at(START):
        response = api_client.get("/me", headers=auth(key))
    assert response.status_code == 200
    assert response.json()["username"] == "furong"
    assert ApiToken.objects.get(user=official).last_used_at == START


@pytest.mark.parametrize(
    "header",
    ["Bearer fy_not-a-real-token", "Bearer ", "Bearer xyz", "Token abc", "fy_abc", "Basic Zm9vOmJhcg=="],
)
def test_bad_tokens_are_401(api_client, official, header):
    response = api_client.get("/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_expiry(api_client, official):
    with clock.frozen_at(START):
        key = sign_in(api_client, "furong").json()["token"]
    expires = START + dt.timedelta(days=settings.FANGYI_API_TOKEN_DAYS)
    with clock.frozen_at(expires - dt.timedelta(seconds=1)):
        assert api_client.get("/me", headers=auth(key)).status_code == 200
    with clock.frozen_at(expires):
        response = api_client.get("/me", headers=auth(key))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    with clock.frozen_at(expires + dt.timedelta(days=365)):
        assert api_client.get("/me", headers=auth(key)).status_code == 401


def test_token_revoke(api_client, official):
    key = sign_in(api_client, "furong").json()["token"]
    other = sign_in(api_client, "furong").json()["token"]
    response = api_client.delete("/auth/token", headers=auth(key))
    assert response.status_code == 204
    token = ApiToken.objects.get(prefix=key[:12])
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1
    # The revoked token no longer works; the user's other token still does.
    assert api_client.get("/me", headers=auth(key)).status_code == 401
    assert api_client.delete("/auth/token", headers=auth(key)).status_code == 401
    assert api_client.get("/me", headers=auth(other)).status_code == 200


def test_revoke_without_a_bearer_token_is_404(api_client, official):
    before = ApiToken.objects.filter(revoked_at__isnull=True).count()
    response = api_client.delete("/auth/token", user=official)  # a browser session has no token
    assert response.status_code == 404
    assert response.json()["code"] == "api_token.not_found"
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == before


@pytest.mark.parametrize(
    ("username", "password"), [("furong", "wrong"), ("nobody", PASSWORD), ("FURONG", PASSWORD)]
)
def test_wrong_credentials(api_client, official, username, password):
    with clock.frozen_at(START):
        response = sign_in(api_client, username, password)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"
    assert "token" not in response.json()
    assert ApiToken.objects.count() == 0
    failure = LoginFailure.objects.get()
    assert (failure.username, failure.ip_address, failure.at) == (username.lower(), "127.0.0.1", START)


def test_five_failures_throttle_even_the_right_password(api_client, official):
    with clock.frozen_at(START):
        for _ in range(settings.FANGYI_LOGIN_MAX_FAILURES):
            assert sign_in(api_client, "furong", "wrong").status_code == 401
        response = sign_in(api_client, "furong")
    assert response.status_code == 429
    assert response.json()["code"] == "auth.throttled"
    assert "15" in response.json()["message"]
    assert ApiToken.objects.count() == 0
    # Throttled attempts are not counted again, and the window slides.
    assert LoginFailure.objects.count() == settings.FANGYI_LOGIN_MAX_FAILURES
    with clock.frozen_at(START + dt.timedelta(minutes=settings.FANGYI_LOGIN_WINDOW_MINUTES, seconds=1)):
        assert sign_in(api_client, "furong").status_code == 200


def test_four_failures_do_not_throttle_and_success_clears_them(api_client, official):
    for _ in range(settings.FANGYI_LOGIN_MAX_FAILURES - 1):
        sign_in(api_client, "furong", "wrong")
    assert sign_in(api_client, "furong").status_code == 200
    assert LoginFailure.objects.filter(username="furong").count() == 0


def test_throttling_is_per_username(api_client, official, make_user):
    make_user(username="tianxin")
    for _ in range(settings.FANGYI_LOGIN_MAX_FAILURES):
        sign_in(api_client, "furong", "wrong")
    assert sign_in(api_client, "furong").status_code == 429
    assert sign_in(api_client, "tianxin").status_code == 200


def test_throttling_per_address(api_client, make_user):
    make_user(username="last")
    for n in range(settings.FANGYI_LOGIN_MAX_FAILURES * 4):
        sign_in(api_client, f"guess{n}", "wrong")
    response = sign_in(api_client, "last")
    assert response.status_code == 429
    assert response.json()["code"] == "auth.throttled"


@pytest.mark.parametrize("payload", [{}, {"username": "furong"}, {"username": "", "password": "x"}])
def test_malformed_sign_in_is_422(api_client, official, payload):
    response = api_client.post("/auth/token", json=payload)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert LoginFailure.objects.count() == 0


def test_inactive_user_cannot_sign_in(api_client, official):
    official.is_active = False
    official.save()
    response = sign_in(api_client, "furong")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"
    assert ApiToken.objects.count() == 0


def test_deactivating_a_user_disables_their_tokens(api_client, official):
    key = sign_in(api_client, "furong").json()["token"]
    official.is_active = False
    official.save()
    assert api_client.get("/me", headers=auth(key)).status_code == 401
    assert official.prefixes_for("people.view") == ()


def test_me_shows_roles_and_capabilities(api_client, official):
    body = api_client.get("/me", user=official).json()
    assert body["username"] == "furong"
    assert body["is_superuser"] is False
    assert body["roles"] == [
        {
            "role": "county_official",
            "role_label": str(Role.COUNTY_OFFICIAL.label),
            "region_code": "430102",
            "region_name": "芙蓉区",
        }
    ]
    assert body["capabilities"] == {
        "audit.view": ["430102"],
        "cases.report": ["430102"],
        "cases.view": ["430102"],
        "command.issue": ["430102"],
        "command.respond": ["430102"],
        "command.view": ["430102"],
        "healthpass.manage": ["430102"],
        "healthpass.view": ["430102"],
        "hospitals.manage": ["430102"],
        "hospitals.view": ["430102"],
        "labs.manage": ["430102"],
        "labs.referrals": ["430102"],
        "labs.view": ["430102"],
        "people.manage": ["430102"],
        "people.reveal": ["430102"],
        "people.view": ["430102"],
        "places.manage": ["430102"],
        "places.view": ["430102"],
        "quarantine.checkin": ["430102"],
        "quarantine.manage": ["430102"],
        "quarantine.trace": ["430102"],
        "quarantine.view": ["430102"],
        "regions.view_grids": ["430102"],
        "reports.view": ["430102"],
        "resumption.manage": ["430102"],
        "resumption.policies": ["430102"],
        "resumption.view": ["430102"],
        "screening.run": ["430102"],
        "screening.verify": ["430102"],
        "screening.view": ["430102"],
        "supplies.request": ["430102"],
        "supplies.view": ["430102"],
        "volunteers.view": ["430102"],
        "vouchers.manage": ["430102"],
        "vouchers.view": ["430102"],
    }


def test_me_merges_nested_jurisdictions(api_client, official):
    RoleAssignment.objects.create(user=official, role=Role.GRID_WORKER, region_id="430102001001")
    RoleAssignment.objects.create(user=official, role=Role.CHECKPOINT_STAFF, region_id="430103")
    RoleAssignment.objects.create(user=official, role=Role.PROVINCIAL_COMMAND, region_id="4301")
    body = api_client.get("/me", user=official).json()
    assert [(r["role"], r["region_code"]) for r in body["roles"]] == [
        ("provincial_command", "430100"),
        ("county_official", "430102"),
        ("grid_worker", "430102001001"),
        ("checkpoint_staff", "430103"),
    ]
    caps = body["capabilities"]
    assert caps["places.view"] == ["4301"]  # 430102 and 430103 lie inside 4301
    assert caps["people.manage"] == ["430102"]  # the provincial command role does not manage people
    assert caps["people.reveal"] == ["4301"]


def test_me_without_roles(api_client, make_user):
    body = api_client.get("/me", user=make_user()).json()
    assert (body["roles"], body["capabilities"]) == ([], {})


def test_me_anonymous(api_client, db):
    response = api_client.get("/me")
    assert response.status_code == 401
    assert response.json() == {"code": "unauthenticated", "message": response.json()["message"]}


def test_superuser_is_province_wide(api_client, make_user, new_id_number):
    admin = make_user(superuser=True)
    body = api_client.get("/me", user=admin).json()
    assert body["is_superuser"] is True
    assert body["capabilities"] == {cap: ["43"] for cap in sorted(ALL_CAPABILITIES)}
    far = person_register(
        actor=None, name="吴三", id_number=new_id_number("433127"), home_region="433127103201"
    )
    Place.objects.create(name="湘西卡口", kind="border_checkpoint", region_id="433127")
    assert api_client.get(f"/people/{far.pk}", user=admin).status_code == 200
    assert api_client.get("/regions/places", user=admin).json()["count"] == 1
    response = api_client.post(
        "/regions/places", json={"name": "新卡口", "kind": "port", "region": "433127"}, user=admin
    )
    assert response.status_code == 201


def test_inactive_superuser_holds_nothing(make_user):
    admin = make_user(superuser=True, is_active=False)
    assert admin.prefixes_for("people.view") == ()


@pytest.fixture
def browser():
    from django.test import Client

    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer fy_revoked-or-expired"}])
def test_unsafe_request_without_credentials_is_401_not_a_csrf_error(browser, db, headers):
    """Through the whole stack (middleware, CSRF): no session cookie means "sign in", not "forbidden"."""
    payload = {"name": "新卡口", "kind": "compound_gate", "region": "430102001001"}
    response = browser.post(
        "/api/v1/regions/places", payload, content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert not Place.objects.exists()


def test_session_requests_still_need_the_csrf_token(browser, official):
    browser.force_login(official)
    payload = {"name": "新卡口", "kind": "compound_gate", "region": "430102001001"}
    response = browser.post("/api/v1/regions/places", payload, content_type="application/json")
    assert response.status_code == 403
    assert not Place.objects.exists()
    assert browser.get("/api/v1/me").status_code == 200  # safe methods need no token

    token = "csrf" * 8  # any 32 letters: the cookie and the header must agree
    browser.cookies[settings.CSRF_COOKIE_NAME] = token
    response = browser.post(
        "/api/v1/regions/places", payload, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201
    assert Place.objects.filter(name="新卡口").count() == 1


def test_bearer_requests_need_no_csrf_token(browser, official):
    _token, key = api_token_create(actor=official)
    payload = {"name": "新卡口", "kind": "compound_gate", "region": "430102001001"}
    response = browser.post(
        "/api/v1/regions/places", payload, content_type="application/json", headers=auth(key)
    )
    assert response.status_code == 201


def test_sign_in_with_nul_is_422(api_client, official):
    response = sign_in(api_client, "fu\x00rong")
    assert (response.status_code, response.json()["code"]) == (422, "validation_error")
    assert LoginFailure.objects.count() == 0
