"""What the vouchers did in a region: claimed, redeemed and refunded, the spending they drove,
how much went to small and micro businesses, by the regions one level down and by category.

Figures are placed where they happened: a claim at the holder's home region when they claimed
it, a redemption and a merchant at the merchant's region. Every figure is an aggregate query
(grouped by the child region's path prefix or the category), a handful of queries in all.
Callers check the reader's jurisdiction over `region`.
"""

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Substr

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.selectors import row_by_key
from fangyi.regions.errors import region_not_found
from fangyi.regions.selectors import region_get
from fangyi.vouchers.choices import MerchantCategory, MerchantStatus, RedemptionStatus
from fangyi.vouchers.models import Merchant, Program, Redemption, Voucher
from fangyi.vouchers.selectors import VIEW, program_not_found

# The lengths of a region path from the province down (43, 4301, 430102, 430102001, 430102001001).
PATH_LENGTHS = (2, 4, 6, 9, 12)
DONE = Q(status=RedemptionStatus.DONE)
REFUNDED = Q(status=RedemptionStatus.REFUNDED)
SMALL = DONE & Q(merchant__small_micro=True)
APPROVED = Q(status=MerchantStatus.APPROVED)


def _claim_measures() -> dict[str, Any]:
    return {"claimed": Count("pk"), "claimed_fen": Sum("denomination__face_value_fen")}


def _redemption_measures() -> dict[str, Any]:
    return {
        "redeemed": Count("pk", filter=DONE),
        "redeemed_fen": Sum("discount_fen", filter=DONE),
        "order_fen": Sum("order_amount_fen", filter=DONE),
        "refunded": Count("pk", filter=REFUNDED),
        "refunded_fen": Sum("discount_fen", filter=REFUNDED),
        "small": Count("pk", filter=SMALL),
        "small_fen": Sum("discount_fen", filter=SMALL),
    }


def _merchant_measures() -> dict[str, Any]:
    return {
        "approved": Count("pk", filter=APPROVED),
        "approved_small": Count("pk", filter=APPROVED & Q(small_micro=True)),
    }


def _ratio(part: int, whole: int, digits: int) -> float | None:
    return round(part / whole, digits) if whole else None


def _figures(row: dict[str, Any], *, claims: bool = True) -> dict[str, Any]:
    """The published shape of one set of aggregates (sums over no rows come back as None)."""
    value = {key: amount or 0 for key, amount in row.items()}
    figures: dict[str, Any] = {}
    if claims:
        figures["claimed"] = {"count": value.get("claimed", 0), "fen": value.get("claimed_fen", 0)}
    redeemed, redeemed_fen = value.get("redeemed", 0), value.get("redeemed_fen", 0)
    figures.update(
        {
            "redeemed": {"count": redeemed, "fen": redeemed_fen},
            "refunded": {"count": value.get("refunded", 0), "fen": value.get("refunded_fen", 0)},
            "order_amount_fen": value.get("order_fen", 0),
            # Yuan of purchases each yuan of voucher discount went with.
            "leverage": _ratio(value.get("order_fen", 0), redeemed_fen, 2),
            "small_micro_share": {
                "count": _ratio(value.get("small", 0), redeemed, 4),
                "fen": _ratio(value.get("small_fen", 0), redeemed_fen, 4),
            },
            "merchants": {
                "approved": value.get("approved", 0),
                "small_micro": value.get("approved_small", 0),
            },
        }
    )
    return figures


def _grouped(rows: QuerySet[Any], key: Any, measures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The measures of `rows` for each value of `key`."""
    return {group.pop("key"): group for group in rows.order_by().values(key=key).annotate(**measures)}


def overseen_region(actor: Actor, region: str) -> str:
    """The path of a region whose statistics the actor may read (`vouchers.view` over it); another
    region is not found, as an absent one. `program_stats` takes no actor: its callers ask here."""
    require(actor, VIEW)
    path = region_get(code=region).code
    if not covers(actor, VIEW, path):
        raise region_not_found()
    return path


def program_stats(*, region: str, program_id: int | None = None) -> dict[str, Any]:
    """The figures of `region` (a region code), of every programme or of one. For one programme
    the merchants counted are those of its categories."""
    place = region_get(code=region)
    path = place.code
    program = None
    if program_id is not None:
        program = row_by_key(Program.objects.all(), program_id)
        if program is None:
            raise program_not_found()
    claims = Voucher.objects.filter(claimed_in__code__startswith=path)
    redemptions = Redemption.objects.filter(merchant__region__code__startswith=path)
    merchants = Merchant.objects.filter(region__code__startswith=path)
    if program is not None:
        claims = claims.filter(program=program)
        redemptions = redemptions.filter(voucher__program=program)
        merchants = merchants.filter(category__in=program.categories)

    totals = {
        **claims.aggregate(**_claim_measures()),
        **redemptions.aggregate(**_redemption_measures()),
        **merchants.aggregate(**_merchant_measures()),
    }

    by_region = []
    deeper = [length for length in PATH_LENGTHS if length > len(path)]
    if deeper:
        child = deeper[0]
        claims_by = _grouped(claims, Substr("claimed_in_id", 1, child), _claim_measures())
        redemptions_by = _grouped(
            redemptions, Substr("merchant__region_id", 1, child), _redemption_measures()
        )
        merchants_by = _grouped(merchants, Substr("region_id", 1, child), _merchant_measures())
        for code, name in place.children.order_by("code").values_list("code", "name"):
            row = {**claims_by.get(code, {}), **redemptions_by.get(code, {}), **merchants_by.get(code, {})}
            by_region.append({"region": code, "name": name, **_figures(row)})

    redemptions_by = _grouped(redemptions, F("merchant__category"), _redemption_measures())
    merchants_by = _grouped(merchants, F("category"), _merchant_measures())
    by_category = [
        {
            "category": category,
            **_figures({**redemptions_by.get(category, {}), **merchants_by.get(category, {})}, claims=False),
        }
        for category in MerchantCategory.values
    ]
    return {
        "region": path,
        "program_id": program.pk if program is not None else None,
        **_figures(totals),
        "by_region": by_region,
        "by_category": by_category,
    }


def vouchers_on(*, actor: Actor, region: str, date: dt.date) -> tuple[dict[str, Any], bool]:
    """The vouchers of `region` (within the actor's `vouchers.view`) as they stood at the end of
    `date`: claimed by its residents, redeemed at its merchants (a redemption refunded by then no
    longer counts), the discount spent, the purchases it went with, the leverage and the small and
    micro businesses' share of the discount; and whether any voucher was ever claimed or spent there."""
    start, end = clock.day_bounds(date)
    claims = Voucher.objects.filter(scope_q(actor, VIEW, "claimed_in__code")).filter(
        claimed_in__code__startswith=region, claimed_at__lt=end
    )
    redemptions = Redemption.objects.filter(scope_q(actor, VIEW, "merchant__region__code")).filter(
        merchant__region__code__startswith=region, redeemed_at__lt=end
    )
    standing = Q(status=RedemptionStatus.DONE) | Q(refunded_at__gte=end)
    today = Q(redeemed_at__gte=start)
    claimed = claims.aggregate(
        claimed=Count("pk"), claimed_today=Count("pk", filter=Q(claimed_at__gte=start))
    )
    spent = redemptions.aggregate(
        redeemed=Count("pk", filter=standing),
        redeemed_today=Count("pk", filter=standing & today),
        redeemed_fen=Coalesce(Sum("discount_fen", filter=standing), 0),
        order_amount_fen=Coalesce(Sum("order_amount_fen", filter=standing), 0),
        small_fen=Coalesce(Sum("discount_fen", filter=standing & Q(merchant__small_micro=True)), 0),
        ever=Count("pk"),
    )
    discount = spent["redeemed_fen"]
    figures = {
        "claimed_today": claimed["claimed_today"],
        "claimed": claimed["claimed"],
        "redeemed_today": spent["redeemed_today"],
        "redeemed": spent["redeemed"],
        "redeemed_fen": discount,
        "order_amount_fen": spent["order_amount_fen"],
        # Yuan of purchases each yuan of voucher discount went with.
        "leverage": round(spent["order_amount_fen"] / discount, 2) if discount else None,
        "small_micro_share": round(spent["small_fen"] / discount, 4) if discount else None,
    }
    return figures, bool(claimed["claimed"] or spent["ever"])
