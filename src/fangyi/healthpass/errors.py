from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class HealthpassError(DomainError):
    pass


def not_a_resident() -> HealthpassError:
    return HealthpassError(
        "healthpass.no_resident",
        _("This login is not linked to a resident, so it has no health code."),
        status=403,
    )


def override_not_found() -> NotFound:
    return NotFound("override.not_found", _("No such colour override."))


def appeal_not_found() -> NotFound:
    return NotFound("appeal.not_found", _("No such appeal."))


def declaration_not_found() -> NotFound:
    return NotFound("declaration.not_found", _("No such declaration."))


def temperature_error(code: str, message: str | Promise, **params: Any) -> HealthpassError:
    return HealthpassError(code, message, field="temperature", **params)
