"""Big-data screening pages: runs with their progress and results, risk areas, the travel-record
import, the grid worker's task list with the verify form, and verification progress per region.

Runs, risk areas and the import need "screening.view" (starting a run and listing risk areas,
"screening.run"); tasks and progress need "screening.verify" or "screening.view" over the
resident's village. Reads go through the selectors (outside the jurisdiction: not found) and
writes through the services, whose refusals are shown next to the field.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.htmx import add_domain_error, domain_error_pages, page_actor, render_page
from fangyi.core.models import Job
from fangyi.core.uploads import UploadForm, job_page, upload_page
from fangyi.core.validators import mask_name
from fangyi.quarantine.models import Site
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_get
from fangyi.screening import services
from fangyi.screening.choices import Outcome, TaskStatus
from fangyi.screening.engine import BACKENDS, DUCKDB
from fangyi.screening.errors import grid_task_done
from fangyi.screening.imports import MAX_IMPORT_BYTES, TRAVEL_IMPORT_JOB_KIND
from fangyi.screening.models import GridTask, RiskArea, ScreeningRun
from fangyi.screening.selectors import (
    ESCALATION_MAX_PATH,
    RUN,
    VERIFY,
    VIEW,
    hit_list,
    risk_area_list,
    run_get,
    run_list,
    seen_area_names,
    tally_list,
    tally_names,
    task_can_verify,
    task_get,
    task_is_overdue,
    task_list,
    task_sites,
    verification_progress,
)
from fangyi.screening.services import PROVINCE

PAGE_SIZE = 50
TASK_PAGE_SIZE = 20
ESCALATED_SHOWN = 20

BACKEND_LABELS = {DUCKDB: gettext_lazy("DuckDB (this server)"), "pyspark": gettext_lazy("PySpark (cluster)")}
# The run's counts in the order they are shown.
COUNT_LABELS = (
    ("records_scanned", gettext_lazy("Travel records scanned")),
    ("records_unmatched", gettext_lazy("Records of persons not registered as residents")),
    ("persons_screened", gettext_lazy("Residents found")),
    ("tasks_created", gettext_lazy("Grid tasks created")),
    ("tasks_existing", gettext_lazy("Residents with a task already pending")),
    ("seconds", gettext_lazy("Seconds")),
)


def _date_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _widest(actor: Actor, *capabilities: str, max_length: int = 12) -> str | None:
    """The widest region path where the actor holds one of `capabilities` (at most `max_length`)."""
    paths = sorted(
        {p for cap in capabilities for p in actor.prefixes_for(cap) if len(p) <= max_length},
        key=lambda p: (len(p), p),
    )
    return paths[0] if paths else None


# Runs --------------------------------------------------------------------------------------------


class RunStartForm(forms.Form):
    region = forms.CharField(
        label=gettext_lazy("Residents of"),
        max_length=12,
        help_text=gettext_lazy("The code of the province, a prefecture or a county, e.g. 430100."),
    )
    as_of = _date_field(gettext_lazy("As of"), help_text=gettext_lazy("The last day screened."))
    lookback_days = forms.IntegerField(
        label=gettext_lazy("Look-back (days)"),
        min_value=1,
        max_value=365,
        help_text=gettext_lazy("Days before the as-of date in which a stay in a risk area counts."),
    )
    backend = forms.ChoiceField(
        label=gettext_lazy("Engine"), choices=[(name, BACKEND_LABELS.get(name, name)) for name in BACKENDS]
    )


def _start_form(actor: Actor, data: Any = None) -> RunStartForm | None:
    widest = _widest(actor, RUN, max_length=6)
    if widest is None:
        return None
    initial = {
        "region": Region(code=widest).official_code,
        "as_of": clock.today(),
        "lookback_days": settings.FANGYI_SCREENING_LOOKBACK_DAYS,
        "backend": settings.FANGYI_SCREENING_BACKEND,
    }
    return RunStartForm(data, initial=initial)


def _run_list_page(
    request: HttpRequest, actor: Actor, form: RunStartForm | None, status: int = 200
) -> HttpResponse:
    runs = run_list(actor=actor)
    context = {
        "page": Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query_without_page(request),
        "form": form,
    }
    return render(request, "screening/run_list.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def run_list_view(request: HttpRequest) -> HttpResponse:
    """The runs over the actor's jurisdiction, newest first, with the form to start one."""
    actor = page_actor(request)
    return _run_list_page(request, actor, _start_form(actor))


@login_required
@require_POST
@domain_error_pages
def run_start_view(request: HttpRequest) -> HttpResponse:
    """Start a run from the list page; on refusal the page again, with the message."""
    actor = page_actor(request)
    require(actor, RUN)
    form = _start_form(actor, request.POST)
    if form is None:  # screening.run held only below a county
        raise PermissionDenied()
    status = 400
    if form.is_valid():
        try:
            run = services.screening_run_start(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404) and exc.field is None:
                raise
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The screening run is queued."))
            return redirect("screening:run_detail", run_id=run.pk)
    return _run_list_page(request, actor, form, status=status)


def _tally_groups(actor: Actor, run: ScreeningRun) -> list[dict[str, Any]]:
    tallies = list(tally_list(actor=actor, run=run))
    names = tally_names(tallies)
    groups: dict[str, dict[str, Any]] = {}
    for tally in tallies:
        group = groups.setdefault(tally.level, {"label": tally.get_level_display(), "rows": []})
        group["rows"].append(
            {"code": tally.code, "name": names.get(tally.code, tally.code), "persons": tally.persons}
        )
    return list(groups.values())


@login_required
@require_safe
@domain_error_pages
def run_detail_view(request: HttpRequest, run_id: str) -> HttpResponse:
    """A run: its progress (htmx polls the `run` partial until it finishes), parameters, counts,
    tallies per level and the residents found in the actor's jurisdiction."""
    actor = page_actor(request)
    run = run_get(actor=actor, run_id=run_id)
    page = Paginator(hit_list(actor=actor, run=run), PAGE_SIZE).get_page(request.GET.get("page"))
    names = seen_area_names(hit.area_code for hit in page.object_list)
    hits = [
        {"hit": hit, "name": mask_name(hit.person.name), "area": names.get(hit.area_code, hit.area_code)}
        for hit in page.object_list
    ]
    context = {
        "run": run,
        "job": run.job,
        "backend_label": BACKEND_LABELS.get(run.backend, run.backend),
        "counts": [(label, run.counts[key]) for key, label in COUNT_LABELS if key in (run.counts or {})],
        "tally_groups": _tally_groups(actor, run) if run.job.finished else [],
        "page": page,
        "hits": hits,
        "query": _query_without_page(request),
    }
    return render_page(request, "screening/run_detail.html", context, partial="run")


# Risk areas --------------------------------------------------------------------------------------


class RiskAreaForm(forms.Form):
    area_code = forms.CharField(
        label=gettext_lazy("Area code"),
        max_length=12,
        help_text=gettext_lazy(
            "A province, prefecture or county of China (420000 Hubei, 420100 Wuhan) or a Hunan region."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=RiskArea._meta.get_field("name").max_length)
    starts_on = _date_field(gettext_lazy("From"))
    ends_on = _date_field(
        gettext_lazy("Until (exclusive)"), required=False, help_text=gettext_lazy("Empty while it lasts.")
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=RiskArea._meta.get_field("note").max_length, required=False
    )


class RiskAreaEndForm(forms.Form):
    ends_on = _date_field(gettext_lazy("No longer a risk area from"))


def _risk_area_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: RiskAreaForm | None = None,
    end_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    areas = risk_area_list(actor=actor)
    may_list = covers(actor, RUN, PROVINCE)
    context = {
        "page": Paginator(areas, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": _query_without_page(request),
        "form": (form or RiskAreaForm(initial={"starts_on": clock.today()})) if may_list else None,
        "may_end": may_list,
        "today": clock.today(),
        "end_errors": end_errors or {},
    }
    return render(request, "screening/risk_area_list.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def risk_area_list_view(request: HttpRequest) -> HttpResponse:
    """The province's risk areas with their windows; the province's screening officials add and end them."""
    return _risk_area_page(request, page_actor(request))


@login_required
@require_POST
@domain_error_pages
def risk_area_create_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, RUN)
    form = RiskAreaForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            area = services.risk_area_create(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("%(name)s is listed as a risk area.") % {"name": area.name})
            return redirect("screening:risk_area_list")
    return _risk_area_page(request, actor, form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def risk_area_end_view(request: HttpRequest, risk_area_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, RUN)
    form = RiskAreaEndForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            area = services.risk_area_end(
                actor=actor, risk_area_id=risk_area_id, ends_on=form.cleaned_data["ends_on"]
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                _("%(name)s is no longer a risk area from %(day)s.")
                % {"name": area.name, "day": area.ends_on},
            )
            return redirect("screening:risk_area_list")
    errors = [str(error) for field_errors in form.errors.values() for error in field_errors]
    return _risk_area_page(request, actor, end_errors={risk_area_id: errors}, status=status)


# Travel record import ----------------------------------------------------------------------------

# (column, what it holds)
IMPORT_COLUMNS: list[tuple[str, Any]] = [
    ("id_number", gettext_lazy("The person's identity number; or instead:")),
    ("phone", gettext_lazy("The person's mobile phone number; or instead:")),
    ("phone_hash", gettext_lazy("The keyed hash of the phone number, as telecom operators send it.")),
    (
        "area_code",
        gettext_lazy("Where the person was seen: an area code of China (420100 Wuhan) or a Hunan region."),
    ),
    (
        "at",
        gettext_lazy("When: an ISO date and time, e.g. 2020-01-18T09:30; Beijing time without an offset."),
    ),
    ("source", gettext_lazy("rail, air, road, telecom or gate.")),
]


class TravelImportForm(UploadForm):
    file = forms.FileField(
        label=gettext_lazy("Travel and location records"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or Parquet, one record a row, with a header row."),
    )
    dry_run = None  # type: ignore[assignment]  # every good row is imported; bad rows are listed


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def import_view(request: HttpRequest) -> HttpResponse:
    """Upload travel and location records (the province's screening officials); the import runs
    in the background."""
    actor = page_actor(request)
    if not covers(actor, RUN, PROVINCE):
        raise PermissionDenied()

    def submit(file_name: str, content: bytes, options: dict[str, Any]) -> Job:
        return services.travel_import_start(actor=actor, file_name=file_name, data=content)

    return upload_page(
        request,
        actor=actor,
        form_class=TravelImportForm,
        submit=submit,
        max_bytes=MAX_IMPORT_BYTES,
        job_kind=TRAVEL_IMPORT_JOB_KIND,
        job_url="screening:import_job",
        template="screening/import.html",
        context={"columns": IMPORT_COLUMNS, "accept": ".csv,.txt,.parquet,text/csv"},
    )


@login_required
@require_safe
@domain_error_pages
def import_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """The import's progress; while it runs, htmx polls this view for the `job-status` partial."""
    return job_page(
        request,
        actor=page_actor(request),
        job_id=job_id,
        job_kind=TRAVEL_IMPORT_JOB_KIND,
        template="screening/import_job.html",
    )


# Grid tasks --------------------------------------------------------------------------------------

STATUS_ALL = "all"


class TaskFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Show"),
        choices=[*TaskStatus.choices, (STATUS_ALL, gettext_lazy("All"))],
        required=False,
    )
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


def _task_cards(tasks: list[GridTask]) -> list[dict[str, Any]]:
    seen = [getattr(task, "seen_area", None) or "" for task in tasks]
    names = seen_area_names(seen)
    return [
        {"task": task, "overdue": task_is_overdue(task), "area": names.get(code, code)}
        for task, code in zip(tasks, seen, strict=True)
    ]


@login_required
@require_safe
@domain_error_pages
def task_list_view(request: HttpRequest) -> HttpResponse:
    """The grid worker's list of residents to visit (open ones, due soonest first); the township
    and county see the tasks escalated to them on top."""
    actor = page_actor(request)
    form = TaskFilterForm(request.GET)
    tasks = GridTask.objects.none()
    status = TaskStatus.OPEN
    escalated: list[GridTask] = []
    if form.is_valid():
        status = form.cleaned_data["status"] or TaskStatus.OPEN
        try:
            tasks = task_list(
                actor=actor,
                status=None if status == STATUS_ALL else status,
                overdue=True if form.cleaned_data["overdue"] else None,
                region=form.cleaned_data["region"] or None,
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc)
    else:
        task_list(actor=actor)  # refuses an actor without the capability before showing the form
    closes_escalated = any(len(p) <= ESCALATION_MAX_PATH for p in actor.prefixes_for(VERIFY))
    if closes_escalated and status == TaskStatus.OPEN and not form.errors:
        escalated = list(task_list(actor=actor, status=TaskStatus.ESCALATED)[:ESCALATED_SHOWN])
    page = Paginator(tasks, TASK_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "status": status,
        "page": page,
        "cards": _task_cards(list(page.object_list)),
        "escalated": _task_cards(escalated),
        "filtered": any(request.GET.get(key) for key in ("overdue", "region"))
        or request.GET.get("status") not in (None, "", TaskStatus.OPEN),
        "query": _query_without_page(request),
    }
    response = render_page(request, "screening/task_list.html", context, partial="tasks")
    if form.errors:
        response.status_code = 400
    return response


class VerifyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect
    )
    site = forms.ModelChoiceField(
        label=gettext_lazy("Observation site"),
        queryset=Site.objects.none(),
        required=False,
        help_text=gettext_lazy("For centralised observation."),
    )
    room = forms.CharField(label=gettext_lazy("Room"), max_length=16, required=False)
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=GridTask._meta.get_field("note").max_length,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("e.g. back from Wuhan on 20 January, no fever")}
        ),
    )

    def __init__(self, *args: Any, task: GridTask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site_field = self.fields["site"]
        assert isinstance(site_field, forms.ModelChoiceField)
        site_field.queryset = task_sites(task=task)
        if task.status == TaskStatus.ESCALATED:  # the township's or county's final word
            outcome = self.fields["outcome"]
            assert isinstance(outcome, forms.ChoiceField)
            outcome.choices = [c for c in Outcome.choices if c[0] != Outcome.NOT_FOUND]


def _task_page(
    request: HttpRequest, actor: Actor, task_id: Any, *, form: VerifyForm | None = None, status: int = 200
) -> HttpResponse:
    task = task_get(actor=actor, task_id=task_id)
    can_verify = task_can_verify(actor, task)
    context = {
        "card": _task_cards([task])[0],
        "task": task,
        "form": (form or VerifyForm(task=task)) if can_verify else None,
    }
    return render(request, "screening/task_detail.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def task_detail_view(request: HttpRequest, task_id: str) -> HttpResponse:
    return _task_page(request, page_actor(request), task_id)


@login_required
@require_POST
@domain_error_pages
def task_verify_view(request: HttpRequest, task_id: str) -> HttpResponse:
    """Record the outcome of a visit; on refusal the task again, with the message."""
    actor = page_actor(request)
    task = task_get(actor=actor, task_id=task_id)  # outside: 404
    if not task_can_verify(actor, task):
        raise grid_task_done() if task.status == TaskStatus.DONE else PermissionDenied()
    form = VerifyForm(request.POST, task=task)
    status = 400
    if form.is_valid():
        site = form.cleaned_data["site"]
        try:
            done = services.grid_task_verify(
                actor=actor,
                task_id=task.pk,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                site_id=site.pk if site else None,
                room=form.cleaned_data["room"],
            )
        except DomainError as exc:
            if exc.status in (403, 404) and exc.field is None:
                raise
            add_domain_error(form, exc, {"observation.site": "site"})
            status = exc.status
        else:
            messages.success(
                request,
                _("%(name)s: %(outcome)s.")
                % {"name": done.person.name, "outcome": done.get_outcome_display()},
            )
            return redirect("screening:task_list")
    return _task_page(request, actor, task.pk, form=form, status=status)


# Progress ----------------------------------------------------------------------------------------


@login_required
@require_safe
@domain_error_pages
def progress_view(request: HttpRequest) -> HttpResponse:
    """Verification progress per child region: tasks, verified, escalated, overdue, % verified."""
    actor = page_actor(request)
    code = request.GET.get("region") or _widest(actor, VIEW, VERIFY)
    if code is None:
        raise PermissionDenied()
    rows = verification_progress(actor=actor, region=code)
    total = rows[-1]
    parent = region_get(code=total.code).parent
    context = {"rows": rows[:-1], "total": total, "parent": parent, "region": code}
    return render(request, "screening/progress.html", context)
