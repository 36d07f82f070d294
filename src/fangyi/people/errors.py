from django.utils.functional import Promise
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


# Imports -----------------------------------------------------------------------------------------


def import_empty() -> PeopleError:
    return PeopleError("import.empty", _("The file is empty."), field="file")


def import_too_large(limit_mb: int) -> PeopleError:
    return PeopleError(
        "import.too_large",
        _("The file is larger than %(limit)s MB; split it into smaller files."),
        field="file",
        status=413,
        limit=limit_mb,
    )


def import_too_many_rows(limit: int) -> PeopleError:
    return PeopleError(
        "import.too_many_rows",
        _("The file has more than %(limit)s rows; split it into smaller files."),
        field="file",
        status=413,
        limit=limit,
    )


def import_unreadable() -> PeopleError:
    return PeopleError(
        "import.unreadable",
        _("The file could not be read: upload a CSV (UTF-8 or GB18030) or an Excel .xlsx file."),
        field="file",
    )


def import_missing_columns(columns: str) -> PeopleError:
    return PeopleError(
        "import.missing_columns",
        _("The header row lacks these columns: %(columns)s."),
        field="file",
        columns=columns,
    )


def import_no_rows(message: str | Promise | None = None) -> PeopleError:
    """A header and nothing under it; `message` names what another list should have held."""
    return PeopleError(
        "import.no_rows", message or _("The file has a header row but no residents."), field="file"
    )


def duplicate_in_file(line: int) -> PeopleError:
    return PeopleError(
        "person.duplicate_in_file",
        _("The same identity number is already on line %(line)s of this file."),
        field="id_number",
        status=409,
        line=line,
    )
