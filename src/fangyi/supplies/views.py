"""Supplies pages: the stock board, a warehouse's ledger, production, requests, allocation runs,
shipments, donations and the public transparency page.

Reads go through the selectors (a warehouse, run or shipment outside the jurisdiction is not
found) and writes through the services, whose refusals are shown next to the field. Every ledger
form carries a client key made when the form is rendered, so a double submit posts once.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any
from fangyi.core.errors import DomainError
from fangyi.core.htmx import add_domain_error, domain_error_pages, form_refusal, page_actor, render_page
from fangyi.supplies import selectors, services
from fangyi.supplies.allocation import water_fill
from fangyi.supplies.choices import (
    DonationDirection,
    DonationKind,
    LocationKind,
    Priority,
    RequestStatus,
    ShipmentStatus,
    WarehouseLevel,
)
from fangyi.supplies.models import Item, Location, Shipment, SupplyRequest, Warehouse

VIEW = "supplies.view"
MANAGE = "supplies.manage"
REQUEST = "supplies.request"
DONATIONS = "supplies.donations"

PAGE_SIZE = 25
# A warehouse holding fewer packs than this of an item is flagged on the board.
LOW_STOCK_PACKS = 10
CHART_DAYS = 30
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
QUANTITY_INPUT = forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric"})


# Shared ------------------------------------------------------------------------------------------


def _choices(form: forms.Form, name: str, choices: Iterable[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = list(choices)


def _item_choices() -> list[tuple[int, str]]:
    return [(item.pk, f"{item.name} ({item.unit})") for item in selectors.item_list()]


def _warehouse_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(warehouse.pk, str(warehouse)) for warehouse in selectors.warehouse_list(actor=actor)]


def _page(request: HttpRequest, rows: Any, param: str = "page") -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get(param))


def _query(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _new_key() -> str:
    return uuid.uuid4().hex


class KeyedForm(forms.Form):
    """A ledger form: its hidden client key is made when the form is first shown, so posting it
    twice (a double click, a resent request) posts once."""

    client_key = forms.CharField(widget=forms.HiddenInput, min_length=8, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["client_key"].initial = _new_key()

    def renew_key(self) -> None:
        """After a refusal the form is a new one: a corrected submit must not count as a resend."""
        data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        data["client_key"] = _new_key()
        self.data = data


def _write(
    form: forms.Form,
    write: Callable[[dict[str, Any]], str],
    request: HttpRequest,
    by_code: dict[str, str] | None = None,
) -> int | None:
    """Run a form's write: None when done (its message is shown), else the status to answer."""
    status = 400
    if form.is_valid():
        try:
            done = write(form.cleaned_data)
        except DomainError as exc:
            status = form_refusal(form, exc, by_code)
        else:
            messages.success(request, done)
            return None
    if isinstance(form, KeyedForm):
        form.renew_key()
    return status


QUANTITY_ERRORS = {
    "quantity.": "quantity",
    "ledger.insufficient_stock": "quantity",
    "item.": "item_id",
}


# Stock board -------------------------------------------------------------------------------------


class StockFilterForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    item = forms.ChoiceField(label=gettext_lazy("Item"), required=False)

    def __init__(self, *args: Any, items: list[Item], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item", [("", gettext_lazy("All")), *[(item.code, item.name) for item in items]])


def _level_label(level: str) -> str:
    return str(WarehouseLevel(level).label) if level in WarehouseLevel.values else level


def _board(rows: list[dict[str, Any]], items: list[Item]) -> tuple[list[Item], list[dict[str, Any]]]:
    """Warehouses down, items across: each cell the stock, what is on its way out and whether it
    is low (fewer than LOW_STOCK_PACKS packs)."""
    by_code = {item.code: item for item in items}
    present = {row["item"] for row in rows}
    columns = [item for item in items if item.code in present]
    warehouses: dict[Any, dict[str, Any]] = {}
    for row in rows:
        line = warehouses.setdefault(
            row["place_id"],
            {
                "place_id": row["place_id"],
                "name": row["warehouse"],
                "level": _level_label(row["level"]),
                "region": row["region"],
                "cells": {},
            },
        )
        item = by_code.get(row["item"])
        threshold = LOW_STOCK_PACKS * (item.pack_size if item else 1)
        line["cells"][row["item"]] = {**row, "low": row["quantity"] < threshold}
    lines = list(warehouses.values())
    for line in lines:
        line["row"] = [line["cells"].get(item.code) for item in columns]
    return columns, lines


@login_required
@require_safe
@domain_error_pages
def stock_board_view(request: HttpRequest) -> HttpResponse:
    """Stock of every warehouse in a region by item, low stock flagged, and whether the last
    reconciliation found the balances equal to the ledger."""
    actor = page_actor(request)
    require(actor, VIEW)
    items = list(selectors.item_list())
    form = StockFilterForm(request.GET, items=items)
    rows: list[dict[str, Any]] = []
    if form.is_valid():
        region = form.cleaned_data["region"] or actor.prefixes_for(VIEW)[0]
        try:
            rows = selectors.stock_list(actor=actor, region=region, item=form.cleaned_data["item"] or None)
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region": "region", "item": "item"})
    columns, lines = _board(rows, items)
    latest = selectors.reconciliation_latest()
    context = {
        "form": form,
        "columns": columns,
        "lines": lines,
        "low_packs": LOW_STOCK_PACKS,
        "reconciliation": latest,
        "mismatches": selectors.reconciliation_mismatches(actor=actor, reconciliation=latest)
        if latest
        else [],
    }
    return render(request, "supplies/stock_board.html", context, status=400 if form.errors else 200)


# A warehouse -------------------------------------------------------------------------------------


class ReceiptForm(KeyedForm):
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, widget=QUANTITY_INPUT)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=256, required=False)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item_id", items)


class IssueForm(ReceiptForm):
    pass


class AdjustForm(KeyedForm):
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(
        label=gettext_lazy("Change"),
        help_text=gettext_lazy("Positive to add, negative to remove (a count found different)."),
        widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=256)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item_id", items)

    def clean_quantity(self) -> int:
        quantity: int = self.cleaned_data["quantity"]
        if quantity == 0:
            raise forms.ValidationError(_("An adjustment changes the stock: enter a non-zero quantity."))
        return quantity


class ReverseForm(KeyedForm):
    entry_id = forms.IntegerField(label=gettext_lazy("Entry number"), min_value=1, max_value=2**63 - 1)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=256)


def _receive(actor: Actor, warehouse: Warehouse, data: dict[str, Any]) -> str:
    services.stock_receive(actor=actor, warehouse_id=warehouse.pk, **data)
    return _("The receipt is posted.")


def _issue(actor: Actor, warehouse: Warehouse, data: dict[str, Any]) -> str:
    services.stock_issue(actor=actor, warehouse_id=warehouse.pk, **data)
    return _("The issue is posted.")


def _adjust(actor: Actor, warehouse: Warehouse, data: dict[str, Any]) -> str:
    services.stock_adjust(actor=actor, warehouse_id=warehouse.pk, **data)
    return _("The adjustment is posted.")


def _reverse(actor: Actor, warehouse: Warehouse, data: dict[str, Any]) -> str:
    services.entry_reverse(actor=actor, **data)
    return _("Entry %(entry)s is reversed.") % {"entry": data["entry_id"]}


# The warehouse page's forms: form class, write, where refusals go.
LEDGER_FORMS: dict[str, tuple[type[KeyedForm], Callable[[Actor, Warehouse, dict[str, Any]], str]]] = {
    "receipt": (ReceiptForm, _receive),
    "issue": (IssueForm, _issue),
    "adjustment": (AdjustForm, _adjust),
    "reversal": (ReverseForm, _reverse),
}
LEDGER_ERRORS = {**QUANTITY_ERRORS, "entry.": "entry_id", "ledger.key_reused": "client_key"}


def _ledger_form(action: str, items: list[tuple[int, str]], data: Any = None, **kwargs: Any) -> KeyedForm:
    form_class = LEDGER_FORMS[action][0]
    options: dict[str, Any] = {"auto_id": f"id_{action}_%s", **kwargs}
    if form_class is not ReverseForm:
        options["items"] = items
    return form_class(data, **options)


def _served(warehouses: Iterable[Warehouse]) -> dict[int, str]:
    """The region each warehouse serves (its stock location's), which may be above its site's."""
    ids = [warehouse.pk for warehouse in warehouses]
    return dict(
        Location.objects.filter(warehouse_id__in=ids, kind=LocationKind.WAREHOUSE).values_list(
            "warehouse_id", "region_id"
        )
    )


def _warehouse_page(
    request: HttpRequest,
    actor: Actor,
    place_id: int,
    *,
    given: dict[str, KeyedForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    warehouse = selectors.warehouse_get(actor=actor, warehouse_id=place_id)
    region = selectors.warehouse_region(warehouse)
    entries = selectors.ledger_list(actor=actor, warehouse_id=warehouse.pk).select_related(
        "reverses", "reversed_by"
    )
    balances = [
        row for row in selectors.stock_list(actor=actor, region=region) if row["place_id"] == warehouse.pk
    ]
    may_manage = covers(actor, MANAGE, region)
    ledger_forms: dict[str, KeyedForm] = {}
    if may_manage:
        items = _item_choices()
        initial = {"entry_id": request.GET.get("reverse")} if request.GET.get("reverse") else {}
        for action in LEDGER_FORMS:
            ledger_forms[action] = (given or {}).get(action) or _ledger_form(
                action, items, initial=initial if action == "reversal" else {}
            )
    context = {
        "warehouse": warehouse,
        "balances": balances,
        "page": _page(request, entries),
        "query": "",
        "forms": ledger_forms,
    }
    return render(request, "supplies/warehouse.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def warehouse_view(request: HttpRequest, place_id: int) -> HttpResponse:
    """A warehouse's balances and its ledger, newest first; supply officers post here."""
    actor = page_actor(request)
    require(actor, VIEW)
    return _warehouse_page(request, actor, place_id)


@login_required
@require_POST
@domain_error_pages
def warehouse_post_view(request: HttpRequest, place_id: int, action: str) -> HttpResponse:
    """Post a receipt, an issue, an adjustment or a reversal from the warehouse page."""
    actor = page_actor(request)
    require(actor, MANAGE)
    warehouse = selectors.warehouse_get(actor=actor, warehouse_id=place_id)
    form = _ledger_form(action, _item_choices(), request.POST)
    write = LEDGER_FORMS[action][1]
    status = _write(form, lambda data: write(actor, warehouse, data), request, LEDGER_ERRORS)
    if status is None:
        return redirect("supplies:warehouse", place_id=warehouse.pk)
    return _warehouse_page(request, actor, warehouse.pk, given={action: form}, status=status)


# Production --------------------------------------------------------------------------------------


class ProductionFilterForm(forms.Form):
    item = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int, required=False)
    start = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item", items)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        end = data.get("end") or clock.today()
        start = data.get("start") or end - dt.timedelta(days=CHART_DAYS - 1)
        if start > end:
            self.add_error("start", _("The chart starts on or before the day it ends."))
        data["start"], data["end"] = start, end
        return data


class ProductionForm(forms.Form):
    producer_id = forms.TypedChoiceField(label=gettext_lazy("Producer"), coerce=int)
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    date = forms.DateField(label=gettext_lazy("Day"), widget=DATE_INPUT)
    capacity = forms.IntegerField(
        label=gettext_lazy("Daily capacity"), min_value=0, required=False, widget=QUANTITY_INPUT
    )
    output = forms.IntegerField(
        label=gettext_lazy("Output"), min_value=0, required=False, widget=QUANTITY_INPUT
    )

    def __init__(
        self, *args: Any, producers: list[tuple[int, str]], items: list[tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _choices(self, "producer_id", producers)
        _choices(self, "item_id", items)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("capacity") is None and data.get("output") is None:
            raise forms.ValidationError(_("Enter the day's capacity, its output or both."))
        return data


def _production_page(
    request: HttpRequest, actor: Actor, *, form: ProductionForm | None = None, status: int = 200
) -> HttpResponse:
    items = _item_choices()
    producers = list(selectors.producer_list(actor=actor))
    params = request.GET.copy()
    if items and not params.get("item"):
        params["item"] = str(items[0][0])
    filters = ProductionFilterForm(params, items=items)
    days: list[dict[str, Any]] = []
    if items and filters.is_valid():
        days = selectors.production_series(
            actor=actor,
            item_id=filters.cleaned_data["item"],
            start=filters.cleaned_data["start"],
            end=filters.cleaned_data["end"],
        )
    producer_choices = [(producer.pk, producer.name) for producer in producers]
    may_record = bool(actor.prefixes_for(MANAGE)) and producer_choices and items
    context = {
        "filters": filters,
        "producers": producers,
        "days": days,
        "any_figures": any(day["capacity"] or day["output"] for day in days),
        "chart": {
            "dates": [str(day["date"]) for day in days],
            "capacity": [day["capacity"] for day in days],
            "output": [day["output"] for day in days],
            "labels": {"capacity": _("Daily capacity"), "output": _("Output")},
        },
        "form": (
            form
            or ProductionForm(
                initial={"date": clock.today(), "item_id": params.get("item")},
                producers=producer_choices,
                items=items,
                auto_id="id_day_%s",
            )
        )
        if may_record
        else None,
    }
    if filters.errors and status == 200:
        status = 400
    return render(request, "supplies/production.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def production_view(request: HttpRequest) -> HttpResponse:
    """Producers, their capacity and output by day of an item; supply officers record a day."""
    actor = page_actor(request)
    require(actor, VIEW)
    if request.method != "POST":
        return _production_page(request, actor)
    require(actor, MANAGE)
    producers = [(producer.pk, producer.name) for producer in selectors.producer_list(actor=actor)]
    form = ProductionForm(request.POST, producers=producers, items=_item_choices(), auto_id="id_day_%s")

    def write(data: dict[str, Any]) -> str:
        services.production_record(actor=actor, **data)
        return _("The day's production is recorded.")

    status = _write(form, write, request, {"producer": "producer_id", "item.": "item_id"})
    if status is None:
        return redirect(f"{reverse('supplies:production')}?item={form.cleaned_data['item_id']}")
    return _production_page(request, actor, form=form, status=status)


# Requests ----------------------------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *RequestStatus.choices],
        required=False,
    )
    item = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item", [("", gettext_lazy("All")), *items])


class RequestForm(forms.Form):
    region = forms.CharField(
        label=gettext_lazy("Requesting region"),
        max_length=12,
        help_text=gettext_lazy("The region code of your area or one below it."),
    )
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity needed"), min_value=1, widget=QUANTITY_INPUT)
    priority = forms.TypedChoiceField(label=gettext_lazy("Priority"), coerce=int, choices=Priority.choices)
    weight = forms.IntegerField(
        label=gettext_lazy("Need weight"),
        min_value=1,
        initial=1,
        help_text=gettext_lazy(
            "Within a priority, shares are proportional to it (patients, staff on duty…)."
        ),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=256)

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item_id", items)


def _request_page(
    request: HttpRequest, actor: Actor, *, form: RequestForm | None = None, status: int = 200
) -> HttpResponse:
    items = _item_choices()
    filters = RequestFilterForm(request.GET, items=items)
    rows: Any = SupplyRequest.objects.none()
    if filters.is_valid():
        rows = selectors.request_list(
            actor=actor, status=filters.cleaned_data["status"] or None, item_id=filters.cleaned_data["item"]
        )
    page = _page(request, rows)
    may_request = bool(actor.prefixes_for(REQUEST))
    context = {
        "filters": filters,
        "filtered": any(request.GET.get(key) for key in filters.fields),
        "page": page,
        "query": _query(request),
        "cancellable": {
            row.pk
            for row in page.object_list
            if row.status == RequestStatus.OPEN and covers(actor, REQUEST, row.region_id)
        },
        "form": (
            form
            or RequestForm(
                initial={"region": actor.prefixes_for(REQUEST)[0], "priority": Priority.NORMAL},
                items=items,
                auto_id="id_request_%s",
            )
        )
        if may_request
        else None,
    }
    if filters.errors and status == 200:
        status = 400
    response = render_page(request, "supplies/requests.html", context, partial="results")
    response.status_code = status
    return response


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def request_list_view(request: HttpRequest) -> HttpResponse:
    """Requests of the jurisdiction by priority; hospitals and regions ask for supplies here."""
    actor = page_actor(request)
    require_any(actor, VIEW, REQUEST)
    if request.method != "POST":
        return _request_page(request, actor)
    require(actor, REQUEST)
    form = RequestForm(request.POST, items=_item_choices(), auto_id="id_request_%s")

    def write(data: dict[str, Any]) -> str:
        created = services.request_create(actor=actor, **data)
        return _("The request for %(quantity)s %(item)s is filed.") % {
            "quantity": created.quantity,
            "item": created.item.name,
        }

    status = _write(form, write, request, {**QUANTITY_ERRORS, "region": "region", "request.": "reason"})
    if status is None:
        return redirect("supplies:requests")
    return _request_page(request, actor, form=form, status=status)


@login_required
@require_POST
@domain_error_pages
def request_cancel_view(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    actor = page_actor(request)
    require(actor, REQUEST)
    services.request_cancel(actor=actor, request_id=request_id)
    messages.success(request, _("The request is cancelled."))
    return redirect("supplies:requests")


# Allocation runs ---------------------------------------------------------------------------------


class RunForm(forms.Form):
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    warehouse_id = forms.TypedChoiceField(label=gettext_lazy("From warehouse"), coerce=int)
    reserve = forms.IntegerField(
        label=gettext_lazy("Keep in reserve"),
        min_value=0,
        initial=0,
        widget=forms.NumberInput(attrs={"min": "0", "step": "1"}),
        help_text=gettext_lazy("Units held back from this run."),
    )

    def __init__(
        self, *args: Any, items: list[tuple[int, str]], warehouses: list[tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _choices(self, "item_id", items)
        _choices(self, "warehouse_id", warehouses)


def _managed_warehouses(actor: Actor, capability: str = MANAGE) -> list[tuple[int, str]]:
    """The warehouses where the actor may use `capability`: the ones its forms offer."""
    warehouses = list(selectors.warehouse_list(actor=actor))
    served = _served(warehouses)
    return [
        (warehouse.pk, str(warehouse))
        for warehouse in warehouses
        if covers(actor, capability, served.get(warehouse.pk, warehouse.place.region_id))
    ]


def _runs_page(
    request: HttpRequest, actor: Actor, *, form: RunForm | None = None, status: int = 200
) -> HttpResponse:
    may_run = bool(actor.prefixes_for(MANAGE))
    context = {
        "page": _page(request, selectors.allocation_run_list(actor=actor)),
        "query": "",
        "form": (
            form or RunForm(items=_item_choices(), warehouses=_managed_warehouses(actor), auto_id="id_run_%s")
        )
        if may_run
        else None,
    }
    return render(request, "supplies/allocations.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def allocation_list_view(request: HttpRequest) -> HttpResponse:
    """Allocation runs, newest first; supply officers run one for an item at a warehouse."""
    actor = page_actor(request)
    require(actor, VIEW)
    if request.method != "POST":
        return _runs_page(request, actor)
    require(actor, MANAGE)
    form = RunForm(
        request.POST, items=_item_choices(), warehouses=_managed_warehouses(actor), auto_id="id_run_%s"
    )
    runs: list[Any] = []

    def write(data: dict[str, Any]) -> str:
        runs.append(services.allocation_run(actor=actor, **data))
        return _("The allocation is done.")

    status = _write(
        form, write, request, {"item.": "item_id", "warehouse.": "warehouse_id", "allocation.": "reserve"}
    )
    if status is None:
        return redirect("supplies:allocation", run_id=runs[0].pk)
    return _runs_page(request, actor, form=form, status=status)


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _tier_sentences(step: dict[str, Any], needs: dict[str, dict[str, Any]], pack: int) -> list[str]:
    """A priority tier of a run in words: the supply before it, the fair share per unit of need
    weight, the requests capped at their need and the rounding to whole packs."""
    tier = step["tier"]
    given: dict[str, int] = step.get("shares", {})
    sentences = [
        _(
            "Priority %(tier)s (%(label)s): %(supply)s units were left for %(count)s requests "
            "asking for %(requested)s; they got %(given)s."
        )
        % {
            "tier": tier,
            "label": Priority(tier).label if tier in Priority.values else tier,
            "supply": _n(step["supply_before"]),
            "count": len(given),
            "requested": _n(step["requested"]),
            "given": _n(step["given"]),
        }
    ]
    if step.get("fully_served"):
        sentences.append(_("Every request of this tier got all it asked for."))
        return sentences
    tier_needs = {key: needs[key] for key in given if key in needs}
    if len(tier_needs) != len(given):
        return sentences
    caps = {key: int(need["quantity"]) // pack * pack for key, need in tier_needs.items()}
    weights = {key: int(need.get("weight", 1)) for key, need in tier_needs.items()}
    fair = water_fill(Fraction(min(step["supply_before"], sum(caps.values()))), caps, weights)
    capped = sorted(key for key in caps if fair[key] == caps[key])
    open_keys = [key for key in caps if key not in capped]
    if open_keys:
        level = fair[open_keys[0]] / weights[open_keys[0]]
        sentences.append(
            _("The others shared the rest equally per unit of need weight: %(share)s units each per unit.")
            % {"share": f"{float(level):,.1f}"}
        )
    if capped:
        sentences.append(
            _("Capped at what they asked for: %(requests)s.")
            % {"requests": ", ".join(str(key)[:8] for key in capped)}
        )
    if pack > 1:
        extra = sum(given.values()) // pack - sum(int(share // pack) for share in fair.values())
        sentences.append(
            _(
                "Shares were rounded down to whole packs of %(pack)s; the packs left over (%(extra)s) went "
                "to the largest remainders."
            )
            % {"pack": pack, "extra": extra}
        )
    return sentences


def _explain(run: Any) -> list[list[str]]:
    """A run's stored explanation as readable sentences, a paragraph a step."""
    needs = {str(need["id"]): need for need in (run.inputs or {}).get("requests", []) if "id" in need}
    pack = 1
    sentences: list[list[str]] = []
    for step in run.explanation or []:
        if step.get("step") == "supply":
            pack = int(step.get("pack_size", 1))
            sentences.append(
                [
                    _("%(available)s units in stock, %(reserve)s kept in reserve: %(supply)s to share.")
                    % {
                        "available": _n(step["available"]),
                        "reserve": _n(step["reserve"]),
                        "supply": _n(step["supply"]),
                    }
                ]
            )
        elif step.get("step") == "tier":
            sentences.append(_tier_sentences(step, needs, pack))
        elif step.get("step") == "done":
            sentences.append(
                [
                    _("In all %(allocated)s units were allocated and %(left)s are left.")
                    % {"allocated": _n(step["allocated"]), "left": _n(step["left"])}
                ]
            )
    return sentences


def _destination(served: dict[int, str], region: str, origin: int) -> int | None:
    """The warehouse serving a requesting region most closely: where its shipment goes."""
    candidates = [(len(path), pk) for pk, path in served.items() if pk != origin and region.startswith(path)]
    return max(candidates)[1] if candidates else None


@login_required
@require_safe
@domain_error_pages
def allocation_detail_view(request: HttpRequest, run_id: uuid.UUID) -> HttpResponse:
    """A run's inputs, what each request got and why, with a shipment form for each line."""
    actor = page_actor(request)
    require(actor, VIEW)
    run = selectors.allocation_run_get(actor=actor, run_id=run_id)
    allocations = list(run.allocations.all())
    may_ship = covers(actor, MANAGE, run.location.region_id)
    served = _served(selectors.warehouse_list(actor=actor)) if may_ship else {}
    origin = run.location.warehouse_id
    lines = []
    for allocation in allocations:
        ship = None
        if may_ship and allocation.quantity:
            query = QueryDict(mutable=True)
            query.update(
                {
                    "allocation": str(allocation.pk),
                    "origin": str(origin),
                    "destination": str(_destination(served, allocation.request.region_id, origin) or ""),
                    "item": str(run.item_id),
                    "quantity": str(allocation.quantity),
                }
            )
            ship = f"{reverse('supplies:shipment_new')}?{query.urlencode()}"
        lines.append({"allocation": allocation, "request": allocation.request, "ship": ship})
    inputs = run.inputs or {}
    context = {
        "run": run,
        "lines": lines,
        "supply": run.available - run.reserve,
        "pack_size": inputs.get("pack_size"),
        "whole_packs": inputs.get("whole_packs"),
        "steps": _explain(run),
    }
    return render(request, "supplies/allocation_detail.html", context)


# Shipments ---------------------------------------------------------------------------------------


class ShipmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *ShipmentStatus.choices],
        required=False,
    )


class ShipmentForm(forms.Form):
    origin_id = forms.TypedChoiceField(label=gettext_lazy("From"), coerce=int)
    destination_id = forms.TypedChoiceField(label=gettext_lazy("To"), coerce=int)
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, widget=QUANTITY_INPUT)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=256, required=False)
    allocation_id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(
        self, *args: Any, origins: list[tuple[int, str]], destinations: list[tuple[int, str]], **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        _choices(self, "origin_id", origins)
        _choices(self, "destination_id", destinations)
        _choices(self, "item_id", _item_choices())


class StatusForm(KeyedForm):
    """The dispatch and delivery buttons: each posts once to the ledger."""


@login_required
@require_safe
@domain_error_pages
def shipment_list_view(request: HttpRequest) -> HttpResponse:
    actor = page_actor(request)
    require(actor, VIEW)
    filters = ShipmentFilterForm(request.GET)
    rows: Any = Shipment.objects.none()
    if filters.is_valid():
        rows = selectors.shipment_list(actor=actor, status=filters.cleaned_data["status"] or None)
    context = {
        "filters": filters,
        "filtered": bool(request.GET.get("status")),
        "page": _page(request, rows),
        "query": _query(request),
    }
    return render_page(request, "supplies/shipments.html", context, partial="results")


def _shipment_form(actor: Actor, data: Any = None, initial: dict[str, Any] | None = None) -> ShipmentForm:
    return ShipmentForm(
        data,
        initial=initial,
        origins=_managed_warehouses(actor),
        destinations=_warehouse_choices(actor),
        auto_id="id_shipment_%s",
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def shipment_new_view(request: HttpRequest) -> HttpResponse:
    """Plan a shipment; from an allocation line the form comes filled in."""
    actor = page_actor(request)
    require(actor, MANAGE)
    if request.method != "POST":
        keys = {"origin": "origin_id", "destination": "destination_id", "item": "item_id"}
        initial = {keys.get(key, key): value for key, value in request.GET.items()}
        if "allocation" in initial:
            initial["allocation_id"] = initial.pop("allocation")
        form = _shipment_form(actor, initial=initial)
        return render(request, "supplies/shipment_new.html", {"form": form})
    form = _shipment_form(actor, request.POST)
    shipments: list[Shipment] = []

    def write(data: dict[str, Any]) -> str:
        shipments.append(
            services.shipment_create(
                actor=actor,
                origin_id=data["origin_id"],
                destination_id=data["destination_id"],
                lines=[(data["item_id"], data["quantity"])],
                allocation_id=data["allocation_id"],
                note=data["note"],
            )
        )
        return _("The shipment is planned.")

    status = _write(
        form,
        write,
        request,
        {
            **QUANTITY_ERRORS,
            "shipment.": "destination_id",
            "warehouse.": "origin_id",
            "allocation.": "quantity",
        },
    )
    if status is None:
        return redirect("supplies:shipment", shipment_id=shipments[0].pk)
    return render(request, "supplies/shipment_new.html", {"form": form}, status=status)


def _shipment_page(
    request: HttpRequest, actor: Actor, shipment_id: Any, *, refused: str = "", status: int = 200
) -> HttpResponse:
    shipment = selectors.shipment_get(actor=actor, shipment_id=shipment_id)
    served = _served([shipment.origin, shipment.destination])
    may_move = any(covers(actor, MANAGE, region) for region in served.values())
    actions = []
    if may_move:
        if shipment.status == ShipmentStatus.PLANNED:
            actions = [("dispatch", _("Dispatch")), ("cancel", _("Cancel the shipment"))]
        elif shipment.status == ShipmentStatus.DISPATCHED:
            actions = [("deliver", _("Mark delivered"))]
    context = {
        "shipment": shipment,
        "lines": list(shipment.lines.select_related("item")),
        "entries": list(shipment.entries.select_related("item", "location").order_by("id")),
        "actions": [(name, label, StatusForm(auto_id=f"id_{name}_%s")) for name, label in actions],
        "refused": refused,
    }
    return render(request, "supplies/shipment_detail.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def shipment_detail_view(request: HttpRequest, shipment_id: uuid.UUID) -> HttpResponse:
    actor = page_actor(request)
    require(actor, VIEW)
    return _shipment_page(request, actor, shipment_id)


@login_required
@require_POST
@domain_error_pages
def shipment_move_view(request: HttpRequest, shipment_id: uuid.UUID, action: str) -> HttpResponse:
    """Dispatch, deliver or cancel a shipment; a refusal shows its page with the reason."""
    actor = page_actor(request)
    require(actor, MANAGE)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _shipment_page(
            request, actor, shipment_id, refused=_("The form has expired: try again."), status=400
        )
    try:
        if action == "dispatch":
            services.shipment_dispatch(
                actor=actor, shipment_id=shipment_id, client_key=form.cleaned_data["client_key"]
            )
            done = _("The shipment is on its way.")
        elif action == "deliver":
            services.shipment_deliver(
                actor=actor, shipment_id=shipment_id, client_key=form.cleaned_data["client_key"]
            )
            done = _("The shipment is delivered.")
        else:
            services.shipment_cancel(actor=actor, shipment_id=shipment_id)
            done = _("The shipment is cancelled.")
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _shipment_page(request, actor, shipment_id, refused=exc.render_message(), status=exc.status)
    messages.success(request, done)
    return redirect("supplies:shipment", shipment_id=shipment_id)


# Donations ---------------------------------------------------------------------------------------


class DonationForm(KeyedForm):
    direction = forms.ChoiceField(label=gettext_lazy("Direction"), choices=DonationDirection.choices)
    kind = forms.ChoiceField(label=gettext_lazy("Money or goods"), choices=DonationKind.choices)
    donor = forms.CharField(label=gettext_lazy("Donor"), max_length=128)
    country = forms.CharField(label=gettext_lazy("Country"), max_length=64, required=False)
    association = forms.CharField(label=gettext_lazy("Association"), max_length=128, required=False)
    recipient = forms.CharField(label=gettext_lazy("Recipient"), max_length=128)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DATE_INPUT)
    receipt_number = forms.CharField(label=gettext_lazy("Receipt number"), max_length=64)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (CNY)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    item_id = forms.TypedChoiceField(label=gettext_lazy("Item"), coerce=int, required=False, empty_value=None)
    quantity = forms.IntegerField(
        label=gettext_lazy("Quantity"), min_value=1, required=False, widget=QUANTITY_INPUT
    )
    warehouse_id = forms.TypedChoiceField(
        label=gettext_lazy("Into warehouse"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=gettext_lazy("Goods received are posted to this warehouse's ledger."),
    )
    use = forms.CharField(label=gettext_lazy("Used for"), max_length=256, required=False)
    public = forms.BooleanField(label=gettext_lazy("Show on the public page"), required=False, initial=True)

    def __init__(self, *args: Any, warehouses: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "item_id", [("", "—"), *_item_choices()])
        _choices(self, "warehouse_id", [("", "—"), *warehouses])


def _donations_page(
    request: HttpRequest, actor: Actor, *, form: DonationForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "page": _page(request, selectors.donation_list(actor=actor)),
        "query": "",
        "form": form
        or DonationForm(
            initial={"date": clock.today(), "direction": DonationDirection.IN, "kind": DonationKind.MONEY},
            warehouses=_managed_warehouses(actor, DONATIONS),
            auto_id="id_donation_%s",
        ),
    }
    return render(request, "supplies/donations.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def donation_list_view(request: HttpRequest) -> HttpResponse:
    """Donations received and given, and the form recording one."""
    actor = page_actor(request)
    require(actor, DONATIONS)
    if request.method != "POST":
        return _donations_page(request, actor)
    form = DonationForm(
        request.POST, warehouses=_managed_warehouses(actor, DONATIONS), auto_id="id_donation_%s"
    )

    def write(data: dict[str, Any]) -> str:
        options = dict(data)
        if options["kind"] == DonationKind.MONEY:
            options.update(item_id=None, quantity=None, warehouse_id=None)
        else:
            options["amount"] = None
        if options["warehouse_id"] is None:
            options["client_key"] = None
        services.donation_record(actor=actor, **options)
        return _("The donation %(receipt)s is recorded.") % {"receipt": data["receipt_number"]}

    by_code = {
        **QUANTITY_ERRORS,
        "donation.duplicate_receipt": "receipt_number",
        "donation.amount": "amount",
        "donation.item": "item_id",
        "donation.quantity": "quantity",
        "warehouse.": "warehouse_id",
        "ledger.key_reused": "client_key",
    }
    status = _write(form, write, request, by_code)
    if status is None:
        return redirect("supplies:donations")
    return _donations_page(request, actor, form=form, status=status)


@require_safe
def transparency_view(request: HttpRequest) -> HttpResponse:
    """Public, no sign-in: who gave what, from which country and association, and where it went."""
    return render(request, "supplies/transparency.html", {"data": selectors.transparency()})
