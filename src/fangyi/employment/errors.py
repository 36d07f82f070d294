from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class EmploymentError(DomainError):
    pass


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> EmploymentError:
    """Bad input (400): `code` is the full stable code, e.g. "job.invalid_salary"."""
    return EmploymentError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> EmploymentError:
    """A request the current state refuses (409)."""
    return EmploymentError(code, message, field=field, status=409, **params)


def employer_not_found() -> NotFound:
    error = NotFound("employer.not_found", _("No such employer."))
    error.field = "employer_id"
    return error


def job_not_found() -> NotFound:
    error = NotFound("job.not_found", _("No such job post."))
    error.field = "job_id"
    return error


def required(code: str, field: str) -> EmploymentError:
    return invalid(code, _("This field is required."), field)


def text_too_long(code: str, field: str, limit: int) -> EmploymentError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)


def seeker_not_found() -> NotFound:
    return NotFound("seeker.not_found", _("You have no job-seeker profile yet."))


def application_not_found() -> NotFound:
    error = NotFound("application.not_found", _("No such application."))
    error.field = "application_id"
    return error


def invalid_transition(stage: Any) -> EmploymentError:
    """A move the pipeline does not allow from `stage` (a Stage: its label is named lazily)."""
    return conflict(
        "application.invalid_transition",
        _("An application at the stage “%(stage)s” cannot move there."),
        "stage",
        stage=stage.label,
    )
