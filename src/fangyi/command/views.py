"""Unified command pages: the inbox of directives a region must act on, issuing and following a
directive on its live board, the emergency response levels and the daily situation reports.

Reading needs "command.view", issuing "command.issue" over the issuing level, acting on a target
"command.respond" held at the target's own region. Reads go through the selectors (anything outside
the jurisdiction is not found) and writes through the services, whose refusals are shown next to the
field they are about.
"""

import datetime as dt
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.command import selectors, services
from fangyi.command.choices import DirectiveStatus, TargetStatus
from fangyi.command.errors import sitrep_not_found
from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError, NotFound, PermissionDenied
from fangyi.core.htmx import (
    add_domain_error,
    domain_error_pages,
    form_refusal,
    page_actor,
    paginate,
    render_page,
)
from fangyi.regions.choices import PATH_LENGTH, Level
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_ancestors, region_children, region_get
from fangyi.surveillance import services as surveillance_services
from fangyi.surveillance.choices import ResponseLevel
from fangyi.surveillance.selectors import response_level_timeline
from fangyi.surveillance.views import RESPONSE_MANAGE, ResponseLevelForm

VIEW = "command.view"
ISSUE = "command.issue"
RESPOND = "command.respond"
PAGE_SIZE = 25
BOARD_REFRESH_SECONDS = 30


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _upload(file: UploadedFile | None) -> tuple[str, str, bytes] | None:
    if file is None:
        return None
    return (file.name or "", file.content_type or "application/octet-stream", file.read())


# Inbox and a target -------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked like a single file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


class RegionCodesField(forms.MultipleChoiceField):
    """Boxes for the issuer's child regions that accept any code: whether a region lies below the
    issuer is the service's rule, and its refusal is shown next to the field."""

    def valid_value(self, value: Any) -> bool:
        return True


class ReportForm(forms.Form):
    progress = forms.IntegerField(
        label=gettext_lazy("Progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"step": "1", "min": "0", "max": "100", "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=gettext_lazy("Report"), max_length=512, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(
        label=gettext_lazy("Evidence"),
        required=False,
        help_text=gettext_lazy("A photo or document of what was done (optional, up to 5 MB)."),
    )


class CompleteForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Completion report"), max_length=512, widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence = forms.FileField(
        label=gettext_lazy("Evidence"),
        required=False,
        help_text=gettext_lazy("A photo or document of what was done (optional, up to 5 MB)."),
    )


@login_required
@require_safe
@domain_error_pages
def inbox_view(request: HttpRequest) -> HttpResponse:
    """The directives addressed to the actor's own regions: open ones first, nearest deadline first."""
    actor = page_actor(request)
    require(actor, VIEW)
    context = {
        "page": paginate(request, selectors.directive_inbox(actor=actor), PAGE_SIZE),
        "query": _query_without_page(request),
        "now": clock.now(),
        "can_issue": bool(actor.prefixes_for(ISSUE)),
    }
    return render_page(request, "command/inbox.html", context, partial="targets")


def _target_page(
    request: HttpRequest,
    actor: Actor,
    target_id: Any,
    *,
    report_form: ReportForm | None = None,
    complete_form: CompleteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    target = selectors.target_get(actor=actor, target_id=target_id)
    directive = target.directive
    own = target.region_id in actor.prefixes_for(RESPOND)
    open_ = own and target.status != TargetStatus.COMPLETED and directive.status == DirectiveStatus.ACTIVE
    context = {
        "target": target,
        "directive": directive,
        "attachments": directive.attachments.filter(target__isnull=True),
        "evidence": target.evidence.all(),
        "now": clock.now(),
        "open": open_,
        "can_acknowledge": open_ and target.status == TargetStatus.PENDING,
        "report_form": (
            (report_form or ReportForm(initial={"progress": target.progress}, auto_id="id_report_%s"))
            if open_
            else None
        ),
        "complete_form": (complete_form or CompleteForm(auto_id="id_complete_%s")) if open_ else None,
        # A refusal of a form no longer shown (completed or withdrawn meanwhile) is said at the top.
        "refused": [
            str(message)
            for form in (report_form, complete_form)
            if form is not None and not open_
            for errors in form.errors.values()
            for message in errors
        ],
    }
    return render(request, "command/target.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def target_view(request: HttpRequest, target_id: Any) -> HttpResponse:
    actor = page_actor(request)
    require(actor, VIEW)
    return _target_page(request, actor, target_id)


@login_required
@require_POST
@domain_error_pages
def target_acknowledge_view(request: HttpRequest, target_id: Any) -> HttpResponse:
    """Acknowledge from the inbox or the target's page; the service decides whose target it is."""
    actor = page_actor(request)
    target = services.target_acknowledge(actor=actor, target_id=target_id)
    messages.success(request, _("“%(title)s” is acknowledged.") % {"title": target.directive.title})
    back = request.POST.get("next")
    if back == "inbox":
        return redirect("command:inbox")
    return redirect("command:target", target_id=target.pk)


@login_required
@require_POST
@domain_error_pages
def target_report_view(request: HttpRequest, target_id: Any) -> HttpResponse:
    actor = page_actor(request)
    form = ReportForm(request.POST, request.FILES, auto_id="id_report_%s")
    status = 400
    if form.is_valid():
        try:
            services.target_report(
                actor=actor,
                target_id=target_id,
                progress=form.cleaned_data["progress"],
                note=form.cleaned_data["note"],
                evidence=_upload(form.cleaned_data["evidence"]),
            )
        except DomainError as exc:
            status = form_refusal(form, exc)
        else:
            messages.success(request, _("Your progress report is recorded."))
            return redirect("command:target", target_id=target_id)
    return _target_page(request, actor, target_id, report_form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def target_complete_view(request: HttpRequest, target_id: Any) -> HttpResponse:
    actor = page_actor(request)
    form = CompleteForm(request.POST, request.FILES, auto_id="id_complete_%s")
    status = 400
    if form.is_valid():
        try:
            services.target_complete(
                actor=actor,
                target_id=target_id,
                note=form.cleaned_data["note"],
                evidence=_upload(form.cleaned_data["evidence"]),
            )
        except DomainError as exc:
            status = form_refusal(form, exc)
        else:
            messages.success(request, _("The directive is reported completed."))
            return redirect("command:target", target_id=target_id)
    return _target_page(request, actor, target_id, complete_form=form, status=status)


# Issuing a directive --------------------------------------------------------------------------------

DOWN_TO_CHOICES = [(level.value, level.label) for level in Level if level != Level.PROVINCE]


class DirectiveForm(forms.Form):
    issuer = forms.ChoiceField(label=gettext_lazy("Issued by"))
    title = forms.CharField(label=gettext_lazy("Title"), max_length=128)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=8000, widget=forms.Textarea(attrs={"rows": 10})
    )
    deadline = forms.DateTimeField(
        label=gettext_lazy("Deadline"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    everywhere = forms.BooleanField(
        label=gettext_lazy("Every region below the issuing level"), required=False
    )
    targets = RegionCodesField(
        label=gettext_lazy("Target regions"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Or tick “every region below” above."),
    )
    down_to = forms.ChoiceField(
        label=gettext_lazy("Down to"),
        choices=DOWN_TO_CHOICES,
        initial=Level.VILLAGE,
        help_text=gettext_lazy("The lowest level that receives the directive and must act on it."),
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Attachments"),
        required=False,
        help_text=gettext_lazy("Up to 5 files of at most 5 MB each."),
    )

    def __init__(self, *args: Any, issuers: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.issuers = {region.code: region for region in issuers}
        issuer_field = self.fields["issuer"]
        assert isinstance(issuer_field, forms.ChoiceField)
        issuer_field.choices = [
            (region.code, f"{region.name} · {region.official_code}") for region in issuers
        ]
        if len(issuers) == 1:
            issuer_field.widget = forms.HiddenInput()
            issuer_field.initial = issuers[0].code
        chosen = self.issuers.get(str(self.data.get("issuer") or issuer_field.initial or ""))
        if chosen is None and issuers:
            chosen = issuers[0]
        self.issuer_region = chosen
        targets_field = self.fields["targets"]
        assert isinstance(targets_field, RegionCodesField)
        self.children = list(region_children(region=chosen)) if chosen is not None else []
        targets_field.choices = [(region.code, region.name) for region in self.children]

    def clean(self) -> dict[str, Any]:
        super().clean()
        if self.cleaned_data.get("everywhere"):
            self.cleaned_data["targets"] = [region.code for region in self.children]
        return self.cleaned_data


def _issuers(actor: Actor) -> list[Region]:
    """The levels where the actor holds "command.issue" and that have levels below them."""
    codes = [code for code in actor.prefixes_for(ISSUE) if len(code) < PATH_LENGTH[Level.VILLAGE]]
    return list(Region.objects.filter(code__in=codes).order_by("code"))


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def directive_new_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, ISSUE)
    issuers = _issuers(actor)
    if request.method == "GET":
        form = DirectiveForm(issuers=issuers, initial={"deadline": clock.now() + dt.timedelta(days=1)})
        return render(request, "command/directive_form.html", {"form": form})
    form = DirectiveForm(request.POST, request.FILES, issuers=issuers)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            directive = services.directive_issue(
                actor=actor,
                issuer=data["issuer"],
                title=data["title"],
                body=data["body"],
                targets=data["targets"],
                deadline=data["deadline"],
                down_to=data["down_to"],
                attachments=[upload for file in data["attachments"] if (upload := _upload(file))],
            )
        except DomainError as exc:
            status = form_refusal(form, exc)
        else:
            messages.success(
                request,
                _("“%(title)s” is issued to %(count)d regions.")
                % {"title": directive.title, "count": directive.targets.count()},
            )
            return redirect("command:directive_detail", directive_id=directive.pk)
    return render(request, "command/directive_form.html", {"form": form}, status=status)


@login_required
@require_safe
@domain_error_pages
def sent_view(request: HttpRequest) -> HttpResponse:
    """The directives issued by the actor's levels, newest first."""
    actor = page_actor(request)
    require(actor, ISSUE)
    context = {
        "page": paginate(request, selectors.directive_sent(actor=actor), PAGE_SIZE),
        "query": _query_without_page(request),
        "now": clock.now(),
    }
    return render_page(request, "command/sent.html", context, partial="directives")


# A directive and its board --------------------------------------------------------------------------


@login_required
@require_safe
@domain_error_pages
def directive_detail_view(request: HttpRequest, directive_id: Any) -> HttpResponse:
    """The directive, its files and its live board; htmx refreshes the board every 30 seconds."""
    actor = page_actor(request)
    require(actor, VIEW)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)
    code = request.GET.get("region") or None
    rows = selectors.directive_board(actor=actor, directive_id=directive.pk, region=code)
    lowest = PATH_LENGTH[Level(directive.down_to)]
    rows = [{**row, "drill": len(row["region"]) < lowest} for row in rows]
    region = region_get(code=code) if code else None
    trail = (
        [r for r in region_ancestors(region=region) if r.code.startswith(directive.issuer_id)]
        if region is not None
        else []
    )
    board_url = reverse("command:directive_detail", args=[directive.pk])
    context = {
        "directive": directive,
        "attachments": directive.attachments.filter(target__isnull=True),
        "down_to": Level(directive.down_to).label,
        "region": region,
        "trail": trail,
        "rows": rows,
        "totals": _totals(rows),
        "now": clock.now(),
        "overdue": directive.deadline < clock.now(),
        "refresh": BOARD_REFRESH_SECONDS,
        "board_url": f"{board_url}?region={code}" if code else board_url,
        "can_withdraw": directive.status == DirectiveStatus.ACTIVE
        and directive.issuer_id in actor.prefixes_for(ISSUE),
    }
    return render_page(request, "command/directive_detail.html", context, partial="board")


def _totals(rows: list[dict[str, Any]]) -> dict[str, int]:
    keys = ("targets", "pending", "acknowledged", "in_progress", "completed", "overdue", "escalated")
    totals = {key: sum(int(row.get(key) or 0) for row in rows) for key in keys}
    totals["percent_completed"] = (
        round(100 * totals["completed"] / totals["targets"]) if totals["targets"] else 0
    )
    return totals


@login_required
@require_POST
@domain_error_pages
def directive_withdraw_view(request: HttpRequest, directive_id: Any) -> HttpResponse:
    actor = page_actor(request)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)  # outside: 404
    try:
        services.directive_withdraw(actor=actor, directive_id=directive.pk)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.render_message())
    else:
        messages.success(request, _("“%(title)s” is withdrawn.") % {"title": directive.title})
    return redirect("command:directive_detail", directive_id=directive.pk)


@login_required
@require_safe
@domain_error_pages
def attachment_view(request: HttpRequest, directive_id: Any, attachment_id: Any) -> HttpResponse:
    """A file of a directive, or evidence reported on it, to whoever may read the directive."""
    actor = page_actor(request)
    require(actor, VIEW)
    directive = selectors.directive_get(actor=actor, directive_id=directive_id)
    attachment = directive.attachments.filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound("attachment.not_found")
    response = HttpResponse(bytes(attachment.data), content_type=attachment.content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(attachment.name)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Emergency response levels ----------------------------------------------------------------------------

RESPONSE_COLOURS = {
    ResponseLevel.LEVEL_I: "#b42318",
    ResponseLevel.LEVEL_II: "#dc6803",
    ResponseLevel.LEVEL_III: "#eaaa08",
    ResponseLevel.ENDED: "#98a2b3",
}


def _timeline_chart(timeline: list[Any], today: dt.date) -> dict[str, Any]:
    """The periods as bars on a time axis; the one still in force runs to today."""
    periods = []
    for item in timeline:
        end = item.end_date or max(today, item.period.start_date)
        periods.append(
            {
                "level": item.period.level,
                "label": str(item.period.get_level_display()),
                "start": item.period.start_date.isoformat(),
                "end": (end + dt.timedelta(days=1)).isoformat(),
                "last": end.isoformat(),
                "colour": RESPONSE_COLOURS.get(item.period.level, "#98a2b3"),
            }
        )
    return {"periods": periods, "axis": str(_("Response level"))}


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def response_levels_view(request: HttpRequest) -> HttpResponse:
    """The province's response levels on a timeline, and the declaration form for command staff."""
    actor = page_actor(request)
    require(actor, VIEW)
    timeline = response_level_timeline(actor=actor)
    can_declare = covers(actor, RESPONSE_MANAGE, surveillance_services.PROVINCE)
    if request.method == "POST" and not can_declare:
        raise PermissionDenied()
    form = (
        ResponseLevelForm(request.POST or None, initial={"start_date": clock.today()})
        if can_declare
        else None
    )
    status = 200
    if form is not None and request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                period = surveillance_services.response_level_declare(actor=actor, **form.cleaned_data)
            except DomainError as exc:
                status = form_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("%(level)s from %(date)s is recorded.")
                    % {"level": period.get_level_display(), "date": period.start_date.isoformat()},
                )
                return redirect("command:response_levels")
    today = clock.today()
    current = None
    for item in timeline:
        if item.period.start_date <= today:
            current = item.period
    context = {
        "timeline": timeline,
        "current": current,
        "chart": _timeline_chart(timeline, today),
        "form": form,
    }
    return render(request, "command/response_levels.html", context, status=status)


# Situation reports -----------------------------------------------------------------------------------


class SitrepFilterForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)


class SitrepGenerateForm(forms.Form):
    region = forms.ChoiceField(label=gettext_lazy("Region"))

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(region.code, f"{region.name} · {region.official_code}") for region in regions]


def _sitrep_regions(actor: Actor) -> list[Region]:
    """The actor's issuing levels that have a daily report: the province, prefectures, counties."""
    codes = [code for code in actor.prefixes_for(ISSUE) if len(code) <= selectors.SITREP_MAX_PATH]
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def _sitrep_list_page(
    request: HttpRequest, actor: Actor, *, generate: SitrepGenerateForm | None = None, status: int = 200
) -> HttpResponse:
    form = SitrepFilterForm(request.GET)
    sitreps: Any = []
    if form.is_valid():
        try:
            sitreps = selectors.sitrep_list(actor=actor, region=form.cleaned_data["region"] or None)
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region": "region"})
    regions = _sitrep_regions(actor)
    context = {
        "form": form,
        "filtered": bool(request.GET.get("region")),
        "page": paginate(request, sitreps, PAGE_SIZE),
        "query": _query_without_page(request),
        "generate": (generate or SitrepGenerateForm(regions=regions)) if regions else None,
        "today": clock.today(),
    }
    response = render_page(request, "command/sitrep_list.html", context, partial="sitreps")
    if form.errors:
        response.status_code = 400
    elif status != 200:
        response.status_code = status
    return response


@login_required
@require_http_methods(["GET", "POST"])
@domain_error_pages
def sitrep_list_view(request: HttpRequest) -> HttpResponse:
    """The archived reports by region and date; a POST generates today's for an issuing level."""
    actor = page_actor(request)
    require(actor, VIEW)
    if request.method == "GET":
        return _sitrep_list_page(request, actor)
    require(actor, ISSUE)
    form = SitrepGenerateForm(request.POST, regions=_sitrep_regions(actor))
    if not form.is_valid():
        return _sitrep_list_page(request, actor, generate=form, status=400)
    today = clock.today()
    try:
        sitrep = services.sitrep_generate(actor=actor, region=form.cleaned_data["region"], date=today)
    except DomainError as exc:
        return _sitrep_list_page(request, actor, generate=form, status=form_refusal(form, exc))
    messages.success(request, _("Today's situation report is generated."))
    return redirect("command:sitrep_detail", region=sitrep.region_id, date=sitrep.date.isoformat())


def _sitrep(actor: Actor, region: str, date: str) -> Any:
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise sitrep_not_found() from None
    return selectors.sitrep_get(actor=actor, region=region, date=day)


@login_required
@require_safe
@domain_error_pages
def sitrep_detail_view(request: HttpRequest, region: str, date: str) -> HttpResponse:
    """The report as it was archived that day, one section per module; prints on A4."""
    actor = page_actor(request)
    require(actor, VIEW)
    sitrep = _sitrep(actor, region, date)
    context = {
        "sitrep": sitrep,
        "title": selectors.sitrep_title(sitrep),
        "sections": selectors.sitrep_sections(sitrep.content),
    }
    return render(request, "command/sitrep_detail.html", context)


@login_required
@require_safe
@domain_error_pages
def sitrep_pdf_view(request: HttpRequest, region: str, date: str) -> HttpResponse:
    actor = page_actor(request)
    require(actor, VIEW)
    sitrep = _sitrep(actor, region, date)
    response = HttpResponse(selectors.sitrep_pdf(sitrep), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="sitrep-{sitrep.region_id}-{sitrep.date.isoformat()}.pdf"'
    )
    return response
