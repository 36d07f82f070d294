"""Health-code pages: the resident's own code (mobile first), and for officials the colour-change
log, a resident's colour with its evidence, the appeal and override queues, and gate statistics.
The scanner and the certificate check at the gates are in gate_views."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import covers, require
from fangyi.core.errors import DomainError, PermissionDenied
from fangyi.core.htmx import add_domain_error, domain_error_pages, page_actor, qr_svg, render_page
from fangyi.healthpass import selectors, services
from fangyi.healthpass.choices import Colour, OverrideStatus, Symptom
from fangyi.healthpass.models import ColourChange
from fangyi.healthpass.reasons import reason_text, state_reason

PAGE_SIZE = 50


def _with_reason(changes: list[ColourChange]) -> list[dict[str, Any]]:
    return [{"change": c, "reason": reason_text(c.reason_code, c.reason_params)} for c in changes]


# The resident's own code -------------------------------------------------------------------------


class DeclarationForm(forms.Form):
    temperature = forms.DecimalField(
        label=gettext_lazy("Body temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "placeholder": "36.5"}),
    )
    symptoms = forms.MultipleChoiceField(
        label=gettext_lazy("Symptoms today"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    travelled = forms.BooleanField(
        label=gettext_lazy("I arrived from elsewhere in the last 14 days"), required=False
    )
    origin = forms.CharField(label=gettext_lazy("Came from (province, city)"), max_length=128, required=False)
    arrival_date = forms.DateField(
        label=gettext_lazy("Arrived on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Why is your colour wrong?"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def my_code(request: HttpRequest) -> HttpResponse:
    """The resident's code: a fresh signed pass as a QR code, the colour and why, today's
    declaration and an appeal."""
    actor = page_actor(request)
    person = services.resident_of(actor)
    declaration_form = DeclarationForm(request.POST if request.POST.get("form") == "declaration" else None)
    appeal_form = AppealForm(request.POST if request.POST.get("form") == "appeal" else None)
    status = 200
    if request.method == "POST":
        form: forms.Form = declaration_form if request.POST.get("form") == "declaration" else appeal_form
        if form.is_valid():
            try:
                if form is declaration_form:
                    services.declaration_submit(actor=actor, **form.cleaned_data)
                    messages.success(request, _("Today's declaration is recorded."))
                else:
                    services.appeal_file(actor=actor, **form.cleaned_data)
                    messages.success(
                        request, _("Your appeal is filed; officials of your area will answer it.")
                    )
                return redirect("healthpass:my_code")
            except DomainError as exc:
                if exc.status == 403:
                    raise
                add_domain_error(form, exc)
                status = exc.status
        else:
            status = 400
    issued = services.pass_issue(actor=actor)
    context = {
        "person": person,
        "issued": issued,
        "qr_svg": qr_svg(issued.token, scale=6),
        "colour_label": Colour(issued.colour).label,
        "reason": state_reason(selectors.colour_state_of(person)),
        "changes": _with_reason(selectors.colour_changes_of(person, limit=10)),
        "declared_today": selectors.declaration_on(person, clock.today()),
        "declaration_form": declaration_form,
        "open_appeal": selectors.open_appeal_of(person),
        "appeal_form": appeal_form,
        "title": _("My health code"),
    }
    return render(request, "healthpass/my_code.html", context, status=status)


# Officials ---------------------------------------------------------------------------------------


class ChangeFilterForm(forms.Form):
    colour = forms.ChoiceField(
        label=gettext_lazy("Changed to"), choices=[("", gettext_lazy("Any")), *Colour.choices], required=False
    )
    region = forms.RegexField(label=gettext_lazy("Region code"), regex=r"^[0-9]{2,12}$", required=False)


@login_required
@require_safe
@domain_error_pages
def change_log(request: HttpRequest) -> HttpResponse:
    """Every colour change in the jurisdiction, newest first, with the rule and the reason."""
    actor = page_actor(request)
    require(actor, selectors.VIEW)
    form = ChangeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    region = filters.get("region") or None
    changes = selectors.colour_change_list(
        actor=actor, region=region.rstrip("0") if region else None, colour=filters.get("colour") or None
    )
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": _with_reason(list(page.object_list)),
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "title": _("Colour changes"),
    }
    return render_page(request, "healthpass/changes.html", context)


class OverrideForm(forms.Form):
    colour = forms.ChoiceField(label=gettext_lazy("Colour"), choices=Colour.choices)
    days = forms.IntegerField(label=gettext_lazy("Days in force"), min_value=1, max_value=30, initial=14)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=services.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def person_colour(request: HttpRequest, person_id: str) -> HttpResponse:
    """A resident's colour, the evidence of every change, their declarations, and the override form."""
    actor = page_actor(request)
    require(actor, selectors.VIEW)
    person, state = selectors.person_colour_get(actor=actor, person_id=person_id)
    can_override = covers(actor, selectors.MANAGE, person.home_region_id)
    form = OverrideForm(request.POST or None) if can_override else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied()
        if form.is_valid():
            try:
                services.override_request(actor=actor, person_id=person.pk, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
                status = exc.status
            else:
                messages.success(request, _("The override is requested; another official must approve it."))
                return redirect("healthpass:person", person_id=person.pk)
        else:
            status = 400
    context = {
        "person": person,
        "state": state,
        "reason": state_reason(state),
        "changes": _with_reason(selectors.colour_changes_of(person)),
        "declarations": selectors.declarations_of(person),
        "can_verify": covers(actor, "people.manage", person.home_region_id),
        "form": form,
        "title": _("Colour of %(name)s") % {"name": person.name},
    }
    return render(request, "healthpass/person.html", context, status=status)


@login_required
@require_POST
@domain_error_pages
def declaration_verify(request: HttpRequest, declaration_id: str) -> HttpResponse:
    declaration = services.arrival_verify(actor=page_actor(request), declaration_id=declaration_id)
    messages.success(request, _("The arrival is verified."))
    return redirect("healthpass:person", person_id=declaration.person_id)


class AppealDecisionForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("0", gettext_lazy("Reject")), ("1", gettext_lazy("Uphold: request an override"))],
        coerce=lambda value: value == "1",
    )
    colour = forms.ChoiceField(
        label=gettext_lazy("Colour if upheld"), choices=Colour.choices, initial=Colour.GREEN
    )
    days = forms.IntegerField(label=gettext_lazy("Days in force"), min_value=1, max_value=30, initial=14)
    response = forms.CharField(
        label=gettext_lazy("Response to the resident"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OverrideDecisionForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), max_length=256, required=False)


@login_required
@require_safe
@domain_error_pages
def queues(request: HttpRequest) -> HttpResponse:
    """The appeal queue and the overrides awaiting a second approver."""
    actor = page_actor(request)
    require(actor, selectors.MANAGE)
    appeals = selectors.appeal_list(actor=actor)
    overrides = selectors.override_list(actor=actor)
    context = {
        "appeals": [(a, AppealDecisionForm(prefix=str(a.pk))) for a in appeals[:PAGE_SIZE]],
        "appeal_count": appeals.count(),
        "overrides": list(overrides[:PAGE_SIZE]),
        "in_force": list(selectors.override_list(actor=actor, status=OverrideStatus.APPROVED)[:PAGE_SIZE]),
        "title": _("Appeals and overrides"),
    }
    return render_page(request, "healthpass/queues.html", context)


@login_required
@require_POST
@domain_error_pages
def appeal_decide(request: HttpRequest, appeal_id: str) -> HttpResponse:
    actor = page_actor(request)
    appeal = selectors.appeal_get(actor=actor, appeal_id=appeal_id)
    form = AppealDecisionForm(request.POST, prefix=str(appeal.pk))
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("healthpass:queues")
    try:
        services.appeal_decide(actor=actor, appeal_id=appeal.pk, **form.cleaned_data)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.render_message())
    else:
        messages.success(request, _("The appeal is decided."))
    return redirect("healthpass:queues")


@login_required
@require_POST
@domain_error_pages
def override_decide(request: HttpRequest, override_id: str, decision: str) -> HttpResponse:
    """Approve or reject a requested override, or end one in force ("end")."""
    steps: dict[str, tuple[Callable[..., object], Any]] = {
        "approve": (services.override_approve, gettext_lazy("The override is in force.")),
        "reject": (services.override_reject, gettext_lazy("The override is rejected.")),
        "end": (
            services.override_end,
            gettext_lazy("The override has ended; the rules decide the colour again."),
        ),
    }
    if decision not in steps:
        raise Http404
    step, done = steps[decision]
    form = OverrideDecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        step(actor=page_actor(request), override_id=override_id, note=note)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.render_message())
    else:
        messages.success(request, str(done))
    return redirect("healthpass:queues")


class StatsForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


@login_required
@require_safe
@domain_error_pages
def stats(request: HttpRequest) -> HttpResponse:
    """Scans, stops and fevers per place and day in the jurisdiction."""
    actor = page_actor(request)
    require(actor, selectors.VIEW)
    form = StatsForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    status = 200
    try:
        start, end = selectors.stats_range(filters.get("start"), filters.get("end"))
    except DomainError as exc:
        add_domain_error(form, exc)
        status = exc.status
        start, end = selectors.stats_range(None, None)
    tallies = selectors.scan_stats(actor=actor, start=start, end=end)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "rows": list(tallies[:1000]),
        "totals": selectors.scan_totals(tallies),
        "title": _("Scans at the gates"),
    }
    return render(request, "healthpass/stats.html", context, status=status)
