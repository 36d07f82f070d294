"""Resident pages: list, detail with an audited reveal, registration and list imports."""

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from fangyi.core.access import covers, require
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.htmx import domain_error_pages, page_actor, render_page
from fangyi.core.models import Job
from fangyi.core.uploads import UploadForm, job_page, upload_page
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.people.selectors import person_get, person_list
from fangyi.people.services import (
    IMPORT_JOB_KIND,
    people_import_submit,
    person_register,
    person_reveal_identity,
)

PAGE_SIZE = 50


# List and detail ---------------------------------------------------------------------------------


@login_required
@domain_error_pages
@require_http_methods(["GET"])
def person_list_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    q = request.GET.get("q", "").strip()[:64]
    region = request.GET.get("region", "").strip()[:12]
    error = ""
    try:
        people = person_list(actor=actor, region=region or None, q=q or None)
    except PermissionDenied:
        raise
    except DomainError as exc:  # a malformed region code: say so next to the filter
        error = exc.render_message()
        people = person_list(actor=actor, q=q or None)
    page = Paginator(people.order_by("home_region_id", "name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "q": q,
        "region": region,
        "region_error": error,
        "query": query.urlencode(),
        "can_manage": bool(actor.prefixes_for("people.manage")),
    }
    return render_page(request, "people/person_list.html", context, partial="results")


@login_required
@domain_error_pages
@require_http_methods(["GET"])
def person_detail_view(request: HttpRequest, person_id: str) -> HttpResponse:
    actor = page_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    context = {"person": person, "can_reveal": covers(actor, "people.reveal", person.home_region_id)}
    return render(request, "people/person_detail.html", context)


@login_required
@domain_error_pages
@require_POST
def person_reveal_view(request: HttpRequest, person_id: str) -> HttpResponse:
    """The audited reveal: htmx swaps the full numbers into the detail page."""
    actor = page_actor(request)
    person = person_get(actor=actor, person_id=person_id)
    reason = request.POST.get("reason", "")
    context: dict[str, Any] = {"person": person, "can_reveal": True, "reason": reason}
    status = 200
    try:
        context["revealed"] = person_reveal_identity(actor=actor, person_id=person.pk, reason=reason)
    except PermissionDenied:
        raise
    except DomainError as exc:
        context["reveal_error"] = exc.render_message()
        status = 400 if not request.htmx else 200  # type: ignore[attr-defined]
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "people/person_detail.html#reveal", context, status=status)
    return render(request, "people/person_detail.html", context, status=status)


# Registration ------------------------------------------------------------------------------------


class PersonForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("Identity number"), max_length=32)
    home_region = forms.CharField(
        label=gettext_lazy("Village or community code"),
        max_length=12,
        help_text=gettext_lazy("The 12-digit code of the home village or community."),
    )
    phone = forms.CharField(label=gettext_lazy("Mobile phone"), max_length=20, required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=256, required=False)


def _add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    if field is None and exc.code.startswith("region."):
        field = "home_region"
    form.add_error(field, exc.render_message())


@login_required
@domain_error_pages
@require_http_methods(["GET", "POST"])
def person_register_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, "people.manage")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = person_register(actor=actor, **form.cleaned_data)
        except PermissionDenied:
            raise
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            return redirect("people:detail", person_id=person.pk)
    status = 400 if form.errors else 200
    return render(request, "people/person_form.html", {"form": form}, status=status)


# Imports -----------------------------------------------------------------------------------------


class ImportForm(UploadForm):
    file = forms.FileField(
        label=gettext_lazy("Resident list"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or GB18030) or Excel .xlsx with the columns 姓名, 身份证号, 村社区代码, "
            "手机号, 地址 (or name, id_number, home_region, phone, address)."
        ),
    )
    partial = forms.BooleanField(
        label=gettext_lazy("Import the good rows even if some rows have errors"), required=False
    )


@login_required
@domain_error_pages
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, "people.manage")

    def submit(file_name: str, content: bytes, options: dict[str, Any]) -> Job:
        return people_import_submit(
            actor=actor,
            file_name=file_name,
            content=content,
            dry_run=options["dry_run"],
            partial=options["partial"],
        )

    return upload_page(
        request,
        actor=actor,
        form_class=ImportForm,
        submit=submit,
        max_bytes=MAX_IMPORT_BYTES,
        job_kind=IMPORT_JOB_KIND,
        job_url="people:import_job",
        template="people/import_form.html",
    )


@login_required
@domain_error_pages
@require_http_methods(["GET"])
def import_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's progress; while it runs, htmx polls this view for the `job-status` partial."""
    return job_page(
        request,
        actor=page_actor(request),
        job_id=job_id,
        job_kind=IMPORT_JOB_KIND,
        template="people/import_job.html",
    )
