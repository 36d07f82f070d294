from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class LabsError(DomainError):
    pass


def referral_not_found() -> NotFound:
    return NotFound("referral.not_found", _("No such referral."))


def referral_invalid(code: str, message: str | Promise, field: str) -> LabsError:
    return LabsError(f"referral.{code}", message, field=field)


def referral_not_open() -> LabsError:
    return LabsError("referral.not_open", _("This referral is already closed."), field="status", status=409)


def result_invalid(code: str, message: str | Promise, field: str) -> LabsError:
    return LabsError(f"result.{code}", message, field=field)
