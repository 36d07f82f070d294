"""The public job search (湘就业): no sign-in, mobile first."""

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from fangyi.core.errors import DomainError
from fangyi.core.htmx import add_domain_error, domain_error_pages, render_page
from fangyi.employment import search, selectors
from fangyi.regions.models import Region

PAGE_SIZE = 20


def _region_choices() -> list[tuple[str, Any]]:
    rows = Region.objects.filter(level__in=["prefecture", "county"]).order_by("code")
    return [
        ("", gettext_lazy("Anywhere in Hunan")),
        *[(r.code, ("· " if len(r.code) > 4 else "") + r.name) for r in rows],
    ]


def _occupation_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("Any occupation")), *[(o.code, o.name) for o in selectors.occupation_list()]]


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Job, skill or place"), required=False, max_length=1000)
    region = forms.ChoiceField(label=gettext_lazy("Where"), required=False)
    occupation = forms.ChoiceField(label=gettext_lazy("Occupation"), required=False)
    salary = forms.IntegerField(
        label=gettext_lazy("Monthly pay at least (yuan)"), required=False, min_value=0, max_value=1_000_000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]
        self.fields["occupation"].choices = _occupation_choices()  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "普工 电工 护工 长沙…"})


@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    """Open posts found by words and filters, best first, each with why it ranks where it does."""
    form = SearchForm(request.GET)
    page: Any = Paginator([], PAGE_SIZE).get_page(1)
    places: dict[str, str] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            found = selectors.job_search(
                q=data["q"],
                region=data["region"] or None,
                occupation=data["occupation"] or None,
                salary=data["salary"],
            )
            page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
            places = selectors.places(list(page.object_list))
        except DomainError as exc:
            add_domain_error(form, exc)
    hits = [{"post": post, "place": places.get(post.region_id, ""), "why": search.why(post)} for post in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "hits": hits,
        "query": query.urlencode(),
        "searched": any(request.GET.get(key) for key in form.fields),
    }
    status = 400 if form.errors else 200
    if status == 200:
        return render_page(request, "employment/search.html", context, partial="results")
    return render(request, "employment/search.html", context, status=status)


@require_safe
@domain_error_pages
def job_view(request: HttpRequest, job_id: int) -> HttpResponse:
    post = selectors.job_get(job_id=job_id)
    context = {"post": post, "place": selectors.places([post])[post.region_id]}
    return render(request, "employment/job.html", context)
