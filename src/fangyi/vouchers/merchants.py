"""Merchants that take vouchers: registration, the county's review, and reads.

A merchant login (vouchers.merchant) registers its own shop, which waits for review and the login
becomes one of its accounts; an official (vouchers.manage) registers one in their jurisdiction,
approved at once. Officials read the merchants of their jurisdiction (vouchers.view); a merchant
login reads the shops it is an account of.
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any, scope_q
from fangyi.core.errors import DomainError
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.core.validators import credit_code_check
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.vouchers.choices import MerchantCategory, MerchantStatus
from fangyi.vouchers.errors import conflict, invalid
from fangyi.vouchers.models import Merchant
from fangyi.vouchers.selectors import merchant_not_found

VIEW = "vouchers.view"
MANAGE = "vouchers.manage"
MERCHANT = "vouchers.merchant"
# A shop is placed at a county or below (a region path of 6 digits or more).
COUNTY_LENGTH = 6
LIMITS = {"name": 128, "address": 256, "note": 256}
# decision → (the statuses it applies to, the status it leads to). A rejection may be reconsidered
# (the shop fixed its papers): approving a rejected merchant is allowed.
TRANSITIONS = {
    "approve": ((MerchantStatus.PENDING, MerchantStatus.REJECTED), MerchantStatus.APPROVED),
    "reject": ((MerchantStatus.PENDING,), MerchantStatus.REJECTED),
    "suspend": ((MerchantStatus.APPROVED,), MerchantStatus.SUSPENDED),
    "reinstate": ((MerchantStatus.SUSPENDED,), MerchantStatus.APPROVED),
}
NEEDS_NOTE = {"reject", "suspend"}


def is_account(actor: Actor | None, merchant: Merchant) -> bool:
    """Whether the actor is a merchant login that is one of the merchant's accounts."""
    if actor is None or getattr(actor, "pk", None) is None or not actor.prefixes_for(MERCHANT):
        return False
    return merchant.accounts.filter(pk=actor.pk).exists()


def _text(value: str, field: str, *, needed: bool = False) -> str:
    value = (value or "").strip()
    if needed and not value:
        raise invalid(f"merchant.{field}_required", _("This field is required."), field)
    if len(value) > LIMITS[field]:
        raise invalid(
            f"merchant.{field}_too_long",
            _("Keep this within %(limit)s characters."),
            field,
            limit=LIMITS[field],
        )
    return value


def _place(code: str) -> Region:
    try:
        path = region_path(code)
    except DomainError:
        path = ""
    region = Region.objects.filter(code=path).first() if len(path) >= COUNTY_LENGTH else None
    if region is None:
        raise invalid(
            "merchant.invalid_region", _("Name a county, township or village by its region code."), "region"
        )
    return region


def merchant_register(
    *,
    actor: Actor,
    name: str,
    category: str,
    small_micro: bool,
    region: str,
    credit_code: str = "",
    address: str = "",
) -> Merchant:
    """Register a merchant: PENDING with the login as its account when a merchant login registers
    its own shop, APPROVED (reviewed by the official) when an official registers one."""
    require_any(actor, MERCHANT, MANAGE)
    name = _text(name, "name", needed=True)
    address = _text(address, "address")
    if category not in MerchantCategory.values:
        raise invalid("merchant.invalid_category", _("Choose a category of the list."), "category")
    place = _place(region)
    official = covers(actor, MANAGE, place.code)
    if not official and not covers(actor, MERCHANT, place.code):
        # Outside the jurisdiction is not told apart from absent.
        raise region_not_found("region")
    if credit_code:
        try:
            credit_code = credit_code_check(credit_code)
        except DomainError as exc:
            raise invalid("merchant.invalid_credit_code", exc.message, "credit_code") from None
        if Merchant.objects.filter(credit_code=credit_code).exists():
            raise conflict("merchant.duplicate", _("This merchant is already registered."), "credit_code")
    now = clock.now()
    merchant = Merchant(
        name=name,
        category=category,
        small_micro=bool(small_micro),
        region=place,
        credit_code=credit_code,
        address=address,
        applied_at=now,
    )
    if official:
        merchant.status = MerchantStatus.APPROVED
        merchant.reviewed_at = now
        merchant.reviewed_by_id = actor.pk
    try:
        with transaction.atomic():
            merchant.save(force_insert=True)
            if not official:
                merchant.accounts.add(actor.pk)
            audit_record(
                actor=actor,
                action="merchant.register",
                obj=merchant,
                region_path=place.code,
                data={"status": merchant.status, "category": category},
            )
    except IntegrityError:
        # Another registration of the same credit code committed since the check.
        raise conflict(
            "merchant.duplicate", _("This merchant is already registered."), "credit_code"
        ) from None
    return merchant


def merchant_review(*, actor: Actor, merchant_id: int, decision: str, note: str = "") -> Merchant:
    """Approve or reject a pending merchant, suspend an approved one, reinstate a suspended one.
    Rejecting and suspending need a note the merchant is shown."""
    require(actor, MANAGE)
    if decision not in TRANSITIONS:
        raise invalid(
            "merchant.invalid_decision", _("Approve, reject, suspend or reinstate the merchant."), "decision"
        )
    note = _text(note, "note")
    if decision in NEEDS_NOTE and not note:
        raise invalid("merchant.note_required", _("Say why, for the merchant to read."), "note")
    sources, target = TRANSITIONS[decision]
    with transaction.atomic():
        merchant = row_by_key(Merchant.objects.select_for_update(), merchant_id)
        if merchant is None or not covers(actor, MANAGE, merchant.region_id):
            raise merchant_not_found()
        if merchant.status not in sources:
            raise conflict(
                "merchant.invalid_transition",
                _("A merchant in this state cannot be changed that way: %(state)s."),
                "decision",
                state=MerchantStatus(merchant.status).label,
            )
        previous = merchant.status
        merchant.status = target
        merchant.reviewed_at = clock.now()
        merchant.reviewed_by_id = actor.pk
        merchant.review_note = note
        merchant.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note"])
        audit_record(
            actor=actor,
            action=f"merchant.{decision}",
            obj=merchant,
            region_path=merchant.region_id,
            reason=note,
            data={"from": previous, "to": target},
        )
    return merchant


# Reads ---------------------------------------------------------------------------------------------


def _filtered(
    merchants: QuerySet[Merchant], *, status: str | None, category: str | None, region: str | None
) -> QuerySet[Merchant]:
    """The merchants of one status, category or region (and the regions below it), when asked."""
    if status:
        if status not in MerchantStatus.values:
            raise invalid("merchant.invalid_status", _("Choose a status of the list."), "status")
        merchants = merchants.filter(status=status)
    if category:
        if category not in MerchantCategory.values:
            raise invalid("merchant.invalid_category", _("Choose a category of the list."), "category")
        merchants = merchants.filter(category=category)
    if region:
        try:
            path = region_path(region)
        except DomainError:
            raise invalid(
                "merchant.invalid_region", _("Name a region by its region code."), "region"
            ) from None
        merchants = merchants.filter(region__code__startswith=path)
    return merchants.select_related("region")


def merchants_for(
    actor: Actor, *, status: str | None = None, category: str | None = None, region: str | None = None
) -> QuerySet[Merchant]:
    """The merchants of the official's jurisdiction, optionally of one status, category or region."""
    require(actor, VIEW)
    merchants = Merchant.objects.filter(scope_q(actor, VIEW, "region__code"))
    return _filtered(merchants, status=status, category=category, region=region).order_by(
        "region_id", "name", "id"
    )


def merchant_get(actor: Actor, merchant_id: int) -> Merchant:
    """One merchant: for officials over its region and for its own accounts."""
    require_any(actor, VIEW, MERCHANT)
    merchant = row_by_key(Merchant.objects.select_related("region", "reviewed_by"), merchant_id)
    if merchant is None or not (covers(actor, VIEW, merchant.region_id) or is_account(actor, merchant)):
        raise merchant_not_found()
    return merchant


def my_merchants(
    actor: Actor, *, status: str | None = None, category: str | None = None, region: str | None = None
) -> QuerySet[Merchant]:
    """The shops the merchant login is an account of, with the same filters as the officials' list."""
    require(actor, MERCHANT)
    merchants = Merchant.objects.filter(accounts__pk=actor.pk)
    return _filtered(merchants, status=status, category=category, region=region).order_by("name", "id")
