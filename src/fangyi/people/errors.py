from django.utils.translation import gettext_lazy as _

from fangyi.core.errors import DomainError, NotFound


class PeopleError(DomainError):
    pass


def person_not_found() -> NotFound:
    return NotFound("person.not_found", _("No such resident."))


def duplicate_person() -> PeopleError:
    return PeopleError(
        "person.duplicate",
        _("A resident with this identity number is already registered."),
        field="id_number",
        status=409,
    )


def home_not_village() -> PeopleError:
    return PeopleError(
        "person.home_not_village",
        _("The home must be a village or community (a 12-digit code)."),
        field="home_region",
    )


def reason_required() -> PeopleError:
    return PeopleError(
        "person.reason_required", _("Say why you need to see the full number."), field="reason"
    )
