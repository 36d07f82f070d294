"""Fever referral pages: the queue the county follows up, and a referral with its forms.

The queue and the referral need "labs.referrals" over the referral's county; closing one needs the
same; recording a result needs "labs.results" over the resident's home. Reads go through the
selectors (a referral outside the jurisdiction is not found) and writes through the services,
whose refusals are shown next to the field.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require
from fangyi.core.errors import DomainError
from fangyi.core.htmx import add_domain_error, domain_error_pages, page_actor, render_page
from fangyi.labs import services
from fangyi.labs.choices import ReferralStatus, Result
from fangyi.labs.models import Referral
from fangyi.labs.selectors import REFERRALS, RESULTS, referral_get, referral_list, result_list

PAGE_SIZE = 50


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
