"""Region codes, region selectors and jurisdiction helpers."""

import pytest

from fangyi.core.access import covers, require, scope_q
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.regions.selectors import (
    id_address_code_known,
    level_of,
    region_ancestors,
    region_children,
    region_get,
    region_list,
    region_path,
)


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ("43", "43"),
        ("430000", "43"),
        ("430000000", "43"),
        ("430000000000", "43"),
        ("4300", "43"),
        ("4301", "4301"),
        ("430100", "4301"),
        ("430100000000", "4301"),
        ("430102", "430102"),
        ("430102000", "430102"),
        ("430102000000", "430102"),
        ("430102001", "430102001"),
        ("430102001000", "430102001"),
        ("430102001001", "430102001001"),
        (" 430102\n", "430102"),
        ("430202100", "430202100"),  # 仙庾镇: township numbers 100, 200... end in zeros
        ("430202100000", "430202100"),
        ("430212108200", "430212108200"),  # 李家村: village numbers 200, 300... too
        ("430102400", "430102400"),
        ("110105", "110105"),  # not in Hunan, but a well-formed code
    ],
)
def test_region_path_normalises(raw, path):
    assert region_path(raw) == path


@pytest.mark.parametrize(
    "raw",
    [
        "",
        None,
        "4",
        "431",
        "43010",
        "4301020",
        "43010200",
        "4301020010",
        "43010200100",
        "4301020010010",
        "abcdef",
        "43-102",
        "43 0102",
        "+430102",
        "430102.0",
        "00",
        "000000",
        "000000000000",
        "0001",
        "430100100",  # a township under no county
        "430100001001",
        "430102000001",  # a village under no township
        "４３０１０２",  # full-width digits
        "٤٣",  # Arabic-Indic digits
    ],
)
def test_region_path_rejects(raw):
    with pytest.raises(DomainError) as caught:
        region_path(raw)
    assert (caught.value.code, caught.value.status, caught.value.field) == (
        "region.invalid_code",
        400,
        "region",
    )


def test_every_loaded_region_code_is_its_own_path(db):
    codes = list(Region.objects.values_list("code", flat=True))
    assert len(codes) > 31_000
    assert [code for code in codes if region_path(code) != code] == []
    official = {code: Region(code=code).official_code for code in codes}
    assert [code for code, value in official.items() if region_path(value) != code] == []


def test_every_region_sits_under_its_parent(db):
    rows = Region.objects.exclude(code="43").values_list("code", "parent_id", "level")
    bad = [
        (code, parent, level)
        for code, parent, level in rows
        if not code.startswith(parent) or level_of(code) != level or level_of(parent) == level
    ]
    assert bad == []


def test_region_get_by_path_or_official_code(db):
    assert region_get(code="430100").name == "长沙市"
    assert region_get(code="4301").code == "4301"
    assert region_get(code="430202100").name == "仙庾镇"
    with pytest.raises(DomainError) as caught:
        region_get(code="439999")
    assert (caught.value.code, caught.value.status) == ("region.not_found", 404)


def test_ancestors_and_children(db):
    village = region_get(code="430102001001")
    assert [r.code for r in region_ancestors(region=village)] == ["43", "4301", "430102", "430102001"]
    assert region_ancestors(region=region_get(code="43")) == []
    townships = list(region_children(region=region_get(code="430102")))
    assert len(townships) == 14
    assert {r.level for r in townships} == {Level.TOWNSHIP}
    assert townships[0].code == "430102001"
    assert list(region_children(region=village)) == []


def test_region_list_filters(db):
    assert region_list(level=Level.PREFECTURE).count() == 14
    changsha = list(region_list(parent="430100").values_list("name", flat=True))
    assert changsha == [
        "芙蓉区",
        "天心区",
        "岳麓区",
        "开福区",
        "雨花区",
        "望城区",
        "长沙县",
        "浏阳市",
        "宁乡市",
    ]
    assert list(region_list(parent="430100", q="芙蓉").values_list("code", flat=True)) == ["430102"]
    assert region_list(q="芙蓉", level=Level.TOWNSHIP).count() == 4
    with pytest.raises(DomainError) as caught:
        region_list(parent="439900")
    assert caught.value.code == "region.not_found"


@pytest.mark.parametrize(
    ("code", "known"),
    [
        ("430102", True),
        ("431121", True),  # 祁阳县: renamed in 2021, its numbers stay valid
        ("430199", True),  # an unknown county of a known prefecture
        ("439901", False),  # no prefecture 4399
        ("110105", True),  # outside Hunan: only the province is checked
    ],
)
def test_id_address_code_known(db, code, known):
    assert id_address_code_known(code) is known


def test_scope_q_and_covers_deny_by_default(make_user):
    official = make_user("county_official", "430102")
    resident = make_user("resident", "430102")
    assert covers(official, "people.view", "430102001001")
    assert not covers(official, "people.view", "430103002001")
    assert not covers(official, "people.view", "4301")
    assert not covers(resident, "people.view", "430102001001")
    assert not covers(None, "people.view", "43")
    in_scope = Region.objects.filter(scope_q(official, "people.view", "code"))
    assert in_scope.exclude(code__startswith="430102").count() == 0
    assert in_scope.count() == Region.objects.filter(code__startswith="430102").count()
    assert Region.objects.filter(scope_q(resident, "people.view", "code")).count() == 0
    assert Region.objects.filter(scope_q(None, "people.view", "code")).count() == 0
    require(official, "people.view")
    for actor in (resident, None):
        with pytest.raises(PermissionDenied):
            require(actor, "people.view")
