"""Full page or partial from one view (the NetBox pattern)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, partial: str = "content"
) -> HttpResponse:
    """Render `template`; an htmx request that targets the page body gets only `partial`."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)
