from typing import Any

from django.utils.functional import Promise

from fangyi.core.errors import DomainError, NotFound


class VolunteersError(DomainError):
    pass


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> VolunteersError:
    """Bad input (400): `code` is the full stable code, e.g. "mission.invalid_slots"."""
    return VolunteersError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> VolunteersError:
    """A request the current state refuses (409)."""
    return VolunteersError(code, message, field=field, status=409, **params)


def not_found(code: str, message: str | Promise, field: str | None = None) -> NotFound:
    """Absent, or outside the actor's jurisdiction: the two are not told apart (404)."""
    error = NotFound(code, message)
    error.field = field
    return error
