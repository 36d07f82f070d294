"""Medical observation and contact tracing pages.

Officials read with "quarantine.view" over the resident's home (or the site's region); checking a
temperature in needs "quarantine.checkin", releasing, ending, resolving alerts and managing sites
"quarantine.manage", registering contacts "quarantine.trace" over the case's county. A resident
checks in their own temperature on /quarantine/me/ ("quarantine.own_checkin"). Reads go through
the selectors (anything outside the jurisdiction is not found) and writes through the services,
whose refusals are shown next to the field.
"""

from collections.abc import Callable
from typing import Any

from django import forms
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
from fangyi.core.errors import DomainError
from fangyi.core.htmx import add_domain_error, domain_error_pages, page_actor, render_page
from fangyi.people.selectors import person_find_by_id_number
from fangyi.quarantine import selectors, services
from fangyi.quarantine.choices import (
    ContactType,
    ObservationKind,
    ObservationStatus,
    SiteKind,
    Slot,
)
from fangyi.quarantine.errors import not_under_observation
from fangyi.quarantine.models import CheckIn, ObservationPeriod
from fangyi.quarantine.selectors import CHECKIN, MANAGE, TRACE, VIEW
from fangyi.surveillance.choices import Classification
from fangyi.surveillance.selectors import case_get, cluster_list

PAGE_SIZE = 50
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEMPERATURE_INPUT = forms.NumberInput(
    attrs={"step": "0.1", "min": "34", "max": "43", "inputmode": "decimal", "placeholder": "36.5"}
)


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _refused(form: forms.Form, exc: DomainError, by_code: dict[str, str] | None = None) -> int:
    """Show a service's refusal on the form and answer its status; not-found and not-allowed
    refusals go through as error pages."""
    if exc.status in (403, 404):
        raise exc
    add_domain_error(form, exc, by_code)
    return exc.status


# Observation list --------------------------------------------------------------------------------


class ObservationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *ObservationStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("", gettext_lazy("All")), *ObservationKind.choices],
        required=False,
    )
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


def _summaries(actor: Actor, region: str | None) -> list[dict[str, Any]]:
    """The summary cards: of the region searched for, else of each region of the jurisdiction."""
    cards = []
    for code in [region] if region else actor.prefixes_for(VIEW):
        place, figures = selectors.observation_summary(actor=actor, region=code)
        kinds = [(label, figures["by_kind"].get(value, 0)) for value, label in ObservationKind.choices]
        cards.append({"region": place, "figures": figures, "kinds": kinds})
    return cards


@login_required
@require_safe
@domain_error_pages
def observation_list_view(request: HttpRequest) -> HttpResponse:
    """Today's figures and the residents of the jurisdiction under observation, soonest due first."""
    actor = page_actor(request)
    require(actor, VIEW)
    form = ObservationFilterForm(request.GET)
    periods = ObservationPeriod.objects.none()
    summaries: list[dict[str, Any]] = []
    if form.is_valid():
        region = form.cleaned_data["region"] or None
        try:
            summaries = _summaries(actor, region)
            periods = selectors.observation_list(
                actor=actor,
                status=form.cleaned_data["status"] or None,
                kind=form.cleaned_data["kind"] or None,
                region=region,
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region"})
    page = Paginator(periods, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "summaries": summaries,
        "today": clock.today(),
        "filtered": any(request.GET.get(key) for key in form.fields),
        "query": query.urlencode(),
    }
    response = render_page(request, "quarantine/observation_list.html", context, partial="results")
    if form.errors:
        response.status_code = 400
    return response


# Observation detail ------------------------------------------------------------------------------


class CheckInForm(forms.Form):
    temperature = forms.DecimalField(
        label=gettext_lazy("Temperature (°C)"), max_digits=5, decimal_places=2, widget=TEMPERATURE_INPUT
    )
    slot = forms.ChoiceField(label=gettext_lazy("Slot"), choices=Slot.choices)
    symptoms = forms.CharField(
        label=gettext_lazy("Symptoms"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. cough, fatigue")}),
    )


def _current_slot() -> str:
    return Slot.MORNING if clock.now().astimezone(clock.SHANGHAI).hour < 12 else Slot.AFTERNOON


class ReleaseForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=services.NOTE_MAX)


class EndForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[(s.value, s.label) for s in (ObservationStatus.TO_TREATMENT, ObservationStatus.CANCELLED)],
    )
    note = forms.CharField(label=gettext_lazy("Why"), max_length=services.NOTE_MAX)


def _observation_page(
    request: HttpRequest,
    actor: Actor,
    period_id: Any,
    *,
    forms_given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    period = selectors.observation_get(actor=actor, period_id=period_id)
    active = period.status == ObservationStatus.ACTIVE
    given = forms_given or {}
    context = {
        "period": period,
        "today": clock.today(),
        "days_left": max((period.due_on - clock.today()).days, 0),
        "checkin_form": (
            given.get("checkin") or CheckInForm(initial={"slot": _current_slot()}, auto_id="id_checkin_%s")
        )
        if active and covers(actor, CHECKIN, period.region_id)
        else None,
        "release_form": (given.get("release") or ReleaseForm(auto_id="id_release_%s"))
        if active and covers(actor, MANAGE, period.region_id)
        else None,
        "end_form": (given.get("end") or EndForm(auto_id="id_end_%s"))
        if active and covers(actor, MANAGE, period.region_id)
        else None,
        "refused": [str(m) for form in given.values() for m in form.non_field_errors()] if not active else [],
    }
    return render(request, "quarantine/observation_detail.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def observation_detail_view(request: HttpRequest, period_id: str) -> HttpResponse:
    return _observation_page(request, page_actor(request), period_id)


@login_required
@require_POST
@domain_error_pages
def observation_checkin_view(request: HttpRequest, period_id: str) -> HttpResponse:
    """Staff record a resident's temperature from the observation page."""
    actor = page_actor(request)
    period = selectors.observation_get(actor=actor, period_id=period_id)  # outside: 404 before 403
    require(actor, CHECKIN)
    form = CheckInForm(request.POST, auto_id="id_checkin_%s")
    status = 400
    if form.is_valid():
        try:
            checkin = services.checkin_record(actor=actor, period_id=period.pk, **form.cleaned_data)
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            _checked_in_message(request, checkin)
            return redirect("quarantine:observation_detail", period_id=period.pk)
    return _observation_page(request, actor, period.pk, forms_given={"checkin": form}, status=status)


def _checked_in_message(request: HttpRequest, checkin: CheckIn) -> None:
    if checkin.fever:
        messages.warning(
            request,
            _("%(temperature)s °C is a fever: a fever clinic referral is opened.")
            % {"temperature": checkin.temperature},
        )
    else:
        messages.success(request, _("%(temperature)s °C is recorded.") % {"temperature": checkin.temperature})


def _period_closed(
    request: HttpRequest,
    period_id: str,
    key: str,
    form_class: type[forms.Form],
    close: Callable[[Actor, ObservationPeriod, dict[str, Any]], str],
) -> HttpResponse:
    """Release or end a period from its page (`close` does it and says what it did); a refusal
    shows the page again with the reason on the form."""
    actor = page_actor(request)
    period = selectors.observation_get(actor=actor, period_id=period_id)  # outside: 404 before 403
    require(actor, MANAGE)
    form = form_class(request.POST, auto_id=f"id_{key}_%s")
    status = 400
    if form.is_valid():
        try:
            done = close(actor, period, form.cleaned_data)
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, done)
            return redirect("quarantine:observation_detail", period_id=period.pk)
    return _observation_page(request, actor, period.pk, forms_given={key: form}, status=status)


def _release(actor: Actor, period: ObservationPeriod, data: dict[str, Any]) -> str:
    services.observation_release(actor=actor, period_id=period.pk, note=data["note"])
    return _("The resident is released from observation.")


def _end(actor: Actor, period: ObservationPeriod, data: dict[str, Any]) -> str:
    ended = services.observation_end(actor=actor, period_id=period.pk, **data)
    return _("The observation is ended: %(status)s.") % {"status": ended.get_status_display()}


@login_required
@require_POST
@domain_error_pages
def observation_release_view(request: HttpRequest, period_id: str) -> HttpResponse:
    """Release a resident; when the rule's conditions do not hold, the page says which."""
    return _period_closed(request, period_id, "release", ReleaseForm, _release)


@login_required
@require_POST
@domain_error_pages
def observation_end_view(request: HttpRequest, period_id: str) -> HttpResponse:
    """End a period otherwise: the resident became a case, or it was entered in error."""
    return _period_closed(request, period_id, "end", EndForm, _end)


# Alerts ------------------------------------------------------------------------------------------


class AlertFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=gettext_lazy("Show"),
        choices=[("open", gettext_lazy("Open alerts")), ("all", gettext_lazy("All alerts"))],
        required=False,
    )


class ResolveForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=services.NOTE_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. reached by phone, 36.6 °C")}),
    )


def _alert_page(
    request: HttpRequest, actor: Actor, *, failed: tuple[int, ResolveForm] | None = None, status: int = 200
) -> HttpResponse:
    filters = AlertFilterForm(request.GET)
    open_only = not (filters.is_valid() and filters.cleaned_data["show"] == "all")
    alerts = selectors.alert_list(actor=actor, open_only=open_only)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for alert in page.object_list:
        may_resolve = alert.resolved_at is None and covers(actor, MANAGE, alert.period.region_id)
        form = (
            failed[1] if failed and failed[0] == alert.pk else ResolveForm(auto_id=f"id_alert{alert.pk}_%s")
        )
        rows.append((alert, form if may_resolve else None))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "rows": rows,
        "open_only": open_only,
        "query": query.urlencode(),
    }
    response = render_page(request, "quarantine/alert_list.html", context, partial="results")
    response.status_code = status
    return response


@login_required
@require_safe
@domain_error_pages
def alert_list_view(request: HttpRequest) -> HttpResponse:
    """Missed check-ins and fevers to follow up: open ones first, the oldest first."""
    actor = page_actor(request)
    require(actor, VIEW)
    return _alert_page(request, actor)


@login_required
@require_POST
@domain_error_pages
def alert_resolve_view(request: HttpRequest, alert_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    form = ResolveForm(request.POST, auto_id=f"id_alert{alert_id}_%s")
    status = 400
    if form.is_valid():
        try:
            services.alert_resolve(actor=actor, alert_id=alert_id, note=form.cleaned_data["note"])
        except DomainError as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, _("The alert is resolved."))
            return redirect("quarantine:alert_list")
    return _alert_page(request, actor, failed=(alert_id, form), status=status)


# Sites -------------------------------------------------------------------------------------------


class SiteForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=services.NAME_MAX)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SiteKind.choices)
    region = forms.CharField(
        label=gettext_lazy("Region code"),
        max_length=12,
        help_text=gettext_lazy("The county, township or community where the site is."),
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=services.ADDRESS_MAX, required=False)
    rooms = forms.IntegerField(label=gettext_lazy("Rooms"), min_value=1, max_value=services.ROOMS_MAX)


class SiteUpdateForm(forms.Form):
    rooms = forms.IntegerField(label=gettext_lazy("Rooms"), min_value=0, max_value=services.ROOMS_MAX)
    active = forms.BooleanField(label=gettext_lazy("In use"), required=False)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def site_list_view(request: HttpRequest) -> HttpResponse:
    """The observation sites of the jurisdiction with their occupancy; managers add sites here."""
    actor = page_actor(request)
    require(actor, VIEW)
    may_manage = bool(actor.prefixes_for(MANAGE))
    form = SiteForm(request.POST if request.method == "POST" else None, auto_id="id_site_%s")
    status = 200
    if request.method == "POST":
        require(actor, MANAGE)
        status = 400
        if form.is_valid():
            try:
                site = services.site_create(actor=actor, **form.cleaned_data)
            except DomainError as exc:
                status = _refused(form, exc, {"region.": "region", "site.": "name"})
            else:
                messages.success(request, _("The site %(name)s is added.") % {"name": site.name})
                return redirect("quarantine:site_list")
    sites = selectors.site_list(actor=actor)
    page = Paginator(sites, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            site,
            max(site.rooms - site.occupied, 0),  # type: ignore[attr-defined]
            SiteUpdateForm(
                initial={"rooms": site.rooms, "active": site.active}, auto_id=f"id_site{site.pk}_%s"
            )
            if covers(actor, MANAGE, site.region_id)
            else None,
        )
        for site in page.object_list
    ]
    context = {"page": page, "rows": rows, "form": form if may_manage else None, "query": ""}
    return render(request, "quarantine/site_list.html", context, status=status)


@login_required
@require_POST
@domain_error_pages
def site_update_view(request: HttpRequest, site_id: int) -> HttpResponse:
    actor = page_actor(request)
    site = selectors.site_get(actor=actor, site_id=site_id)
    require(actor, MANAGE)
    form = SiteUpdateForm(request.POST)
    if form.is_valid():
        try:
            services.site_update(actor=actor, site_id=site.pk, **form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.render_message())
        else:
            messages.success(request, _("The site %(name)s is updated.") % {"name": site.name})
    else:
        messages.error(request, _("Enter a number of rooms from 0."))
    return redirect("quarantine:site_list")


# Close contacts of a case ------------------------------------------------------------------------


class ContactForm(forms.Form):
    id_number = forms.CharField(label=gettext_lazy("Identity number of the contact"), max_length=18)
    contact_type = forms.ChoiceField(label=gettext_lazy("Contact type"), choices=ContactType.choices)
    last_contact_on = forms.DateField(label=gettext_lazy("Last exposure"), widget=DATE_INPUT)
    via_contact_id = forms.ChoiceField(
        label=gettext_lazy("Exposed through"),
        required=False,
        help_text=gettext_lazy("For a secondary contact: the close contact of the case they met."),
    )
    observation_kind = forms.ChoiceField(
        label=gettext_lazy("Observation"), choices=ObservationKind.choices, initial=ObservationKind.HOME
    )
    site_id = forms.TypedChoiceField(
        label=gettext_lazy("Site (centralised)"), coerce=int, required=False, empty_value=None
    )
    room = forms.CharField(label=gettext_lazy("Room"), max_length=services.ROOM_MAX, required=False)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=services.NOTE_MAX)

    def __init__(
        self, *args: Any, primaries: list[tuple[str, str]], sites: list[tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _choices(self, "via_contact_id", [("", gettext_lazy("— the case itself —")), *primaries])
        _choices(self, "site_id", [("", "—"), *sites])


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def case_contacts_view(request: HttpRequest, case_id: str) -> HttpResponse:
    """The close contacts of a case, primary ones first; tracers register more here, secondary
    contacts through one of the case's primary contacts."""
    actor = page_actor(request)
    require(actor, VIEW)
    case = case_get(actor=actor, case_id=case_id)
    contacts = list(selectors.contact_list(actor=actor, case_id=case.pk))
    may_trace = covers(actor, TRACE, case.county_id)
    primaries = [
        (str(c.pk), f"{c.person.name} · {c.get_contact_type_display()}") for c in contacts if c.degree == 1
    ]
    sites = [
        (
            s.pk,
            _("%(name)s (%(free)s rooms free)") % {"name": s.name, "free": max(s.rooms - s.occupied, 0)},  # type: ignore[attr-defined]
        )
        for s in selectors.site_list(actor=actor).filter(active=True)
    ]
    data = request.POST if request.method == "POST" else None
    form = ContactForm(
        data,
        primaries=primaries,
        sites=sites,
        initial={"last_contact_on": clock.today()},
        auto_id="id_contact_%s",
    )
    status = 200
    if request.method == "POST":
        require(actor, TRACE)
        if not may_trace:
            return redirect("quarantine:case_contacts", case_id=case.pk)
        status = 400
        if form.is_valid():
            fields = dict(form.cleaned_data)
            try:
                person = person_find_by_id_number(actor=actor, id_number=fields.pop("id_number"))
                contact = services.contact_register(
                    actor=actor,
                    case_id=case.pk,
                    person_id=person.pk,
                    **{**fields, "via_contact_id": fields["via_contact_id"] or None},
                )
            except DomainError as exc:
                if exc.code == "person.not_found" or exc.code.startswith("id_number"):
                    form.add_error("id_number", exc.render_message())
                    status = exc.status if exc.status != 404 else 400
                else:
                    status = _refused(form, exc, {"observation.": "observation_kind", "site.": "site_id"})
            else:
                messages.success(
                    request, _("%(name)s is registered as a close contact.") % {"name": contact.person.name}
                )
                return redirect("quarantine:case_contacts", case_id=case.pk)
    context = {
        "case": case,
        "contacts": contacts,
        "form": form if may_trace else None,
        "excluded": case.classification == Classification.EXCLUDED,
    }
    return render(request, "quarantine/case_contacts.html", context, status=status)


# Transmission graph ------------------------------------------------------------------------------


class GraphFilterForm(forms.Form):
    case = forms.UUIDField(label=gettext_lazy("Case"), required=False)
    cluster = forms.TypedChoiceField(
        label=gettext_lazy("Cluster"), coerce=int, required=False, empty_value=None
    )
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)

    def __init__(self, *args: Any, clusters: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "cluster", [("", gettext_lazy("Any")), *clusters])


def _graph_labels() -> dict[str, Any]:
    return {
        "classification": {value: str(label) for value, label in Classification.choices},
        "primary": _("Close contact"),
        "secondary": _("Secondary contact"),
        "cluster": _("Cluster"),
        "case": _("Case"),
    }


@login_required
@require_safe
@domain_error_pages
def graph_view(request: HttpRequest) -> HttpResponse:
    """Transmission chains and clusters as a force graph of cases and close contacts."""
    actor = page_actor(request)
    require(actor, VIEW)
    clusters = (
        [(c.pk, c.name) for c in cluster_list(actor=actor)[:200]] if actor.prefixes_for("cases.view") else []
    )
    form = GraphFilterForm(request.GET, clusters=clusters)
    graph = None
    status = 200
    if form.is_valid():
        try:
            graph = selectors.transmission_graph(
                actor=actor,
                case_id=form.cleaned_data["case"],
                cluster_id=form.cleaned_data["cluster"],
                region=form.cleaned_data["region"] or None,
            )
        except DomainError as exc:
            status = _refused(form, exc, {"region.": "region", "case.": "case", "cluster.": "cluster"})
    else:
        status = 400
    names = {node["id"]: node["label"] for node in graph.nodes} if graph else {}
    context = {
        "form": form,
        "graph": graph,
        "edge_rows": [
            (names[edge["source"]], names[edge["target"]], edge["contact_type_label"])
            for edge in (graph.edges if graph else [])
        ],
        "graph_data": {
            "nodes": graph.nodes if graph else [],
            "edges": graph.edges if graph else [],
            "labels": _graph_labels(),
        },
        "filtered": any(request.GET.get(key) for key in form.fields),
    }
    return render(request, "quarantine/graph.html", context, status=status)


# The resident's own page -------------------------------------------------------------------------


class OwnCheckInForm(forms.Form):
    temperature = forms.DecimalField(
        label=gettext_lazy("Your temperature (°C)"), max_digits=5, decimal_places=2, widget=TEMPERATURE_INPUT
    )
    slot = forms.ChoiceField(label=gettext_lazy("Check-in"), choices=Slot.choices, widget=forms.RadioSelect)
    symptoms = forms.CharField(
        label=gettext_lazy("Any symptoms?"),
        required=False,
        max_length=services.NOTE_MAX,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. cough, sore throat")}),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def my_observation_view(request: HttpRequest) -> HttpResponse:
    """The resident's observation on a phone: days left, today's morning and afternoon check-ins,
    a form for the next one and the history; an empty state when not under observation."""
    actor = page_actor(request)
    person, period = selectors.own_observation(actor=actor)
    today = clock.today()
    history: list[CheckIn] = period.recent_checkins if period is not None else []  # type: ignore[attr-defined]
    done = {c.slot: c for c in history if c.date == today}
    # The slot proposed: the current one, or else the one still missing today.
    missing = [value for value in Slot.values if value not in done]
    proposed = missing[0] if missing and _current_slot() in done else _current_slot()
    form = OwnCheckInForm(
        request.POST if request.method == "POST" else None, initial={"slot": proposed}, auto_id="id_me_%s"
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if period is None:
                    raise not_under_observation()
                checkin = services.checkin_record(actor=actor, period_id=period.pk, **form.cleaned_data)
            except DomainError as exc:
                status = _refused(form, exc)
            else:
                _checked_in_message(request, checkin)
                return redirect("quarantine:me")
    context = {
        "person": person,
        "period": period,
        "today": today,
        "days_left": max((period.due_on - today).days, 0) if period is not None else None,
        "slots": [(value, label, done.get(value)) for value, label in Slot.choices],
        "history": history,
        "form": form if period is not None and len(done) < len(Slot.choices) else None,
        "errors": form.non_field_errors() if period is None else [],
        "title": _("My observation"),
    }
    return render(request, "quarantine/me.html", context, status=status)
