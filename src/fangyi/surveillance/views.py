"""The epidemic dashboard: figures of a province, prefecture or county on a day, curves, R_t, maps.

One page per region (`/surveillance/<code>/?date=YYYY-MM-DD`), full or as an htmx partial, and a
CSV download of every chart's numbers (`/surveillance/<code>/<table>.csv`). Then the case pages
(`/surveillance/cases/...`): list, detail with its transitions, reporting a case, line-list import.
"""

import datetime as dt
import itertools
import re
from functools import cached_property
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.htmx import add_domain_error, domain_error_pages, page_actor, render_page
from fangyi.core.models import Job
from fangyi.core.uploads import UploadForm, job_page, upload_page
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.people.selectors import person_find_by_id_number, person_get
from fangyi.regions.choices import Level
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_ancestors, region_children, region_list
from fangyi.surveillance import charts, services
from fangyi.surveillance.choices import (
    CaseEventKind,
    Classification,
    ConfirmationMethod,
    Origin,
    Outcome,
    ResponseLevel,
    RiskLevel,
    Severity,
)
from fangyi.surveillance.errors import SurveillanceError
from fangyi.surveillance.imports import CASE_REQUIRED_COLUMNS
from fangyi.surveillance.models import Case, CaseEvent, ResponseLevelPeriod
from fangyi.surveillance.projection import Projection
from fangyi.surveillance.risk import Assessment
from fangyi.surveillance.selectors import (
    DayFigures,
    OnsetDay,
    ResponsePeriod,
    case_detail_get,
    case_get,
    case_search,
    case_steps,
    epicurve_by_onset,
    report_dates,
    report_figures_by_region,
    report_region,
    report_series,
    response_level_timeline,
    risk_levels_under,
)
from fangyi.surveillance.supplements import supplements_on

CAPABILITY = "reports.view"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(raw: str | None) -> dt.date | None:
    """`?date=YYYY-MM-DD`; missing or empty means the last reported day."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip()
    try:
        if not _ISO_DATE.fullmatch(value):
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise SurveillanceError(
            "report.invalid_date",
            gettext_lazy("“%(value)s” is not a date like 2020-02-01."),
            field="date",
            value=value[:32],
        ) from None
    if day > clock.today():
        raise SurveillanceError(
            "report.date_in_future",
            gettext_lazy("There are no reports for a day in the future."),
            field="date",
        )
    return day


def top_region_code(actor: Actor) -> str:
    """The widest province, prefecture or county where the actor may read reports."""
    require(actor, CAPABILITY)
    paths = sorted((p for p in actor.prefixes_for(CAPABILITY) if len(p) <= 6), key=lambda p: (len(p), p))
    if not paths:
        raise NotFound(
            "report.no_region",
            gettext_lazy("Reports are kept for counties and above; your jurisdiction lies below a county."),
        )
    return paths[0]


class Dashboard:
    """Everything the page and the CSV downloads show for one region on one day, computed on demand."""

    def __init__(self, *, actor: Actor, region: Region, requested: dt.date | None) -> None:
        self.actor = actor
        self.region = region
        self.requested = requested

    # The reports ---------------------------------------------------------------------------------

    @cached_property
    def bounds(self) -> tuple[dt.date, dt.date] | None:
        return report_dates(region=self.region)

    @property
    def empty(self) -> bool:
        return self.bounds is None

    @cached_property
    def selected(self) -> dt.date:
        if self.requested is not None:
            return self.requested
        return self.bounds[1] if self.bounds else clock.today()

    @cached_property
    def series(self) -> list[DayFigures]:
        """Every day from the first report to the last one or the chosen day, whichever is later."""
        if self.bounds is None:
            return []
        first, last = self.bounds
        return report_series(region=self.region, start=first, end=max(last, self.selected))

    @cached_property
    def figures(self) -> DayFigures:
        for day in self.series:
            if day.date == self.selected:
                return day
        return DayFigures(date=self.selected, population=self.region.population)

    @cached_property
    def clearance(self) -> dt.date | None:
        """As of the chosen day: when the last patient then in hospital left (none in hospital since)."""
        if self.figures.in_hospital:
            return None
        cleared = None
        for before, day in itertools.pairwise(self.series):
            if day.date > self.selected:
                break
            if before.in_hospital and not day.in_hospital:
                cleared = day.date
        return cleared

    @cached_property
    def rt(self) -> list[charts.RtPoint]:
        return charts.rt_points(self.series)

    @cached_property
    def rt_today(self) -> charts.RtPoint | None:
        return next((p for p in self.rt if p.date == self.selected), None)

    @cached_property
    def projection(self) -> Projection | None:
        return charts.projection_after(self.series, self.selected)

    @cached_property
    def onset(self) -> list[OnsetDay]:
        return epicurve_by_onset(actor=self.actor, region=self.region)

    # The province's emergency response -----------------------------------------------------------

    @cached_property
    def responses(self) -> list[ResponsePeriod]:
        return response_level_timeline(actor=self.actor)

    @cached_property
    def response(self) -> ResponseLevelPeriod | None:
        """The level in force on the chosen day; None before the first one and after it ended."""
        current = None
        for item in self.responses:
            if item.period.start_date <= self.selected:
                current = item.period
        return current if current is not None and current.level != ResponseLevel.ENDED else None

    # Subdivisions --------------------------------------------------------------------------------

    @cached_property
    def risk(self) -> dict[str, Assessment]:
        """The assessment of each county on the map (in the jurisdiction) on the chosen day."""
        code = self.region.code
        if self.region.level == Level.COUNTY and covers(self.actor, CAPABILITY, code[:4]):
            code = code[:4]  # the counties around this one are drawn too
        under = risk_levels_under(actor=self.actor, code=code, date=self.selected)
        return {item.county.code: item.assessment for item in under.items if item.assessment is not None}

    @cached_property
    def risk_levels(self) -> dict[str, str]:
        return {code: assessment.level for code, assessment in self.risk.items()}

    def _url(self, code: str) -> str:
        url = reverse("surveillance:detail", args=[code])
        return f"{url}?{urlencode({'date': self.requested.isoformat()})}" if self.requested else url

    def _rows(self, regions: list[Region]) -> list[charts.RegionRow]:
        figures = report_figures_by_region(actor=self.actor, regions=regions, date=self.selected)
        rows = []
        for region in regions:
            if region.level == Level.COUNTY:
                risk = self.risk_levels.get(region.code, "")
            else:
                risk = charts.highest_risk(
                    level for county, level in self.risk_levels.items() if county.startswith(region.code)
                )
            rows.append(
                charts.RegionRow(
                    code=region.code,
                    official_code=region.official_code,
                    name=region.name,
                    url=self._url(region.code),
                    figures=figures.get(region.code),
                    risk=risk if region.code in figures else "",
                )
            )
        return rows

    @cached_property
    def child_rows(self) -> list[charts.RegionRow]:
        """The prefectures of the province, or the counties of a prefecture (none below a county)."""
        if self.region.level == Level.COUNTY:
            return []
        return self._rows(list(region_children(region=self.region)))

    @cached_property
    def county_rows(self) -> list[charts.RegionRow]:
        """The counties drawn on the map beside the prefectures (province) or around this county."""
        if self.region.level == Level.PREFECTURE:
            return self.child_rows
        if self.region.level == Level.PROVINCE:
            counties = region_list(level=Level.COUNTY).filter(code__startswith=self.region.code)
        else:
            counties = (
                region_children(region=self.region.parent) if self.region.parent else Region.objects.none()
            )
        return self._rows(list(counties))

    @cached_property
    def tables(self) -> dict[str, charts.Table]:
        tables = {
            "curve": charts.curve_table(self.series),
            "cumulative": charts.cumulative_table(self.series),
            "onset": charts.onset_table(self.onset),
            "rt": charts.rt_table(self.rt),
            "projection": charts.projection_table(self.projection, self.series),
            "response": charts.response_table(self.responses),
        }
        if self.region.level != Level.COUNTY:
            tables["regions"] = charts.regions_table("regions", self.child_rows)
        if self.region.level == Level.PROVINCE:
            tables["counties"] = charts.regions_table("counties", self.county_rows)
        return tables

    # The page ------------------------------------------------------------------------------------

    def risk_summary(self) -> dict[str, int]:
        counts = dict.fromkeys(RiskLevel.values, 0)
        for level in self.risk_levels.values():
            counts[level] = counts.get(level, 0) + 1
        return counts

    def map_data(self) -> dict[str, Any]:
        region = self.region
        if region.level == Level.PROVINCE:
            layer, prefecture, highlight = "prefectures", "", ""
        else:
            layer, prefecture = "counties", region.code[:4].ljust(6, "0")
            highlight = region.code if region.level == Level.COUNTY else ""
        layers: dict[str, Any] = {"counties": charts.map_values(self.county_rows)}
        if region.level == Level.PROVINCE:
            layers["prefectures"] = charts.map_values(self.child_rows)
        return {
            "level": region.level,
            "layer": layer,
            "layers": layers,
            "geojson": {
                "prefectures": static("fangyi/maps/hunan_prefectures.geojson"),
                "counties": static("fangyi/maps/hunan_counties.geojson"),
            },
            "prefecture": prefecture,
            "highlight": region.official_code if highlight else "",
            "labels": charts.map_labels(),
        }

    def context(self) -> dict[str, Any]:
        region = self.region
        ancestors = [
            {"region": a, "url": self._url(a.code) if covers(self.actor, CAPABILITY, a.code) else ""}
            for a in region_ancestors(region=region)
        ]
        context: dict[str, Any] = {
            "region": region,
            "ancestors": ancestors,
            "empty": self.empty,
            "requested": self.requested,
            "selected": self.selected,
            "today": clock.today(),
            "base_url": reverse("surveillance:detail", args=[region.code]),
            "date_query": f"?{urlencode({'date': self.requested.isoformat()})}" if self.requested else "",
            "title": f"{region.name} · {_('Epidemic')}",
            "response": self.response,
        }
        if self.empty:
            return context
        assert self.bounds is not None
        figures = self.figures
        context.update(
            {
                "first_day": self.bounds[0],
                "last_day": self.bounds[1],
                "figures": figures,
                "severe_critical": figures.severe_now + figures.critical_now,
                "clearance": self.clearance,
                "supplements": supplements_on(region_path=region.code, date=self.selected),
                "rt_today": self.rt_today,
                "risk": self.risk.get(region.code) if region.level == Level.COUNTY else None,
                "risk_summary": self.risk_summary(),
                "projection": self.projection,
                "child_rows": self.child_rows,
                "child_level": _child_level(region) if self.child_rows else "",
                "tables": self.tables,
                "curve_data": charts.curve_payload(
                    self.series, self.rt, self.projection, self.selected, self.responses
                ),
                "cumulative_data": charts.cumulative_payload(self.series, self.selected),
                "onset_data": charts.onset_payload(self.onset),
                "map_data": self.map_data(),
            }
        )
        return context


def _child_level(region: Region) -> str:
    return str(Level.PREFECTURE.label) if region.level == Level.PROVINCE else str(Level.COUNTY.label)


@login_required
@require_safe
@domain_error_pages
def dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    actor = page_actor(request)
    region = report_region(actor=actor, code=code if code is not None else top_region_code(actor))
    requested = parse_date(request.GET.get("date"))
    board = Dashboard(actor=actor, region=region, requested=requested)
    return render_page(request, "surveillance/dashboard.html", board.context())


@login_required
@require_safe
@domain_error_pages
def series_csv(request: HttpRequest, code: str, table: str) -> HttpResponse:
    actor = page_actor(request)
    region = report_region(actor=actor, code=code)
    requested = parse_date(request.GET.get("date"))
    board = Dashboard(actor=actor, region=region, requested=requested)
    if table not in board.tables:
        raise NotFound("report.no_table", gettext_lazy("There is no such table for this region."))
    response = HttpResponse(board.tables[table].csv_text(), content_type="text/csv; charset=utf-8")
    filename = f"{region.official_code}-{table}-{board.selected.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The province's emergency response levels ---------------------------------------------------------
# Anyone who reads the reports sees the timeline; provincial command staff ("response.manage" at the
# province) declare a level from a day on, and the service's refusals are shown next to the field.

RESPONSE_MANAGE = "response.manage"


class ResponseLevelForm(forms.Form):
    level = forms.ChoiceField(label=gettext_lazy("Response level"), choices=ResponseLevel.choices)
    start_date = forms.DateField(
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=256,
        required=False,
        help_text=gettext_lazy("For example the notice that declared it."),
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def response_levels_view(request: HttpRequest) -> HttpResponse:
    """The province's response levels over time, and the form that declares one (command staff)."""
    actor = page_actor(request)
    timeline = response_level_timeline(actor=actor)  # no "reports.view": 403
    can_declare = covers(actor, RESPONSE_MANAGE, services.PROVINCE)
    if request.method == "POST" and not can_declare:
        raise PermissionDenied()
    form = None
    status = 200
    if can_declare:
        form = ResponseLevelForm(request.POST or None, initial={"start_date": clock.today()})
        if request.method == "POST":
            if form.is_valid():
                try:
                    period = services.response_level_declare(actor=actor, **form.cleaned_data)
                except DomainError as exc:
                    if exc.status == 403:
                        raise
                    add_domain_error(form, exc)
                    status = exc.status
                else:
                    messages.success(
                        request,
                        _("%(level)s from %(date)s is recorded.")
                        % {"level": period.get_level_display(), "date": period.start_date.isoformat()},
                    )
                    return redirect("surveillance:response_levels")
            else:
                status = 400
    today = clock.today()
    current = None
    for item in timeline:
        if item.period.start_date <= today:
            current = item.period
    context = {
        "timeline": timeline,
        "current": current,
        "form": form,
        "title": _("Emergency response levels"),
    }
    return render(request, "surveillance/response_levels.html", context, status=status)


# Case pages --------------------------------------------------------------------------------------
# The list and detail need "cases.view"; reporting a case, its transitions and the line-list import
# need "cases.report". Every read goes through the selectors, so a case outside the jurisdiction is
# not found; every write goes through the services, whose refusals are shown next to the field.

CASES_VIEW = "cases.view"
CASES_REPORT = "cases.report"
CASE_PAGE_SIZE = 50


def _date_field(label: Any, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class CaseFilterForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    classification = forms.ChoiceField(
        label=gettext_lazy("Classification"),
        choices=[("", gettext_lazy("All")), *Classification.choices],
        required=False,
    )
    since = _date_field(gettext_lazy("Reported from"), required=False)
    until = _date_field(gettext_lazy("Reported until"), required=False)


@login_required
@require_safe
@domain_error_pages
def case_list_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, CASES_VIEW)
    form = CaseFilterForm(request.GET)
    cases = Case.objects.none()
    if form.is_valid():
        filters = {key: value for key, value in form.cleaned_data.items() if value}
        try:
            cases = case_search(actor=actor, **filters)
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region"})
    page = Paginator(cases, CASE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filtered": any(request.GET.get(key) for key in form.fields),
        "query": query.urlencode(),
        "can_report": bool(actor.prefixes_for(CASES_REPORT)),
    }
    response = render_page(request, "surveillance/case_list.html", context, partial="results")
    if form.errors:
        response.status_code = 400
    return response


# Transitions ---------------------------------------------------------------------------------------


class ConfirmForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Confirmation method"), choices=ConfirmationMethod.choices)
    date = _date_field(gettext_lazy("Confirmed on"))


class ExcludeForm(forms.Form):
    date = _date_field(gettext_lazy("Excluded on"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. two negative nucleic-acid tests")}),
    )


class SeverityForm(forms.Form):
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    date = _date_field(gettext_lazy("From"))


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"), choices=[(o.value, o.label) for o in (Outcome.CURED, Outcome.DIED)]
    )
    date = _date_field(gettext_lazy("On"))

    def __init__(self, *args: Any, died: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not died:  # an asymptomatic infection is only released as cured
            cast(forms.ChoiceField, self.fields["outcome"]).choices = [
                (Outcome.CURED.value, Outcome.CURED.label)
            ]


STEP_FORMS: dict[str, type[forms.Form]] = {
    "confirm": ConfirmForm,
    "exclude": ExcludeForm,
    "severity": SeverityForm,
    "outcome": OutcomeForm,
}


def _step_form(step: str, case: Case, data: Any = None) -> forms.Form:
    extra: dict[str, Any] = (
        {"died": case.classification == Classification.CONFIRMED} if step == "outcome" else {}
    )
    return STEP_FORMS[step](data, initial={"date": clock.today()}, auto_id=f"id_{step}_%s", **extra)


def _step_apply(actor: Actor, case: Case, step: str, data: dict[str, Any]) -> None:
    if step == "confirm":
        services.case_confirm(actor=actor, case_id=case.pk, date=data["date"], method=data["method"])
    elif step == "exclude":
        services.case_exclude(actor=actor, case_id=case.pk, date=data["date"], reason=data["reason"])
    elif step == "severity":
        services.case_update_severity(
            actor=actor, case_id=case.pk, date=data["date"], severity=data["severity"]
        )
    else:
        services.case_record_outcome(actor=actor, case_id=case.pk, outcome=data["outcome"], date=data["date"])


def _event_detail(event: CaseEvent) -> str:
    choices: dict[str, type[Any]] = {
        CaseEventKind.REPORTED: Classification,
        CaseEventKind.CONFIRMED: ConfirmationMethod,
        CaseEventKind.SEVERITY: Severity,
    }
    kind = choices.get(event.kind)
    if kind is not None and event.detail in kind.values:
        return str(kind(event.detail).label)
    return event.detail


def _case_page(
    request: HttpRequest,
    actor: Actor,
    case_id: Any,
    *,
    failed: forms.Form | None = None,
    failed_step: str = "",
    status: int = 200,
) -> HttpResponse:
    case = case_detail_get(actor=actor, case_id=case_id)
    steps = case_steps(actor=actor, case=case)
    allowed = [step for step in STEP_FORMS if getattr(steps, step)]
    step_forms = {step: _step_form(step, case) for step in allowed}
    refused: list[str] = []
    if failed is not None:
        if failed_step in step_forms:
            step_forms[failed_step] = failed
        else:  # no longer offered (the case moved on): say why at the top
            refused = [str(message) for messages in failed.errors.values() for message in messages]
    events = [{"event": event, "detail": _event_detail(event)} for event in case.event_list]  # type: ignore[attr-defined]
    context = {
        "case": case,
        "events": events,
        "severity_history": case.severity_list,  # type: ignore[attr-defined]
        "forms": step_forms,
        "refused": refused,
        "can_report": covers(actor, CASES_REPORT, case.residence_id),
    }
    return render(request, "surveillance/case_detail.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def case_detail_view(request: HttpRequest, case_id: str) -> HttpResponse:
    return _case_page(request, page_actor(request), case_id)


@login_required
@require_POST
@domain_error_pages
def case_step_view(request: HttpRequest, case_id: str, step: str) -> HttpResponse:
    """One transition posted from the detail page; on refusal the page again, with the message."""
    actor = page_actor(request)
    case = case_get(actor=actor, case_id=case_id)  # outside the jurisdiction: 404 before 403
    require(actor, CASES_REPORT)
    form = _step_form(step, case, request.POST)
    status = 400
    if form.is_valid():
        try:
            _step_apply(actor, case, step, form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            add_domain_error(form, exc)
            status = exc.status
        else:
            return redirect("surveillance:case_detail", case_id=case.pk)
    return _case_page(request, actor, case.pk, failed=form, failed_step=step, status=status)


# Reporting a case ----------------------------------------------------------------------------------


class CaseReportForm(forms.Form):
    person = forms.UUIDField(widget=forms.HiddenInput, required=False)
    id_number = forms.CharField(
        label=gettext_lazy("Identity number"),
        max_length=32,
        required=False,
        help_text=gettext_lazy(
            "The resident is looked up by identity number; register them first if needed."
        ),
    )
    classification = forms.ChoiceField(
        label=gettext_lazy("Classification"),
        choices=[(c.value, c.label) for c in (Classification.SUSPECTED, Classification.ASYMPTOMATIC)],
    )
    report_date = _date_field(gettext_lazy("Report date"))
    onset_date = _date_field(gettext_lazy("Onset date"), required=False)
    residence = forms.CharField(
        label=gettext_lazy("Residence code"),
        max_length=12,
        help_text=gettext_lazy(
            "The code of the county, township, village or community where the case lives."
        ),
    )
    origin = forms.ChoiceField(label=gettext_lazy("Origin"), choices=Origin.choices)
    source_area = forms.CharField(
        label=gettext_lazy("Infected in (imported cases)"), max_length=64, required=False
    )
    current_location = forms.CharField(label=gettext_lazy("Current location"), max_length=128, required=False)
    symptoms = forms.CharField(label=gettext_lazy("Symptoms"), max_length=256, required=False)
    reporting_unit = forms.CharField(label=gettext_lazy("Reporting unit"), max_length=128)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("person") and not data.get("id_number") and "id_number" not in self.errors:
            self.add_error("id_number", gettext_lazy("Give the resident's identity number."))
        return data


REPORT_ERROR_FIELDS = {"person.": "id_number", "id_number.": "id_number", "region.": "residence"}


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def case_report_view(request: HttpRequest) -> HttpResponse:
    """Report a suspected case or an asymptomatic infection of a resident on record."""
    actor = page_actor(request)
    require(actor, CASES_REPORT)
    person = None
    chosen = request.GET.get("person", "") if request.method == "GET" else request.POST.get("person", "")
    if chosen:
        person = person_get(actor=actor, person_id=chosen)  # not visible: a 404 page
    initial: dict[str, Any] = {"report_date": clock.today(), "origin": Origin.LOCAL}
    if person is not None:
        initial.update(person=person.pk, residence=person.home_region_id)
    form = CaseReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("person")
        id_number = data.pop("id_number")
        try:
            if person is None:
                person = person_find_by_id_number(actor=actor, id_number=id_number)
            case = services.case_report(actor=actor, person_id=person.pk, **data)
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, REPORT_ERROR_FIELDS)
            if chosen == "":
                person = None
        else:
            return redirect("surveillance:case_detail", case_id=case.pk)
    context = {"form": form, "person": person if chosen else None}
    return render(request, "surveillance/case_form.html", context, status=400 if form.errors else 200)


# Line-list import ----------------------------------------------------------------------------------

# (Chinese header, English header, what it holds); which are needed comes from the importer.
IMPORT_COLUMNS: list[tuple[str, str, Any]] = [
    (
        "编号",
        "external_id",
        gettext_lazy("The line list's own id of the case: importing it again changes nothing."),
    ),
    ("身份证号", "id_number", gettext_lazy("The patient's identity number.")),
    (
        "姓名",
        "name",
        gettext_lazy(
            "Needed only to register a patient not yet on record "
            "(the residence is then a village or community)."
        ),
    ),
    (
        "分类",
        "classification",
        gettext_lazy(
            "Where the case stands now: 确诊, 疑似, 无症状 or 排除 "
            "(confirmed, suspected, asymptomatic, excluded)."
        ),
    ),
    (
        "报告日期",
        "report_date",
        gettext_lazy("Dates are written 2020-01-23, 2020/1/23 or 2020年1月23日."),
    ),
    (
        "现住址代码",
        "residence",
        gettext_lazy("The code of the county or of a region inside it, within your jurisdiction."),
    ),
    ("报告单位", "reporting_unit", gettext_lazy("The unit that reported the case.")),
    ("发病日期", "onset_date", gettext_lazy("Symptom onset; empty for an asymptomatic infection.")),
    ("确诊日期", "confirmed_date", gettext_lazy("Needed for a confirmed case.")),
    (
        "确诊方式",
        "confirmation_method",
        gettext_lazy("核酸检测, 临床诊断, 血清学 or 测序; a nucleic-acid test when empty."),
    ),
    ("排除日期", "excluded_date", gettext_lazy("Needed for an excluded case.")),
    ("输入/本地", "origin", gettext_lazy("本地 (local, the default) or 输入 (imported).")),
    ("来源地", "source_area", gettext_lazy("Where an imported case was infected.")),
    (
        "临床分型",
        "severity",
        gettext_lazy("轻型, 普通型, 重型 or 危重型 (mild, moderate, severe, critical)."),
    ),
    ("转归", "outcome", gettext_lazy("治愈 (cured) or 死亡 (died); empty while under treatment.")),
    ("转归日期", "outcome_date", gettext_lazy("Needed with an outcome.")),
    ("症状", "symptoms", gettext_lazy("Free text.")),
]


class CaseImportForm(UploadForm):
    file = forms.FileField(
        label=gettext_lazy("Case line list"),
        help_text=gettext_lazy("CSV (UTF-8 or GB18030) or Excel .xlsx, one row per case, with a header row."),
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def case_import_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, CASES_REPORT)

    def submit(file_name: str, content: bytes, options: dict[str, Any]) -> Job:
        return services.cases_import_submit(
            actor=actor, file_name=file_name, content=content, dry_run=options["dry_run"]
        )

    return upload_page(
        request,
        actor=actor,
        form_class=CaseImportForm,
        submit=submit,
        max_bytes=MAX_IMPORT_BYTES,
        job_kind=services.CASES_IMPORT_JOB_KIND,
        job_url="surveillance:case_import_job",
        template="surveillance/case_import.html",
        context={"columns": [(zh, en, en in CASE_REQUIRED_COLUMNS, help) for zh, en, help in IMPORT_COLUMNS]},
    )


@login_required
@require_safe
@domain_error_pages
def case_import_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """The import's progress; while it runs, htmx polls this view for the `job-status` partial."""
    return job_page(
        request,
        actor=page_actor(request),
        job_id=job_id,
        job_kind=services.CASES_IMPORT_JOB_KIND,
        template="surveillance/case_import_job.html",
    )
