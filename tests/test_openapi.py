"""Fuzz the whole API from its own OpenAPI document (schemathesis, in process over WSGI).

Every operation is called with generated valid and invalid input as a province-wide superuser:
no response may be a server error, and every response must be documented (status code, content
type and body schema).
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fangyi.accounts.models import User
from fangyi.accounts.services import api_token_create
from fangyi.people.services import person_register
from fangyi.regions.models import Place

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def same_connection():
    """Keep the test's database connection (and its transaction) open across WSGI requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(db, same_connection):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    schema.config.generation.update(max_examples=MAX_EXAMPLES, with_security_parameters=False)
    return schema


@pytest.fixture
def superuser_headers(db):
    """Fresh headers for every call: the fuzzer also calls DELETE /auth/token, which revokes one."""
    admin = User.objects.create_user(username="fuzz-admin", is_superuser=True, is_staff=True)
    # Some objects to find, so that detail routes are exercised beyond "not found".
    person_register(actor=None, name="张三", id_number="11010519491231002X", home_region="430102001001")
    Place.objects.create(name="识字里小区东门", kind="compound_gate", region_id="430102001001")

    def make() -> dict[str, str]:
        _token, key = api_token_create(actor=admin, name="fuzz")
        return {"Authorization": f"Bearer {key}"}

    return make


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_schema(case, superuser_headers):
    case.call_and_validate(headers=superuser_headers(), checks=CHECKS)


def test_every_schema_has_a_name_of_its_own():
    """The OpenAPI document keys schemas by class name: two apps' `StatsOut` would make one route
    document (and be checked against) the other's body."""
    import importlib
    import pkgutil

    from ninja import Schema

    import fangyi

    owners: dict[str, list[str]] = {}
    for module_info in pkgutil.walk_packages(fangyi.__path__, "fangyi."):
        if not module_info.name.rsplit(".", 1)[-1].endswith("schemas"):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                owners.setdefault(name, []).append(module.__name__)
    assert {name: modules for name, modules in owners.items() if len(modules) > 1} == {}
