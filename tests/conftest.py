"""Shared fixtures. Run the suite with ./scripts/test (it sets FANGYI_DEBUG=1 before Django loads)."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from ninja.testing import TestClient

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.regions.services import regions_load

PASSWORD = "correct-horse-battery-staple"

CHROMIUM = Path("/usr/bin/chromium")

# The SQLite test database lives in the data directory, which a fresh clone does not have yet. It
# is the only file the tests keep there: under pytest-xdist each worker gets its own (pytest-django
# names it test.sqlite3_gw0, ...; on PostgreSQL test_<name>_gw0, ...).
Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)

# A test database is thrown away after the run: its commits (migrations, the divisions, the
# transactional tests) need not wait for the disk. A setting of these sessions, not of the server.
if connection.vendor == "postgresql":
    options = connection.settings_dict.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c synchronous_commit=off".strip()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Hunan's 31,637 divisions are loaded once; each test rolls its own writes back."""
    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture(autouse=True)
def default_language():
    """A request in another language leaves it active in the thread: every test starts in the default."""
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def make_user(db, fast_passwords):
    """make(role, region, username=...): a user holding one role (users made here hash cheaply)."""
    counter = iter(range(1, 10_000))

    def make(role: str | None = None, region: str = "43", *, superuser: bool = False, **extra) -> User:
        username = extra.pop("username", f"user{next(counter)}-{role or 'none'}")
        user = User.objects.create_user(
            username=username, password=PASSWORD, is_superuser=superuser, is_staff=superuser, **extra
        )
        if role:
            RoleAssignment.objects.create(user=user, role=role, region_id=region)
        return user

    return make


@pytest.fixture(scope="session")
def api_client():
    """One client for the session: it keeps no state between requests, and builds the API's URL
    patterns once instead of once per test."""
    from fangyi.api import api

    return TestClient(api)


@pytest.fixture
def county_official(make_user) -> User:
    """A county official of 芙蓉区 (430102), Changsha."""
    return make_user(Role.COUNTY_OFFICIAL, "430102")


@pytest.fixture
def fast_passwords(settings):
    """Cheap password hashing for tests that create many users or sign in often."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def id_number_factory() -> Callable[..., str]:
    """A factory of distinct, valid identity numbers: make("430102", "19800101", sex="F")."""
    from fangyi.core.validators import id_check_char

    serial = iter(range(1, 500))

    def make(region: str = "430102", birth: str = "19800101", *, sex: str = "M") -> str:
        n = next(serial)
        first17 = f"{region}{birth}{n // 5:02d}{2 * (n % 5) + (1 if sex == 'M' else 0)}"
        return first17 + id_check_char(first17)

    return make


@pytest.fixture
def new_id_number():
    return id_number_factory()


@pytest.fixture(scope="module")
def module_id_number():
    """`new_id_number` for data a whole module shares."""
    return id_number_factory()


@pytest.fixture
def bearer():
    """Authorization headers carrying a fresh API token of `user`."""
    from fangyi.accounts.services import api_token_create

    def make(user: User) -> dict[str, str]:
        _token, key = api_token_create(actor=user, name="test")
        return {"Authorization": f"Bearer {key}"}

    return make


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through Playwright; skipped where it is missing, except in CI."""
    if not CHROMIUM.exists():
        if os.environ.get("FANGYI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and FANGYI_REQUIRE_BROWSER=1")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls around it stay synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
            ],
        )
        yield chromium
        chromium.close()
