from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class ResumptionError(DomainError):
    pass


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> ResumptionError:
    """Bad input (400): `code` is the full stable code, e.g. "mission.invalid_slots"."""
    return ResumptionError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> ResumptionError:
    """A request the current state refuses (409)."""
    return ResumptionError(code, message, field=field, status=409, **params)


def forbidden(code: str, message: str | Promise, field: str | None = None) -> ResumptionError:
    """Visible to the actor, but not theirs to act on (403)."""
    return ResumptionError(code, message, field=field, status=403)


def not_found(code: str, message: str | Promise, field: str | None = None) -> NotFound:
    """Absent, or outside the actor's jurisdiction: the two are not told apart (404)."""
    error = NotFound(code, message)
    error.field = field
    return error


def enterprise_not_found() -> NotFound:
    return not_found("enterprise.not_found", _("No such enterprise."), "enterprise_id")


def park_not_found() -> NotFound:
    return not_found("park.not_found", _("No such industrial park."), "park_id")


def application_not_found() -> NotFound:
    return not_found("application.not_found", _("No such resumption application."), "application_id")


def assignment_not_found() -> NotFound:
    return not_found("liaison.assignment_not_found", _("No such liaison assignment."), "assignment_id")


def liaison_not_assigned() -> ResumptionError:
    return forbidden("liaison.not_assigned", _("You are not stationed at this enterprise."), "enterprise_id")


def text_too_long(code: str, field: str, limit: int) -> ResumptionError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)


def date_in_future(code: str, field: str = "date") -> ResumptionError:
    return invalid(code, _("A date cannot be in the future."), field)
