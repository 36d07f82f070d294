from typing import Any

from django.utils.functional import Promise

from fangyi.core.errors import DomainError, NotFound


class VouchersError(DomainError):
    pass


def invalid(code: str, message: str | Promise, field: str | None = None, **params: Any) -> VouchersError:
    """Bad input (400): `code` is the full stable code, e.g. "program.invalid_budget"."""
    return VouchersError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> VouchersError:
    """A request the current state refuses (409)."""
    return VouchersError(code, message, field=field, status=409, **params)


def not_found(code: str, message: str | Promise, field: str | None = None) -> NotFound:
    """Absent, or outside the actor's jurisdiction: the two are not told apart (404)."""
    error = NotFound(code, message)
    error.field = field
    return error
