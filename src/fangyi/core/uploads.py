"""Pages shared by every file import: the upload form that queues a job, and the job's progress page.

An app supplies its form (a subclass of `UploadForm`, with its own label and columns), a `submit`
service that keeps the file on a new Job, and its templates, which include
`core/upload_form.html`, `core/job_list.html` and `core/job_status.html`.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from fangyi.core.access import Actor
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.htmx import render_page
from fangyi.core.models import Job
from fangyi.core.selectors import job_get, job_list_own, job_not_found

FILE_ACCEPT = ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# submit(file_name, content, cleaned_data) -> the queued job
Submit = Callable[[str, bytes, dict[str, Any]], Job]


class UploadForm(forms.Form):
    """A file and a dry-run switch; apps subclass it to name the file and explain its columns."""

    file = forms.FileField(label=gettext_lazy("File"))
    dry_run = forms.BooleanField(
        label=gettext_lazy("Only check the file (dry run): write nothing"), required=False
    )


def upload_page(
    request: HttpRequest,
    *,
    actor: Actor,
    form_class: type[UploadForm],
    submit: Submit,
    max_bytes: int,
    job_kind: str,
    job_url: str,
    template: str,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form and the actor's recent imports; a good POST queues a job and redirects to it.

    A refused file (empty, too large, unreadable) is shown next to the file field with status 400.
    """
    form = form_class(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = submit(upload.name or "", upload.read(max_bytes + 1), form.cleaned_data)
        except PermissionDenied:
            raise
        except DomainError as exc:
            form.add_error("file", exc.render_message())
        else:
            return redirect(job_url, job_id=job.pk)
    page = {
        "form": form,
        "accept": FILE_ACCEPT,
        "jobs": job_list_own(actor=actor, kind=job_kind)[:10],
        "job_url": job_url,
        **(context or {}),
    }
    return render(request, template, page, status=400 if form.errors else 200)


def job_page(
    request: HttpRequest, *, actor: Actor, job_id: Any, job_kind: str, template: str
) -> HttpResponse:
    """The job's progress; while it runs, htmx polls the same URL for the `job-status` partial.

    A job of another kind is not found here (each app's page shows its own imports only).
    """
    job = job_get(actor=actor, job_id=job_id)
    if job.kind != job_kind:
        raise job_not_found()
    return render_page(request, template, {"job": job}, partial="job-status")
