import itertools

import pytest
from django.db import connection

from fangyi.accounts.choices import Role
from fangyi.regions.choices import PlaceKind
from fangyi.regions.models import Place
from fangyi.supplies import services
from fangyi.supplies.choices import LocationKind, WarehouseLevel
from fangyi.supplies.models import Balance, Location

COUNTY = "430102"  # 芙蓉区, Changsha
OTHER_COUNTY = "430103"  # 天心区, next door

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks between connections (set DATABASE_URL to a PostgreSQL server)",
)

_keys = itertools.count(1)


@pytest.fixture
def committed_regions(django_db_blocker):
    """A transactional test ends by emptying every table, the divisions loaded for the session
    included: the next one loads them again (ask for this fixture first)."""
    from fangyi.regions.models import Region
    from fangyi.regions.services import regions_load

    if not Region.objects.filter(code="43").exists():
        regions_load()


@pytest.fixture
def key():
    """key(): a fresh client key."""
    return lambda: f"test-key-{next(_keys):06d}"


@pytest.fixture
def officer(make_user):
    """The provincial supply officer: manages every warehouse and records donations."""
    return make_user(Role.SUPPLY_OFFICER, "43", username="officer-s")


@pytest.fixture
def county_officer(make_user):
    return make_user(Role.SUPPLY_OFFICER, COUNTY, username="county-officer-s")


@pytest.fixture
def make_item(officer):
    counter = itertools.count(1)

    def make(code: str | None = None, *, pack_size: int = 1, whole_packs: bool = True, name: str = "口罩"):
        return services.item_create(
            actor=officer,
            code=code or f"item-{next(counter)}",
            name=name,
            category="protection",
            unit="只",
            pack_size=pack_size,
            whole_packs=whole_packs,
        )

    return make


@pytest.fixture
def make_warehouse(officer):
    counter = itertools.count(1)

    def make(region: str = COUNTY, level: str = WarehouseLevel.COUNTY):
        place = Place.objects.create(
            name=f"储备库{next(counter)}", kind=PlaceKind.WAREHOUSE, region_id=region
        )
        return services.warehouse_register(actor=officer, place_id=place.pk, level=level)

    return make


@pytest.fixture
def item(make_item):
    return make_item("mask-n95", name="N95 口罩")


@pytest.fixture
def warehouse(make_warehouse):
    return make_warehouse()


def stock(warehouse, item, kind: str = LocationKind.WAREHOUSE) -> int:
    balance = Balance.objects.filter(location__warehouse=warehouse, location__kind=kind, item=item).first()
    return balance.quantity if balance else 0


def location(warehouse, kind: str = LocationKind.WAREHOUSE) -> Location:
    return Location.objects.get(warehouse=warehouse, kind=kind)
