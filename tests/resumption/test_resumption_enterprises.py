import pytest
from tests.resumption.conftest import COUNTY, OTHER_COUNTY, make_credit_code

from fangyi.accounts.choices import Role
from fangyi.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from fangyi.core.models import AuditEvent
from fangyi.resumption import selectors, services
from fangyi.resumption.models import Enterprise, Park


def test_register_checks_and_records(official, credit_code):
    code = credit_code()
    enterprise = services.enterprise_register(
        actor=official,
        credit_code=code.lower() + " ",
        name=" 湘江机械 ",
        industry="manufacturing",
        region=COUNTY,
        large_scale=True,
        workforce=300,
    )
    assert enterprise.credit_code == code
    assert enterprise.name == "湘江机械"
    assert enterprise.status == "not_resumed"
    assert AuditEvent.objects.filter(action="enterprise.register", object_id=str(enterprise.pk)).exists()


def _wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("91430102MA0000001", "credit_code.format"),
        (_wrong_check_character(make_credit_code(9)), "credit_code.checksum"),
    ],
)
def test_invalid_credit_code_writes_nothing(official, raw, code):
    with pytest.raises(ValidationFailed) as exc:
        services.enterprise_register(actor=official, credit_code=raw, name="x", industry="it", region=COUNTY)
    assert exc.value.code == code
    assert not Enterprise.objects.exists()
    assert not AuditEvent.objects.filter(action="enterprise.register").exists()


def test_duplicate_enterprise_is_a_conflict(official, enterprise):
    with pytest.raises(DomainError) as exc:
        services.enterprise_register(
            actor=official, credit_code=enterprise.credit_code, name="another", industry="it", region=COUNTY
        )
    assert (exc.value.code, exc.value.status) == ("enterprise.duplicate", 409)
    assert Enterprise.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "enterprise.name_required"),
        ({"industry": "mining"}, "enterprise.invalid_industry"),
        ({"region": "43010x"}, "region.invalid_code"),
        ({"workforce": -1}, "enterprise.invalid_workforce"),
        ({"address": "x" * 257}, "enterprise.address_too_long"),
    ],
)
def test_bad_fields(make_enterprise, fields, code):
    with pytest.raises(DomainError) as exc:
        make_enterprise(**fields)
    assert exc.value.code == code
    assert exc.value.status == 400
    assert not Enterprise.objects.exists()


def test_region_above_a_county_is_refused(make_enterprise, make_user):
    with pytest.raises(DomainError) as exc:
        make_enterprise(actor=make_user(Role.PROVINCIAL_COMMAND, "43"), region="4301")
    assert exc.value.code == "enterprise.region_not_county"
    assert not Enterprise.objects.exists()


def test_region_outside_jurisdiction_is_not_found(make_enterprise):
    with pytest.raises(NotFound) as exc:
        make_enterprise(region=OTHER_COUNTY)
    assert exc.value.code == "region.not_found"


def test_who_may_register(make_user, make_enterprise):
    for role in (Role.TOWNSHIP_OFFICIAL, Role.ENTERPRISE_LIAISON, Role.EMPLOYER):
        with pytest.raises(PermissionDenied):
            make_enterprise(actor=make_user(role, COUNTY))
    assert not Enterprise.objects.exists()


def test_park_must_be_in_the_enterprise_county(official, make_enterprise, make_user):
    park = services.park_create(actor=official, name="芙蓉工业园", region=COUNTY)
    assert make_enterprise(park_id=park.pk).park == park
    province = make_user(Role.PROVINCIAL_COMMAND, "43")
    other = services.park_create(actor=province, name="天心园", region=OTHER_COUNTY)
    with pytest.raises(NotFound):  # outside the county official's jurisdiction
        make_enterprise(park_id=other.pk)
    with pytest.raises(DomainError) as exc:
        make_enterprise(actor=province, park_id=other.pk)
    assert exc.value.code == "enterprise.park_other_county"
    assert Enterprise.objects.count() == 1


def test_park_once_per_region(official):
    services.park_create(actor=official, name="芙蓉工业园", region=COUNTY)
    with pytest.raises(DomainError) as exc:
        services.park_create(actor=official, name="芙蓉工业园", region=COUNTY)
    assert (exc.value.code, exc.value.status) == ("park.duplicate", 409)
    assert Park.objects.count() == 1


def test_update_changes_only_what_is_given(official, enterprise, make_enterprise):
    updated = services.enterprise_update(
        actor=official, enterprise_id=enterprise.pk, workforce=250, key_project=True
    )
    assert (updated.workforce, updated.key_project, updated.large_scale) == (250, True, True)
    other = make_enterprise()
    with pytest.raises(DomainError) as exc:
        services.enterprise_update(actor=official, enterprise_id=other.pk, credit_code=enterprise.credit_code)
    assert exc.value.code == "enterprise.duplicate"
    other.refresh_from_db()
    assert other.credit_code != enterprise.credit_code
    with pytest.raises(TypeError):
        services.enterprise_update(actor=official, enterprise_id=other.pk, status="fully")


def test_update_by_liaison_or_outside_is_refused(official, enterprise, liaison, make_user):
    with pytest.raises(DomainError) as exc:
        services.enterprise_update(actor=liaison, enterprise_id=enterprise.pk, workforce=1)
    assert exc.value.status == 403
    outsider = make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)
    with pytest.raises(NotFound) as exc:
        services.enterprise_update(actor=outsider, enterprise_id=enterprise.pk, workforce=1)
    assert exc.value.code == "enterprise.not_found"
    enterprise.refresh_from_db()
    assert enterprise.workforce == 200


def test_list_filters_and_scopes(official, make_enterprise, make_user, liaison, employer, enterprise):
    it = make_enterprise(name="软件公司", industry="it", key_project=True)
    assert set(selectors.enterprise_list(actor=official)) == {enterprise, it}
    assert list(selectors.enterprise_list(actor=official, industry="it")) == [it]
    assert list(selectors.enterprise_list(actor=official, key_project=True)) == [it]
    assert list(selectors.enterprise_list(actor=official, large_scale=True)) == [enterprise]
    assert list(selectors.enterprise_list(actor=official, q="软件")) == [it]
    assert list(selectors.enterprise_list(actor=official, q=it.credit_code.lower())) == [it]
    assert not selectors.enterprise_list(actor=make_user(Role.COUNTY_OFFICIAL, OTHER_COUNTY)).exists()
    assert not selectors.enterprise_list(actor=liaison).exists()  # not stationed anywhere yet
    assert list(selectors.enterprise_list(actor=employer)) == [enterprise]
    with pytest.raises(NotFound):
        selectors.enterprise_get(actor=employer, enterprise_id=it.pk)
    with pytest.raises(NotFound):
        selectors.enterprise_get(actor=official, enterprise_id=2**70)
