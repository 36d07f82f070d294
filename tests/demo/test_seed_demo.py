"""The demo seed: deterministic, idempotent, valid identity numbers, one login per role."""

import io
from collections import Counter

import pytest
from django.core.management import call_command

from fangyi.accounts.choices import Role
from fangyi.accounts.models import RoleAssignment, User
from fangyi.core import pii
from fangyi.core.validators import parse_id_number
from fangyi.demo.services import DEMO_PASSWORD, demo_seed, residents_generate
from fangyi.people.models import Person
from fangyi.regions.choices import Kind, Level, PlaceKind
from fangyi.regions.models import Grid, Place, Region

N = 300


@pytest.fixture
def seeded(db, fast_passwords):
    return demo_seed(residents=N, seed=7)


def snapshot():
    return sorted(
        Person.objects.values_list(
            "id", "name", "id_number_hash", "home_region_id", "grid_id", "phone_hash", "address"
        )
    )


def test_the_same_seed_gives_the_same_residents(db):
    first = residents_generate(residents=N, seed=7)
    assert residents_generate(residents=N, seed=7) == first
    other = residents_generate(residents=N, seed=8)
    assert {p.id_number for p in other} != {p.id_number for p in first}


def test_seeding_twice_adds_nothing(seeded, fast_passwords):
    before = snapshot()
    users, places, grids = User.objects.count(), Place.objects.count(), Grid.objects.count()
    again = demo_seed(residents=N, seed=7)
    assert (again.residents_created, again.residents_existing) == (0, N)
    assert (again.users_created, again.places_created) == (0, 0)
    assert snapshot() == before
    assert (User.objects.count(), Place.objects.count(), Grid.objects.count()) == (users, places, grids)


def test_reseeding_an_empty_table_gives_the_same_rows(seeded, fast_passwords):
    before = snapshot()
    Person.objects.all().delete()
    demo_seed(residents=N, seed=7)
    assert snapshot() == before


def test_residents_are_valid_and_synthetic(seeded):
    people = list(Person.objects.select_related("home_region"))
    assert len(people) == N == seeded.residents_created
    real_counties = set(
        Region.objects.filter(level=Level.COUNTY)
        .exclude(kind=Kind.FUNCTIONAL_ZONE)
        .values_list("code", flat=True)
    )
    for person in people:
        assert person.synthetic and person.home_region.level == Level.VILLAGE
        number = parse_id_number(pii.decrypt(person.id_number_encrypted))
        assert number.region_code in real_counties
        assert number.region_code[:4] == person.home_region_id[:4]  # born in the home prefecture
        assert (number.sex, number.birth_date) == (person.sex, person.birth_date)
        assert 1 <= len(person.name) <= 4
        assert person.grid_id and person.grid_id.startswith(person.home_region_id)
        if person.phone_encrypted:
            assert len(pii.decrypt(person.phone_encrypted)) == 11
    assert len({p.id_number_hash for p in people}) == N


def test_residents_follow_the_census(seeded):
    by_prefecture = Counter(code[:4] for code in Person.objects.values_list("home_region_id", flat=True))
    populations = dict(Region.objects.filter(level=Level.PREFECTURE).values_list("code", "population"))
    total = sum(populations.values())
    assert set(by_prefecture) == set(populations)
    for code, population in populations.items():
        assert abs(by_prefecture[code] - N * population / total) < 1


def test_every_role_has_a_demo_login(seeded):
    held = set(RoleAssignment.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    assert {(u, r) for u, r, *_ in seeded.logins} >= {("admin", "超级管理员"), ("furong", "县市区干部")}
    assert User.objects.get(username="admin").is_superuser
    expected = {
        "province": (Role.PROVINCIAL_COMMAND, "43"),
        "changsha": (Role.PREFECTURE_OFFICIAL, "4301"),
        "furong": (Role.COUNTY_OFFICIAL, "430102"),
        "wenyilu": (Role.TOWNSHIP_OFFICIAL, "430102001"),
    }
    for username, (role, region) in expected.items():
        assert RoleAssignment.objects.filter(user__username=username, role=role, region_id=region).exists()
    grid = RoleAssignment.objects.get(user__username="grid")
    assert (
        grid.role == Role.GRID_WORKER and grid.region_id.startswith("430102001") and len(grid.region_id) == 12
    )
    assert User.objects.get(username="furong").check_password(DEMO_PASSWORD)
    resident = Person.objects.get(user__username="resident")
    assert resident.home_region_id == RoleAssignment.objects.get(user__username="resident").region_id


def test_places_of_every_kind(seeded):
    assert set(Place.objects.values_list("kind", flat=True)) == set(PlaceKind.values)
    assert Place.objects.filter(kind=PlaceKind.BORDER_CHECKPOINT).count() >= 10
    assert Place.objects.filter(kind=PlaceKind.COMPOUND_GATE, region__code__startswith="430102").exists()
    prefectures_with_clinics = {
        code[:4]
        for code in Place.objects.filter(kind=PlaceKind.FEVER_CLINIC).values_list("region_id", flat=True)
    }
    assert len(prefectures_with_clinics) == 14


def test_the_command_prints_the_logins(db, fast_passwords):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", "--residents", "50", "--seed", "3", stdout=out, stderr=err)
    table = out.getvalue()
    for username in ("admin", "province", "changsha", "furong", "wenyilu", "grid", "resident"):
        assert f"\n{username} " in table
    assert DEMO_PASSWORD in table and "芙蓉区" in table
    assert "50/50" in err.getvalue()
    assert Person.objects.count() == 50
