from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class HospitalsError(DomainError):
    pass


def hospital_not_found() -> NotFound:
    return NotFound("hospital.not_found", _("No such designated hospital."))


def admission_not_found() -> NotFound:
    return NotFound("admission.not_found", _("No such admission."))


def group_not_found() -> NotFound:
    return NotFound("group.not_found", _("No such expert group."))


def shift_not_found() -> NotFound:
    return NotFound("duty.not_found", _("No such duty shift."))


def consultation_not_found() -> NotFound:
    return NotFound("consultation.not_found", _("No such consultation."))


def invitation_not_found() -> NotFound:
    return NotFound("invitation.not_found", _("No such invitation."))


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> HospitalsError:
    """Bad input (400): `code` is the full stable code, e.g. "ward.invalid_bed_type"."""
    return HospitalsError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> HospitalsError:
    """A request the current state refuses (409)."""
    return HospitalsError(code, message, field=field, status=409, **params)


def text_too_long(code: str, field: str, limit: int) -> HospitalsError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)


def text_required(code: str, field: str) -> HospitalsError:
    return invalid(code, _("This field is required."), field)


def date_in_future(code: str, field: str) -> HospitalsError:
    return invalid(code, _("A date cannot be in the future."), field)


def not_in_hospital() -> HospitalsError:
    return conflict(
        "admission.not_in_hospital", _("This patient is no longer in this hospital."), "admission_id"
    )


def consultation_closed() -> HospitalsError:
    return conflict("consultation.closed", _("This consultation is already closed."), "consultation_id")
