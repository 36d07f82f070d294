"""Pages of the consumption vouchers: the resident's programmes and vouchers on a phone, the
merchant's shop (registration, redeeming at the till, refunds, settlements), and for officials the
programmes with their stock and eligibility lists, the merchant and fraud review queues and the
statistics by region and category.

Money is kept in fen; pages show yuan with two decimals and read amounts typed in yuan exactly
(a third decimal is refused, never rounded). Reads go through the selectors, writes through the
services, whose refusals are shown next to the field with the input kept.
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
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
    form_refusal,
    form_write,
    page_actor,
    paginate,
    qr_svg,
    redirect_back,
    render_list,
)
from fangyi.core.selectors import row_by_key
from fangyi.core.validators import mask_name
from fangyi.people.models import Person
from fangyi.vouchers import fraud, merchants, selectors, services, stats
from fangyi.vouchers.choices import (
    ClaimMode,
    EligibleGroup,
    FlagStatus,
    FraudRule,
    FunderKind,
    MerchantCategory,
    MerchantStatus,
    ProgramStatus,
    RedemptionStatus,
    VoucherStatus,
)
from fangyi.vouchers.models import Denomination, Program, Redemption
from fangyi.vouchers.services import yuan

VIEW = "vouchers.view"
MANAGE = "vouchers.manage"
MERCHANT = "vouchers.merchant"
CLAIM = "vouchers.claim"

PAGE_SIZE = 25
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
COUNT_INPUT = forms.NumberInput(attrs={"min": "1", "step": "1", "inputmode": "numeric"})
# Enough for a large employer's list in one paste; bigger lists go in several.
MAX_ID_LINES = 5000


# Money -------------------------------------------------------------------------------------------


class YuanField(forms.DecimalField):
    """An amount typed in yuan, cleaned to whole fen; more than two decimals is refused."""

    default_error_messages = {
        "max_decimal_places": gettext_lazy("Give the amount in yuan to the fen: at most 2 decimals."),
        "max_whole_digits": gettext_lazy("The amount is too large."),
        "max_digits": gettext_lazy("The amount is too large."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", Decimal("0.01"))
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}))
        super().__init__(max_digits=14, decimal_places=2, **kwargs)

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        return None if amount is None else int(amount * 100)


def _denomination_label(denomination: Denomination) -> str:
    return _("Spend %(threshold)s, get %(face)s off") % {
        "threshold": yuan(denomination.threshold_fen),
        "face": yuan(denomination.face_value_fen),
    }


# Shared ------------------------------------------------------------------------------------------


def _home_region(actor: Actor, capability: str = VIEW) -> str:
    return actor.prefixes_for(capability)[0]


def _labels(choices: type[Any], values: list[str]) -> list[str]:
    """The labels of stored choice values (a value no longer offered shows as itself)."""
    labels = dict(choices.choices)
    return [str(labels.get(value, value)) for value in values]


def _checkboxes(choices: type[Any], **options: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(choices=choices.choices, widget=forms.CheckboxSelectMultiple, **options)


def _my_person(actor: Actor) -> tuple[Person | None, str]:
    """The resident the login holds vouchers as, or why it has none: a login not linked to a
    resident is told so on the page rather than refused."""
    try:
        return selectors.resident_of(actor), ""
    except DomainError as exc:
        if exc.code != "claim.no_resident":
            raise
        return None, exc.render_message()


# The resident's programmes and vouchers ----------------------------------------------------------


def _claim_rows(programs: list[Program], held: dict[int, int], entered: set[int]) -> list[dict[str, Any]]:
    rows = []
    for program in programs:
        denominations = list(program.denominations.all())
        rows.append(
            {
                "program": program,
                "denominations": [
                    {"denomination": d, "label": _denomination_label(d), "left": d.remaining}
                    for d in denominations
                ],
                "lottery": program.claiming == ClaimMode.LOTTERY,
                "entered": program.pk in entered,
                "held": held.get(program.pk, 0),
                "full": held.get(program.pk, 0) >= program.per_person_limit,
                "categories": _labels(MerchantCategory, program.categories),
                "regions": [region.name for region in program.regions.all()],
            }
        )
    return rows


@login_required
@require_safe
@domain_error_pages
def home_view(request: HttpRequest) -> HttpResponse:
    """The resident's phone page: the programmes open for claiming now that still have vouchers
    left, with a claim button per denomination or the lottery entry."""
    actor = page_actor(request)
    require(actor, CLAIM)
    person, missing = _my_person(actor)
    programs = list(selectors.programs_open().prefetch_related("denominations", "regions"))
    held: dict[int, int] = {}
    entered: set[int] = set()
    if person is not None:
        for voucher in selectors.vouchers_of(person).filter(program__in=programs):
            held[voucher.program_id] = held.get(voucher.program_id, 0) + 1
        entered = set(
            selectors.lottery_entries_of(person)
            .filter(program__in=programs)
            .values_list("program_id", flat=True)
        )
    context = {"no_resident": missing, "rows": _claim_rows(programs, held, entered)}
    return render(request, "vouchers/home.html", context)


def _claim(request: HttpRequest, act: Callable[[Actor], str]) -> HttpResponse:
    """A resident's claim or lottery entry: to their vouchers when done, back to the list if refused."""
    actor = page_actor(request)
    require(actor, CLAIM)
    done: list[str] = []

    def write() -> str:
        done.append(act(actor))
        return done[0]

    button_write(request, write)
    return redirect("vouchers:mine" if done else "vouchers:home")


KIND = forms.IntegerField(required=False, min_value=1)


@login_required
@require_POST
@domain_error_pages
def claim_view(request: HttpRequest, program_id: int) -> HttpResponse:
    # The kind the button names (the service finds one with stock left when none is named).
    try:
        denomination_id = KIND.clean(request.POST.get("denomination", ""))
    except forms.ValidationError:
        messages.error(request, _("Choose a kind of voucher of the programme."))
        return redirect("vouchers:home")

    def act(actor: Actor) -> str:
        voucher = services.voucher_claim(actor=actor, program_id=program_id, denomination_id=denomination_id)
        return _("Voucher %(code)s is yours: show it at the till.") % {"code": voucher.code}

    return _claim(request, act)


@login_required
@require_POST
@domain_error_pages
def lottery_enter_view(request: HttpRequest, program_id: int) -> HttpResponse:
    def act(actor: Actor) -> str:
        services.lottery_enter(actor=actor, program_id=program_id)
        return _("You are in the lottery; the winners' vouchers appear here after the draw.")

    return _claim(request, act)


@login_required
@require_safe
@domain_error_pages
def mine_view(request: HttpRequest) -> HttpResponse:
    """The resident's vouchers: each code as a QR with what it is good for, until when, and
    whether it is spent; then their lottery entries."""
    actor = page_actor(request)
    require(actor, CLAIM)
    person, missing = _my_person(actor)
    context: dict[str, Any] = {"no_resident": missing, "vouchers": [], "entries": []}
    if person is not None:
        now = clock.now()
        vouchers = selectors.vouchers_of(person)
        context["vouchers"] = [
            {
                "voucher": voucher,
                "label": _denomination_label(voucher.denomination),
                "qr": qr_svg(voucher.code, scale=8) if voucher.status == VoucherStatus.HELD else "",
                "expired": voucher.status == VoucherStatus.HELD and voucher.program.valid_until <= now,
                "not_yet": voucher.program.valid_from > now,
                "categories": _labels(MerchantCategory, voucher.program.categories),
            }
            for voucher in vouchers
        ]
        context["entries"] = list(selectors.lottery_entries_of(person))
    return render(request, "vouchers/mine.html", context)


# The merchant's shop -----------------------------------------------------------------------------


class MerchantForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Shop name"), max_length=128)
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=MerchantCategory.choices)
    small_micro = forms.BooleanField(
        label=gettext_lazy("Small or micro business"), required=False, initial=True
    )
    region = forms.CharField(
        label=gettext_lazy("Region (code)"),
        max_length=12,
        help_text=gettext_lazy("The code of the township, village or community the shop is in."),
    )
    credit_code = forms.CharField(
        label=gettext_lazy("Unified social credit code"), max_length=18, required=False
    )
    address = forms.CharField(label=gettext_lazy("Address"), max_length=256, required=False)


class RedeemForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Voucher code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    order_no = forms.CharField(label=gettext_lazy("Order number"), max_length=64)
    amount = YuanField(label=gettext_lazy("Order amount (yuan)"))

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip().upper()


REDEEM_ERRORS = {
    "voucher.": "code",
    "redeem.invalid_order_no": "order_no",
    "redeem.order_replayed": "order_no",
    "redeem.invalid_amount": "amount",
    "redeem.below_threshold": "amount",
}


def _redemption_row(redemption: Redemption) -> dict[str, Any]:
    return {
        "redemption": redemption,
        "amount": yuan(redemption.order_amount_fen),
        "discount": yuan(redemption.discount_fen),
        "paid": yuan(redemption.order_amount_fen - redemption.discount_fen),
        "refundable": redemption.status == RedemptionStatus.DONE and redemption.settlement_id is None,
    }


def _shop_page(
    request: HttpRequest,
    actor: Actor,
    *,
    register: MerchantForm | None = None,
    redeem: tuple[int, RedeemForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    shops = list(merchants.my_merchants(actor))
    context: dict[str, Any] = {"shops": shops}
    if not shops:
        context["form"] = register or MerchantForm(auto_id="id_shop_%s")
        return render(request, "vouchers/shop.html", context, status=status)
    wanted = request.GET.get("merchant", "")
    shop = next((m for m in shops if str(m.pk) == wanted), shops[0])
    if redeem is not None:
        shop = next(m for m in shops if m.pk == redeem[0])
    context["shop"] = shop
    if shop.status == MerchantStatus.APPROVED:
        context["redeem"] = redeem[1] if redeem is not None else RedeemForm(auto_id="id_redeem_%s")
        context["today"] = [
            _redemption_row(r) for r in selectors.redemptions_of(actor, shop.pk, day=clock.today())
        ]
        context["settlements"] = [
            {"settlement": s, "amount": yuan(s.amount_fen)}
            for s in selectors.settlements_of(actor, shop.pk)[:PAGE_SIZE]
        ]
    return render(request, "vouchers/shop.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def shop_view(request: HttpRequest) -> HttpResponse:
    """The merchant's till: the registration form until the login has a shop; while it waits for
    review, its status; once approved, the redeem form, today's redemptions with refunds and the
    settlements paid."""
    actor = page_actor(request)
    require(actor, MERCHANT)
    if request.method != "POST":
        return _shop_page(request, actor)
    form = MerchantForm(request.POST, auto_id="id_shop_%s")

    def write(data: dict[str, Any]) -> str:
        merchants.merchant_register(actor=actor, **data)
        return _("Your shop is registered; the county reviews it before it takes vouchers.")

    status = form_write(request, form, write)
    if status is None:
        return redirect("vouchers:shop")
    return _shop_page(request, actor, register=form, status=status)


@login_required
@require_POST
@domain_error_pages
def redeem_view(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """The till redeems a voucher against an order; the same order again changes nothing."""
    actor = page_actor(request)
    require(actor, MERCHANT)
    form = RedeemForm(request.POST, auto_id="id_redeem_%s")

    def write(data: dict[str, Any]) -> str:
        redemption, created = services.voucher_redeem(
            actor=actor,
            merchant_id=merchant_id,
            code=data["code"],
            order_no=data["order_no"],
            order_amount_fen=data["amount"],
        )
        row = _redemption_row(redemption)
        if not created:
            return _("Order %(order)s was already redeemed with this voucher: nothing changed.") % {
                "order": redemption.order_no
            }
        return _("Voucher redeemed: %(discount)s off order %(order)s; the customer pays %(paid)s.") % {
            "discount": row["discount"],
            "order": redemption.order_no,
            "paid": row["paid"],
        }

    status = form_write(request, form, write, REDEEM_ERRORS)
    if status is None:
        return redirect(f"{reverse('vouchers:shop')}?merchant={merchant_id}")
    if not merchants.my_merchants(actor).filter(pk=merchant_id).exists():
        raise selectors.merchant_not_found()
    return _shop_page(request, actor, redeem=(merchant_id, form), status=status)


@login_required
@require_POST
@domain_error_pages
def refund_view(request: HttpRequest, redemption_id: int) -> HttpResponse:
    """The merchant (or an official) refunds a redemption not yet settled: the voucher is held again."""
    actor = page_actor(request)
    require_any(actor, MERCHANT, MANAGE)

    def act() -> str:
        redemption = services.redemption_refund(actor=actor, redemption_id=redemption_id)
        return _("Order %(order)s is refunded; the voucher can be used again.") % {
            "order": redemption.order_no
        }

    button_write(request, act)
    return redirect_back(request, "/vouchers/", "vouchers:shop")


# Officials: programmes ---------------------------------------------------------------------------


class ProgramForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=128)
    funder_kind = forms.ChoiceField(label=gettext_lazy("Funder"), choices=FunderKind.choices)
    funder = forms.CharField(label=gettext_lazy("Funder's name"), max_length=128)
    region = forms.CharField(
        label=gettext_lazy("Issuing region (code)"),
        max_length=12,
        help_text=gettext_lazy("Its officials run the programme."),
    )
    regions = forms.CharField(
        label=gettext_lazy("Spent in (region codes)"),
        max_length=400,
        help_text=gettext_lazy("Regions inside the issuing one, separated by spaces or commas."),
    )
    budget = YuanField(label=gettext_lazy("Budget (yuan)"))
    categories = _checkboxes(MerchantCategory, label=gettext_lazy("Good at"))
    claiming = forms.ChoiceField(label=gettext_lazy("Claiming"), choices=ClaimMode.choices)
    eligible_groups = _checkboxes(
        EligibleGroup,
        label=gettext_lazy("Eligible groups"),
        required=False,
        help_text=gettext_lazy("For an eligibility list: who may be put on it."),
    )
    per_person_limit = forms.IntegerField(
        label=gettext_lazy("Vouchers per person"), min_value=1, max_value=100, widget=COUNT_INPUT
    )
    claim_opens = forms.DateTimeField(label=gettext_lazy("Claiming opens"), widget=DATETIME_INPUT)
    claim_closes = forms.DateTimeField(label=gettext_lazy("Claiming closes"), widget=DATETIME_INPUT)
    valid_from = forms.DateTimeField(label=gettext_lazy("Valid from"), widget=DATETIME_INPUT)
    valid_until = forms.DateTimeField(label=gettext_lazy("Valid until"), widget=DATETIME_INPUT)

    def clean_regions(self) -> list[str]:
        raw = str(self.cleaned_data["regions"]).replace(",", " ").replace("，", " ")
        codes = list(dict.fromkeys(raw.split()))
        if not codes:
            raise forms.ValidationError(_("Give at least one region code."))
        return codes


class DenominationForm(forms.Form):
    face_value = YuanField(label=gettext_lazy("Face value (yuan)"), required=False)
    threshold = YuanField(label=gettext_lazy("Minimum spend (yuan)"), required=False)
    stock = forms.IntegerField(
        label=gettext_lazy("Vouchers"), min_value=1, max_value=10_000_000, required=False, widget=COUNT_INPUT
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [data.get(name) is not None for name in ("face_value", "threshold", "stock")]
        if any(given) and not all(given):
            raise forms.ValidationError(
                _("Give the face value, the minimum spend and the number of vouchers.")
            )
        return data


class BaseDenominationFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not _denominations(self):
            raise forms.ValidationError(_("Give at least one denomination."))


def _denominations(rows: forms.BaseFormSet) -> list[dict[str, int]]:
    """The filled rows of a valid denomination formset as the service takes them (in fen)."""
    return [
        {"face_value_fen": data["face_value"], "threshold_fen": data["threshold"], "stock": data["stock"]}
        for data in (form.cleaned_data for form in rows.forms)
        if data.get("face_value") is not None
    ]


DenominationFormSet = forms.formset_factory(
    DenominationForm, formset=BaseDenominationFormSet, extra=3, max_num=10, absolute_max=10, validate_max=True
)

PROGRAM_ERRORS = {
    "program.invalid_regions": "regions",
    "program.invalid_budget": "budget",
    "program.invalid_window": "claim_closes",
    "program.invalid_categories": "categories",
    "program.invalid_groups": "eligible_groups",
    "program.invalid_limit": "per_person_limit",
    "program.invalid_name": "name",
    "program.invalid_funder": "funder",
    "region.": "region",
}


def _program_row(program: Program) -> dict[str, Any]:
    return {"program": program, "budget": yuan(program.budget_fen)}


def _programs_page(
    request: HttpRequest,
    actor: Actor,
    *,
    form: ProgramForm | None = None,
    rows: Any = None,
    status: int = 200,
) -> HttpResponse:
    page = paginate(request, selectors.programs_for(actor), PAGE_SIZE)
    context: dict[str, Any] = {
        "page": page,
        "rows": [_program_row(program) for program in page.object_list],
    }
    if actor.prefixes_for(MANAGE):
        context["form"] = form or ProgramForm(
            initial={"region": _home_region(actor, MANAGE), "per_person_limit": 1}, auto_id="id_program_%s"
        )
        context["rows_formset"] = rows or DenominationFormSet(prefix="denomination")
    return render(request, "vouchers/programs.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@domain_error_pages
def programs_view(request: HttpRequest) -> HttpResponse:
    """The programmes of the jurisdiction, newest first; managers create one (a draft)."""
    actor = page_actor(request)
    require(actor, VIEW)
    if request.method != "POST":
        return _programs_page(request, actor)
    require(actor, MANAGE)
    form = ProgramForm(request.POST, auto_id="id_program_%s")
    rows = DenominationFormSet(request.POST, prefix="denomination")
    if not (form.is_valid() & rows.is_valid()):
        return _programs_page(request, actor, form=form, rows=rows, status=400)
    data = form.cleaned_data
    try:
        program = services.program_create(
            actor=actor,
            name=data["name"],
            funder_kind=data["funder_kind"],
            funder=data["funder"],
            region=data["region"],
            regions=data["regions"],
            budget_fen=data["budget"],
            categories=data["categories"],
            claiming=data["claiming"],
            per_person_limit=data["per_person_limit"],
            claim_opens=data["claim_opens"],
            claim_closes=data["claim_closes"],
            valid_from=data["valid_from"],
            valid_until=data["valid_until"],
            denominations=_denominations(rows),
            eligible_groups=data["eligible_groups"],
        )
    except DomainError as exc:
        if exc.field == "denominations" and exc.status not in (403, 404):
            # A refusal of the denominations themselves is shown above their rows.
            rows.non_form_errors().append(exc.render_message())
            status = exc.status
        else:
            status = form_refusal(form, exc, PROGRAM_ERRORS)
        return _programs_page(request, actor, form=form, rows=rows, status=status)
    messages.success(request, _("The programme is saved as a draft; publish it when it is ready."))
    return redirect("vouchers:program", program_id=program.pk)


class EligibilityForm(forms.Form):
    group = forms.ChoiceField(label=gettext_lazy("Group"), choices=EligibleGroup.choices)
    id_numbers = forms.CharField(
        label=gettext_lazy("Identity numbers"),
        max_length=MAX_ID_LINES * 20,
        widget=forms.Textarea(attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("One per line, as they appear on the employer's or union's list."),
    )

    def __init__(self, *args: Any, groups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(group, label) for group, label in EligibleGroup.choices if group in groups]

    def clean_id_numbers(self) -> list[str]:
        # Lines keep their numbers: the service names the ones it cannot match by position.
        lines = [line.strip() for line in str(self.cleaned_data["id_numbers"]).strip().splitlines()]
        if len(lines) > MAX_ID_LINES:
            raise forms.ValidationError(
                _("At most %(limit)s identity numbers at a time.") % {"limit": MAX_ID_LINES}
            )
        return lines


ELIGIBILITY_ERRORS = {"eligibility.": "id_numbers", "program.": "id_numbers"}


def _program_for(actor: Actor, program_id: int) -> Program:
    """A programme of the actor's jurisdiction, else not found (outside it is not told apart)."""
    program = row_by_key(
        selectors.programs_for(actor).prefetch_related("denominations", "regions"), program_id
    )
    if program is None:
        raise selectors.program_not_found()
    return program


def _program_page(
    request: HttpRequest,
    actor: Actor,
    program_id: int,
    *,
    form: EligibilityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    program = _program_for(actor, program_id)
    may_manage = covers(actor, MANAGE, program.region_id)
    now = clock.now()
    denominations = [
        {
            "denomination": d,
            "label": _denomination_label(d),
            "claimed": d.stock - d.remaining,
        }
        for d in program.denominations.all()
    ]
    is_list = program.claiming == ClaimMode.LIST
    context: dict[str, Any] = {
        "program": program,
        "denominations": denominations,
        "figures": _figures(stats.program_stats(region=program.region_id, program_id=program.pk)),
        "budget": yuan(program.budget_fen),
        "categories": _labels(MerchantCategory, program.categories),
        "groups": _labels(EligibleGroup, program.eligible_groups),
        "regions": list(program.regions.all()),
        "may_manage": may_manage,
        "is_draft": program.status == ProgramStatus.DRAFT,
        "is_published": program.status == ProgramStatus.PUBLISHED,
        "is_lottery": program.claiming == ClaimMode.LOTTERY,
        "may_draw": may_manage
        and program.claiming == ClaimMode.LOTTERY
        and program.drawn_at is None
        and program.claim_closes <= now
        and program.status != ProgramStatus.DRAFT,
        "eligible": program.eligible.count() if is_list else None,
        "entries": program.entries.count() if program.claiming == ClaimMode.LOTTERY else None,
    }
    if may_manage and is_list and program.status != ProgramStatus.CLOSED:
        context["form"] = form or EligibilityForm(groups=program.eligible_groups, auto_id="id_eligible_%s")
    return render(request, "vouchers/program.html", context, status=status)


@login_required
@require_safe
@domain_error_pages
def program_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """A programme: its denominations with the stock left, its figures, and for its managers the
    eligibility list upload, publishing, closing and the lottery draw."""
    actor = page_actor(request)
    require(actor, VIEW)
    return _program_page(request, actor, program_id)


@login_required
@require_POST
@domain_error_pages
def eligibility_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """A manager adds residents to a programme's eligibility list by identity number, all or none."""
    actor = page_actor(request)
    require(actor, MANAGE)
    program = _program_for(actor, program_id)
    form = EligibilityForm(request.POST, groups=program.eligible_groups, auto_id="id_eligible_%s")

    def write(data: dict[str, Any]) -> str:
        result = services.eligibility_add(
            actor=actor, program_id=program.pk, group=data["group"], id_numbers=data["id_numbers"]
        )
        return _("%(added)s added to the list, %(already)s already on it.") % {
            "added": result.added,
            "already": result.already,
        }

    status = form_write(request, form, write, ELIGIBILITY_ERRORS)
    if status is None:
        return redirect("vouchers:program", program_id=program.pk)
    return _program_page(request, actor, program.pk, form=form, status=status)


PROGRAM_ACTIONS: dict[str, tuple[Callable[..., Program], Any]] = {
    "publish": (services.program_publish, gettext_lazy("The programme is published: residents can claim.")),
    "close": (services.program_close, gettext_lazy("The programme is closed.")),
}


@login_required
@require_POST
@domain_error_pages
def program_action_view(request: HttpRequest, program_id: int, action: str) -> HttpResponse:
    actor = page_actor(request)
    require(actor, MANAGE)
    write, done = PROGRAM_ACTIONS[action]

    def act() -> str:
        write(actor=actor, program_id=program_id)
        return str(done)

    button_write(request, act)
    return redirect("vouchers:program", program_id=program_id)


@login_required
@require_POST
@domain_error_pages
def lottery_draw_view(request: HttpRequest, program_id: int) -> HttpResponse:
    """After claiming closes, a manager draws the lottery once: the winners get their vouchers."""
    actor = page_actor(request)
    require(actor, MANAGE)

    def act() -> str:
        result = services.lottery_draw(actor=actor, program_id=program_id)
        return _("The lottery is drawn: %(winners)s winners of %(entries)s entries.") % {
            "winners": result.winners,
            "entries": result.entries,
        }

    button_write(request, act)
    return redirect("vouchers:program", program_id=program_id)


# Officials: review queues ------------------------------------------------------------------------


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=gettext_lazy("Decision"), choices=[])
    note = forms.CharField(label=gettext_lazy("Note"), max_length=256, required=False)

    def __init__(self, *args: Any, decisions: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["decision"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = decisions


# What a reviewer may do to a merchant in each status.
MERCHANT_DECISIONS: dict[str, list[tuple[str, Any]]] = {
    MerchantStatus.PENDING: [("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))],
    MerchantStatus.APPROVED: [("suspend", gettext_lazy("Suspend"))],
    MerchantStatus.SUSPENDED: [("reinstate", gettext_lazy("Reinstate"))],
    MerchantStatus.REJECTED: [],
}
MERCHANT_DONE = {
    "approve": gettext_lazy("%(name)s is approved: it takes vouchers from now on."),
    "reject": gettext_lazy("%(name)s is rejected."),
    "suspend": gettext_lazy("%(name)s is suspended: it takes no vouchers until reinstated."),
    "reinstate": gettext_lazy("%(name)s is reinstated."),
}
FLAG_DECISIONS: list[tuple[str, Any]] = [
    ("clear", gettext_lazy("Clear: nothing wrong")),
    ("confirm", gettext_lazy("Confirm fraud")),
]
REVIEW_ERRORS = {
    "merchant.note": "note",
    "flag.note": "note",
    "merchant.invalid_decision": "decision",
    "merchant.invalid_transition": "decision",
    "flag.invalid_decision": "decision",
}


class MerchantFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[("", gettext_lazy("All")), *MerchantStatus.choices],
        required=False,
        initial=MerchantStatus.PENDING,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("All")), *MerchantCategory.choices],
        required=False,
    )


def _merchants_page(
    request: HttpRequest,
    actor: Actor,
    *,
    given: tuple[int, ReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    query = (
        request.GET if "status" in request.GET else {"status": MerchantStatus.PENDING, **request.GET.dict()}
    )
    filters = MerchantFilterForm(query)
    rows: Any = []
    if filters.is_valid():
        rows = merchants.merchants_for(
            actor,
            status=filters.cleaned_data["status"] or None,
            category=filters.cleaned_data["category"] or None,
        )
    page = paginate(request, rows, PAGE_SIZE)
    given_id, given_form = given or (None, None)
    context = {
        "filters": filters,
        "page": page,
        "rows": [
            {
                "merchant": merchant,
                "may_review": covers(actor, MANAGE, merchant.region_id)
                and bool(MERCHANT_DECISIONS[merchant.status]),
                "form": given_form
                if given_form is not None and merchant.pk == given_id
                else ReviewForm(
                    decisions=MERCHANT_DECISIONS[merchant.status], auto_id=f"id_m{merchant.pk}_%s"
                ),
            }
            for merchant in page.object_list
        ],
        "filtered": bool(request.GET.get("status") or request.GET.get("category")),
    }
    if filters.errors and status == 200:
        status = 400
    return render_list(request, "vouchers/merchants.html", context, status)


@login_required
@require_safe
@domain_error_pages
def merchants_view(request: HttpRequest) -> HttpResponse:
    """The merchants of the jurisdiction, those waiting for review first by default."""
    actor = page_actor(request)
    require(actor, MANAGE)
    return _merchants_page(request, actor)


@login_required
@require_POST
@domain_error_pages
def merchant_review_view(request: HttpRequest, merchant_id: int) -> HttpResponse:
    """Approve, reject, suspend or reinstate a merchant; rejecting and suspending say why."""
    actor = page_actor(request)
    require(actor, MANAGE)
    merchant = merchants.merchant_get(actor, merchant_id)
    form = ReviewForm(
        request.POST, decisions=MERCHANT_DECISIONS[merchant.status], auto_id=f"id_m{merchant.pk}_%s"
    )

    def write(data: dict[str, Any]) -> str:
        merchants.merchant_review(
            actor=actor, merchant_id=merchant.pk, decision=data["decision"], note=data["note"]
        )
        return str(MERCHANT_DONE[data["decision"]]) % {"name": merchant.name}

    status = form_write(request, form, write, REVIEW_ERRORS)
    if status is None:
        return redirect_back(request, "/vouchers/", "vouchers:merchants")
    return _merchants_page(request, actor, given=(merchant.pk, form), status=status)


class FlagFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All")), *FlagStatus.choices], required=False
    )
    rule = forms.ChoiceField(
        label=gettext_lazy("Rule"), choices=[("", gettext_lazy("All")), *FraudRule.choices], required=False
    )


def _flag_detail(rule: str, detail: dict[str, Any]) -> str:
    """What the rule saw, in words."""
    if rule == FraudRule.OUT_OF_REGION:
        return _("Claimed by a resident of %(region)s.") % {"region": detail.get("claimed_in", "—")}
    if rule == FraudRule.REPEATED_PAIR:
        return _("%(count)s redemptions at this merchant in the programme.") % {"count": detail.get("count")}
    text = _("%(count)s redemptions within %(minutes)s minutes.") % {
        "count": detail.get("count"),
        "minutes": detail.get("minutes"),
    }
    orders = detail.get("orders")
    if orders:
        text += " " + _("Orders: %(orders)s.") % {"orders": ", ".join(str(order) for order in orders)}
    return text


def _flags_page(
    request: HttpRequest,
    actor: Actor,
    *,
    given: tuple[int, ReviewForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    query = request.GET if "status" in request.GET else {"status": FlagStatus.OPEN, **request.GET.dict()}
    filters = FlagFilterForm(query)
    rows: Any = []
    if filters.is_valid():
        rows = fraud.flags_for(
            actor, status=filters.cleaned_data["status"] or None, rule=filters.cleaned_data["rule"] or None
        )
    page = paginate(request, rows, PAGE_SIZE)
    given_id, given_form = given or (None, None)
    context = {
        "filters": filters,
        "page": page,
        "rows": [
            {
                "flag": flag,
                "holder": mask_name(flag.holder.name) if flag.holder else "—",
                "detail": _flag_detail(flag.rule, flag.detail),
                "form": given_form
                if given_form is not None and flag.pk == given_id
                else ReviewForm(decisions=FLAG_DECISIONS, auto_id=f"id_f{flag.pk}_%s"),
            }
            for flag in page.object_list
        ],
        "filtered": bool(request.GET.get("status") or request.GET.get("rule")),
    }
    if filters.errors and status == 200:
        status = 400
    return render_list(request, "vouchers/flags.html", context, status)


@login_required
@require_safe
@domain_error_pages
def flags_view(request: HttpRequest) -> HttpResponse:
    """Claims and redemptions the fraud rules picked out, the open ones first by default."""
    actor = page_actor(request)
    require(actor, MANAGE)
    return _flags_page(request, actor)


@login_required
@require_POST
@domain_error_pages
def flag_review_view(request: HttpRequest, flag_id: int) -> HttpResponse:
    """Clear a flag or confirm the fraud, saying what the review found."""
    actor = page_actor(request)
    require(actor, MANAGE)
    form = ReviewForm(request.POST, decisions=FLAG_DECISIONS, auto_id=f"id_f{flag_id}_%s")

    def write(data: dict[str, Any]) -> str:
        fraud.flag_review(actor=actor, flag_id=flag_id, decision=data["decision"], note=data["note"])
        return _("The flag is cleared.") if data["decision"] == "clear" else _("The fraud is confirmed.")

    status = form_write(request, form, write, REVIEW_ERRORS)
    if status is None:
        return redirect_back(request, "/vouchers/", "vouchers:flags")
    return _flags_page(request, actor, given=(flag_id, form), status=status)


# Officials: statistics ---------------------------------------------------------------------------


class StatsForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("Region code"), max_length=12, required=False)
    program = forms.TypedChoiceField(
        label=gettext_lazy("Programme"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, programs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", gettext_lazy("All programmes")), *programs]


def _figure_row(figures: dict[str, Any]) -> dict[str, Any]:
    """One set of the statistics' figures as the page shows them: money in yuan."""
    claimed = figures.get("claimed")
    return {
        "claimed": claimed["count"] if claimed else None,
        "claimed_yuan": yuan(claimed["fen"]) if claimed else "—",
        "redeemed": figures["redeemed"]["count"],
        "redeemed_yuan": yuan(figures["redeemed"]["fen"]),
        "refunded": figures["refunded"]["count"],
        "order_yuan": yuan(figures["order_amount_fen"]),
        "leverage": "—" if figures["leverage"] is None else f"{figures['leverage']:.2f}",
        "small_share": figures["small_micro_share"]["fen"],
        "merchants": figures["merchants"]["approved"],
        "small_merchants": figures["merchants"]["small_micro"],
    }


def _figures(figures: dict[str, Any]) -> dict[str, Any]:
    """The statistics for the page: the totals, the rows by region and by category, and the
    chart's series (yuan by region, with the translated series names)."""
    categories = dict(MerchantCategory.choices)
    by_region = [
        {"key": row["region"], "name": row["name"], **_figure_row(row)} for row in figures["by_region"]
    ]
    return {
        "totals": _figure_row(figures),
        "by_region": by_region,
        "by_category": [
            {"key": row["category"], "name": categories[row["category"]], **_figure_row(row)}
            for row in figures["by_category"]
        ],
        "chart": {
            "regions": [row["name"] for row in figures["by_region"]],
            "discount": [row["redeemed"]["fen"] / 100 for row in figures["by_region"]],
            "orders": [row["order_amount_fen"] / 100 for row in figures["by_region"]],
            "labels": {"discount": _("Vouchers redeemed (yuan)"), "orders": _("Purchases they drove (yuan)")},
        },
    }


@login_required
@require_safe
@domain_error_pages
def stats_view(request: HttpRequest) -> HttpResponse:
    """Vouchers claimed and redeemed, the spending they drove and the small businesses' share,
    by region and by merchant category, as a chart with the same figures in tables."""
    actor = page_actor(request)
    require(actor, VIEW)
    programs = selectors.programs_for(actor).exclude(status=ProgramStatus.DRAFT)
    form = StatsForm(request.GET, programs=[(p.pk, p.name) for p in programs[:200]])
    region = _home_region(actor)
    figures: dict[str, Any] = {}
    if form.is_valid():
        region = form.cleaned_data["region"] or region
        try:
            figures = _figures(
                stats.program_stats(
                    region=stats.overseen_region(actor, region), program_id=form.cleaned_data["program"]
                )
            )
        except DomainError as exc:
            if exc.status == 403:
                raise
            add_domain_error(form, exc, {"region.": "region"})
    context = {"form": form, "region": region, "figures": figures}
    return render(request, "vouchers/stats.html", context, status=400 if form.errors else 200)
