"""The error body every API endpoint documents and returns: `{"code", "message"}`."""

from typing import cast

from django.http import HttpRequest
from ninja import Schema
from ninja.errors import AuthenticationError

from fangyi.core.access import Actor


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, object]] = []


ERRORS_READ: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
}
ERRORS_WRITE: dict[int, type[Schema]] = {**ERRORS_READ, 409: ErrorOut}
ERRORS_AUTH: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


def client_ip(request: HttpRequest) -> str:
    """The peer address. Behind a proxy, configure it to set REMOTE_ADDR (not X-Forwarded-For)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def request_actor(request: HttpRequest) -> Actor:
    """The signed-in user of an authenticated API request, as the actor that selectors scope by."""
    if not request.user.is_authenticated:
        raise AuthenticationError()
    return cast(Actor, request.user)
