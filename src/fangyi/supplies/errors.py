from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class SuppliesError(DomainError):
    pass


def invalid(code: str, message: str | Promise, field: str, **params: Any) -> SuppliesError:
    """Bad input (400): `code` is the full stable code, e.g. "item.invalid_code"."""
    return SuppliesError(code, message, field=field, **params)


def conflict(code: str, message: str | Promise, field: str | None = None, **params: Any) -> SuppliesError:
    """A request the current state refuses (409)."""
    return SuppliesError(code, message, field=field, status=409, **params)


def _not_found(code: str, message: str | Promise, field: str | None) -> NotFound:
    error = NotFound(code, message)
    error.field = field
    return error


def item_not_found(field: str | None = "item_id") -> NotFound:
    return _not_found("item.not_found", _("No such item."), field)


def warehouse_not_found(field: str | None = "warehouse_id") -> NotFound:
    return _not_found("warehouse.not_found", _("No such warehouse."), field)


def producer_not_found() -> NotFound:
    return _not_found("producer.not_found", _("No such producer."), "producer_id")


def entry_not_found() -> NotFound:
    return _not_found("entry.not_found", _("No such ledger entry."), "entry_id")


def request_not_found() -> NotFound:
    return _not_found("request.not_found", _("No such supply request."), "request_id")


def run_not_found() -> NotFound:
    return _not_found("allocation.not_found", _("No such allocation run."), "run_id")


def allocation_not_found() -> NotFound:
    return _not_found("allocation.not_found", _("No such allocation."), "allocation_id")


def shipment_not_found() -> NotFound:
    return _not_found("shipment.not_found", _("No such shipment."), "shipment_id")


def quantity_invalid(field: str = "quantity", *, signed: bool = False) -> SuppliesError:
    if signed:
        return invalid(
            "quantity.invalid", _("The quantity must be a whole number of units, other than zero."), field
        )
    return invalid("quantity.invalid", _("The quantity must be a whole number of units, above zero."), field)


def not_whole_packs(pack_size: int, field: str = "quantity") -> SuppliesError:
    return invalid(
        "quantity.not_whole_packs",
        _("This item moves in whole packs of %(pack_size)s: the quantity must be a multiple of it."),
        field,
        pack_size=pack_size,
    )


def insufficient_stock(item: str, location: str, available: int, requested: int) -> SuppliesError:
    return conflict(
        "ledger.insufficient_stock",
        _("Not enough %(item)s at %(location)s: %(available)s in stock, %(requested)s needed."),
        "quantity",
        item=item,
        location=location,
        available=available,
        requested=requested,
    )


def key_reused() -> SuppliesError:
    return conflict(
        "ledger.key_reused",
        _("This client key was already used for a different posting: use a new key for a new posting."),
        "client_key",
    )


def text_too_long(code: str, field: str, limit: int) -> SuppliesError:
    return invalid(code, _("Keep it under %(limit)s characters."), field, limit=limit)


def required(code: str, field: str) -> SuppliesError:
    return invalid(code, _("This field is required."), field)
