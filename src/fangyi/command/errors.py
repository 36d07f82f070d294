from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class CommandError(DomainError):
    pass


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> CommandError:
    """Bad input (400): `code` is the full stable code, e.g. "directive.deadline_past"."""
    return CommandError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> CommandError:
    """A request the current state refuses (409)."""
    return CommandError(code, message, field=field, status=409, **params)


def text_too_long(code: str, field: str, limit: int) -> CommandError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)


def directive_not_found() -> NotFound:
    return NotFound("directive.not_found", _("No such directive."))


def target_not_found() -> NotFound:
    return NotFound("target.not_found", _("No such directive target."))


def sitrep_not_found() -> NotFound:
    return NotFound("sitrep.not_found", _("No situation report of this region on this day."))


def not_addressed_to_you() -> CommandError:
    return CommandError(
        "directive.not_addressed_to_you",
        _("This directive is addressed to another region: only that region acknowledges and reports on it."),
        status=403,
    )


def not_your_level() -> CommandError:
    return CommandError(
        "directive.not_your_level",
        _("Only the level that issued this directive may do this."),
        field="issuer",
        status=403,
    )


def directive_withdrawn() -> CommandError:
    return conflict("directive.withdrawn", _("This directive has been withdrawn."))


def target_completed() -> CommandError:
    return conflict("target.completed", _("This directive is already completed here: a completion is final."))
