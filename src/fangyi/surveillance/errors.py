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


# Reports, risk levels and response levels ---------------------------------------------------------


def report_date_in_future(field: str) -> SurveillanceError:
    return SurveillanceError(
        "report.date_in_future", _("There are no figures for a day in the future."), field=field
    )


def report_dates_out_of_order(field: str) -> SurveillanceError:
    return SurveillanceError(
        "report.dates_out_of_order", _("The start date cannot come after the end date."), field=field
    )


def report_range_too_long(days: int) -> SurveillanceError:
    return SurveillanceError(
        "report.range_too_long", _("Ask for at most %(days)s days at a time."), field="start", days=days
    )


def response_level_error(
    code: str, message: str | Promise, field: str, status: int = 400
) -> SurveillanceError:
    return SurveillanceError(f"response_level.{code}", message, field=field, status=status)
