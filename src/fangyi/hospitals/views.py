"""Designated hospital pages: the beds board, a hospital's admissions, an admission with its daily
rounds, treatment, discharge, transfer and consultations, remote consultations, and the experts.

Everyone with "hospitals.view" reads the board and the experts; hospital staff ("hospitals.treat")
admit and treat in their county; officials ("hospitals.manage") set ward capacity and manage the
expert groups and their rota; an invited expert ("hospitals.consult") answers and gives an opinion.
Reads go through the selectors (anything outside the jurisdiction is not found) and writes through
the services, whose refusals are shown next to the field.
"""

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, NotFound
from fangyi.core.htmx import add_domain_error, domain_error_pages, page_actor, render_page
from fangyi.hospitals import selectors, services
from fangyi.hospitals.choices import (
    AdmissionStatus,
    BedType,
    ConsultationStatus,
    HospitalLevel,
    InvitationStatus,
    Shift,
    Specialty,
    TreatmentKind,
)
from fangyi.hospitals.errors import hospital_not_found, invitation_not_found
from fangyi.hospitals.models import Admission, Consultation
from fangyi.labs.choices import Result
from fangyi.people.selectors import person_find_by_id_number
from fangyi.regions.selectors import region_get
from fangyi.surveillance.choices import CaseEventKind, Classification, ConfirmationMethod, Severity
from fangyi.surveillance.models import OPEN_EPISODE
from fangyi.surveillance.selectors import case_list

VIEW = "hospitals.view"
TREAT = "hospitals.treat"
MANAGE = "hospitals.manage"
CONSULT = "hospitals.consult"

PAGE_SIZE = 50
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SEVERITY_LEVELS = {value: rank for rank, value in enumerate(Severity.values, start=1)}
SERIOUS = {Severity.SEVERE, Severity.CRITICAL}
CAPACITY_MAX = 10_000


def _choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def _refused(form: forms.Form, exc: DomainError, by_code: dict[str, str] | None = None) -> int:
    """Show a service's refusal on the form and answer its status; not-found and not-allowed
    refusals go through as error pages, except a region code typed in the form."""
    typed_region = exc.code.startswith("region.")
    if exc.status == 403 or (exc.status == 404 and not typed_region):
        raise exc
    add_domain_error(form, exc, by_code)
    return 400 if typed_region else exc.status


def _labelled(summary: dict[str, Any]) -> dict[str, Any]:
    """The case summary as stored (codes) with the labels of its codes, for the templates."""
    labels = {
        **dict(Classification.choices),
        **dict(Severity.choices),
        **dict(CaseEventKind.choices),
        **dict(TreatmentKind.choices),
        **dict(Result.choices),
        **dict(ConfirmationMethod.choices),
    }

    def label(row: dict[str, Any]) -> dict[str, Any]:
        # A case event's detail is a code too: the classification reported, the confirmation
        # method, the new severity.
        keys = ("classification", "severity", "kind", "result", "severity_on_admission", "detail")
        return {**row, **{f"{k}_label": labels.get(row[k], row[k]) for k in keys if row.get(k)}}

    return {
        key: [label(row) for row in value]
        if isinstance(value, list)
        else label(value)
        if isinstance(value, dict)
        else value
        for key, value in summary.items()
    }


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# Beds board --------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


class WardCapacityForm(forms.Form):
    bed_type = forms.ChoiceField(label=gettext_lazy("Bed type"), choices=BedType.choices)
    capacity = forms.IntegerField(
        label=gettext_lazy("Beds"),
        min_value=0,
        max_value=CAPACITY_MAX,
        widget=forms.NumberInput(attrs={"size": 4}),
    )


def _bed_rows(actor: Actor, hospital: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per bed type: capacity, occupied, the bar's width and, for managers, a form."""
    may_manage = covers(actor, MANAGE, str(hospital["county"]))
    rows = []
    for bed_type, label in BedType.choices:
        beds = hospital["beds"].get(bed_type) or {"capacity": 0, "occupied": 0}
        capacity, occupied = beds["capacity"], beds["occupied"]
        rows.append(
            {
                "bed_type": bed_type,
                "label": label,
                "capacity": capacity,
                "occupied": occupied,
                "free": max(capacity - occupied, 0),
                "percent": min(round(100 * occupied / capacity), 100) if capacity else 0,
                "full": bool(capacity) and occupied >= capacity,
                "form": WardCapacityForm(
                    initial={"bed_type": bed_type, "capacity": capacity},
                    auto_id=f"id_ward{hospital['place_id']}{bed_type}_%s",
                )
                if may_manage
                else None,
            }
        )
    return rows


@login_required
@require_safe
@domain_error_pages
def beds_view(request: HttpRequest) -> HttpResponse:
    """The designated hospitals of the region with their beds by type, and the treatment figures."""
    actor = page_actor(request)
    require(actor, VIEW)
    form = BoardFilterForm(request.GET)
    hospitals: list[dict[str, Any]] = []
    panels: list[dict[str, Any]] = []
    if form.is_valid():
        region = form.cleaned_data["region"] or None
        try:
            for code in [region] if region else actor.prefixes_for(VIEW):
                hospitals.extend(selectors.hospital_beds(actor=actor, region=code))
                panels.append(
                    {
                        "region": region_get(code=code),
                        "stats": selectors.treatment_statistics(actor=actor, region=code),
                    }
                )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region"})
            hospitals, panels = [], []
    page = Paginator(hospitals, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [
            ({**hospital, "level_label": HospitalLevel(hospital["level"]).label}, _bed_rows(actor, hospital))
            for hospital in page.object_list
        ],
        "bed_types": BedType.choices,
        "panels": panels,
        "filtered": bool(request.GET.get("region")),
        "query": _query_without_page(request),
    }
    response = render_page(request, "hospitals/beds.html", context, partial="results")
    if form.errors:
        response.status_code = 400
    return response


@login_required
@require_POST
@domain_error_pages
def ward_capacity_view(request: HttpRequest, place_id: int) -> HttpResponse:
    actor = page_actor(request)
    hospital = selectors.hospital_get(actor=actor, place_id=place_id)  # outside: 404 before 403
    require(actor, MANAGE)
    form = WardCapacityForm(request.POST)
    if form.is_valid():
        try:
            services.ward_set_capacity(actor=actor, hospital_id=hospital.pk, **form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.render_message())
        else:
            messages.success(request, _("The beds of %(name)s are updated.") % {"name": hospital.place.name})
    else:
        messages.error(request, _("Enter a number of beds from 0."))
    return redirect(request.POST.get("next") or "hospitals:beds")


# A hospital and its admissions --------------------------------------------------------------------


class AdmitForm(forms.Form):
    patient = forms.CharField(
        label=gettext_lazy("Patient"),
        max_length=40,
        help_text=gettext_lazy("The patient's identity number, or the case id."),
    )
    bed_type = forms.ChoiceField(label=gettext_lazy("Bed type"), choices=BedType.choices)
    admitted_on = forms.DateField(label=gettext_lazy("Admitted on"), widget=DATE_INPUT)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        choices=[("", gettext_lazy("— as reported —")), *Severity.choices],
        required=False,
    )


ADMIT_ERROR_FIELDS = {
    "person.": "patient",
    "id_number.": "patient",
    "case.": "patient",
    "admission.case_closed": "patient",
    "admission.already_admitted": "patient",
    "admission.": "bed_type",
    "ward.": "bed_type",
}


def _case_id_of(actor: Actor, patient: str) -> uuid.UUID:
    """The case a patient field names: a case id as given, else the open case of the resident
    with that identity number."""
    try:
        return uuid.UUID(patient.strip())
    except ValueError:
        pass
    person = person_find_by_id_number(actor=actor, id_number=patient)
    case = case_list(actor=actor).filter(OPEN_EPISODE, person=person).first()
    if case is None:
        raise NotFound("case.not_found", gettext_lazy("This resident has no open case."))
    return case.pk


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def hospital_view(request: HttpRequest, place_id: int) -> HttpResponse:
    """A hospital's admissions, those in hospital first; hospital staff admit patients here."""
    actor = page_actor(request)
    require(actor, VIEW)
    hospital = selectors.hospital_get(actor=actor, place_id=place_id)
    may_treat = covers(actor, TREAT, hospital.county_id)
    form = AdmitForm(
        request.POST if request.method == "POST" else None,
        initial={"admitted_on": clock.today()},
        auto_id="id_admit_%s",
    )
    status = 200
    if request.method == "POST":
        require(actor, TREAT)
        if not may_treat:
            raise hospital_not_found()
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                case_id = _case_id_of(actor, data.pop("patient"))
                admission = services.admission_admit(
                    actor=actor,
                    case_id=case_id,
                    hospital_id=hospital.pk,
                    bed_type=data["bed_type"],
                    admitted_on=data["admitted_on"],
                    severity=data["severity"] or None,
                )
            except DomainError as exc:
                if exc.status == 404 and exc.code.startswith(("person.", "case.")):
                    form.add_error("patient", exc.render_message())
                else:
                    status = _refused(form, exc, ADMIT_ERROR_FIELDS)
            else:
                messages.success(request, _("%(name)s is admitted.") % {"name": admission.person.name})
                return redirect("hospitals:admission", admission_id=admission.pk)
    admissions = selectors.admission_list(actor=actor, hospital_id=hospital.pk).order_by(
        SqlCase(
            When(status=AdmissionStatus.ADMITTED, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "-admitted_on",
        "id",
    )
    page = Paginator(admissions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "hospital": hospital,
        "page": page,
        "form": form if may_treat else None,
        "query": "",
    }
    return render(request, "hospitals/hospital.html", context, status=status)


# An admission -------------------------------------------------------------------------------------


class SeverityForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    temperature = forms.DecimalField(
        label=gettext_lazy("Temperature (°C)"),
        max_digits=4,
        decimal_places=1,
        min_value=30,
        max_value=45,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
    )
    spo2 = forms.IntegerField(
        label=gettext_lazy("Oxygen saturation (%)"), min_value=0, max_value=100, required=False
    )
    respiratory_rate = forms.IntegerField(
        label=gettext_lazy("Respiratory rate (/min)"), min_value=0, max_value=120, required=False
    )
    heart_rate = forms.IntegerField(
        label=gettext_lazy("Heart rate (/min)"), min_value=0, max_value=300, required=False
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=512, required=False)


class TreatmentForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=TreatmentKind.choices)
    detail = forms.CharField(label=gettext_lazy("Detail"), max_length=512)


class DischargeForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Discharged on"), widget=DATE_INPUT)


class TransferForm(forms.Form):
    hospital_id = forms.TypedChoiceField(label=gettext_lazy("To hospital"), coerce=int)
    bed_type = forms.ChoiceField(label=gettext_lazy("Bed type"), choices=BedType.choices)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=256)

    def __init__(self, *args: Any, candidates: list[dict[str, Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "hospital_id", [(c["place_id"], c["name"]) for c in candidates])


class DeathForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("Date of death"), widget=DATE_INPUT)
    confirm = forms.BooleanField(label=gettext_lazy("I confirm that the patient has died."))


class ConsultationRequestForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("Question for the experts"),
        max_length=1024,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# The forms of an admission page, for hospital staff while the patient is in hospital.
ADMISSION_FORMS: dict[str, type[forms.Form]] = {
    "severity": SeverityForm,
    "treatment": TreatmentForm,
    "discharge": DischargeForm,
    "transfer": TransferForm,
    "death": DeathForm,
    "consultation": ConsultationRequestForm,
}


def _admission_form(key: str, data: Any = None, **kwargs: Any) -> forms.Form:
    return ADMISSION_FORMS[key](data, initial={"date": clock.today()}, auto_id=f"id_{key}_%s", **kwargs)


def _severity_chart(admission: Admission) -> dict[str, Any]:
    updates = list(admission.updates.all())
    return {
        "dates": [u.date.isoformat() for u in updates],
        "levels": [SEVERITY_LEVELS[u.severity] for u in updates],
        "labels": [str(label) for label in Severity.labels],
        "title": _("Severity"),
    }


def _admission_page(
    request: HttpRequest,
    actor: Actor,
    admission_id: Any,
    *,
    given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    admission = selectors.admission_get(actor=actor, admission_id=admission_id)
    given = given or {}
    may_treat = admission.status == AdmissionStatus.ADMITTED and covers(actor, TREAT, admission.county_id)
    candidates = selectors.transfer_candidates(actor=actor, admission_id=admission.pk) if may_treat else []
    page_forms: dict[str, forms.Form] = {}
    if may_treat:
        for key in ADMISSION_FORMS:
            if key == "consultation" and admission.severity not in SERIOUS:
                continue
            extra = {"candidates": candidates} if key == "transfer" else {}
            page_forms[key] = given.get(key) or _admission_form(key, **extra)
    context = {
        "admission": admission,
        "summary": _labelled(selectors.case_summary(admission)),
        "check": selectors.discharge_check(admission)
        if admission.status == AdmissionStatus.ADMITTED
        else None,
        "candidates": candidates,
        "forms": page_forms,
        "updates": admission.updates.all(),
        "treatments": admission.treatments.all(),
        "consultations": admission.consultations.prefetch_related("opinions__expert"),
        "chart": _severity_chart(admission),
        "refused": [str(m) for form in given.values() for m in form.non_field_errors()]
        if not may_treat
        else [],
    }
    return render(request, "hospitals/admission.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def admission_view(request: HttpRequest, admission_id: str) -> HttpResponse:
    actor = page_actor(request)
    require(actor, VIEW)
    return _admission_page(request, actor, admission_id)


def _severity(actor: Actor, admission: Admission, data: dict[str, Any]) -> str:
    services.severity_record(actor=actor, admission_id=admission.pk, **data)
    return _("The daily round is recorded.")


def _treatment(actor: Actor, admission: Admission, data: dict[str, Any]) -> str:
    services.treatment_record(actor=actor, admission_id=admission.pk, **data)
    return _("The treatment is recorded.")


def _discharge(actor: Actor, admission: Admission, data: dict[str, Any]) -> str:
    services.admission_discharge(actor=actor, admission_id=admission.pk, date=data["date"])
    return _("The patient is cured and discharged.")


def _transfer(actor: Actor, admission: Admission, data: dict[str, Any]) -> str:
    moved = services.admission_transfer(actor=actor, admission_id=admission.pk, **data)
    return _("The patient is transferred to %(name)s.") % {"name": moved.hospital.place.name}


def _death(actor: Actor, admission: Admission, data: dict[str, Any]) -> str:
    services.admission_record_death(actor=actor, admission_id=admission.pk, date=data["date"])
    return _("The death is recorded.")


def _consultation(actor: Actor, admission: Admission, data: dict[str, Any]) -> str:
    services.consultation_request(actor=actor, admission_id=admission.pk, question=data["question"])
    return _("The remote consultation is requested: invite the experts from its page.")


ADMISSION_ACTIONS: dict[str, Callable[[Actor, Admission, dict[str, Any]], str]] = {
    "severity": _severity,
    "treatment": _treatment,
    "discharge": _discharge,
    "transfer": _transfer,
    "death": _death,
    "consultation": _consultation,
}
ACTION_ERROR_FIELDS = {
    "severity.": "severity",
    "treatment.": "kind",
    "transfer.": "hospital_id",
    "ward.": "bed_type",
    "admission.ward_full": "bed_type",
    "admission.no_such_ward": "bed_type",
    "consultation.": "question",
}


@login_required
@require_POST
@domain_error_pages
def admission_action_view(request: HttpRequest, admission_id: str, action: str) -> HttpResponse:
    """One of an admission's forms; a refusal shows the page again with the reason on the form."""
    if action not in ADMISSION_ACTIONS:
        raise NotFound()
    actor = page_actor(request)
    admission = selectors.admission_get(actor=actor, admission_id=admission_id)  # outside: 404 before 403
    require(actor, TREAT)
    extra = (
        {"candidates": selectors.transfer_candidates(actor=actor, admission_id=admission.pk)}
        if action == "transfer"
        else {}
    )
    form = _admission_form(action, request.POST, **extra)
    status = 400
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm"}
        try:
            done = ADMISSION_ACTIONS[action](actor, admission, data)
        except DomainError as exc:
            status = _refused(form, exc, ACTION_ERROR_FIELDS)
        else:
            messages.success(request, done)
            return redirect("hospitals:admission", admission_id=admission.pk)
    return _admission_page(request, actor, admission.pk, given={action: form}, status=status)


# Consultations ------------------------------------------------------------------------------------


class ConsultationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *ConsultationStatus.choices],
        required=False,
    )


@login_required
@require_safe
@domain_error_pages
def consultation_list_view(request: HttpRequest) -> HttpResponse:
    """Remote consultations: an expert's invitations, or the consultations of the staff's county."""
    actor = page_actor(request)
    require(actor, VIEW)
    form = ConsultationFilterForm(request.GET)
    status = form.cleaned_data["status"] or None if form.is_valid() else None
    consultations = selectors.consultation_list(actor=actor, status=status)
    page = Paginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "filtered": bool(request.GET.get("status")),
        "query": _query_without_page(request),
    }
    return render_page(request, "hospitals/consultation_list.html", context, partial="results")


class InviteForm(forms.Form):
    expert_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Experts"), coerce=uuid.UUID, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, experts: list[tuple[Any, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "expert_ids", experts)


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=gettext_lazy("Time"), widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    video_url = forms.CharField(
        label=gettext_lazy("Video link"),
        max_length=512,
        help_text=gettext_lazy("An https link of the video meeting; the platform hosts no video."),
    )


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[(s.value, s.label) for s in (ConsultationStatus.COMPLETED, ConsultationStatus.CANCELLED)],
    )


class OpinionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Opinion"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    recommendations = forms.CharField(
        label=gettext_lazy("Recommended treatment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


CLOSED = {ConsultationStatus.COMPLETED, ConsultationStatus.CANCELLED}


def _expert_choices(actor: Actor, consultation: Consultation) -> list[tuple[Any, str]]:
    """The experts not yet invited, those on duty today first."""
    invited = {i.expert_id for i in consultation.invitations.all()}
    today = clock.today()
    on_duty = set()
    for group in selectors.expert_group_list(actor=actor):
        on_duty |= {
            shift.expert_id for shift in selectors.rota(actor=actor, group_id=group.pk, start=today, days=1)
        }
    experts = [e for e in selectors.expert_list(actor=actor) if e.pk not in invited]
    experts.sort(key=lambda e: (e.pk not in on_duty, e.name))
    return [
        (
            e.pk,
            _("%(name)s · %(specialty)s · on duty today")
            % {"name": e.name, "specialty": e.get_specialty_display()}
            if e.pk in on_duty
            else f"{e.name} · {e.get_specialty_display()}",
        )
        for e in experts
    ]


def _own_invitation(request: HttpRequest, consultation: Consultation) -> Any:
    for invitation in consultation.invitations.select_related("expert"):
        if invitation.expert.user_id == request.user.pk:
            return invitation
    return None


CONSULTATION_FORMS: dict[str, type[forms.Form]] = {
    "invite": InviteForm,
    "schedule": ScheduleForm,
    "close": CloseForm,
    "opinion": OpinionForm,
}


def _consultation_page(
    request: HttpRequest,
    actor: Actor,
    consultation_id: Any,
    *,
    given: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    consultation = selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    given = given or {}
    open_ = consultation.status not in CLOSED
    may_treat = open_ and covers(actor, TREAT, consultation.county_id)
    invitation = _own_invitation(request, consultation)
    page_forms: dict[str, forms.Form] = {}
    if may_treat:
        page_forms["invite"] = given.get("invite") or InviteForm(
            experts=_expert_choices(actor, consultation), auto_id="id_invite_%s"
        )
        page_forms["schedule"] = given.get("schedule") or ScheduleForm(
            initial={
                "scheduled_at": consultation.scheduled_at.astimezone(clock.SHANGHAI)
                if consultation.scheduled_at
                else None,
                "video_url": consultation.video_url,
            },
            auto_id="id_schedule_%s",
        )
        page_forms["close"] = given.get("close") or CloseForm(auto_id="id_close_%s")
    if open_ and invitation is not None and invitation.status == InvitationStatus.ACCEPTED:
        page_forms["opinion"] = given.get("opinion") or OpinionForm(auto_id="id_opinion_%s")
    context = {
        "consultation": consultation,
        "admission": consultation.admission,
        "summary": _labelled(consultation.summary),
        "invitation": invitation if open_ else None,
        "forms": page_forms,
        "opinions": consultation.opinions.select_related("expert"),
        "invitations": consultation.invitations.all(),
        "refused": [
            str(m)
            for form in given.values()
            for m in form.non_field_errors()
            if form not in page_forms.values()
        ],
    }
    return render(request, "hospitals/consultation.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def consultation_view(request: HttpRequest, consultation_id: str) -> HttpResponse:
    actor = page_actor(request)
    require(actor, VIEW)
    return _consultation_page(request, actor, consultation_id)


def _invite(actor: Actor, consultation: Consultation, data: dict[str, Any]) -> str:
    invited = services.consultation_invite(
        actor=actor, consultation_id=consultation.pk, expert_ids=data["expert_ids"]
    )
    return _("%(n)s experts are invited.") % {"n": len(invited)}


def _schedule(actor: Actor, consultation: Consultation, data: dict[str, Any]) -> str:
    services.consultation_schedule(actor=actor, consultation_id=consultation.pk, **data)
    return _("The consultation is scheduled.")


def _close(actor: Actor, consultation: Consultation, data: dict[str, Any]) -> str:
    services.consultation_close(actor=actor, consultation_id=consultation.pk, status=data["status"])
    return _("The consultation is closed.")


def _opinion(actor: Actor, consultation: Consultation, data: dict[str, Any]) -> str:
    services.opinion_record(actor=actor, consultation_id=consultation.pk, **data)
    return _("Your opinion is recorded.")


CONSULTATION_ACTIONS: dict[str, tuple[str, Callable[[Actor, Consultation, dict[str, Any]], str]]] = {
    "invite": (TREAT, _invite),
    "schedule": (TREAT, _schedule),
    "close": (TREAT, _close),
    "opinion": (CONSULT, _opinion),
}
CONSULTATION_ERROR_FIELDS = {
    "consultation.invalid_video_url": "video_url",
    "consultation.invalid_time": "scheduled_at",
    "expert.": "expert_ids",
    "invitation.": "expert_ids",
    "opinion.": "text",
}


@login_required
@require_POST
@domain_error_pages
def consultation_action_view(request: HttpRequest, consultation_id: str, action: str) -> HttpResponse:
    if action not in CONSULTATION_ACTIONS:
        raise NotFound()
    actor = page_actor(request)
    consultation = selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    capability, act = CONSULTATION_ACTIONS[action]
    require(actor, capability)
    kwargs: dict[str, Any] = {"auto_id": f"id_{action}_%s"}
    if action == "invite":
        kwargs["experts"] = _expert_choices(actor, consultation)
    form = CONSULTATION_FORMS[action](request.POST, **kwargs)
    status = 400
    if form.is_valid():
        try:
            done = act(actor, consultation, form.cleaned_data)
        except DomainError as exc:
            status = _refused(form, exc, CONSULTATION_ERROR_FIELDS)
        else:
            messages.success(request, done)
            return redirect("hospitals:consultation", consultation_id=consultation.pk)
    return _consultation_page(request, actor, consultation.pk, given={action: form}, status=status)


@login_required
@require_POST
@domain_error_pages
def invitation_answer_view(request: HttpRequest, consultation_id: str) -> HttpResponse:
    """The invited expert accepts or declines; anyone else finds no invitation."""
    actor = page_actor(request)
    consultation = selectors.consultation_get(actor=actor, consultation_id=consultation_id)
    require(actor, CONSULT)
    invitation = _own_invitation(request, consultation)
    if invitation is None:
        raise invitation_not_found()
    accept = request.POST.get("answer") == "accept"
    try:
        services.invitation_answer(actor=actor, invitation_id=invitation.pk, accept=accept)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.render_message())
    else:
        messages.success(
            request, _("You accepted the invitation.") if accept else _("You declined the invitation.")
        )
    return redirect("hospitals:consultation", consultation_id=consultation.pk)


# Experts, groups and the duty rota ----------------------------------------------------------------


class ExpertForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)
    specialty = forms.ChoiceField(label=gettext_lazy("Specialty"), choices=Specialty.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=64, required=False)
    employer = forms.CharField(label=gettext_lazy("Employer"), max_length=128, required=False)


class GroupForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=128)
    region = forms.CharField(
        label=gettext_lazy("Region code"), max_length=12, help_text=gettext_lazy("The prefecture it serves.")
    )
    member_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Members"), coerce=uuid.UUID, widget=forms.CheckboxSelectMultiple
    )
    leader_id = forms.TypedChoiceField(
        label=gettext_lazy("Leader"), coerce=uuid.UUID, required=False, empty_value=None
    )

    def __init__(self, *args: Any, experts: list[tuple[Any, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "member_ids", experts)
        _choices(self, "leader_id", [("", "—"), *experts])


class DutyForm(forms.Form):
    expert_id = forms.TypedChoiceField(label=gettext_lazy("Expert"), coerce=uuid.UUID)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    shift = forms.ChoiceField(label=gettext_lazy("Shift"), choices=Shift.choices)

    def __init__(self, *args: Any, members: list[tuple[Any, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "expert_id", members)


def _week_start(request: HttpRequest) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = clock.today()
    return day - dt.timedelta(days=day.weekday())


def _rota_grid(actor: Actor, group: Any, start: dt.date) -> dict[str, Any]:
    """A group's week: a row per member, a cell per day with that day's shifts."""
    days = [start + dt.timedelta(days=n) for n in range(7)]
    shifts = list(selectors.rota(actor=actor, group_id=group.pk, start=start, days=7))
    members = list(group.members.all())
    return {
        "days": days,
        "rows": [
            (member, [[s for s in shifts if s.expert_id == member.pk and s.date == day] for day in days])
            for member in members
        ],
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def experts_view(request: HttpRequest) -> HttpResponse:
    """Experts by specialty, the groups with their members and leader, and each group's rota for a
    week; managers add experts and groups and assign duty here."""
    actor = page_actor(request)
    require(actor, VIEW)
    may_manage = bool(actor.prefixes_for(MANAGE))
    experts = list(selectors.expert_list(actor=actor))
    expert_choices = [(e.pk, f"{e.name} · {e.get_specialty_display()}") for e in experts]
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted else None
    expert_form = ExpertForm(posted if which == "expert" else None, auto_id="id_expert_%s")
    group_form = GroupForm(
        posted if which == "group" else None, experts=expert_choices, auto_id="id_group_%s"
    )
    status = 200
    if posted is not None:
        require(actor, MANAGE)
        status = 400
        try:
            if which == "expert" and expert_form.is_valid():
                expert = services.expert_create(actor=actor, **expert_form.cleaned_data)
                messages.success(request, _("%(name)s is added to the experts.") % {"name": expert.name})
                return redirect("hospitals:experts")
            if which == "group" and group_form.is_valid():
                group = services.expert_group_create(actor=actor, **group_form.cleaned_data)
                messages.success(request, _("The group %(name)s is created.") % {"name": group.name})
                return redirect("hospitals:experts")
        except DomainError as exc:
            status = _refused(
                expert_form if which == "expert" else group_form,
                exc,
                {
                    "region.": "region",
                    "group.": "name",
                    "expert.": "name" if which == "expert" else "member_ids",
                },
            )
    start = _week_start(request)
    groups = []
    for group in selectors.expert_group_list(actor=actor):
        members = [(m.pk, m.name) for m in group.members.all()]
        groups.append(
            {
                "group": group,
                "rota": _rota_grid(actor, group, start),
                "form": DutyForm(members=members, initial={"date": start}, auto_id=f"id_duty{group.pk}_%s")
                if members and covers(actor, MANAGE, group.region_id)
                else None,
                "may_manage": covers(actor, MANAGE, group.region_id),
            }
        )
    by_specialty = [
        (label, [e for e in experts if e.specialty == value]) for value, label in Specialty.choices
    ]
    context = {
        "by_specialty": [(label, members) for label, members in by_specialty if members],
        "groups": groups,
        "week": start,
        "previous_week": start - dt.timedelta(days=7),
        "next_week": start + dt.timedelta(days=7),
        "expert_form": expert_form if may_manage else None,
        "group_form": group_form if may_manage and experts else None,
    }
    return render(request, "hospitals/experts.html", context, status=status)


@login_required
@require_POST
@domain_error_pages
def duty_assign_view(request: HttpRequest, group_id: str) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    group = selectors.expert_group_get(actor=actor, group_id=group_id)
    form = DutyForm(request.POST, members=[(m.pk, m.name) for m in group.members.all()])
    week = request.POST.get("week", "")
    if form.is_valid():
        try:
            services.duty_assign(actor=actor, group_id=group.pk, **form.cleaned_data)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, exc.render_message())
        else:
            messages.success(request, _("The duty shift is assigned."))
            week = (
                form.cleaned_data["date"] - dt.timedelta(days=form.cleaned_data["date"].weekday())
            ).isoformat()
    else:
        messages.error(request, _("Choose a member of the group, a date and a shift."))
    return _to_week(week)


@login_required
@require_POST
@domain_error_pages
def duty_remove_view(request: HttpRequest, shift_id: str) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    services.duty_remove(actor=actor, shift_id=shift_id)
    messages.success(request, _("The duty shift is removed."))
    return _to_week(request.POST.get("week", ""))


def _to_week(week: str) -> HttpResponse:
    response = redirect("hospitals:experts")
    with contextlib.suppress(ValueError):
        response["Location"] += f"?week={dt.date.fromisoformat(week).isoformat()}"
    return response
