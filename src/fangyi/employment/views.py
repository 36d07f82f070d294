"""Job matching (湘就业), mobile first: the public search and job pages, the seeker's own page, the
employer's area (its posts and each post's hiring pipeline) and the hires per day.

Reads go through the selectors and writes through the services, whose refusals are shown next to
the field with the input kept. An employer sees a seeker's health only as whether they can travel,
and an applicant's name masked until shortlisted.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
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
    redirect_back,
    render_page,
)
from fangyi.employment import search, selectors, services
from fangyi.employment.choices import PostStatus, Stage
from fangyi.employment.models import Application, Employer, JobPost, Seeker
from fangyi.regions.models import Region

PAGE_SIZE = 20
POST = "employment.post"
SEEK = "employment.seek"
MANAGE = "resumption.manage"
VIEW = "resumption.view"
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY_INPUT = forms.NumberInput(attrs={"min": "0", "step": "100", "inputmode": "numeric"})
COUNT_INPUT = forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric"})


def _region_choices() -> list[tuple[str, Any]]:
    rows = Region.objects.filter(level__in=["prefecture", "county"]).order_by("code")
    return [
        ("", gettext_lazy("Anywhere in Hunan")),
        *[(r.code, ("· " if len(r.code) > 4 else "") + r.name) for r in rows],
    ]


def _occupation_choices() -> list[tuple[str, Any]]:
    return [("", gettext_lazy("Any occupation")), *[(o.code, o.name) for o in selectors.occupation_list()]]


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Job, skill or place"), required=False, max_length=1000)
    region = forms.ChoiceField(label=gettext_lazy("Where"), required=False)
    occupation = forms.ChoiceField(label=gettext_lazy("Occupation"), required=False)
    salary = forms.IntegerField(
        label=gettext_lazy("Monthly pay at least (yuan)"), required=False, min_value=0, max_value=1_000_000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]
        self.fields["occupation"].choices = _occupation_choices()  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update({"type": "search", "placeholder": "普工 电工 护工 长沙…"})


@require_safe
def search_view(request: HttpRequest) -> HttpResponse:
    """Open posts found by words and filters, best first, each with why it ranks where it does."""
    form = SearchForm(request.GET)
    # A signed-in seeker's search also counts their skills and where they look for work.
    seeker = selectors.seeker_of(page_actor(request)) if request.user.is_authenticated else None
    page: Any = Paginator([], PAGE_SIZE).get_page(1)
    places: dict[str, str] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            found = selectors.job_search(
                q=data["q"],
                region=data["region"] or None,
                occupation=data["occupation"] or None,
                salary=data["salary"],
                seeker=seeker,
            )
            page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
            places = selectors.places(list(page.object_list))
        except DomainError as exc:
            add_domain_error(form, exc)
    hits = [{"post": post, "place": places.get(post.region_id, ""), "why": search.why(post)} for post in page]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "hits": hits,
        "query": query.urlencode(),
        "searched": any(request.GET.get(key) for key in form.fields),
    }
    status = 400 if form.errors else 200
    if status == 200:
        return render_page(request, "employment/search.html", context, partial="results")
    return render(request, "employment/search.html", context, status=status)


@require_safe
@domain_error_pages
def job_view(request: HttpRequest, job_id: int) -> HttpResponse:
    post = selectors.job_get(job_id=job_id)
    actor = page_actor(request) if request.user.is_authenticated else None
    seeking = actor is not None and bool(actor.prefixes_for(SEEK))
    context = {
        "post": post,
        "place": selectors.places([post])[post.region_id],
        "seeking": seeking,
        "application": next((a for a in selectors.applications_of(actor) if a.post_id == post.pk), None)
        if seeking
        else None,
        "may_apply": post.status == PostStatus.OPEN and post.closing_date >= clock.today(),
    }
    return render(request, "employment/job.html", context)


# The employer's area -----------------------------------------------------------------------------


class EmployerForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Business name"), max_length=128)
    region = forms.CharField(
        label=gettext_lazy("Where it is (region code)"),
        max_length=12,
        help_text=gettext_lazy("The code of its county, township or village."),
    )
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"), max_length=18, required=False
    )


class JobPostForm(forms.Form):
    employer_id = forms.TypedChoiceField(label=gettext_lazy("Employer"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=64)
    occupation = forms.ChoiceField(label=gettext_lazy("Occupation"))
    region = forms.CharField(
        label=gettext_lazy("Place of work (region code)"),
        max_length=12,
        required=False,
        help_text=gettext_lazy("Leave empty for the employer's own place."),
    )
    salary_min = forms.IntegerField(
        label=gettext_lazy("Monthly pay from (yuan)"), min_value=0, widget=MONEY_INPUT
    )
    salary_max = forms.IntegerField(
        label=gettext_lazy("Monthly pay up to (yuan)"), min_value=0, widget=MONEY_INPUT
    )
    headcount = forms.IntegerField(label=gettext_lazy("People wanted"), min_value=1, widget=COUNT_INPUT)
    shifts = forms.CharField(
        label=gettext_lazy("Shifts"),
        max_length=128,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "两班倒 长白班…"}),
    )
    transport_offered = forms.BooleanField(label=gettext_lazy("Point-to-point transport"), required=False)
    closing_date = forms.DateField(label=gettext_lazy("Closing date"), widget=DATE_INPUT)
    requirements = forms.CharField(
        label=gettext_lazy("Requirements"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, employers: list[Employer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employer = self.fields["employer_id"]
        assert isinstance(employer, forms.ChoiceField)
        employer.choices = [(e.pk, e.name) for e in employers]
        occupation = self.fields["occupation"]
        assert isinstance(occupation, forms.ChoiceField)
        occupation.choices = _occupation_choices()[1:]


def _employer_page(
    request: HttpRequest, actor: Actor, *, form: EmployerForm | None = None, status: int = 200
) -> HttpResponse:
    official = not actor.prefixes_for(POST)
    # An official reads the posts of every employer in their area (too many to name them all).
    employers = selectors.employers_visible(actor) if official else selectors.employers_mine(actor)
    context: dict[str, Any] = {
        "official": official,
        "employers": [] if official else list(employers),
        "may_close": not official or bool(actor.prefixes_for(MANAGE)),
    }
    if not official and not context["employers"]:
        context["form"] = form or EmployerForm(
            initial={"region": actor.prefixes_for(POST)[0]}, auto_id="id_employer_%s"
        )
        return render(request, "employment/employer.html", context, status=status)
    page = Paginator(selectors.posts_of_employers(employers), PAGE_SIZE).get_page(request.GET.get("page"))
    places = selectors.places(list(page.object_list))
    context.update({"page": page, "rows": [{"post": post, "place": places[post.region_id]} for post in page]})
    return render_page(request, "employment/employer.html", context, partial="posts")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def employer_view(request: HttpRequest) -> HttpResponse:
    """The employer's area: registering its business when the login has none, then its posts
    with their applicants, each post's pipeline and closing it. Officials read the posts of the
    employers in their area here."""
    actor = page_actor(request)
    require_any(actor, POST, VIEW)
    if request.method != "POST":
        return _employer_page(request, actor)
    require(actor, POST)
    form = EmployerForm(request.POST, auto_id="id_employer_%s")

    def write(data: dict[str, Any]) -> str:
        services.employer_register(actor=actor, **data)
        return _("Your business is registered: you can post jobs now.")

    status = form_write(request, form, write)
    if status is None:
        return redirect("employment:employer")
    return _employer_page(request, actor, form=form, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def job_new_view(request: HttpRequest) -> HttpResponse:
    """An employer posts a job: it is open to the search at once, until its closing date."""
    actor = page_actor(request)
    require(actor, POST)
    employers = list(selectors.employers_mine(actor))
    if not employers:
        return redirect("employment:employer")
    status = 200
    if request.method == "POST":
        form = JobPostForm(request.POST, employers=employers)
        created: list[JobPost] = []

        def write(data: dict[str, Any]) -> str:
            created.append(services.job_post_create(actor=actor, **data))
            return _("The job is posted and open to the search.")

        result = form_write(request, form, write)
        if result is None:
            return redirect("employment:pipeline", job_id=created[0].pk)
        status = result
    else:
        form = JobPostForm(
            employers=employers,
            initial={"headcount": 1, "closing_date": clock.today() + dt.timedelta(days=30)},
        )
    return render(request, "employment/job_new.html", {"form": form}, status=status)


@login_required
@require_POST
@domain_error_pages
def job_close_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """Close a post: it leaves the search; its applications stay to be decided."""
    actor = page_actor(request)
    require_any(actor, POST, MANAGE)

    def act() -> str:
        services.job_post_close(actor=actor, job_id=job_id)
        return _("The job is closed: it no longer shows in the search.")

    button_write(request, act)
    return redirect_back(request, "/employment/", "employment:employer")


# The hiring pipeline of a post -------------------------------------------------------------------

# The button moving an application on to the next stage (any open stage may also go to "not taken").
MOVE_LABELS = {
    Stage.SHORTLISTED: gettext_lazy("Shortlist"),
    Stage.INTERVIEW: gettext_lazy("Invite to interview"),
    Stage.OFFERED: gettext_lazy("Offer the job"),
    Stage.HIRED: gettext_lazy("Hire"),
}


def _applicant_row(application: Application, travel: Mapping[str, str]) -> dict[str, Any]:
    stage = Stage(application.stage)
    following = services.NEXT_STAGE.get(stage)
    return {
        "application": application,
        "stage": stage,
        "name": selectors.applicant_name(application),
        "travel": travel[str(application.seeker.person_id)],
        "next": following,
        "next_label": MOVE_LABELS[following] if following else "",
        "open": stage not in services.FINAL_STAGES,
    }


@login_required
@require_safe
@domain_error_pages
def pipeline_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """A post's applicants on a board by stage, each moved on with one button, and the seekers
    the matching recommends for it. Health shows only as whether someone can travel. Officials
    who only read (resumption.view) see the board without its buttons."""
    actor = page_actor(request)
    require_any(actor, POST, VIEW)
    applications = list(selectors.applications_for_post(actor=actor, job_id=job_id))
    post = selectors.job_get(job_id=job_id)
    # Whoever holds employment.post here is an account of the employer (the selector let them in).
    may_act = bool(actor.prefixes_for(POST)) or covers(actor, MANAGE, post.employer.region_id)
    travel = selectors.travel_statuses(application.seeker.person_id for application in applications)
    rows = [_applicant_row(application, travel) for application in applications]
    columns = [{"stage": stage, "rows": [row for row in rows if row["stage"] == stage]} for stage in Stage]
    context = {
        "post": post,
        "place": selectors.places([post])[post.region_id],
        "columns": columns,
        "applicants": len(applications),
        "may_act": may_act,
        "recommended": selectors.recommend_seekers(actor=actor, job_id=post.pk, limit=PAGE_SIZE)
        if post.status == PostStatus.OPEN
        else [],
    }
    return render(request, "employment/pipeline.html", context)


@login_required
@require_POST
@domain_error_pages
def application_move_view(request: HttpRequest, application_id: int) -> HttpResponse:
    """The employer moves an application on the pipeline (or turns it down)."""
    actor = page_actor(request)
    require_any(actor, POST, MANAGE)
    stage = request.POST.get("stage", "")

    def act() -> str:
        application = services.application_move(
            actor=actor, application_id=application_id, stage=stage, note=request.POST.get("note", "")
        )
        return _("The application is now at “%(stage)s”.") % {"stage": application.get_stage_display()}

    button_write(request, act)
    return redirect_back(request, "/employment/", "employment:employer")


# Hires per day -----------------------------------------------------------------------------------


class HiresForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), widget=DATE_INPUT)
    until = forms.DateField(label=gettext_lazy("Until"), widget=DATE_INPUT)
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


HIRES_DAYS = 30


@login_required
@require_safe
@domain_error_pages
def hires_view(request: HttpRequest) -> HttpResponse:
    """Hires per employer per day: an employer's own, an official's over their area."""
    actor = page_actor(request)
    require_any(actor, POST, VIEW)
    today = clock.today()
    official = bool(actor.prefixes_for(VIEW))
    form = HiresForm(
        request.GET or {"since": today - dt.timedelta(days=HIRES_DAYS - 1), "until": today},
    )
    if not official:
        del form.fields["region"]
    rows: list[Any] = []
    if form.is_valid():
        data = form.cleaned_data
        try:
            rows = list(
                selectors.hires_per_day(
                    actor=actor, region=data.get("region") or None, since=data["since"], until=data["until"]
                )
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region"})
    context = {"form": form, "rows": rows, "total": sum(row["hires"] for row in rows)}
    status = 400 if form.errors else 200
    if status == 200:
        return render_page(request, "employment/hires.html", context, partial="table")
    return render(request, "employment/hires.html", context, status=status)


# The seeker's own page ---------------------------------------------------------------------------


class SeekerForm(forms.Form):
    region = forms.CharField(
        label=gettext_lazy("Where you look for work (region code)"),
        max_length=12,
        help_text=gettext_lazy("The code of a county, township or village: nearer jobs rank higher."),
    )
    occupation = forms.ChoiceField(label=gettext_lazy("Occupation you want"), required=False)
    skills = forms.CharField(
        label=gettext_lazy("Skills"),
        max_length=256,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "叉车 电工证 焊工…"}),
        help_text=gettext_lazy("Separated by spaces."),
    )
    expected_salary = forms.IntegerField(
        label=gettext_lazy("Expected monthly pay (yuan)"), min_value=0, required=False, widget=MONEY_INPUT
    )
    available_from = forms.DateField(label=gettext_lazy("Available from"), widget=DATE_INPUT)
    visible = forms.BooleanField(
        label=gettext_lazy("Employers may find me and recommend their jobs"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        occupation = self.fields["occupation"]
        assert isinstance(occupation, forms.ChoiceField)
        occupation.choices = _occupation_choices()


def _seeker_initial(seeker: Seeker | None, actor: Actor) -> dict[str, Any]:
    if seeker is None:
        # Where the resident's role is held (their village) until they say otherwise.
        return {"region": actor.prefixes_for(SEEK)[0], "available_from": clock.today(), "visible": True}
    return {
        "region": seeker.region_id,
        "occupation": seeker.occupation_id or "",
        "skills": seeker.skills,
        "expected_salary": seeker.expected_salary,
        "available_from": seeker.available_from,
        "visible": seeker.visible,
    }


def _me_page(
    request: HttpRequest, actor: Actor, *, form: SeekerForm | None = None, status: int = 200
) -> HttpResponse:
    seeker = selectors.seeker_of(actor)
    context: dict[str, Any] = {
        "seeker": seeker,
        "form": form or SeekerForm(initial=_seeker_initial(seeker, actor), auto_id="id_seeker_%s"),
    }
    if seeker is not None:
        recommended = list(selectors.recommend_jobs(seeker, limit=PAGE_SIZE))
        places = selectors.places(recommended)
        applications = list(selectors.applications_of(actor))
        applied = {application.post_id for application in applications}
        context.update(
            {
                "recommended": [
                    {"post": post, "place": places[post.region_id], "why": search.why(post)}
                    for post in recommended
                    if post.pk not in applied
                ],
                "applications": [
                    {"application": application, "open": application.stage not in services.FINAL_STAGES}
                    for application in applications
                ],
            }
        )
    return render(request, "employment/me.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def me_view(request: HttpRequest) -> HttpResponse:
    """The seeker's page on a phone: their profile, the jobs recommended for it and their
    applications with where each stands."""
    actor = page_actor(request)
    require(actor, SEEK)
    if request.method != "POST":
        return _me_page(request, actor)
    form = SeekerForm(request.POST, auto_id="id_seeker_%s")

    def write(data: dict[str, Any]) -> str:
        services.seeker_save(
            actor=actor,
            region=data["region"],
            available_from=data["available_from"],
            occupation=data["occupation"] or None,
            skills=data["skills"],
            expected_salary=data["expected_salary"] or 0,
            visible=data["visible"],
        )
        return _("Your profile is saved.")

    status = form_write(request, form, write)
    if status is None:
        return redirect("employment:me")
    return _me_page(request, actor, form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def apply_view(request: HttpRequest, job_id: int) -> HttpResponse:
    """A seeker applies to a post from its page."""
    actor = page_actor(request)
    require(actor, SEEK)

    def act() -> str:
        services.job_apply(actor=actor, job_id=job_id)
        return _("You have applied: the employer will see your application.")

    button_write(request, act)
    return redirect_back(request, "/employment/", "employment:job", job_id=job_id)


@login_required
@require_POST
@domain_error_pages
def withdraw_view(request: HttpRequest, application_id: int) -> HttpResponse:
    actor = page_actor(request)
    require(actor, SEEK)

    def act() -> str:
        services.application_withdraw(actor=actor, application_id=application_id)
        return _("You have withdrawn the application.")

    button_write(request, act)
    return redirect_back(request, "/employment/", "employment:me")
