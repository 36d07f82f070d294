"""Resumption pages: the dashboard, the enterprise registry and an enterprise's file, the liaison's
and the employer's homes, the county's application queue, problem tickets and support policies.

Reads go through the selectors, which scope officials by jurisdiction, liaisons by the enterprises
they are stationed at and employers by their enterprises' accounts (anything else is not found).
Writes go through the services; their refusals are shown next to the field, the input kept.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.accounts.choices import Role
from fangyi.accounts.models import User
from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any
from fangyi.core.errors import DomainError
from fangyi.core.htmx import (
    add_domain_error,
    button_write,
    domain_error_pages,
    form_write,
    page_actor,
    paginate,
    render_page,
)
from fangyi.core.models import Job
from fangyi.core.uploads import UploadForm, job_page, upload_page
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.regions.selectors import region_get
from fangyi.resumption import policies, selectors, services, tickets
from fangyi.resumption.choices import (
    ApplicationStatus,
    Industry,
    PlanItem,
    PolicyApplicationStatus,
    PolicyKind,
    ResumptionStatus,
    SlaState,
    TicketCategory,
    TicketLevel,
    TicketPriority,
    TicketStatus,
)
from fangyi.resumption.errors import conflict
from fangyi.resumption.models import Enterprise, HealthReport, ProblemTicket, ResumptionApplication

VIEW = "resumption.view"
MANAGE = "resumption.manage"
POLICIES = "resumption.policies"
LIAISE = "resumption.liaise"
ENTERPRISE = "resumption.enterprise"

PAGE_SIZE = 25
CHART_DAYS = 60
CHART_DAYS_MAX = 366
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
COUNT_INPUT = forms.NumberInput(attrs={"min": "0", "step": "1", "inputmode": "numeric"})
YES_NO = [("", gettext_lazy("All")), ("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]
OPEN_TICKETS = (TicketStatus.OPEN, TicketStatus.WAITING)


# Shared ------------------------------------------------------------------------------------------


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _write(
    request: HttpRequest,
    form: forms.Form,
    write: Callable[[dict[str, Any]], str],
    by_code: dict[str, str] | None = None,
) -> int | None:
    """A form's write, where a liaison naming an enterprise they are not stationed at is told so
    next to the field rather than on an error page."""
    return form_write(request, form, write, by_code, forbidden_on_form=True)


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


# Dashboard ---------------------------------------------------------------------------------------


class DashboardForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    date = forms.DateField(label=gettext_lazy("On"), required=False, widget=DATE_INPUT)
    start = forms.DateField(label=gettext_lazy("Curve from"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        date = data.get("date") or clock.today()
        start = data.get("start") or date - dt.timedelta(days=CHART_DAYS - 1)
        if start > date:
            self.add_error("start", _("The curve starts on or before the day shown."))
        elif (date - start).days >= CHART_DAYS_MAX:
            self.add_error("start", _("Chart at most %(days)s days.") % {"days": CHART_DAYS_MAX})
        data["date"], data["start"] = date, start
        return data


def _curve_chart(days: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "dates": [str(day["date"]) for day in days],
        "resumption": [_rate(day["resumption_rate"]) for day in days],
        "staff": [_rate(day["staff_return_rate"]) for day in days],
        "labels": {"resumption": _("Enterprises resumed"), "staff": _("Staff back at work")},
    }


@login_required
@require_safe
@domain_error_pages
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Resumption in a region on a day: the rates, the curve, by industry and by region below, and
    what waits for officials (applications, overdue tickets, enterprises and parks short of liaisons)."""
    actor = page_actor(request)
    require(actor, VIEW)
    form = DashboardForm(request.GET)
    summary: dict[str, Any] | None = None
    days: list[dict[str, Any]] = []
    by_region: list[dict[str, Any]] = []
    if form.is_valid():
        data = form.cleaned_data
        region = data["region"] or actor.prefixes_for(VIEW)[0]
        try:
            summary = selectors.resumption_summary(actor=actor, region=region, date=data["date"])
            days = selectors.resumption_curve(
                actor=actor, region=region, start=data["start"], end=data["date"]
            )
            by_region = selectors.resumption_stats(
                actor=actor, region=region, date=data["date"], group_by="region"
            )["groups"]
        except DomainError as exc:
            if exc.status == 403:
                raise
            summary = None
            add_domain_error(form, exc, {"region": "region", "date": "date"})
    context: dict[str, Any] = {
        "form": form,
        "summary": summary,
        "days": days,
        "any_enterprise": any(day["enterprises"] for day in days),
        "chart": _curve_chart(days),
        "by_region": by_region,
    }
    if summary:
        region = summary["region"]
        context |= {
            "region": region,
            "applications": list(selectors.applications_waiting(actor=actor, region=region)[:10]),
            "overdue": list(
                tickets.ticket_list(actor=actor, sla_state=SlaState.OVERDUE).filter(
                    status__in=OPEN_TICKETS, enterprise__region__code__startswith=region.code
                )[:10]
            ),
            "enterprise_gaps": list(selectors.enterprise_liaison_gaps(actor=actor, region=region.code)[:20]),
            "park_gaps": list(selectors.park_liaison_gaps(actor=actor, region=region.code)[:20]),
        }
        # A curve ending today may miss the reopening itself (months back): offer its first days.
        first = selectors.first_reopening(actor=actor, region=region.code)
        if first is not None and first < form.cleaned_data["start"]:
            context["reopening"] = {
                "start": first,
                "date": first + dt.timedelta(days=CHART_DAYS - 1),
                "days": CHART_DAYS,
            }
    return render(request, "resumption/dashboard.html", context, status=400 if form.errors else 200)


# Enterprise registry -----------------------------------------------------------------------------


class EnterpriseFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or credit code"), max_length=64, required=False)
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    industry = forms.ChoiceField(
        label=gettext_lazy("Industry"), choices=[("", gettext_lazy("All")), *Industry.choices], required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Resumption"),
        choices=[("", gettext_lazy("All")), *ResumptionStatus.choices],
        required=False,
    )
    large_scale = forms.ChoiceField(
        label=gettext_lazy("Above designated size"), choices=YES_NO, required=False
    )
    key_project = forms.ChoiceField(label=gettext_lazy("Key project"), choices=YES_NO, required=False)

    def clean_q(self) -> str:
        q: str = self.cleaned_data["q"]
        if "\x00" in q:
            raise forms.ValidationError(_("Remove the null character."))
        return q


class EnterpriseForm(forms.Form):
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"),
        max_length=32,
        help_text=gettext_lazy("18 characters, as on the business licence."),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=128)
    industry = forms.ChoiceField(label=gettext_lazy("Industry"), choices=Industry.choices)
    region = forms.CharField(
        label=gettext_lazy("Region code"),
        max_length=12,
        help_text=gettext_lazy("The county, township or village where it works."),
    )
    park_id = forms.TypedChoiceField(
        label=gettext_lazy("Industrial park"), coerce=int, required=False, empty_value=None
    )
    large_scale = forms.BooleanField(label=gettext_lazy("Above designated size"), required=False)
    key_project = forms.BooleanField(label=gettext_lazy("Key project"), required=False)
    workforce = forms.IntegerField(
        label=gettext_lazy("Employees"), min_value=0, initial=0, widget=COUNT_INPUT
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=256, required=False)

    def __init__(self, *args: Any, parks: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "park_id", [("", gettext_lazy("None")), *parks])


class ParkForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=128)
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12)


class EnterpriseImportForm(UploadForm):
    # Good rows are written and bad ones listed: there is no dry run.
    dry_run = None  # type: ignore[assignment]
    file = forms.FileField(
        label=gettext_lazy("Enterprises file (CSV or Excel)"),
        help_text=gettext_lazy(
            "Columns: credit_code, name, industry, region, large_scale, key_project, park, workforce, "
            "address."
        ),
    )


ENTERPRISE_ERRORS = {
    "credit_code": "credit_code",
    "enterprise.": "credit_code",
    "region": "region",
    "park": "park_id",
}


def _park_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(park.pk, f"{park.name} ({park.region.name})") for park in selectors.park_list(actor=actor)]


def _enterprises_page(
    request: HttpRequest,
    actor: Actor,
    *,
    given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    filters = EnterpriseFilterForm(request.GET)
    rows: Any = Enterprise.objects.none()
    if filters.is_valid():
        data = filters.cleaned_data
        try:
            rows = selectors.enterprise_list(
                actor=actor,
                region=data["region"] or None,
                industry=data["industry"] or None,
                status=data["status"] or None,
                q=data["q"] or None,
                large_scale=_yes_no(data["large_scale"]),
                key_project=_yes_no(data["key_project"]),
            ).select_related("region", "park")
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(filters, exc, {"region": "region"})
    may_manage = bool(actor.prefixes_for(MANAGE))
    forms_shown: dict[str, forms.Form] = {}
    if may_manage:
        region = actor.prefixes_for(MANAGE)[0]
        forms_shown = {
            "register": EnterpriseForm(
                initial={"region": region}, parks=_park_choices(actor), auto_id="id_ent_%s"
            ),
            "park": ParkForm(initial={"region": region}, auto_id="id_park_%s"),
            **(given or {}),
        }
    if filters.errors and status == 200:
        status = 400
    context = {
        "filters": filters,
        "filtered": any(request.GET.get(key) for key in filters.fields),
        "page": paginate(request, rows, PAGE_SIZE),
        "query": _query(request),
        "forms": forms_shown,
    }
    response = render_page(request, "resumption/enterprises.html", context, partial="results")
    response.status_code = status
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def enterprise_list_view(request: HttpRequest) -> HttpResponse:
    """The registry with filters; officials who manage register an enterprise or a park here."""
    actor = page_actor(request)
    require_any(actor, VIEW, LIAISE, ENTERPRISE)
    if request.method != "POST":
        return _enterprises_page(request, actor)
    require(actor, MANAGE)
    created: list[Enterprise] = []
    if request.POST.get("form") == "park":
        form: forms.Form = ParkForm(request.POST, auto_id="id_park_%s")

        def write(data: dict[str, Any]) -> str:
            park = services.park_create(actor=actor, **data)
            return _("The park %(name)s is registered.") % {"name": park.name}

        status = _write(request, form, write, {"park.": "name", "region": "region"})
        if status is None:
            return redirect("resumption:enterprises")
        return _enterprises_page(request, actor, given={"park": form}, status=status)
    form = EnterpriseForm(request.POST, parks=_park_choices(actor), auto_id="id_ent_%s")

    def register(data: dict[str, Any]) -> str:
        created.append(services.enterprise_register(actor=actor, **data))
        return _("%(name)s is registered.") % {"name": created[0].name}

    status = _write(request, form, register, ENTERPRISE_ERRORS)
    if status is None:
        return redirect("resumption:enterprise", enterprise_id=created[0].pk)
    return _enterprises_page(request, actor, given={"register": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def enterprise_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or Excel file of enterprises; it is checked and reported row by row as a job."""
    actor = page_actor(request)
    require(actor, MANAGE)

    def submit(file_name: str, content: bytes, options: dict[str, Any]) -> Job:
        return services.enterprises_import_submit(actor=actor, filename=file_name, content=content)

    return upload_page(
        request,
        actor=actor,
        form_class=EnterpriseImportForm,
        submit=submit,
        max_bytes=MAX_IMPORT_BYTES,
        job_kind=services.ENTERPRISES_IMPORT_JOB_KIND,
        job_url="resumption:import_job",
        template="resumption/import.html",
    )


@login_required
@require_safe
@domain_error_pages
def enterprise_import_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """The import's progress; while it runs, htmx polls this view for the `job-status` partial."""
    return job_page(
        request,
        actor=page_actor(request),
        job_id=job_id,
        job_kind=services.ENTERPRISES_IMPORT_JOB_KIND,
        template="resumption/import_job.html",
    )


# An enterprise's file ----------------------------------------------------------------------------


class VisitForm(forms.Form):
    notes = forms.CharField(
        label=gettext_lazy("What you found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PlanCheckForm(forms.Form):
    """Checking the plan asks for nothing: the button says it."""


class PlanForm(forms.Form):
    items = forms.MultipleChoiceField(
        label=gettext_lazy("Measures in place"),
        choices=PlanItem.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EmployeeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("Identity number"), max_length=18)
    home_region = forms.CharField(
        label=gettext_lazy("Home region code"),
        max_length=12,
        help_text=gettext_lazy("The village or community of their home."),
    )
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)


class HealthReportForm(forms.Form):
    """The day's report: for each employee on the staff, a temperature, symptoms and whether they
    are at work (fields t_<id>, s_<id>, o_<id>)."""

    date = forms.DateField(label=gettext_lazy("Day"), widget=DATE_INPUT)

    def __init__(self, *args: Any, employees: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.employees = employees
        for employee in employees:
            name = employee.person.name
            self.fields[f"t_{employee.pk}"] = forms.DecimalField(
                label=_("Temperature of %(name)s (°C)") % {"name": name},
                max_digits=3,
                decimal_places=1,
                required=False,
                widget=forms.NumberInput(
                    attrs={"step": "0.1", "min": "34", "max": "43", "inputmode": "decimal"}
                ),
            )
            self.fields[f"s_{employee.pk}"] = forms.BooleanField(
                label=_("%(name)s has symptoms") % {"name": name}, required=False
            )
            self.fields[f"o_{employee.pk}"] = forms.BooleanField(
                label=_("%(name)s is at work") % {"name": name}, required=False, initial=True
            )

    def rows(self) -> list[dict[str, Any]]:
        """Each employee with their three bound fields, for the table."""
        return [
            {
                "employee": employee,
                "temperature": self[f"t_{employee.pk}"],
                "symptoms": self[f"s_{employee.pk}"],
                "on_site": self[f"o_{employee.pk}"],
            }
            for employee in self.employees
        ]

    def lines(self) -> list[dict[str, Any]]:
        data = self.cleaned_data
        return [
            {
                "employee_id": employee.pk,
                "temperature": data.get(f"t_{employee.pk}"),
                "symptoms": bool(data.get(f"s_{employee.pk}")),
                "on_site": bool(data.get(f"o_{employee.pk}")),
            }
            for employee in self.employees
        ]


class ApplyForm(forms.Form):
    planned_date = forms.DateField(label=gettext_lazy("Planned reopening"), widget=DATE_INPUT)
    workforce_planned = forms.IntegerField(
        label=gettext_lazy("Employees returning"), min_value=0, widget=COUNT_INPUT
    )


class DayForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Day"), widget=DATE_INPUT)
    status = forms.ChoiceField(label=gettext_lazy("Resumption"), choices=ResumptionStatus.choices)
    returned = forms.IntegerField(
        label=gettext_lazy("Employees back at work"), min_value=0, widget=COUNT_INPUT
    )
    workforce = forms.IntegerField(
        label=gettext_lazy("Employees"),
        min_value=0,
        required=False,
        widget=COUNT_INPUT,
        help_text=gettext_lazy("Empty: the number on the register."),
    )


class TicketForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=TicketCategory.choices)
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"), choices=TicketPriority.choices, initial=TicketPriority.NORMAL
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=128)
    description = forms.CharField(
        label=gettext_lazy("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class PolicyApplyForm(forms.Form):
    policy_id = forms.TypedChoiceField(label=gettext_lazy("Policy"), coerce=int)
    amount_requested = forms.DecimalField(
        label=gettext_lazy("Amount requested (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=2000, required=False)

    def __init__(self, *args: Any, matches: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "policy_id", matches)


class AssignForm(forms.Form):
    liaison_id = forms.TypedChoiceField(
        label=gettext_lazy("Liaison"),
        coerce=int,
        help_text=gettext_lazy("Users holding the enterprise liaison role in this area."),
    )

    def __init__(self, *args: Any, liaisons: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "liaison_id", liaisons)


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        coerce=lambda value: value == "yes",
        choices=[("yes", gettext_lazy("Approve")), ("no", gettext_lazy("Refuse"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        required=False,
        help_text=gettext_lazy("Required when refusing."),
    )


class Roles:
    """How the actor stands toward one enterprise: which of its forms the page offers."""

    def __init__(self, actor: Actor, enterprise: Enterprise):
        self.liaison = selectors.is_stationed(actor, enterprise)
        self.account = selectors.is_account(actor, enterprise)
        self.manager = covers(actor, MANAGE, enterprise.region_id)

    def may(self, action: str) -> bool:
        return any(getattr(self, role) for role in ACTION_ROLES[action])


# Who may use each of the enterprise page's forms (the services decide; the page offers).
ACTION_ROLES: dict[str, tuple[str, ...]] = {
    "visit": ("liaison",),
    "plan_check": ("liaison",),
    "plan": ("account", "liaison"),
    "employee": ("account",),
    "health_report": ("account", "liaison"),
    "apply": ("account", "liaison"),
    "day": ("account", "liaison", "manager"),
    "ticket": ("account", "liaison"),
    "policy": ("account", "liaison"),
    "liaison": ("manager",),
    "decide": ("manager",),
}


def _policy_choices(actor: Actor, enterprise: Enterprise) -> list[tuple[int, str]]:
    return [
        (policy.pk, policy.title)
        for policy, _reasons in policies.policy_matches(actor=actor, enterprise_id=enterprise.pk)
    ]


def _liaison_choices(enterprise: Enterprise) -> list[tuple[int, str]]:
    """Users holding the liaison role at a region covering the enterprise, not already stationed there."""
    code = enterprise.region_id
    covering = [code[:length] for length in (2, 4, 6, 9, 12) if length <= len(code)]
    stationed = enterprise.liaisons.filter(ended_at__isnull=True).values("liaison_id")
    users = (
        User.objects.filter(
            role_assignments__role=Role.ENTERPRISE_LIAISON, role_assignments__region_id__in=covering
        )
        .exclude(pk__in=stationed)
        .distinct()
        .order_by("username")
    )
    return [(user.pk, user.get_full_name() or user.get_username()) for user in users]


def _employees(enterprise: Enterprise) -> list[Any]:
    return list(enterprise.employees.filter(active=True).select_related("person"))


def _action_form(action: str, actor: Actor, enterprise: Enterprise, data: Any = None) -> forms.Form:
    """The enterprise page's form for `action`, bound to `data` when posted."""
    auto_id = f"id_{action}_%s"
    today = clock.today()
    plan = selectors.plan_of(enterprise)
    options: dict[str, Callable[[], dict[str, Any]]] = {
        "plan": lambda: {
            "initial": {"items": plan.items if plan else [], "notes": plan.notes if plan else ""}
        },
        "employee": lambda: {"initial": {"home_region": enterprise.region_id}},
        "health_report": lambda: {"initial": {"date": today}, "employees": _employees(enterprise)},
        "apply": lambda: {
            "initial": {
                "planned_date": today + dt.timedelta(days=1),
                "workforce_planned": enterprise.workforce,
            }
        },
        "day": lambda: {
            "initial": {"date": today, "status": enterprise.status, "returned": enterprise.staff_returned}
        },
        "policy": lambda: {"matches": _policy_choices(actor, enterprise)},
        "liaison": lambda: {"liaisons": _liaison_choices(enterprise)},
    }
    return ACTION_FORMS[action](data, auto_id=auto_id, **options.get(action, dict)())


def _visit(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    services.visit_log(actor=actor, enterprise_id=enterprise.pk, notes=form.cleaned_data["notes"])
    return _("The visit is logged.")


def _plan_check(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    services.plan_check(actor=actor, enterprise_id=enterprise.pk)
    return _("The prevention plan is checked.")


def _plan(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    services.plan_update(actor=actor, enterprise_id=enterprise.pk, **form.cleaned_data)
    return _("The prevention plan is saved; the liaison checks it again.")


def _employee(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    employee = services.employee_add(actor=actor, enterprise_id=enterprise.pk, **form.cleaned_data)
    return _("%(name)s is on the staff list.") % {"name": employee.person.name}


def _health_report(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    assert isinstance(form, HealthReportForm)
    report = services.health_report_submit(
        actor=actor, enterprise_id=enterprise.pk, date=form.cleaned_data["date"], lines=form.lines()
    )
    return _("The health report of %(date)s is in: %(on_site)s at work, %(fever)s with fever.") % {
        "date": report.date,
        "on_site": report.on_site,
        "fever": report.fever,
    }


def _apply(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    services.resumption_apply(actor=actor, enterprise_id=enterprise.pk, **form.cleaned_data)
    return _("The application is sent to the county.")


def _day(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    services.resumption_report(actor=actor, enterprise_id=enterprise.pk, **form.cleaned_data)
    return _("The day's resumption is reported.")


def _ticket(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    ticket = tickets.ticket_open(actor=actor, enterprise_id=enterprise.pk, **form.cleaned_data)
    return _("Ticket %(number)s is opened.") % {"number": ticket.pk}


def _policy(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    policies.policy_apply(actor=actor, enterprise_id=enterprise.pk, **form.cleaned_data)
    return _("The policy application is sent.")


def _liaison(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    assignment = services.liaison_assign(
        actor=actor, liaison_id=form.cleaned_data["liaison_id"], enterprise_id=enterprise.pk
    )
    return _("%(name)s is stationed at this enterprise.") % {"name": assignment.liaison.get_username()}


def _decide(actor: Actor, enterprise: Enterprise, form: forms.Form) -> str:
    application = enterprise.applications.filter(status=ApplicationStatus.SUBMITTED).first()
    if application is None:
        raise conflict("application.not_pending", gettext_lazy("No application is waiting for a decision."))
    return _decide_application(actor, application.pk, form)


def _decide_application(actor: Actor, application_id: int, form: forms.Form) -> str:
    approve = form.cleaned_data["approve"]
    services.resumption_decide(
        actor=actor, application_id=application_id, approve=approve, note=form.cleaned_data["note"]
    )
    return _("The application is approved.") if approve else _("The application is refused.")


ACTION_FORMS: dict[str, type[forms.Form]] = {
    "visit": VisitForm,
    "plan_check": PlanCheckForm,
    "plan": PlanForm,
    "employee": EmployeeForm,
    "health_report": HealthReportForm,
    "apply": ApplyForm,
    "day": DayForm,
    "ticket": TicketForm,
    "policy": PolicyApplyForm,
    "liaison": AssignForm,
    "decide": DecideForm,
}
ACTION_WRITES: dict[str, Callable[[Actor, Enterprise, forms.Form], str]] = {
    "visit": _visit,
    "plan_check": _plan_check,
    "plan": _plan,
    "employee": _employee,
    "health_report": _health_report,
    "apply": _apply,
    "day": _day,
    "ticket": _ticket,
    "policy": _policy,
    "liaison": _liaison,
    "decide": _decide,
}
# Where each refusal goes when it names no field of the form.
ACTION_ERRORS: dict[str, dict[str, str]] = {
    "visit": {"visit.": "notes", "liaison.": "notes"},
    "plan": {"plan.": "items"},
    "employee": {
        "employee.": "id_number",
        "id_number": "id_number",
        "region": "home_region",
        "phone": "phone",
    },
    "health_report": {"health_report.duplicate": "date", "date": "date"},
    "apply": {"application.planned": "planned_date", "application.workforce": "workforce_planned"},
    "day": {"resumption.returned": "returned", "resumption.not_approved": "status", "date": "date"},
    "ticket": {"ticket.title": "title", "ticket.description": "description"},
    "policy": {"policy.": "policy_id", "amount": "amount_requested"},
    "liaison": {"liaison": "liaison_id"},
    "decide": {"application.reason_required": "note"},
}


def _plan_state(enterprise: Enterprise) -> dict[str, Any]:
    """The checklist: each measure and whether it is in place; complete, and checked since its last change."""
    plan = selectors.plan_of(enterprise)
    missing = selectors.plan_missing(plan)
    return {
        "plan": plan,
        "items": [
            {"value": value, "label": label, "done": value not in missing}
            for value, label in PlanItem.choices
        ],
        "complete": not missing,
        "checked": selectors.plan_checked(plan),
    }


def _enterprise_page(
    request: HttpRequest,
    actor: Actor,
    enterprise_id: int,
    *,
    given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    enterprise = selectors.enterprise_get(actor=actor, enterprise_id=enterprise_id)
    roles = Roles(actor, enterprise)
    shown = {
        action: (given or {}).get(action) or _action_form(action, actor, enterprise)
        for action in ACTION_FORMS
        if roles.may(action)
    }
    pending = enterprise.applications.filter(status=ApplicationStatus.SUBMITTED).first()
    if pending is None:
        shown.pop("decide", None)
    today = clock.today()
    context = {
        "enterprise": enterprise,
        "roles": roles,
        "forms": shown,
        "plan": _plan_state(enterprise),
        "liaisons": selectors.liaison_assignments(enterprise=enterprise),
        "visits": enterprise.visits.select_related("liaison")[:10],
        "employees": _employees(enterprise),
        "reports": enterprise.health_reports.all()[:7],
        "reported_today": enterprise.health_reports.filter(date=today).exists(),
        "applications": enterprise.applications.all()[:10],
        "pending": pending,
        "days": enterprise.days.order_by("-date")[:14],
        "tickets": enterprise.tickets.all()[:20],
        "matches": policies.policy_matches(actor=actor, enterprise_id=enterprise.pk),
        "policy_applications": enterprise.policy_applications.select_related("policy")[:20],
    }
    return render(request, "resumption/enterprise.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def enterprise_view(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """An enterprise's file and the actions the actor may take on it."""
    actor = page_actor(request)
    require_any(actor, VIEW, LIAISE, ENTERPRISE)
    return _enterprise_page(request, actor, enterprise_id)


@login_required
@require_POST
@domain_error_pages
def enterprise_post_view(request: HttpRequest, enterprise_id: int, action: str) -> HttpResponse:
    """One of the enterprise page's forms; a refusal shows the page again with the input kept."""
    actor = page_actor(request)
    require_any(actor, MANAGE, LIAISE, ENTERPRISE)
    # A liaison of the region not stationed here is told so (403), as the services would.
    enterprise = selectors.enterprise_for_action(actor=actor, enterprise_id=enterprise_id, manage=True)
    form = _action_form(action, actor, enterprise, request.POST)
    write = ACTION_WRITES[action]
    status = _write(request, form, lambda _data: write(actor, enterprise, form), ACTION_ERRORS.get(action))
    if status is None:
        return redirect("resumption:enterprise", enterprise_id=enterprise.pk)
    return _enterprise_page(request, actor, enterprise.pk, given={action: form}, status=status)


@login_required
@require_POST
@domain_error_pages
def liaison_end_view(request: HttpRequest, enterprise_id: int, assignment_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    services.liaison_end(actor=actor, assignment_id=assignment_id)
    messages.success(request, _("The liaison's assignment is ended."))
    return redirect("resumption:enterprise", enterprise_id=enterprise_id)


@login_required
@require_POST
@domain_error_pages
def policy_withdraw_view(request: HttpRequest, enterprise_id: int, application_id: int) -> HttpResponse:
    """The enterprise (its account or liaison) withdraws a policy application still waiting."""
    actor = page_actor(request)
    require_any(actor, LIAISE, ENTERPRISE)

    def withdraw() -> str:
        policies.policy_application_withdraw(actor=actor, application_id=application_id)
        return _("The policy application is withdrawn.")

    button_write(request, withdraw)
    return redirect("resumption:enterprise", enterprise_id=enterprise_id)


# Homes of liaisons and employers -----------------------------------------------------------------


def _todo(rows: list[Enterprise]) -> list[dict[str, Any]]:
    """Each enterprise with what needs doing today: the plan to check, the health report, the
    application waiting, tickets waiting on the enterprise."""
    today = clock.today()
    ids = [enterprise.pk for enterprise in rows]
    reported = set(
        HealthReport.objects.filter(enterprise_id__in=ids, date=today).values_list("enterprise_id", flat=True)
    )
    waiting = set(
        ProblemTicket.objects.filter(enterprise_id__in=ids, status=TicketStatus.WAITING).values_list(
            "enterprise_id", flat=True
        )
    )
    open_tickets = set(
        ProblemTicket.objects.filter(enterprise_id__in=ids, status__in=OPEN_TICKETS).values_list(
            "enterprise_id", flat=True
        )
    )
    pending = set(
        ResumptionApplication.objects.filter(
            enterprise_id__in=ids, status=ApplicationStatus.SUBMITTED
        ).values_list("enterprise_id", flat=True)
    )
    lines = []
    for enterprise in rows:
        plan = _plan_state(enterprise)
        lines.append(
            {
                "enterprise": enterprise,
                "plan_to_check": plan["complete"] and not plan["checked"],
                "plan_incomplete": not plan["complete"],
                "report_missing": enterprise.pk not in reported,
                "waiting": enterprise.pk in waiting,
                "open_tickets": enterprise.pk in open_tickets,
                "pending": enterprise.pk in pending,
            }
        )
    return lines


@login_required
@require_safe
@domain_error_pages
def liaison_home_view(request: HttpRequest) -> HttpResponse:
    """The liaison's phone page: the enterprises they serve and what each needs today."""
    actor = page_actor(request)
    require(actor, LIAISE)
    rows = list(selectors.liaison_enterprises(actor=actor))
    return render(request, "resumption/liaison.html", {"lines": _todo(rows), "today": clock.today()})


@login_required
@require_safe
@domain_error_pages
def my_view(request: HttpRequest) -> HttpResponse:
    """The employer's home: their enterprise(s), today's report and open tickets."""
    actor = page_actor(request)
    require(actor, ENTERPRISE)
    rows = list(selectors.account_enterprises(actor=actor))
    context = {
        "lines": _todo(rows),
        "today": clock.today(),
        "tickets": tickets.ticket_list(actor=actor)
        .filter(status__in=OPEN_TICKETS)
        .select_related("enterprise")[:20],
    }
    return render(request, "resumption/my.html", context)


# Applications ------------------------------------------------------------------------------------


class ApplicationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *ApplicationStatus.choices],
        required=False,
    )


def _applications_page(
    request: HttpRequest, actor: Actor, *, given: tuple[int, DecideForm] | None = None, status: int = 200
) -> HttpResponse:
    params = request.GET.copy()
    params.setdefault("status", ApplicationStatus.SUBMITTED)
    filters = ApplicationFilterForm(params)
    rows: Any = ResumptionApplication.objects.none()
    if filters.is_valid():
        rows = selectors.application_list(
            actor=actor, status=filters.cleaned_data["status"] or None
        ).select_related("enterprise", "enterprise__region")
    page = paginate(request, rows, PAGE_SIZE)
    lines = []
    for application in page.object_list:
        form = None
        if application.status == ApplicationStatus.SUBMITTED and covers(
            actor, MANAGE, application.enterprise.region_id[:6]
        ):
            form = (
                given[1]
                if given and given[0] == application.pk
                else DecideForm(auto_id=f"id_app{application.pk}_%s")
            )
        lines.append({"application": application, "form": form})
    context = {"filters": filters, "page": page, "lines": lines, "query": _query(request)}
    return render(request, "resumption/applications.html", context, status=400 if filters.errors else status)


@login_required
@require_safe
@domain_error_pages
def application_list_view(request: HttpRequest) -> HttpResponse:
    """Resumption applications of the jurisdiction, waiting ones first; the county decides here."""
    actor = page_actor(request)
    require(actor, VIEW)
    return _applications_page(request, actor)


@login_required
@require_POST
@domain_error_pages
def application_decide_view(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    form = DecideForm(request.POST, auto_id=f"id_app{application_id}_%s")
    status = _write(
        request, form, lambda _data: _decide_application(actor, application_id, form), ACTION_ERRORS["decide"]
    )
    if status is None:
        return redirect("resumption:applications")
    return _applications_page(request, actor, given=(application_id, form), status=status)


# Tickets -----------------------------------------------------------------------------------------


class TicketFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *TicketStatus.choices],
        required=False,
    )
    sla_state = forms.ChoiceField(
        label=gettext_lazy("SLA"), choices=[("", gettext_lazy("All")), *SlaState.choices], required=False
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("All")), *TicketCategory.choices],
        required=False,
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Handled by"),
        choices=[("", gettext_lazy("All")), *TicketLevel.choices],
        required=False,
    )


@login_required
@require_safe
@domain_error_pages
def ticket_list_view(request: HttpRequest) -> HttpResponse:
    """The ticket board: the jurisdiction's (or the liaison's, the employer's) problems with their SLA."""
    actor = page_actor(request)
    require_any(actor, VIEW, LIAISE, ENTERPRISE)
    filters = TicketFilterForm(request.GET)
    rows: Any = ProblemTicket.objects.none()
    if filters.is_valid():
        rows = tickets.ticket_list(
            actor=actor, **{key: value or None for key, value in filters.cleaned_data.items()}
        ).select_related("enterprise")
    context = {
        "filters": filters,
        "filtered": any(request.GET.get(key) for key in filters.fields),
        "page": paginate(request, rows, PAGE_SIZE),
        "query": _query(request),
    }
    response = render_page(request, "resumption/tickets.html", context, partial="results")
    if filters.errors:
        response.status_code = 400
    return response


class TicketNoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class TicketOptionalNoteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("Resolution"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What was done to solve the problem."),
    )


class CloseForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=gettext_lazy("Satisfaction"),
        coerce=int,
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        widget=forms.RadioSelect,
        help_text=gettext_lazy("5 is very satisfied, 1 not at all."),
    )
    note = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# Ticket actions: form, service, who may (handler: officials working the ticket at its level;
# party: the enterprise's accounts and liaisons), the statuses it applies to, the button.
TICKET_ACTIONS: dict[str, tuple[type[forms.Form], Callable[..., Any], str, tuple[str, ...], Any]] = {
    "note": (
        TicketNoteForm,
        tickets.ticket_note,
        "any",
        (TicketStatus.OPEN, TicketStatus.WAITING),
        gettext_lazy("Add the note"),
    ),
    "wait": (
        TicketNoteForm,
        tickets.ticket_wait,
        "handler",
        (TicketStatus.OPEN,),
        gettext_lazy("Wait on the enterprise"),
    ),
    "resume": (
        TicketOptionalNoteForm,
        tickets.ticket_resume,
        "party",
        (TicketStatus.WAITING,),
        gettext_lazy("Send the answer"),
    ),
    "escalate": (
        TicketNoteForm,
        tickets.ticket_escalate,
        "handler",
        (TicketStatus.OPEN, TicketStatus.WAITING),
        gettext_lazy("Escalate"),
    ),
    "resolve": (
        ResolveForm,
        tickets.ticket_resolve,
        "handler",
        (TicketStatus.OPEN, TicketStatus.WAITING),
        gettext_lazy("Resolve"),
    ),
    "reopen": (
        TicketNoteForm,
        tickets.ticket_reopen,
        "party",
        (TicketStatus.RESOLVED,),
        gettext_lazy("Reopen"),
    ),
    "close": (
        CloseForm,
        tickets.ticket_close,
        "party",
        (TicketStatus.RESOLVED,),
        gettext_lazy("Close the ticket"),
    ),
}
TICKET_ERRORS = {
    "ticket.resolution": "resolution",
    "ticket.satisfaction": "satisfaction",
    "ticket.note": "note",
}


def _ticket_page(
    request: HttpRequest,
    actor: Actor,
    ticket_id: int,
    *,
    given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    ticket = tickets.ticket_get(actor=actor, ticket_id=ticket_id)
    handler = tickets.is_handler(actor, ticket)
    party = selectors.is_stationed(actor, ticket.enterprise) or selectors.is_account(actor, ticket.enterprise)
    role_ok = {"any": handler or party, "handler": handler, "party": party}
    actions = [
        {
            "name": name,
            "form": (given or {}).get(name) or form_class(auto_id=f"id_{name}_%s"),
            "submit": submit,
        }
        for name, (form_class, _service, who, statuses, submit) in TICKET_ACTIONS.items()
        if role_ok[who] and ticket.status in statuses
    ]
    sla = tickets.ticket_sla(ticket)
    context = {
        "ticket": ticket,
        "sla": sla,
        "sla_label": SlaState(sla.state).label,
        "elapsed_hours": round(sla.elapsed / 3600, 1),
        "target_hours": round(sla.target / 3600, 1),
        "handler_region": region_get(code=tickets.level_path(ticket)),
        "events": tickets.ticket_events(actor=actor, ticket_id=ticket.pk),
        "actions": actions,
    }
    return render(request, "resumption/ticket.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def ticket_view(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """A ticket's timeline, its SLA clock and the actions the actor may take."""
    actor = page_actor(request)
    require_any(actor, VIEW, LIAISE, ENTERPRISE)
    return _ticket_page(request, actor, ticket_id)


@login_required
@require_POST
@domain_error_pages
def ticket_post_view(request: HttpRequest, ticket_id: int, action: str) -> HttpResponse:
    actor = page_actor(request)
    require_any(actor, MANAGE, LIAISE, ENTERPRISE)
    form_class, service, _who, _statuses, _submit = TICKET_ACTIONS[action]
    form = form_class(request.POST, auto_id=f"id_{action}_%s")

    def write(data: dict[str, Any]) -> str:
        service(actor=actor, ticket_id=ticket_id, **data)
        return _("The ticket is updated.")

    status = _write(request, form, write, TICKET_ERRORS)
    if status is None:
        return redirect("resumption:ticket", ticket_id=ticket_id)
    return _ticket_page(request, actor, ticket_id, given={action: form}, status=status)


# Policies ----------------------------------------------------------------------------------------


class PolicyForm(forms.Form):
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=32)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=128)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=PolicyKind.choices)
    summary = forms.CharField(
        label=gettext_lazy("Summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    issuer = forms.CharField(label=gettext_lazy("Issued by (region code)"), max_length=12)
    industries = forms.MultipleChoiceField(
        label=gettext_lazy("Industries"),
        choices=Industry.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every industry."),
    )
    large_scale_only = forms.BooleanField(label=gettext_lazy("Above designated size only"), required=False)
    small_only = forms.BooleanField(label=gettext_lazy("Small and medium enterprises only"), required=False)
    key_project_only = forms.BooleanField(label=gettext_lazy("Key projects only"), required=False)
    max_workforce = forms.IntegerField(
        label=gettext_lazy("At most this many employees"), min_value=1, required=False, widget=COUNT_INPUT
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DATE_INPUT)
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), required=False, widget=DATE_INPUT)


class PolicyDecideForm(forms.Form):
    grant = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        coerce=lambda value: value == "yes",
        choices=[("yes", gettext_lazy("Grant")), ("no", gettext_lazy("Refuse"))],
        widget=forms.RadioSelect,
    )
    amount_granted = forms.DecimalField(
        label=gettext_lazy("Amount granted (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)


POLICY_ERRORS = {
    "policy.code": "code",
    "policy.duplicate": "code",
    "policy.size": "small_only",
    "policy.valid": "valid_until",
    "policy.industr": "industries",
    "region": "issuer",
    "policy.issuer": "issuer",
}
POLICY_DECIDE_ERRORS = {"policy_application.amount": "amount_granted", "policy_application.note": "note"}


def _policies_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: PolicyForm | None = None,
    decided: tuple[int, PolicyDecideForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    may_keep = bool(actor.prefixes_for(POLICIES))
    applications = policies.policy_application_list(actor=actor).select_related("policy", "enterprise")[:50]
    lines = []
    for application in applications:
        decide = None
        if may_keep and application.status == PolicyApplicationStatus.SUBMITTED:
            decide = (
                decided[1]
                if decided and decided[0] == application.pk
                else PolicyDecideForm(auto_id=f"id_pa{application.pk}_%s")
            )
        lines.append({"application": application, "form": decide})
    context = {
        "policies": policies.policy_list(actor=actor).select_related("issuer"),
        "lines": lines,
        "form": (
            form
            or PolicyForm(
                initial={"issuer": actor.prefixes_for(POLICIES)[0], "valid_from": clock.today()},
                auto_id="id_policy_%s",
            )
        )
        if may_keep
        else None,
    }
    return render(request, "resumption/policies.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def policy_list_view(request: HttpRequest) -> HttpResponse:
    """The support-policy catalogue and the applications to it; officials keeping it add policies."""
    actor = page_actor(request)
    require_any(actor, VIEW, POLICIES, LIAISE, ENTERPRISE)
    if request.method != "POST":
        return _policies_page(request, actor)
    require(actor, POLICIES)
    form = PolicyForm(request.POST, auto_id="id_policy_%s")

    def write(data: dict[str, Any]) -> str:
        policy = policies.policy_create(actor=actor, **data)
        return _("The policy %(title)s is in the catalogue.") % {"title": policy.title}

    status = _write(request, form, write, POLICY_ERRORS)
    if status is None:
        return redirect("resumption:policies")
    return _policies_page(request, actor, form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def policy_decide_view(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, POLICIES)
    form = PolicyDecideForm(request.POST, auto_id=f"id_pa{application_id}_%s")

    def write(data: dict[str, Any]) -> str:
        policies.policy_decide(actor=actor, application_id=application_id, **data)
        return (
            _("The policy application is granted.")
            if data["grant"]
            else _("The policy application is refused.")
        )

    status = _write(request, form, write, POLICY_DECIDE_ERRORS)
    if status is None:
        return redirect("resumption:policies")
    return _policies_page(request, actor, decided=(application_id, form), status=status)
