import itertools

import pytest

from fangyi.accounts.choices import Role
from fangyi.core.validators import credit_code_check_char
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.resumption import services
from fangyi.resumption.choices import Industry, PlanItem

COUNTY = "430102"  # 芙蓉区, Changsha
OTHER_COUNTY = "430103"  # 天心区, next door

_serial = itertools.count(1)


def make_credit_code(n: int | None = None) -> str:
    """A valid unified social credit code (GB 32100-2015) of a Changsha enterprise."""
    first17 = f"91430102MA{n if n is not None else next(_serial):07d}"
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def credit_code():
    return make_credit_code


@pytest.fixture
def official(county_official):
    """A county official of 芙蓉区: registers enterprises, stations liaisons, decides applications."""
    return county_official


@pytest.fixture
def make_enterprise(official):
    def make(actor=None, **fields):
        values = {
            "credit_code": make_credit_code(),
            "name": f"企业{next(_serial)}",
            "industry": Industry.MANUFACTURING,
            "region": COUNTY,
            "workforce": 100,
        } | fields
        return services.enterprise_register(actor=actor or official, **values)

    return make


@pytest.fixture
def enterprise(make_enterprise):
    return make_enterprise(name="湘江机械有限公司", large_scale=True, workforce=200)


@pytest.fixture
def liaison(make_user):
    return make_user(Role.ENTERPRISE_LIAISON, COUNTY, username="liaison-r")


@pytest.fixture
def stationed(official, liaison, enterprise):
    """The liaison stationed at the enterprise."""
    return services.liaison_assign(actor=official, liaison_id=liaison.pk, enterprise_id=enterprise.pk)


@pytest.fixture
def employer(make_user, enterprise):
    """The enterprise's own login."""
    user = make_user(Role.EMPLOYER, COUNTY, username="employer-r")
    enterprise.accounts.add(user)
    return user


@pytest.fixture
def village(db) -> str:
    return Region.objects.filter(code__startswith=COUNTY, level=Level.VILLAGE).order_by("code").first().code


@pytest.fixture
def checked_plan(employer, liaison, stationed, enterprise):
    """A complete plan, checked by the liaison."""
    services.plan_update(actor=employer, enterprise_id=enterprise.pk, items=list(PlanItem.values))
    return services.plan_check(actor=liaison, enterprise_id=enterprise.pk)
