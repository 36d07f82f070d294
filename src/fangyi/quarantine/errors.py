from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class QuarantineError(DomainError):
    pass


def observation_not_found() -> NotFound:
    return NotFound("observation.not_found", _("No such observation period."))


def site_not_found() -> NotFound:
    return NotFound("site.not_found", _("No such observation site."))


def contact_not_found() -> NotFound:
    return NotFound("contact.not_found", _("No such close contact."))


def alert_not_found() -> NotFound:
    return NotFound("alert.not_found", _("No such alert."))


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> QuarantineError:
    """Bad input (400): `code` is the full stable code, e.g. "observation.invalid_kind"."""
    return QuarantineError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> QuarantineError:
    """A request the current state refuses (409)."""
    return QuarantineError(code, message, field=field, status=409, **params)


def date_in_future(code: str, field: str) -> QuarantineError:
    return invalid(code, _("A date cannot be in the future."), field)


def text_too_long(code: str, field: str, limit: int) -> QuarantineError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)


def observation_overlaps() -> QuarantineError:
    return conflict(
        "observation.overlaps",
        _("This resident is already under observation, or was during these dates."),
        "person_id",
    )


def observation_not_active() -> QuarantineError:
    return conflict("observation.not_active", _("This observation period has already ended."), "status")


def not_under_observation() -> QuarantineError:
    return conflict(
        "checkin.not_under_observation",
        _("This resident is no longer under observation: no check-in is needed."),
        "period_id",
    )


def cluster_not_found() -> NotFound:
    return NotFound("cluster.not_found", _("No such cluster."))


def not_a_resident() -> QuarantineError:
    return QuarantineError(
        "quarantine.no_resident",
        _("This login is not linked to a resident, so it has no observation to check in for."),
        status=403,
    )
