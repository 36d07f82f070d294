import os

os.environ.setdefault("FANGYI_DEBUG", "1")
os.environ.setdefault("FANGYI_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

import pytest  # noqa: E402
from ninja.testing import TestClient  # noqa: E402

from fangyi.accounts.choices import Role  # noqa: E402
from fangyi.accounts.models import RoleAssignment, User  # noqa: E402
from fangyi.regions.services import regions_load  # noqa: E402

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Hunan's 31,637 divisions are loaded once; each test rolls its own writes back."""
    with django_db_blocker.unblock():
        regions_load()


@pytest.fixture
def make_user(db):
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


@pytest.fixture
def api_client():
    from fangyi.api import api

    return TestClient(api)


@pytest.fixture
def county_official(make_user) -> User:
    """A county official of 芙蓉区 (430102), Changsha."""
    return make_user(Role.COUNTY_OFFICIAL, "430102")
