"""Reads of the consumption vouchers: programmes (public once published), a resident's vouchers,
a merchant's redemptions and settlements, each scoped to who is asking."""

import datetime as dt
from typing import Any

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, require_any, scope_q
from fangyi.core.errors import NotFound
from fangyi.core.selectors import row_by_key
from fangyi.people.models import Person
from fangyi.regions.selectors import region_path
from fangyi.vouchers.choices import ProgramStatus
from fangyi.vouchers.errors import VouchersError, not_found
from fangyi.vouchers.models import (
    Denomination,
    LotteryEntry,
    Merchant,
    Program,
    Redemption,
    Settlement,
    Voucher,
)

VIEW = "vouchers.view"
MANAGE = "vouchers.manage"
MERCHANT = "vouchers.merchant"
CLAIM = "vouchers.claim"

PUBLIC_STATUSES = (ProgramStatus.PUBLISHED, ProgramStatus.CLOSED)
# The lengths of a region path from the province down (43, 4301, 430102, 430102001, 430102001001).
_PATH_LENGTHS = (2, 4, 6, 9, 12)


def program_not_found() -> NotFound:
    return not_found("program.not_found", _("No such voucher programme."), "program_id")


def merchant_not_found() -> NotFound:
    return not_found("merchant.not_found", _("No such merchant."), "merchant_id")


def no_resident() -> VouchersError:
    return VouchersError(
        "claim.no_resident",
        _("This login is not linked to a resident, so it cannot hold vouchers."),
        status=403,
    )


def resident_of(actor: Actor) -> Person:
    """The resident a claiming login is linked to (403 when it may not claim or is not linked)."""
    require(actor, CLAIM)
    person = (
        Person.objects.only("id", "home_region_id").filter(user_id=actor.pk).first()
        if actor.pk is not None
        else None
    )
    if person is None:
        raise no_resident()
    return person


def _with_stock(programs: QuerySet[Program]) -> QuerySet[Program]:
    """Programmes annotated with their vouchers' `stock`, `remaining` and `claimed` counts."""

    def total(field: str) -> Coalesce:
        rows = (
            Denomination.objects.filter(program=OuterRef("pk"))
            .order_by()
            .values("program")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return programs.annotate(stock=total("stock"), remaining=total("remaining")).annotate(
        claimed=F("stock") - F("remaining")
    )


def _near(path: str) -> Q:
    """Programmes spent in `path`: one of their regions contains it or lies inside it."""
    ancestors = [path[:length] for length in _PATH_LENGTHS if length <= len(path)]
    through = Program.regions.through.objects.filter(
        Q(region_id__in=ancestors) | Q(region__code__startswith=path)
    ).values("program_id")
    return Q(pk__in=through)


def program_list(*, status: list[str] | None = None, region: str | None = None) -> QuerySet[Program]:
    """The public list: published and closed programmes, newest first, with their stock counts."""
    statuses = [s for s in (status or PUBLIC_STATUSES) if s in PUBLIC_STATUSES]
    programs = Program.objects.filter(status__in=statuses)
    if region:
        programs = programs.filter(_near(region_path(region)))
    return _with_stock(programs.select_related("region"))


def programs_open(*, region: str | None = None) -> QuerySet[Program]:
    """Published programmes claimable now with vouchers left (spent in `region` when given)."""
    now = clock.now()
    programs = program_list(status=[ProgramStatus.PUBLISHED], region=region)
    return programs.filter(claim_opens__lte=now, claim_closes__gt=now).filter(Q(remaining__gt=0))


def program_get(program_id: Any, *, actor: Actor | None = None) -> Program:
    """A published or closed programme (anyone), or a draft the actor's officials may see."""
    program = row_by_key(
        _with_stock(Program.objects.select_related("region").prefetch_related("denominations", "regions")),
        program_id,
    )
    if program is None:
        raise program_not_found()
    if program.status == ProgramStatus.DRAFT and not covers(actor, VIEW, program.region_id):
        raise program_not_found()
    return program


def programs_for(actor: Actor, *, status: list[str] | None = None) -> QuerySet[Program]:
    """Officials: every programme issued inside their jurisdiction, drafts included."""
    require(actor, VIEW)
    programs = Program.objects.filter(scope_q(actor, VIEW, "region__code"))
    if status:
        programs = programs.filter(status__in=status)
    return _with_stock(programs.select_related("region"))


def vouchers_of(person: Person) -> QuerySet[Voucher]:
    """A resident's vouchers, newest first, with what they are worth and where they are good."""
    return Voucher.objects.filter(holder=person).select_related("program", "denomination")


def lottery_entries_of(person: Person) -> QuerySet[LotteryEntry]:
    """A resident's lottery entries, newest first, with their programmes."""
    return LotteryEntry.objects.filter(person=person).select_related("program").order_by("-entered_at")


def my_vouchers(actor: Actor) -> QuerySet[Voucher]:
    """The signed-in resident's vouchers."""
    return vouchers_of(resident_of(actor))


def _merchants_q(actor: Actor, field: str) -> Q:
    """Merchants (through `field`) the actor is an account of, or whose region it oversees."""
    prefix = f"{field}__" if field else ""
    scoped = scope_q(actor, VIEW, f"{prefix}region__code")
    if actor.pk is None or not actor.prefixes_for(MERCHANT):
        return scoped
    # A subquery rather than a join: a merchant with several accounts is still one row.
    own = Merchant.accounts.through.objects.filter(user_id=actor.pk).values("merchant_id")
    return scoped | Q(**{f"{prefix}pk__in": own})


def _merchant_seen(actor: Actor, merchant_id: Any) -> Merchant:
    merchant = row_by_key(Merchant.objects.filter(_merchants_q(actor, "")), merchant_id)
    if merchant is None:
        raise merchant_not_found()
    return merchant


def redemptions_of(
    actor: Actor, merchant_id: Any = None, *, status: str | None = None, day: dt.date | None = None
) -> QuerySet[Redemption]:
    """Redemptions of the merchants the actor runs or oversees (one of them with `merchant_id`),
    newest first; `day` is a local calendar day."""
    require_any(actor, MERCHANT, VIEW)
    if merchant_id is not None:
        rows = Redemption.objects.filter(merchant=_merchant_seen(actor, merchant_id))
    else:
        rows = Redemption.objects.filter(_merchants_q(actor, "merchant"))
    if status:
        rows = rows.filter(status=status)
    if day is not None:
        start = dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)
        rows = rows.filter(redeemed_at__gte=start, redeemed_at__lt=start + dt.timedelta(days=1))
    return rows.select_related("voucher", "voucher__denomination", "merchant")


def settlements_of(actor: Actor, merchant_id: Any = None) -> QuerySet[Settlement]:
    """Settlements of the merchants the actor runs or oversees (one of them with `merchant_id`)."""
    require_any(actor, MERCHANT, VIEW)
    if merchant_id is not None:
        rows = Settlement.objects.filter(merchant=_merchant_seen(actor, merchant_id))
    else:
        rows = Settlement.objects.filter(_merchants_q(actor, "merchant"))
    return rows.select_related("program", "merchant")
