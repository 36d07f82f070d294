from typing import Any

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


def visit_invalid(code: str, message: str | Promise, field: str) -> LabsError:
    return LabsError(f"visit.{code}", message, field=field)


def visit_not_found() -> NotFound:
    return NotFound("visit.not_found", _("No such clinic visit."))


def sample_invalid(code: str, message: str | Promise, field: str, **params: Any) -> LabsError:
    return LabsError(f"sample.{code}", message, field=field, **params)


def sample_not_found(barcode: str) -> NotFound:
    error = NotFound("sample.not_found", _("No sample has the barcode %(barcode)s."))
    error.field = "barcodes"
    error.params = {"barcode": barcode}
    return error


def sample_conflict(code: str, message: str | Promise, barcode: str, field: str = "barcode") -> LabsError:
    return LabsError(f"sample.{code}", message, field=field, status=409, barcode=barcode)


def invalid_barcode(barcode: str, field: str = "barcode") -> LabsError:
    return LabsError(
        "sample.invalid_barcode",
        _("“%(barcode)s” is not a barcode: 6 to 32 capital letters, digits or hyphens."),
        field=field,
        barcode=barcode[:40],
    )


def pool_invalid(code: str, message: str | Promise, field: str, **params: Any) -> LabsError:
    return LabsError(f"pool.{code}", message, field=field, **params)


def laboratory_not_found() -> NotFound:
    return NotFound("laboratory.not_found", _("No such laboratory."))


def laboratory_invalid(code: str, message: str | Promise, field: str) -> LabsError:
    return LabsError(f"laboratory.{code}", message, field=field)


def retest_not_found() -> NotFound:
    return NotFound("retest.not_found", _("No such re-test task."))
