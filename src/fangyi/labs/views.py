"""Fever referral, fever clinic, sample, lab bench and testing dashboard pages.

The referral queue and a referral need "labs.referrals" over the referral's county; recording a
result against one needs "labs.results" over the resident's home. The clinic desk, pools, shipping
and re-test samples need "labs.clinic" over the clinic; the bench "labs.results" over the lab; the
dashboard "labs.view" over the region and the capacity form "labs.manage". Reads go through the
selectors (anything outside the jurisdiction is not found) and writes through the services, whose
refusals are shown next to the field.
"""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any, scope_q
from fangyi.core.errors import DomainError
from fangyi.core.htmx import add_domain_error, domain_error_pages, form_refusal, page_actor, render_page
from fangyi.core.models import Job
from fangyi.core.uploads import FILE_ACCEPT, UploadForm, job_page, upload_page
from fangyi.labs import selectors, services
from fangyi.labs.choices import CodeColour, Exposure, ReferralStatus, Result, SampleStatus, Symptom
from fangyi.labs.errors import retest_not_found
from fangyi.labs.models import Laboratory, Referral, Sample
from fangyi.labs.selectors import (
    CLINIC,
    MANAGE,
    REFERRALS,
    RESULTS,
    SAMPLE_READERS,
    VIEW,
    referral_get,
    referral_list,
    result_list,
)
from fangyi.labs.services import RESULTS_IMPORT_JOB_KIND
from fangyi.labs.triage import TRIAGE_REASONS
from fangyi.people.imports import MAX_IMPORT_BYTES
from fangyi.people.models import Person
from fangyi.people.selectors import person_find_by_id_number, person_get
from fangyi.regions.models import Place
from fangyi.regions.selectors import region_get

PAGE_SIZE = 50
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CHART_DAYS = 30
CHART_DAYS_MAX = 366


class ReferralFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *ReferralStatus.choices],
        required=False,
    )
    county = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[(s.value, s.label) for s in (ReferralStatus.CLEARED, ReferralStatus.CASE_REPORTED)],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("e.g. negative nucleic-acid test")}),
    )


class ResultForm(forms.Form):
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=Result.choices)
    sampled_on = forms.DateField(
        label=gettext_lazy("Sampled on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    lab = forms.CharField(label=gettext_lazy("Laboratory"), max_length=services.LAB_MAX)


@login_required
@require_safe
@domain_error_pages
def referral_list_view(request: HttpRequest) -> HttpResponse:
    """The referrals the actor's counties follow up: open ones first, longest waiting first."""
    actor = page_actor(request)
    require(actor, REFERRALS)
    form = ReferralFilterForm(request.GET)
    referrals = Referral.objects.none()
    if form.is_valid():
        try:
            referrals = referral_list(
                actor=actor,
                status=form.cleaned_data["status"] or None,
                county=form.cleaned_data["county"] or None,
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "county"})
    page = Paginator(referrals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "filtered": any(request.GET.get(key) for key in form.fields),
        "query": query.urlencode(),
    }
    response = render_page(request, "labs/referral_list.html", context, partial="results")
    if form.errors:
        response.status_code = 400
    return response


def _referral_page(
    request: HttpRequest,
    actor: Actor,
    referral_id: Any,
    *,
    close_form: CloseForm | None = None,
    result_form: ResultForm | None = None,
    status: int = 200,
) -> HttpResponse:
    referral = referral_get(actor=actor, referral_id=referral_id)
    is_open = referral.status == ReferralStatus.OPEN
    can_record = covers(actor, RESULTS, referral.person.home_region_id)
    refused: list[str] = []
    if close_form is not None and not is_open:  # closed meanwhile: say why at the top
        refused = [str(message) for errors in close_form.errors.values() for message in errors]
    context = {
        "referral": referral,
        "results": result_list(actor=actor, person_id=referral.person_id),
        "close_form": (close_form or CloseForm(auto_id="id_close_%s")) if is_open else None,
        "result_form": (
            (result_form or ResultForm(initial={"sampled_on": clock.today()}, auto_id="id_result_%s"))
            if can_record
            else None
        ),
        "refused": refused,
    }
    return render(request, "labs/referral_detail.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def referral_detail_view(request: HttpRequest, referral_id: str) -> HttpResponse:
    return _referral_page(request, page_actor(request), referral_id)


@login_required
@require_POST
@domain_error_pages
def referral_close_view(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Close a referral from its page; on refusal the page again, with the message."""
    actor = page_actor(request)
    referral = referral_get(actor=actor, referral_id=referral_id)  # outside: 404
    form = CloseForm(request.POST, auto_id="id_close_%s")
    status = 400
    if form.is_valid():
        try:
            closed = services.referral_close(
                actor=actor,
                referral_id=referral.pk,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request, _("The referral is closed: %(status)s.") % {"status": closed.get_status_display()}
            )
            return redirect("labs:referral_detail", referral_id=referral.pk)
    return _referral_page(request, actor, referral.pk, close_form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def result_report_view(request: HttpRequest, referral_id: str) -> HttpResponse:
    """Record a laboratory result against a referral from its page."""
    actor = page_actor(request)
    referral = referral_get(actor=actor, referral_id=referral_id)  # outside: 404 before 403
    require(actor, RESULTS)
    form = ResultForm(request.POST, auto_id="id_result_%s")
    status = 400
    if form.is_valid():
        try:
            services.result_report(
                actor=actor, person_id=referral.person_id, referral_id=referral.pk, **form.cleaned_data
            )
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            add_domain_error(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The test result is recorded."))
            return redirect("labs:referral_detail", referral_id=referral.pk)
    return _referral_page(request, actor, referral.pk, result_form=form, status=status)


# Shared by the testing pages ---------------------------------------------------------------------

LIST_SIZE = 25
BARCODES_MAX = 2000  # characters of a pasted list: a few hundred barcodes
BARCODE_INPUT = forms.TextInput(
    attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "class": "code"}
)
CT_INPUT = forms.NumberInput(attrs={"step": "0.1", "min": "5", "max": "45", "inputmode": "decimal"})


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _barcodes(text: str) -> list[str]:
    """Barcodes pasted or scanned one a line (spaces and commas separate them too)."""
    return [code for code in re.split(r"[\s,;]+", text) if code]


class BarcodeListField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "code"})

    def __init__(self, **kwargs: Any):
        super().__init__(max_length=BARCODES_MAX, **kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return _barcodes(super().to_python(value) or "")

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        super().run_validators("\n".join(value))


def _place_choices(places: Any) -> list[tuple[int, str]]:
    return [(place.pk, f"{place.name} · {place.region.name}") for place in places]


def _lab_choices(labs: list[Laboratory]) -> list[tuple[int, str]]:
    return [(lab.place_id, lab.place.name) for lab in labs]


def _pick(choices: list[tuple[int, str]], raw: Any) -> int | None:
    """The place id asked for in the query string if it is one of `choices`, else the first."""
    ids = [pk for pk, _label in choices]
    try:
        wanted = int(raw)
    except (TypeError, ValueError):
        wanted = None
    return wanted if wanted in ids else (ids[0] if ids else None)


def _page(request: HttpRequest, rows: Any, size: int = LIST_SIZE, param: str = "page") -> Any:
    return Paginator(rows, size).get_page(request.GET.get(param))


# Fever clinic desk -------------------------------------------------------------------------------


class VisitorForm(forms.Form):
    clinic = forms.TypedChoiceField(label=gettext_lazy("Fever clinic"), coerce=int)
    id_number = forms.CharField(
        label=gettext_lazy("Identity number of the visitor"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "code"}),
    )
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, clinics: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "clinic", clinics)


class TriageForm(forms.Form):
    clinic_id = forms.IntegerField(widget=forms.HiddenInput)
    person_id = forms.UUIDField(widget=forms.HiddenInput)
    temperature = forms.DecimalField(
        label=gettext_lazy("Temperature (°C)"),
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(
            attrs={"step": "0.1", "min": "34", "max": "43", "inputmode": "decimal", "placeholder": "36.5"}
        ),
    )
    symptoms = forms.MultipleChoiceField(
        label=gettext_lazy("Symptoms"),
        choices=Symptom.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exposures = forms.MultipleChoiceField(
        label=gettext_lazy("Epidemiological history (14 days)"),
        choices=Exposure.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    code_colour = forms.ChoiceField(
        label=gettext_lazy("Health-code colour"), choices=CodeColour.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=256, required=False)


def _visitor(actor: Actor, form: VisitorForm) -> Person | None:
    """The visitor asked for by identity number (or by a waiting referral's resident)."""
    if not form.is_valid():
        return None
    try:
        if form.cleaned_data["id_number"]:
            return person_find_by_id_number(actor=actor, id_number=form.cleaned_data["id_number"])
        if form.cleaned_data["person"]:
            return person_get(actor=actor, person_id=form.cleaned_data["person"])
    except DomainError as exc:
        if exc.status == 403:
            raise
        form.add_error("id_number", exc.render_message())
    return None


def _waiting_referrals(actor: Actor, clinic: Place | None) -> Any:
    """Open referrals of the jurisdiction, those of the clinic's county first, longest waiting first."""
    if clinic is None or not actor.prefixes_for(REFERRALS):
        return Referral.objects.none()
    here = Case(
        When(county_id=clinic.region_id[:6], then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return referral_list(actor=actor, status=ReferralStatus.OPEN).order_by(here, "opened_at", "id")


def _clinic_page(
    request: HttpRequest, actor: Actor, *, triage_form: TriageForm | None = None, status: int = 200
) -> HttpResponse:
    clinics = list(selectors.clinic_list(actor=actor).filter(scope_q(actor, CLINIC, "region__code")))
    choices = _place_choices(clinics)
    params = request.GET.copy()
    if triage_form is not None:  # a refused triage: the same clinic and visitor again
        params["clinic"] = str(triage_form.data.get("clinic_id", ""))
        params["person"] = str(triage_form.data.get("person_id", ""))
    params.setdefault("clinic", str(_pick(choices, params.get("clinic"))))
    finder = VisitorForm(params, clinics=choices)
    person = _visitor(actor, finder) if clinics else None
    clinic = (
        next((c for c in clinics if c.pk == finder.cleaned_data.get("clinic")), None) if clinics else None
    )
    if person is not None and clinic is not None and triage_form is None:
        triage_form = TriageForm(
            initial={"clinic_id": clinic.pk, "person_id": person.pk, "code_colour": CodeColour.GREEN}
        )
    query = params.copy()
    query.pop("page", None)
    context = {
        "clinics": clinics,
        "clinic": clinic,
        "finder": finder,
        "person": person,
        "triage_form": triage_form if person is not None else None,
        "referrals": _page(request, _waiting_referrals(actor, clinic), param="waiting"),
        "page": _page(request, selectors.visit_list(actor=actor, clinic_id=clinic.pk) if clinic else []),
        "query": query.urlencode(),
    }
    if clinics and finder.errors and status == 200:
        status = 400
    return render(request, "labs/clinic.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def clinic_view(request: HttpRequest) -> HttpResponse:
    """The fever clinic desk: find the visitor, triage them by the protocol, then take the sample
    on the visit's page; the referrals waiting for the clinic's county and the day's visits."""
    actor = page_actor(request)
    require(actor, CLINIC)
    if request.method != "POST":
        return _clinic_page(request, actor)
    form = TriageForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            visit = services.visit_triage(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            status = form_refusal(form, exc, {"visit.": "temperature"})
        else:
            messages.success(
                request, _("Triage recorded: %(decision)s.") % {"decision": visit.get_decision_display()}
            )
            return redirect("labs:visit_detail", visit_id=visit.pk)
    return _clinic_page(request, actor, triage_form=form, status=status)


class SampleForm(forms.Form):
    barcode = forms.CharField(
        label=gettext_lazy("Sample barcode"),
        max_length=64,
        widget=forms.TextInput(attrs={**BARCODE_INPUT.attrs, "autofocus": True}),
    )


def _visit_page(
    request: HttpRequest, actor: Actor, visit_id: Any, *, form: SampleForm | None = None, status: int = 200
) -> HttpResponse:
    visit = selectors.visit_get(actor=actor, visit_id=visit_id)
    context = {
        "visit": visit,
        "reasons": [TRIAGE_REASONS.get(code, code) for code in visit.decision_reasons],
        "symptoms": [Symptom(code).label for code in visit.symptoms if code in Symptom.values],
        "exposures": [Exposure(code).label for code in visit.exposures if code in Exposure.values],
        "samples": list(visit.samples.order_by("collected_at")),
        "form": (form or SampleForm(auto_id="id_sample_%s"))
        if covers(actor, CLINIC, visit.county_id)
        else None,
    }
    return render(request, "labs/visit_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def visit_detail_view(request: HttpRequest, visit_id: str) -> HttpResponse:
    """A visit's decision with its reasons; clinic staff scan the sample's barcode here."""
    actor = page_actor(request)
    if request.method != "POST":
        return _visit_page(request, actor, visit_id)
    visit = selectors.visit_get(actor=actor, visit_id=visit_id)  # outside: 404 before 403
    require(actor, CLINIC)
    form = SampleForm(request.POST, auto_id="id_sample_%s")
    status = 400
    if form.is_valid():
        try:
            sample = services.sample_collect(
                actor=actor,
                place_id=visit.clinic_id,
                person_id=visit.person_id,
                barcode=form.cleaned_data["barcode"],
                visit_id=visit.pk,
            )
        except DomainError as exc:
            status = form_refusal(form, exc, {"sample.": "barcode"})
        else:
            messages.success(request, _("Sample %(barcode)s is collected.") % {"barcode": sample.barcode})
            return redirect("labs:visit_detail", visit_id=visit.pk)
    return _visit_page(request, actor, visit.pk, form=form, status=status)


# Samples -----------------------------------------------------------------------------------------


class SampleFilterForm(forms.Form):
    query = forms.CharField(label=gettext_lazy("Barcode"), max_length=32, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *SampleStatus.choices],
        required=False,
    )


class PoolForm(forms.Form):
    place_id = forms.TypedChoiceField(label=gettext_lazy("Collected at"), coerce=int)
    barcode = forms.CharField(label=gettext_lazy("Pool barcode"), max_length=64, widget=BARCODE_INPUT)
    size = forms.TypedChoiceField(label=gettext_lazy("Pool size"), coerce=int)
    member_barcodes = BarcodeListField(
        label=gettext_lazy("Member barcodes"), help_text=gettext_lazy("One barcode a line.")
    )

    def __init__(self, *args: Any, places: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "place_id", places)
        _choices(self, "size", [(size, str(size)) for size in settings.FANGYI_POOL_SIZES])


class ShipForm(forms.Form):
    lab_id = forms.TypedChoiceField(label=gettext_lazy("Laboratory"), coerce=int)
    barcodes = BarcodeListField(
        label=gettext_lazy("Barcodes"), help_text=gettext_lazy("Samples and pools, one barcode a line.")
    )

    def __init__(self, *args: Any, labs: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "lab_id", labs)


class RetestForm(forms.Form):
    place_id = forms.TypedChoiceField(label=gettext_lazy("Collected at"), coerce=int)
    barcode = forms.CharField(label=gettext_lazy("New sample barcode"), max_length=64, widget=BARCODE_INPUT)

    def __init__(self, *args: Any, places: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "place_id", places)


def _sample_page(
    request: HttpRequest,
    actor: Actor,
    *,
    given: dict[str, forms.Form] | None = None,
    failed_task: Any = None,
    status: int = 200,
) -> HttpResponse:
    filters = SampleFilterForm(request.GET)
    samples = Sample.objects.none()
    if filters.is_valid():
        samples = selectors.sample_list(
            actor=actor,
            status=filters.cleaned_data["status"] or None,
            query=filters.cleaned_data["query"] or None,
        )
    may_collect = bool(actor.prefixes_for(CLINIC))
    places = (
        _place_choices(selectors.clinic_list(actor=actor).filter(scope_q(actor, CLINIC, "region__code")))
        if may_collect
        else []
    )
    labs = _lab_choices(selectors.laboratory_list(actor=actor)) if may_collect else []
    forms_given = given or {}
    tasks = _page(request, selectors.retest_task_list(actor=actor), param="retests") if may_collect else None
    task_rows = [
        (
            task,
            forms_given["retest"]
            if failed_task is not None and str(task.pk) == str(failed_task)
            else RetestForm(places=places, auto_id=f"id_retest{task.pk}_%s"),
        )
        for task in (tasks.object_list if tasks else [])
    ]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": _page(request, samples),
        "filtered": any(request.GET.get(key) for key in filters.fields),
        "query": query.urlencode(),
        "pool_form": (forms_given.get("pool") or PoolForm(places=places, auto_id="id_pool_%s"))
        if may_collect
        else None,
        "ship_form": (forms_given.get("ship") or ShipForm(labs=labs, auto_id="id_ship_%s"))
        if may_collect
        else None,
        "retests": tasks,
        "task_rows": task_rows,
    }
    response = render_page(request, "labs/sample_list.html", context, partial="results")
    response.status_code = status
    return response


@login_required
@require_safe
@domain_error_pages
def sample_list_view(request: HttpRequest) -> HttpResponse:
    """Samples of the jurisdiction by barcode and status; clinics build pools, ship samples to a
    lab and take the re-test samples of positive pools here."""
    actor = page_actor(request)
    require_any(actor, *SAMPLE_READERS)
    return _sample_page(request, actor)


def _sample_write(
    request: HttpRequest,
    key: str,
    form: forms.Form,
    write: Callable[[dict[str, Any]], str],
    by_code: dict[str, str],
    task_id: Any = None,
) -> HttpResponse:
    """Run one of the sample page's forms; a refusal shows the page again with the reason."""
    actor = page_actor(request)
    status = 400
    if form.is_valid():
        try:
            done = write(form.cleaned_data)
        except DomainError as exc:
            status = form_refusal(form, exc, by_code)
        else:
            messages.success(request, done)
            return redirect("labs:sample_list")
    return _sample_page(request, actor, given={key: form}, failed_task=task_id, status=status)


def _collect_places(actor: Actor) -> list[tuple[int, str]]:
    return _place_choices(selectors.clinic_list(actor=actor).filter(scope_q(actor, CLINIC, "region__code")))


@login_required
@require_POST
@domain_error_pages
def pool_create_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, CLINIC)

    def write(data: dict[str, Any]) -> str:
        pool = services.pool_create(actor=actor, **data)
        return _("Pool %(barcode)s is made of %(count)s samples.") % {
            "barcode": pool.barcode,
            "count": len(data["member_barcodes"]),
        }

    form = PoolForm(request.POST, places=_collect_places(actor), auto_id="id_pool_%s")
    return _sample_write(request, "pool", form, write, {"pool.": "member_barcodes", "sample.": "barcode"})


@login_required
@require_POST
@domain_error_pages
def samples_ship_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, CLINIC)

    def write(data: dict[str, Any]) -> str:
        count = services.samples_ship(actor=actor, **data)
        return ngettext("%(count)s sample is shipped.", "%(count)s samples are shipped.", count) % {
            "count": count
        }

    form = ShipForm(
        request.POST, labs=_lab_choices(selectors.laboratory_list(actor=actor)), auto_id="id_ship_%s"
    )
    return _sample_write(request, "ship", form, write, {"sample.": "barcodes", "lab.": "lab_id"})


@login_required
@require_POST
@domain_error_pages
def retest_collect_view(request: HttpRequest, task_id: str) -> HttpResponse:
    """Take a pooled resident's own sample for the re-test their pool asked for."""
    actor = page_actor(request)
    require(actor, CLINIC)
    task = selectors.retest_task_list(actor=actor, status=None).filter(pk=task_id).first()
    if task is None:
        raise retest_not_found()

    def write(data: dict[str, Any]) -> str:
        sample = services.sample_collect(
            actor=actor, person_id=task.person_id, retest_task_id=task.pk, **data
        )
        return _("Re-test sample %(barcode)s is collected.") % {"barcode": sample.barcode}

    form = RetestForm(request.POST, places=_collect_places(actor), auto_id=f"id_retest{task.pk}_%s")
    return _sample_write(
        request, "retest", form, write, {"sample.": "barcode", "retest.": "barcode"}, task.pk
    )


@login_required
@require_safe
@domain_error_pages
def sample_detail_view(request: HttpRequest, barcode: str) -> HttpResponse:
    """A sample's way from collection to result, with its pool or its members."""
    actor = page_actor(request)
    require_any(actor, *SAMPLE_READERS)
    sample = selectors.sample_get(actor=actor, barcode=barcode)
    steps = [
        (_("Collected"), sample.collected_at, sample.collection_place.name),
        (_("Shipped"), sample.shipped_at, sample.lab.place.name if sample.lab else ""),
        (_("Received"), sample.received_at, ""),
        (_("Reported"), sample.reported_at, sample.operator),
    ]
    context = {
        "sample": sample,
        "steps": steps,
        "members": list(sample.members.select_related("person").order_by("barcode")),
        "turnaround_hours": round(sample.turnaround_minutes / 60, 1)
        if sample.turnaround_minutes is not None
        else None,
    }
    return render(request, "labs/sample_detail.html", context)


# Lab bench ---------------------------------------------------------------------------------------


class ReceiveForm(forms.Form):
    lab_id = forms.IntegerField(widget=forms.HiddenInput)
    barcodes = BarcodeListField(
        label=gettext_lazy("Barcodes received"), help_text=gettext_lazy("One barcode a line.")
    )


class BenchResultForm(forms.Form):
    barcode = forms.CharField(label=gettext_lazy("Barcode"), max_length=64, widget=BARCODE_INPUT)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=Result.choices)
    ct_value = forms.DecimalField(
        label=gettext_lazy("Ct value"),
        max_digits=4,
        decimal_places=1,
        required=False,
        widget=CT_INPUT,
        help_text=gettext_lazy("Required for a positive result."),
    )
    operator = forms.CharField(label=gettext_lazy("Operator"), max_length=64)


class ResultsImportForm(UploadForm):
    lab_id = forms.TypedChoiceField(label=gettext_lazy("Laboratory"), coerce=int)
    file = forms.FileField(
        label=gettext_lazy("Results file"),
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
        help_text=gettext_lazy(
            "CSV (UTF-8) or Excel .xlsx with the columns barcode, result, ct_value, operator and, "
            "optionally, reported_at."
        ),
    )
    field_order = ["lab_id", "file", "dry_run"]


def _import_form(labs: list[tuple[int, str]]) -> type[ResultsImportForm]:
    """The upload form offering the actor's labs."""

    class Form(ResultsImportForm):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            _choices(self, "lab_id", labs)

    return Form


def _bench_labs(actor: Actor) -> list[Laboratory]:
    """The labs the actor reports for, those with samples waiting first (the bench opens on one)."""
    labs = [
        lab for lab in selectors.laboratory_list(actor=actor) if covers(actor, RESULTS, lab.place.region_id)
    ]
    backlog = selectors.backlog_by_lab(lab.place_id for lab in labs)
    return sorted(labs, key=lambda lab: -backlog.get(lab.place_id, 0))


def _bench_page(
    request: HttpRequest,
    actor: Actor,
    *,
    lab_id: Any = None,
    given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    labs = _bench_labs(actor)
    choices = _lab_choices(labs)
    picked = _pick(choices, lab_id if lab_id is not None else request.GET.get("lab"))
    lab = next((item for item in labs if item.place_id == picked), None)
    forms_given = given or {}
    waiting = Sample.objects.none()
    figures = None
    if lab is not None:
        shipped = selectors.sample_list(actor=actor, status=SampleStatus.SHIPPED, lab_id=lab.place_id)
        waiting = selectors.sample_list(actor=actor, status=SampleStatus.RECEIVED, lab_id=lab.place_id)
        backlog = shipped.count() + waiting.count()
        figures = {
            "shipped": shipped.count(),
            "received": waiting.count(),
            "backlog": backlog,
            "capacity": lab.daily_capacity,
            "over": lab.daily_capacity is not None and backlog > lab.daily_capacity,
        }
    context = {
        "labs": labs,
        "lab": lab,
        "figures": figures,
        "receive_form": forms_given.get("receive")
        or ReceiveForm(initial={"lab_id": picked}, auto_id="id_receive_%s"),
        "result_form": forms_given.get("result") or BenchResultForm(auto_id="id_result_%s"),
        "upload_form": _import_form(choices)(initial={"lab_id": picked}),
        "accept": FILE_ACCEPT,
        "page": _page(request, waiting),
        "query": f"lab={picked}" if picked else "",
    }
    return render(request, "labs/bench.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def bench_view(request: HttpRequest) -> HttpResponse:
    """The lab bench: samples arriving and waiting for a result against the day's capacity;
    receipt by scanner or pasted list, result entry and the results upload."""
    actor = page_actor(request)
    require(actor, RESULTS)
    return _bench_page(request, actor)


@login_required
@require_POST
@domain_error_pages
def bench_receive_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, RESULTS)
    form = ReceiveForm(request.POST, auto_id="id_receive_%s")
    status = 400
    if form.is_valid():
        try:
            count = services.samples_receive(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            status = form_refusal(form, exc, {"sample.": "barcodes"})
        else:
            messages.success(
                request,
                ngettext("%(count)s sample is received.", "%(count)s samples are received.", count)
                % {"count": count},
            )
            return redirect(f"{reverse('labs:bench')}?lab={form.cleaned_data['lab_id']}")
    return _bench_page(
        request, actor, lab_id=request.POST.get("lab_id"), given={"receive": form}, status=status
    )


@login_required
@require_POST
@domain_error_pages
def bench_result_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, RESULTS)
    form = BenchResultForm(request.POST, auto_id="id_result_%s")
    status = 400
    if form.is_valid():
        try:
            sample = services.sample_report(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            status = form_refusal(form, exc, {"sample.": "barcode"})
        else:
            messages.success(
                request,
                _("%(barcode)s is reported %(result)s.")
                % {"barcode": sample.barcode, "result": sample.get_result_display()},
            )
            return redirect(f"{reverse('labs:bench')}?lab={sample.lab_id}")
    return _bench_page(request, actor, lab_id=request.POST.get("lab"), given={"result": form}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def results_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a lab's results file; it is checked and reported row by row as a job."""
    actor = page_actor(request)
    require(actor, RESULTS)

    def submit(file_name: str, content: bytes, options: dict[str, Any]) -> Job:
        return services.results_import_submit(
            actor=actor,
            lab_id=options["lab_id"],
            file_name=file_name,
            content=content,
            dry_run=options["dry_run"],
        )

    return upload_page(
        request,
        actor=actor,
        form_class=_import_form(_lab_choices(_bench_labs(actor))),
        submit=submit,
        max_bytes=MAX_IMPORT_BYTES,
        job_kind=RESULTS_IMPORT_JOB_KIND,
        job_url="labs:results_import_job",
        template="labs/results_import.html",
    )


@login_required
@require_safe
@domain_error_pages
def results_import_job_view(request: HttpRequest, job_id: str) -> HttpResponse:
    """The upload's progress; while it runs, htmx polls this view for the `job-status` partial."""
    return job_page(
        request,
        actor=page_actor(request),
        job_id=job_id,
        job_kind=RESULTS_IMPORT_JOB_KIND,
        template="labs/results_import_job.html",
    )


# Testing dashboard -------------------------------------------------------------------------------


class DashboardForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    date = forms.DateField(
        label=gettext_lazy("Samples collected on"),
        required=False,
        widget=DATE_INPUT,
        help_text=gettext_lazy("Empty: all samples."),
    )
    start = forms.DateField(label=gettext_lazy("Chart from"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("Chart to"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or clock.today()
        start = data.get("start") or end - dt.timedelta(days=CHART_DAYS - 1)
        if start > end:
            self.add_error("start", _("The chart starts on or before the day it ends."))
        elif (end - start).days >= CHART_DAYS_MAX:
            self.add_error("start", _("Chart at most %(days)s days.") % {"days": CHART_DAYS_MAX})
        data["start"], data["end"] = start, end
        return data


class CapacityForm(forms.Form):
    place_id = forms.TypedChoiceField(label=gettext_lazy("Laboratory"), coerce=int)
    daily_capacity = forms.IntegerField(label=gettext_lazy("Daily capacity (samples)"), min_value=0)

    def __init__(self, *args: Any, labs: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "place_id", labs)


def _managed_labs(actor: Actor, region: str | None = None) -> list[tuple[int, str]]:
    return _lab_choices(
        [
            lab
            for lab in selectors.laboratory_list(actor=actor, region=region)
            if covers(actor, MANAGE, lab.place.region_id)
        ]
    )


def _dashboard_page(
    request: HttpRequest, actor: Actor, *, capacity_form: CapacityForm | None = None, status: int = 200
) -> HttpResponse:
    form = DashboardForm(request.GET)
    summary: dict[str, Any] | None = None
    days: list[dict[str, Any]] = []
    if form.is_valid():
        region = form.cleaned_data["region"] or actor.prefixes_for(VIEW)[0]
        try:
            summary = selectors.lab_summary(actor=actor, region=region, date=form.cleaned_data["date"])
            days = selectors.positivity_by_day(
                actor=actor, region=region, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        except DomainError as exc:
            summary = None
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region", "date": "date"})
    if form.errors and status == 200:
        status = 400
    managed = (
        _managed_labs(actor, summary["region"] if summary else None) if actor.prefixes_for(MANAGE) else []
    )
    context = {
        "form": form,
        "summary": summary,
        "region": region_get(code=summary["region"]) if summary else None,
        "same_day_width": round((summary["reported_same_day_rate"] or 0) * 100) if summary else 0,
        "days": days,
        "any_reported": any(day["reported"] for day in days),
        "chart": {
            "dates": [str(day["date"]) for day in days],
            "reported": [day["reported"] for day in days],
            "positive": [day["positive"] for day in days],
            "rate": [None if day["rate"] is None else round(day["rate"] * 100, 2) for day in days],
            "labels": {
                "reported": _("Reported"),
                "positive": _("Positive"),
                "rate": _("Positive rate (%)"),
            },
        },
        "capacity_form": (capacity_form or CapacityForm(labs=managed, auto_id="id_capacity_%s"))
        if managed
        else None,
    }
    return render(request, "labs/dashboard.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """Testing in a region: samples, positive rate, turnaround, same-day reporting against the
    100% target, backlog against capacity, positivity by day and the labs."""
    actor = page_actor(request)
    require(actor, VIEW)
    return _dashboard_page(request, actor)


@login_required
@require_POST
@domain_error_pages
def laboratory_capacity_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    form = CapacityForm(request.POST, labs=_managed_labs(actor), auto_id="id_capacity_%s")
    status = 400
    if form.is_valid():
        try:
            lab = services.laboratory_set_capacity(actor=actor, **form.cleaned_data)
        except DomainError as exc:
            status = form_refusal(form, exc, {"lab": "daily_capacity"})
        else:
            messages.success(
                request,
                _("%(name)s can test %(count)s samples a day.")
                % {"name": lab.place.name, "count": lab.daily_capacity},
            )
            return redirect("labs:dashboard")
    return _dashboard_page(request, actor, capacity_form=form, status=status)
