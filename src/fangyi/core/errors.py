"""Domain errors: a stable machine code plus a message in the user's language.

Every app defines `<App>Error(DomainError)`; the API renders them as
`{"code": ..., "message": ...}` and pages show the message next to the field.
"""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused request. `code` is stable across releases and languages."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        field: str | None = None,
        status: int | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.message = message
        self.field = field
        self.params = params
        if status is not None:
            self.status = status
        super().__init__(code)

    def render_message(self) -> str:
        text = str(self.message)
        return text % self.params if self.params else text

    def as_row_error(self, line: int) -> dict[str, Any]:
        """How an import reports this error against the line of the file that caused it."""
        return {"line": line, "code": self.code, "message": self.render_message(), "field": self.field or ""}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.render_message()}
        if self.field:
            body["field"] = self.field
        return body


class NotFound(DomainError):
    """Missing, or outside the actor's jurisdiction: the two are indistinguishable on purpose."""

    status = 404

    def __init__(self, code: str = "not_found", message: str | Promise | None = None) -> None:
        super().__init__(code, message or _("Not found."))


class PermissionDenied(DomainError):
    """The actor's roles do not allow this kind of action anywhere."""

    status = 403

    def __init__(self, message: str | Promise | None = None) -> None:
        super().__init__("permission_denied", message or _("You do not have permission to do this."))


class ValidationFailed(DomainError):
    """Input that fails a domain validator (ID number, phone, region code...)."""

    status = 400
