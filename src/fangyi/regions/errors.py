from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class RegionError(DomainError):
    pass


def invalid_region_code(raw: str) -> RegionError:
    return RegionError(
        "region.invalid_code",
        _("“%(value)s” is not a region code: use 2, 4, 6, 9 or 12 digits."),
        field="region",
        value=raw,
    )


def region_not_found(field: str | None = None) -> NotFound:
    """No such region, or one outside the actor's jurisdiction (the two are not told apart);
    `field` names the form field it answers."""
    error = NotFound("region.not_found", _("No such region."))
    error.field = field
    return error


def place_not_found() -> NotFound:
    return NotFound("place.not_found", _("No such place."))
