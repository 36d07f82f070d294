"""Page helpers shared by every app's views: full page or partial from one view (the NetBox
pattern), the signed-in actor, refused requests shown as error pages, a form's write with the
service's refusal shown next to the field, the way back after a button, and QR codes."""

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

import segno
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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


def _field_of(form: forms.Form, exc: DomainError, by_code: dict[str, str] | None) -> str | None:
    """The form's field a refusal is about: its own field, or the one its code's prefix maps to."""
    if exc.field in form.fields:
        return exc.field
    for prefix, name in (by_code or {}).items():
        if exc.code.startswith(prefix) and name in form.fields:
            return name
    return None


def add_domain_error(form: forms.Form, exc: DomainError, by_code: dict[str, str] | None = None) -> None:
    """Put a service's refusal next to its field (a non-field error when no field fits)."""
    form.add_error(_field_of(form, exc, by_code), exc.render_message())


def form_refusal(
    form: forms.Form,
    exc: DomainError,
    by_code: dict[str, str] | None = None,
    *,
    forbidden_on_form: bool = False,
) -> int:
    """Show a service's refusal on the form and answer its status (a typed id not found is a 400).

    Not-found refusals about no input of the form (the page's own object) and not-allowed ones go
    through as error pages; with `forbidden_on_form`, a not-allowed refusal about a field the user
    filled in (an enterprise the liaison is not stationed at) is shown next to it instead."""
    about_input = _field_of(form, exc, by_code) is not None
    if (exc.status == 404 and not about_input) or (
        exc.status == 403 and not (forbidden_on_form and about_input)
    ):
        raise exc
    add_domain_error(form, exc, by_code)
    return 400 if exc.status == 404 else exc.status


def form_write(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], str],
    by_code: dict[str, str] | None = None,
    *,
    forbidden_on_form: bool = False,
) -> int | None:
    """Run a form's write: None when done (its message is shown), else the status to answer."""
    if not form.is_valid():
        return 400
    try:
        done = write(form.cleaned_data)
    except DomainError as exc:
        return form_refusal(form, exc, by_code, forbidden_on_form=forbidden_on_form)
    messages.success(request, done)
    return None


def button_write(request: HttpRequest, act: Callable[[], str]) -> None:
    """A button's write (no form to keep): its message, or the refusal as an error message.
    Not-found and not-allowed refusals go through as error pages."""
    try:
        messages.success(request, act())
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.render_message())


def redirect_back(request: HttpRequest, within: str, fallback: str, **kwargs: Any) -> HttpResponse:
    """Back to the page a button was on (its `next`, a path under `within` of this site only, so
    the form cannot send anyone elsewhere), else to the `fallback` view."""
    target = request.POST.get("next", "")
    if target.startswith(within) and "//" not in target:
        return redirect(target)
    return redirect(fallback, **kwargs)


def qr_svg(text: str, *, scale: int) -> str:
    """`text` as an inline SVG QR code (error correction M: readable from a cracked phone screen)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=scale, border=2, dark="#111")


def render_list(request: HttpRequest, template: str, context: dict[str, Any], status: int) -> HttpResponse:
    """A list page, or its results only for an htmx search; a refused form answers its status."""
    if status == 200:
        return render_page(request, template, context, partial="results")
    return render(request, template, context, status=status)


def paginate(request: HttpRequest, rows: Any, size: int) -> Any:
    """The page of `rows` the request's `page` asks for (the last one past the end)."""
    return Paginator(rows, size).get_page(request.GET.get("page"))
