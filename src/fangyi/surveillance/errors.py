from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class SurveillanceError(DomainError):
    pass


def case_not_found() -> NotFound:
    return NotFound("case.not_found", _("No such case."))


def dates_out_of_order(field: str, message: str | Promise) -> SurveillanceError:
    return SurveillanceError("case.dates_out_of_order", message, field=field)


def date_in_future(field: str) -> SurveillanceError:
    return SurveillanceError("case.date_in_future", _("A date cannot be in the future."), field=field)


def invalid_transition(message: str | Promise) -> SurveillanceError:
    return SurveillanceError("case.invalid_transition", message, status=409)
