"""Page helpers shared by every app's views: full page or partial from one view (the NetBox
pattern), the signed-in actor, and refused requests shown as error pages."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from fangyi.core.access import Actor
from fangyi.core.errors import DomainError

View = Callable[..., HttpResponse]


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, partial: str = "content"
) -> HttpResponse:
    """Render `template`; an htmx request that targets the page body gets only `partial`."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)


def page_actor(request: HttpRequest) -> Actor:
    """The signed-in user of a page behind login_required, as the actor selectors scope by."""
    return cast(Actor, request.user)


def render_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A refused request as an error page with the error's status and message."""
    titles = {403: _("Not allowed"), 404: _("Not found")}
    context = {
        "status": exc.status,
        "title": titles.get(exc.status, _("Bad request")),
        "message": exc.render_message(),
    }
    return render(request, "web/error.html", context, status=exc.status)


def domain_error_pages(view: View) -> View:
    """Show any DomainError the view lets through (not found, not allowed, bad input) as a page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return render_domain_error(request, exc)

    return wrapper


def add_domain_error(form: forms.Form, exc: DomainError, by_code: dict[str, str] | None = None) -> None:
    """Put a service's refusal next to its field (a non-field error when no field fits)."""
    field = exc.field if exc.field in form.fields else None
    if field is None:
        for prefix, name in (by_code or {}).items():
            if exc.code.startswith(prefix) and name in form.fields:
                field = name
                break
    form.add_error(field, exc.render_message())
