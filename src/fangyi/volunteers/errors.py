from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

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


def volunteer_not_found(field: str | None = "volunteer_id") -> NotFound:
    return not_found("volunteer.not_found", _("No such volunteer."), field)


def mission_not_found() -> NotFound:
    return not_found("mission.not_found", _("No such mission."), "mission_id")


def signup_not_found() -> NotFound:
    return not_found("signup.not_found", _("No such sign-up."), "signup_id")


def record_not_found() -> NotFound:
    return not_found("hours.not_found", _("No such hours record."), "record_id")


def certificate_not_found() -> NotFound:
    return not_found("certificate.not_found", _("No certificate has this serial."), "serial")


def shift_not_found() -> NotFound:
    return not_found("shift.not_found", _("No such hotline shift."), "shift_id")


def not_a_resident() -> VolunteersError:
    return VolunteersError(
        "volunteer.no_resident",
        _("This login is not linked to a resident, so it cannot serve as a volunteer."),
        status=403,
    )


def not_registered() -> VolunteersError:
    return conflict("volunteer.not_registered", _("Register as a volunteer first."))


def inactive() -> VolunteersError:
    return conflict("volunteer.inactive", _("This volunteer is no longer active."), "volunteer_id")


def mission_closed() -> VolunteersError:
    return conflict("mission.closed", _("This mission is no longer open."), "mission_id")


def mission_full(slots: int) -> VolunteersError:
    return conflict(
        "mission.full", _("All %(slots)s places of this mission are taken."), "mission_id", slots=slots
    )


def overlap() -> VolunteersError:
    return conflict(
        "hours.overlap",
        _("These hours overlap hours already recorded for this volunteer (or record them twice)."),
        "check_in_at",
    )


def required(code: str, field: str) -> VolunteersError:
    return invalid(code, _("This field is required."), field)


def text_too_long(code: str, field: str, limit: int) -> VolunteersError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)
