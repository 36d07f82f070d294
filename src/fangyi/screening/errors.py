from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class ScreeningError(DomainError):
    pass


def unknown_area(code: str, field: str = "area_code", entity: str = "risk_area") -> ScreeningError:
    """An area code in neither Hunan's regions nor the national list (`entity`: risk_area, travel)."""
    return ScreeningError(
        f"{entity}.unknown_area",
        _(
            "“%(value)s” is not a known area code: use a Hunan region, or a province, prefecture "
            "or county of China."
        ),
        field=field,
        value=code,
    )


def risk_area_invalid(code: str, message: str | Promise, field: str) -> ScreeningError:
    return ScreeningError(f"risk_area.{code}", message, field=field)


def risk_area_not_found() -> NotFound:
    return NotFound("risk_area.not_found", _("No such risk area."))


def travel_invalid(code: str, message: str | Promise, field: str, value: str = "") -> ScreeningError:
    """A bad row of a travel-record file; `value` is what the row held (shown in the message)."""
    return ScreeningError(f"travel.{code}", message, field=field, value=value)


def run_invalid(code: str, message: str | Promise, field: str) -> ScreeningError:
    return ScreeningError(f"screening.{code}", message, field=field)


def run_not_found() -> NotFound:
    return NotFound("screening.not_found", _("No such screening run."))


def grid_task_not_found() -> NotFound:
    return NotFound("grid_task.not_found", _("No such grid task."))


def grid_task_done() -> ScreeningError:
    return ScreeningError(
        "grid_task.done", _("This task has already been verified."), field="outcome", status=409
    )


def grid_task_invalid(
    code: str, message: str | Promise, field: str, status: int | None = None
) -> ScreeningError:
    return ScreeningError(f"grid_task.{code}", message, field=field, status=status)
