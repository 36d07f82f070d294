"""Volunteer pages: the coordinator's dashboard, the registry, missions with their sign-ups and
hours, the volunteer's own page on a phone, the hotline rota with the anonymous session log, and
the public check of a service certificate.

Reads go through the selectors (a volunteer, mission or shift outside the jurisdiction is not
found) and writes through the services, whose refusals are shown next to the field with the
input kept. Each action is shown only to the roles that may take it.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

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
    redirect_back,
    render_list,
)
from fangyi.volunteers import selectors, services
from fangyi.volunteers.certificates import certificate_pdf
from fangyi.volunteers.choices import (
    Availability,
    CallerGroup,
    CounsellingRisk,
    CounsellingTopic,
    HoursStatus,
    Language,
    MissionKind,
    MissionStatus,
    Qualification,
    SignUpStatus,
    Skill,
)
from fangyi.volunteers.models import HoursRecord, Mission, SignUp, Volunteer

VIEW = "volunteers.view"
COORDINATE = "volunteers.coordinate"
SERVE = "volunteers.serve"

PAGE_SIZE = 25
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
COUNT_INPUT = forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric"})
HOTLINE_DAYS = 7
# A volunteer checks in up to an hour around the mission's window (the service decides).
CHECK_IN_GRACE = dt.timedelta(hours=1)


# Shared ------------------------------------------------------------------------------------------


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _home_region(actor: Actor, capability: str = VIEW) -> str:
    return actor.prefixes_for(capability)[0]


def _labels(choices: type[Any], values: list[str]) -> list[str]:
    """The labels of stored choice values (a value no longer offered shows as itself)."""
    labels = dict(choices.choices)
    return [str(labels.get(value, value)) for value in values]


def _checkboxes(choices: type[Any], **options: Any) -> forms.MultipleChoiceField:
    """Any of a choice's values, ticked in boxes (they fit a phone's width)."""
    return forms.MultipleChoiceField(
        choices=choices.choices, required=False, widget=forms.CheckboxSelectMultiple, **options
    )


PROFILE_ERRORS = {
    "volunteer.skill": "skills",
    "volunteer.language": "languages",
    "volunteer.availability": "availability",
    "region.": "region",
}


class ProfileForm(forms.Form):
    region = forms.CharField(
        label=gettext_lazy("Serves in (region code)"),
        max_length=12,
        help_text=gettext_lazy("The code of the township, village or community where they serve."),
    )
    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=128, required=False)
    skills = _checkboxes(Skill, label=gettext_lazy("Skills"))
    languages = _checkboxes(Language, label=gettext_lazy("Languages"))
    availability = _checkboxes(Availability, label=gettext_lazy("Available"))


# Dashboard ---------------------------------------------------------------------------------------


class RegionForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


@login_required
@require_safe
@domain_error_pages
def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The coordinator's view of a region: figures, missions, sign-ups and hours waiting for a
    decision, and the hours of the coming week the hotline has no counsellor for."""
    actor = page_actor(request)
    require(actor, VIEW)
    form = RegionForm(request.GET)
    region = _home_region(actor)
    stats: dict[str, Any] = {}
    coverage: list[selectors.DayCoverage] = []
    today = clock.today()
    if form.is_valid():
        region = form.cleaned_data["region"] or region
        try:
            stats = selectors.volunteer_stats(actor=actor, region=region)
            coverage = selectors.hotline_coverage(
                actor=actor, region=region, start=today, end=today + dt.timedelta(days=HOTLINE_DAYS - 1)
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region"})
    missions = selectors.mission_list(actor=actor, region=region, status=MissionStatus.OPEN)
    waiting = (
        SignUp.objects.filter(mission__in=missions, status=SignUpStatus.SIGNED_UP)
        .select_related("mission", "volunteer__person")
        .order_by("created_at", "id")
    )
    context = {
        "form": form,
        "region": region,
        "stats": stats,
        "missions": missions[:PAGE_SIZE],
        "signups": [_signup_row(signup) for signup in waiting[:PAGE_SIZE]],
        "hours": [_hours_row(record) for record in selectors.hours_pending(actor=actor)[:PAGE_SIZE]],
        "gaps": [day for day in coverage if day.gaps],
        "coverage_days": len(coverage),
    }
    return render(request, "volunteers/dashboard.html", context, status=400 if form.errors else 200)


def _signup_row(signup: SignUp) -> dict[str, Any]:
    return {"signup": signup, "name": selectors.volunteer_masked_name(signup.volunteer)}


def _hours_row(record: HoursRecord) -> dict[str, Any]:
    return {"record": record, "name": selectors.volunteer_masked_name(record.volunteer)}


# Registry ----------------------------------------------------------------------------------------


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Name or organisation"), max_length=64, required=False)
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    skill = forms.ChoiceField(
        label=gettext_lazy("Skill"), choices=[("", gettext_lazy("Any")), *Skill.choices], required=False
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Any")), *Language.choices],
        required=False,
    )
    counsellor = forms.NullBooleanField(
        label=gettext_lazy("Counsellors"),
        required=False,
        widget=forms.Select(
            choices=[
                ("", gettext_lazy("All volunteers")),
                ("true", gettext_lazy("Counsellors only")),
                ("false", gettext_lazy("Not counsellors")),
            ]
        ),
    )

    def clean_q(self) -> str:
        q: str = self.cleaned_data["q"]
        if "\x00" in q:
            raise forms.ValidationError(_("Enter text without control characters."))
        return q.strip()


class RegisterForm(ProfileForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=64)
    id_number = forms.CharField(label=gettext_lazy("Identity number"), max_length=18)
    home_region = forms.CharField(
        label=gettext_lazy("Home village or community (code)"),
        max_length=12,
        help_text=gettext_lazy("A 12-digit village or community code."),
    )
    phone = forms.CharField(label=gettext_lazy("Mobile"), max_length=16, required=False)
    field_order = ["name", "id_number", "home_region", "phone", "region"]


REGISTER_ERRORS = {
    **PROFILE_ERRORS,
    "id_number": "id_number",
    "person.": "id_number",
    "phone": "phone",
    "home_region": "home_region",
}


def _registry_page(
    request: HttpRequest, actor: Actor, *, form: RegisterForm | None = None, status: int = 200
) -> HttpResponse:
    filters = RegistryFilterForm(request.GET)
    rows: Any = []
    if filters.is_valid():
        data = filters.cleaned_data
        try:
            rows = selectors.volunteer_list(
                actor=actor,
                region=data["region"] or None,
                skill=data["skill"] or None,
                language=data["language"] or None,
                counsellor=data["counsellor"],
                q=data["q"] or None,
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(filters, exc, {"region.": "region"})
    may_coordinate = bool(actor.prefixes_for(COORDINATE))
    page = paginate(request, rows, PAGE_SIZE)
    context = {
        "filters": filters,
        "page": page,
        "rows": [_volunteer_row(volunteer) for volunteer in page.object_list],
        "query": _query(request),
        "filtered": any(request.GET.get(key) for key in filters.fields),
        "form": (form or RegisterForm(auto_id="id_register_%s")) if may_coordinate else None,
        "to_verify": [
            _volunteer_row(volunteer)
            for volunteer in selectors.volunteer_list(actor=actor).filter(
                qualification__gt="", qualification_verified_at__isnull=True
            )[:PAGE_SIZE]
        ]
        if may_coordinate
        else [],
    }
    if filters.errors and status == 200:
        status = 400
    return render_list(request, "volunteers/registry.html", context, status)


def _volunteer_row(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "volunteer": volunteer,
        "name": selectors.volunteer_masked_name(volunteer),
        "skills": _labels(Skill, volunteer.skills),
        "languages": _labels(Language, volunteer.languages),
        "availability": _labels(Availability, volunteer.availability),
        "hours": selectors.hours_of(getattr(volunteer, "approved_minutes", 0)),
    }


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def registry_view(request: HttpRequest) -> HttpResponse:
    """Volunteers of the jurisdiction (masked names) with filters; coordinators register one."""
    actor = page_actor(request)
    require(actor, VIEW)
    if request.method != "POST":
        return _registry_page(request, actor)
    require(actor, COORDINATE)
    form = RegisterForm(request.POST, auto_id="id_register_%s")

    def write(data: dict[str, Any]) -> str:
        services.volunteer_register(actor=actor, **data)
        return _("The volunteer is registered.")

    status = form_write(request, form, write, REGISTER_ERRORS)
    if status is None:
        return redirect("volunteers:registry")
    return _registry_page(request, actor, form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def qualification_verify_view(request: HttpRequest, volunteer_id: int, approve: bool) -> HttpResponse:
    """A coordinator accepts or refuses a volunteer's counselling qualification."""
    actor = page_actor(request)
    require(actor, COORDINATE)

    def act() -> str:
        services.qualification_verify(actor=actor, volunteer_id=volunteer_id, approve=approve)
        return _("The qualification is verified.") if approve else _("The qualification is refused.")

    button_write(request, act)
    return redirect_back(request, "/volunteers/", "volunteers:registry")


@login_required
@require_POST
@domain_error_pages
def certificate_issue_view(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """A coordinator issues a service certificate for a volunteer's approved hours."""
    actor = page_actor(request)
    require(actor, COORDINATE)

    def act() -> str:
        certificate = services.certificate_issue(actor=actor, volunteer_id=volunteer_id)
        return _("Certificate %(serial)s is issued.") % {"serial": certificate.serial}

    button_write(request, act)
    return redirect_back(request, "/volunteers/", "volunteers:registry")


@login_required
@require_POST
@domain_error_pages
def volunteer_deactivate_view(request: HttpRequest, volunteer_id: int) -> HttpResponse:
    """A coordinator retires a volunteer (no new sign-ups or duties; their hours and certificates stay)."""
    actor = page_actor(request)
    require(actor, COORDINATE)

    def act() -> str:
        services.volunteer_deactivate(actor=actor, volunteer_id=volunteer_id)
        return _("The volunteer is retired: no new sign-ups or duties.")

    button_write(request, act)
    return redirect_back(request, "/volunteers/", "volunteers:registry")


# Missions ----------------------------------------------------------------------------------------


class MissionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *MissionStatus.choices],
        required=False,
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=[("", gettext_lazy("All")), *MissionKind.choices], required=False
    )


class MissionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=MissionKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=128)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"), widget=DATETIME_INPUT)
    slots = forms.IntegerField(label=gettext_lazy("Volunteers needed"), min_value=1, widget=COUNT_INPUT)
    skills_wanted = _checkboxes(Skill, label=gettext_lazy("Skills wanted"))


MISSION_ERRORS = {
    "mission.slots": "slots",
    "mission.starts": "starts_at",
    "mission.ends": "ends_at",
    "mission.window": "ends_at",
    "mission.skill": "skills_wanted",
    "mission.title": "title",
    "region.": "region",
}


@login_required
@require_safe
@domain_error_pages
def mission_list_view(request: HttpRequest) -> HttpResponse:
    """The missions of the jurisdiction, soonest first, with how many are assigned."""
    actor = page_actor(request)
    require(actor, VIEW)
    filters = MissionFilterForm(request.GET)
    rows: Any = []
    if filters.is_valid():
        rows = selectors.mission_list(
            actor=actor,
            status=filters.cleaned_data["status"] or None,
            kind=filters.cleaned_data["kind"] or None,
        ).order_by("starts_at", "id")
    context = {
        "filters": filters,
        "page": paginate(request, rows, PAGE_SIZE),
        "query": _query(request),
        "filtered": any(request.GET.get(key) for key in filters.fields),
    }
    return render_list(request, "volunteers/missions.html", context, 400 if filters.errors else 200)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def mission_new_view(request: HttpRequest) -> HttpResponse:
    """A coordinator opens a mission for volunteers to sign up to."""
    actor = page_actor(request)
    require(actor, COORDINATE)
    status = 200
    if request.method == "POST":
        form = MissionForm(request.POST)
        created: list[Mission] = []

        def write(data: dict[str, Any]) -> str:
            created.append(services.mission_create(actor=actor, **data))
            return _("The mission is open for sign-up.")

        result = form_write(request, form, write, MISSION_ERRORS)
        if result is None:
            return redirect("volunteers:mission", mission_id=created[0].pk)
        status = result
    else:
        now = clock.now().astimezone(clock.SHANGHAI).replace(minute=0, second=0, microsecond=0)
        form = MissionForm(
            initial={
                "region": _home_region(actor, COORDINATE),
                "starts_at": now + dt.timedelta(hours=1),
                "ends_at": now + dt.timedelta(hours=5),
                "slots": 1,
            }
        )
    return render(request, "volunteers/mission_new.html", {"form": form}, status=status)


class HoursLogForm(forms.Form):
    signup_id = forms.TypedChoiceField(label=gettext_lazy("Volunteer"), coerce=int)
    check_in_at = forms.DateTimeField(label=gettext_lazy("Checked in"), widget=DATETIME_INPUT)
    check_out_at = forms.DateTimeField(label=gettext_lazy("Checked out"), widget=DATETIME_INPUT)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, assigned: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["signup_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = assigned


def _assigned_choices(signups: Iterable[SignUp]) -> list[tuple[int, str]]:
    return [
        (signup.pk, selectors.volunteer_masked_name(signup.volunteer))
        for signup in signups
        if signup.status == SignUpStatus.ASSIGNED
    ]


HOURS_ERRORS = {"hours.": "check_in_at", "signup.": "signup_id"}


def _mission_page(
    request: HttpRequest,
    actor: Actor,
    mission_id: int,
    *,
    form: HoursLogForm | None = None,
    status: int = 200,
) -> HttpResponse:
    mission = selectors.mission_get(actor=actor, mission_id=mission_id)
    signups = list(selectors.mission_signups(actor=actor, mission_id=mission.pk))
    hours = list(selectors.hours_list(actor=actor, mission_id=mission.pk).order_by("-check_in_at", "id"))
    may_coordinate = covers(actor, COORDINATE, mission.region_id)
    choices = _assigned_choices(signups)
    context = {
        "mission": mission,
        "skills": _labels(Skill, mission.skills_wanted),
        "signups": [_signup_row(s) for s in signups],
        "hours": [_hours_row(record) for record in hours],
        "may_coordinate": may_coordinate,
        "is_open": mission.status == MissionStatus.OPEN,
        "form": (form or HoursLogForm(assigned=choices, auto_id="id_log_%s"))
        if may_coordinate and choices
        else None,
    }
    return render(request, "volunteers/mission_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def mission_detail_view(request: HttpRequest, mission_id: int) -> HttpResponse:
    """A mission: its sign-ups to assign or decline, the hours served to approve, and the form a
    coordinator logs hours with afterwards."""
    actor = page_actor(request)
    require(actor, VIEW)
    if request.method != "POST":
        return _mission_page(request, actor, mission_id)
    require(actor, COORDINATE)
    mission = selectors.mission_get(actor=actor, mission_id=mission_id)
    choices = _assigned_choices(selectors.mission_signups(actor=actor, mission_id=mission.pk))
    form = HoursLogForm(request.POST, assigned=choices, auto_id="id_log_%s")

    def write(data: dict[str, Any]) -> str:
        services.hours_log(actor=actor, **data)
        return _("The hours are logged.")

    status = form_write(request, form, write, HOURS_ERRORS)
    if status is None:
        return redirect("volunteers:mission", mission_id=mission.pk)
    return _mission_page(request, actor, mission.pk, form=form, status=status)


MISSION_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "close": (services.mission_close, gettext_lazy("The mission is closed.")),
    "cancel": (services.mission_cancel, gettext_lazy("The mission is cancelled.")),
}


@login_required
@require_POST
@domain_error_pages
def mission_action_view(request: HttpRequest, mission_id: int, action: str) -> HttpResponse:
    """Close a mission (no more sign-ups) or cancel it."""
    actor = page_actor(request)
    require(actor, COORDINATE)
    write, done = MISSION_ACTIONS[action]

    def act() -> str:
        write(actor=actor, mission_id=mission_id)
        return str(done)

    button_write(request, act)
    return redirect("volunteers:mission", mission_id=mission_id)


@login_required
@require_POST
@domain_error_pages
def signup_decide_view(request: HttpRequest, signup_id: int, assign: bool) -> HttpResponse:
    """A coordinator assigns a volunteer who signed up, or declines them."""
    actor = page_actor(request)
    require(actor, COORDINATE)

    def act() -> str:
        services.signup_decide(actor=actor, signup_id=signup_id, assign=assign)
        return _("The volunteer is assigned.") if assign else _("The sign-up is declined.")

    button_write(request, act)
    return redirect_back(request, "/volunteers/", "volunteers:dashboard")


@login_required
@require_POST
@domain_error_pages
def hours_decide_view(request: HttpRequest, record_id: int, approve: bool) -> HttpResponse:
    """The organiser approves hours served (only approved hours count) or rejects them, saying why."""
    actor = page_actor(request)
    require(actor, COORDINATE)

    def act() -> str:
        services.hours_decide(
            actor=actor, record_id=record_id, approve=approve, note=request.POST.get("note", "")
        )
        return _("The hours are approved.") if approve else _("The hours are rejected.")

    button_write(request, act)
    return redirect_back(request, "/volunteers/", "volunteers:dashboard")


# The volunteer's own page ------------------------------------------------------------------------


class QualificationForm(forms.Form):
    qualification = forms.ChoiceField(label=gettext_lazy("Qualification"), choices=Qualification.choices)
    number = forms.CharField(label=gettext_lazy("Certificate number"), max_length=32)


def _my_volunteer(actor: Actor) -> tuple[Volunteer | None, str]:
    """The actor's own volunteer record (None when not registered), or why they cannot have one:
    a login not linked to a resident is told so on the page rather than refused."""
    if not actor.prefixes_for(SERVE):
        return None, ""
    try:
        return selectors.my_volunteer(actor=actor), ""
    except DomainError as exc:
        if exc.status != 403:
            raise
        return None, str(exc.render_message())


def _me_page(
    request: HttpRequest,
    actor: Actor,
    *,
    register: ProfileForm | None = None,
    qualification: QualificationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    volunteer, missing = _my_volunteer(actor)
    context: dict[str, Any] = {"title": _("My volunteering"), "volunteer": volunteer, "no_resident": missing}
    if missing:
        return render(request, "volunteers/me.html", context, status=status)
    if volunteer is None:
        context["form"] = register or ProfileForm(auto_id="id_me_%s")
        return render(request, "volunteers/me.html", context, status=status)
    signups = list(selectors.my_signups(actor=actor))
    now = clock.now()
    hours = list(selectors.my_hours(actor=actor).order_by("-check_in_at", "id"))
    on_duty = {record.signup_id: record for record in hours if record.check_out_at is None}
    joined = {signup.mission_id for signup in signups}
    approved = sum(record.minutes or 0 for record in hours if record.status == HoursStatus.APPROVED)
    rows = [
        {
            "signup": signup,
            "on_duty": on_duty.get(signup.pk),
            "past": signup.pk not in on_duty and signup.mission.ends_at + CHECK_IN_GRACE <= now,
            "may_withdraw": signup.status in (SignUpStatus.SIGNED_UP, SignUpStatus.ASSIGNED)
            and signup.pk not in on_duty,
            "may_check_in": signup.status == SignUpStatus.ASSIGNED
            and not on_duty
            and signup.mission.status != MissionStatus.CANCELLED
            and signup.mission.ends_at + CHECK_IN_GRACE > now,
        }
        for signup in signups
    ]
    context.update(
        {
            "name": selectors.volunteer_masked_name(volunteer),
            "skills": _labels(Skill, volunteer.skills),
            "signups": [row for row in rows if not row["past"]],
            # Missions already over stay out of the way on a phone: listed compactly, newest first.
            "past_signups": [row["signup"] for row in reversed(rows) if row["past"]],
            "missions": [
                mission
                for mission in selectors.mission_list(actor=actor, status=MissionStatus.OPEN, upcoming=True)
                if mission.pk not in joined
            ][:PAGE_SIZE],
            "hours": hours,
            "approved_hours": selectors.hours_of(approved),
            "certificates": list(selectors.my_certificates(actor=actor)),
            "qualification": (qualification or QualificationForm(auto_id="id_qualification_%s"))
            if not volunteer.is_counsellor
            else None,
        }
    )
    return render(request, "volunteers/me.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def me_view(request: HttpRequest) -> HttpResponse:
    """The volunteer's page on a phone: registration when not yet registered; then open missions
    of their region, their sign-ups with check-in and check-out, their hours and certificates."""
    actor = page_actor(request)
    require(actor, SERVE)
    if request.method != "POST":
        return _me_page(request, actor)
    form = ProfileForm(request.POST, auto_id="id_me_%s")

    def write(data: dict[str, Any]) -> str:
        services.volunteer_register_self(actor=actor, **data)
        return _("You are registered as a volunteer. Thank you.")

    status = form_write(request, form, write, PROFILE_ERRORS)
    if status is None:
        return redirect("volunteers:me")
    return _me_page(request, actor, register=form, status=status)


@login_required
@require_POST
@domain_error_pages
def me_qualification_view(request: HttpRequest) -> HttpResponse:
    """The volunteer submits a counselling qualification for a coordinator to verify."""
    actor = page_actor(request)
    require(actor, SERVE)
    form = QualificationForm(request.POST, auto_id="id_qualification_%s")

    def write(data: dict[str, Any]) -> str:
        services.qualification_submit(actor=actor, **data)
        return _("Your qualification is submitted; a coordinator will verify it.")

    status = form_write(request, form, write, {"qualification.": "number"})
    if status is None:
        return redirect("volunteers:me")
    return _me_page(request, actor, qualification=form, status=status)


def _serve(request: HttpRequest, act: Callable[[Actor], str]) -> HttpResponse:
    actor = page_actor(request)
    require(actor, SERVE)
    button_write(request, lambda: act(actor))
    return redirect("volunteers:me")


@login_required
@require_POST
@domain_error_pages
def signup_create_view(request: HttpRequest, mission_id: int) -> HttpResponse:
    def act(actor: Actor) -> str:
        services.signup_create(actor=actor, mission_id=mission_id)
        return _("You are signed up; the organiser will confirm your place.")

    return _serve(request, act)


@login_required
@require_POST
@domain_error_pages
def signup_withdraw_view(request: HttpRequest, signup_id: int) -> HttpResponse:
    def act(actor: Actor) -> str:
        services.signup_withdraw(actor=actor, signup_id=signup_id)
        return _("You have withdrawn.")

    return _serve(request, act)


@login_required
@require_POST
@domain_error_pages
def check_in_view(request: HttpRequest, signup_id: int) -> HttpResponse:
    def act(actor: Actor) -> str:
        record = services.hours_check_in(actor=actor, signup_id=signup_id)
        return _("Checked in at %(time)s.") % {
            "time": f"{record.check_in_at.astimezone(clock.SHANGHAI):%H:%M}"
        }

    return _serve(request, act)


@login_required
@require_POST
@domain_error_pages
def check_out_view(request: HttpRequest, record_id: int) -> HttpResponse:
    def act(actor: Actor) -> str:
        record = services.hours_check_out(actor=actor, record_id=record_id)
        return _("Checked out after %(minutes)s minutes; the organiser will approve your hours.") % {
            "minutes": record.minutes
        }

    return _serve(request, act)


# Certificates ------------------------------------------------------------------------------------


@require_safe
@domain_error_pages
def certificate_verify_view(request: HttpRequest, serial: str) -> HttpResponse:
    """Anyone holding a certificate's serial can check it (no sign-in): masked name only."""
    context = {"certificate": selectors.certificate_verify(serial=serial), "serial": serial}
    return render(request, "volunteers/certificate.html", context)


@login_required
@require_safe
@domain_error_pages
def certificate_pdf_view(request: HttpRequest, serial: str) -> HttpResponse:
    """The certificate as a PDF, for its volunteer and the coordinators of their region."""
    actor = page_actor(request)
    require_any(actor, SERVE, COORDINATE)
    certificate = selectors.certificate_get(actor=actor, serial=serial)
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="volunteer-certificate-{certificate.serial}.pdf"'
    return response


# Hotline -----------------------------------------------------------------------------------------


class ShiftForm(forms.Form):
    counsellor_id = forms.TypedChoiceField(label=gettext_lazy("Counsellor"), coerce=int)
    line = forms.CharField(label=gettext_lazy("Hotline"), max_length=64)
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12)
    starts_at = forms.DateTimeField(label=gettext_lazy("Starts"), widget=DATETIME_INPUT)
    ends_at = forms.DateTimeField(label=gettext_lazy("Ends"), widget=DATETIME_INPUT)

    def __init__(self, *args: Any, counsellors: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["counsellor_id"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = counsellors


SHIFT_ERRORS = {
    "shift.": "starts_at",
    "counsellor": "counsellor_id",
    "volunteer.": "counsellor_id",
    "region.": "region",
}


class SessionForm(forms.Form):
    started_at = forms.DateTimeField(label=gettext_lazy("Call started"), widget=DATETIME_INPUT)
    minutes = forms.IntegerField(
        label=gettext_lazy("Minutes"), min_value=1, max_value=720, widget=COUNT_INPUT
    )
    caller_group = forms.ChoiceField(label=gettext_lazy("Caller"), choices=CallerGroup.choices)
    topic = forms.ChoiceField(label=gettext_lazy("Topic"), choices=CounsellingTopic.choices)
    risk = forms.ChoiceField(label=gettext_lazy("Risk"), choices=CounsellingRisk.choices)
    notes = forms.CharField(
        label=gettext_lazy("Notes"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Never a name, phone number or identity number of the caller."),
    )


SESSION_ERRORS = {"session.personal_data": "notes", "session.": "started_at"}


def _counsellor_choices(actor: Actor) -> list[tuple[int, str]]:
    return [
        (volunteer.pk, selectors.volunteer_masked_name(volunteer))
        for volunteer in selectors.volunteer_list(actor=actor, counsellor=True)
    ]


def _hotline_page(
    request: HttpRequest,
    actor: Actor,
    *,
    shift_form: ShiftForm | None = None,
    session_form: tuple[int, SessionForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = clock.today()
    end = today + dt.timedelta(days=HOTLINE_DAYS - 1)
    first = dt.datetime.combine(today, dt.time(), tzinfo=clock.SHANGHAI)
    last = first + dt.timedelta(days=HOTLINE_DAYS)
    may_coordinate = bool(actor.prefixes_for(COORDINATE))
    context: dict[str, Any] = {"may_coordinate": may_coordinate, "start": today, "end": end}
    if actor.prefixes_for(VIEW):
        context["shifts"] = [
            {"shift": shift, "name": selectors.volunteer_masked_name(shift.counsellor)}
            for shift in selectors.shift_list(actor=actor, start=first, end=last)
        ]
        context["coverage"] = selectors.hotline_coverage(
            actor=actor, region=_home_region(actor), start=today, end=end
        )
    if may_coordinate:
        hour = clock.now().astimezone(clock.SHANGHAI).replace(minute=0, second=0, microsecond=0)
        context["form"] = shift_form or ShiftForm(
            counsellors=_counsellor_choices(actor),
            initial={
                "region": _home_region(actor, COORDINATE),
                "starts_at": hour + dt.timedelta(hours=1),
                "ends_at": hour + dt.timedelta(hours=5),
            },
            auto_id="id_shift_%s",
        )
    volunteer, _missing = _my_volunteer(actor)
    context["counsellor"] = volunteer is not None and volunteer.is_counsellor
    if volunteer is not None and volunteer.is_counsellor:
        # Their shifts from yesterday on: a night's calls are logged the morning after.
        own = selectors.shift_list(
            actor=actor, counsellor_id=volunteer.pk, start=first - dt.timedelta(days=1), end=last
        )
        given_id, given = session_form or (None, None)
        context["own"] = [
            {
                "shift": shift,
                "form": given
                if given is not None and shift.pk == given_id
                else SessionForm(
                    initial={"started_at": max(shift.starts_at, min(clock.now(), shift.ends_at))},
                    auto_id=f"id_session{shift.pk}_%s",
                ),
            }
            for shift in own.order_by("starts_at", "id")
        ]
    return render(request, "volunteers/hotline.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def hotline_view(request: HttpRequest) -> HttpResponse:
    """The week's hotline rota and its gaps; coordinators schedule counsellors' shifts, and a
    counsellor sees their own shifts and logs each call anonymously."""
    actor = page_actor(request)
    require_any(actor, VIEW, SERVE)
    if request.method != "POST":
        return _hotline_page(request, actor)
    require(actor, COORDINATE)
    form = ShiftForm(request.POST, counsellors=_counsellor_choices(actor), auto_id="id_shift_%s")

    def write(data: dict[str, Any]) -> str:
        services.shift_schedule(actor=actor, **data)
        return _("The shift is scheduled.")

    status = form_write(request, form, write, SHIFT_ERRORS)
    if status is None:
        return redirect("volunteers:hotline")
    return _hotline_page(request, actor, shift_form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def shift_cancel_view(request: HttpRequest, shift_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, COORDINATE)

    def act() -> str:
        services.shift_cancel(actor=actor, shift_id=shift_id)
        return _("The shift is cancelled.")

    button_write(request, act)
    return redirect("volunteers:hotline")


@login_required
@require_POST
@domain_error_pages
def session_log_view(request: HttpRequest, shift_id: int) -> HttpResponse:
    """A counsellor logs one call of their shift: who called as a group only, never who."""
    actor = page_actor(request)
    require(actor, SERVE)
    form = SessionForm(request.POST, auto_id=f"id_session{shift_id}_%s")

    def write(data: dict[str, Any]) -> str:
        services.session_log(actor=actor, shift_id=shift_id, **data)
        return _("The call is logged.")

    status = form_write(request, form, write, SESSION_ERRORS)
    if status is None:
        return redirect("volunteers:hotline")
    return _hotline_page(request, actor, session_form=(shift_id, form), status=status)
