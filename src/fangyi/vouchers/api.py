"""Consumption vouchers (湘消费) at /api/v1/vouchers: the programme list and a programme are public."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router, Status

from fangyi.core.access import Actor, require
from fangyi.core.api_errors import ERRORS_READ, ERRORS_WRITE, request_actor
from fangyi.core.schemas import MAX_ROW_ID
from fangyi.core.validators import mask_name
from fangyi.vouchers import fraud, selectors, services, stats
from fangyi.vouchers import merchants as merchants_module
from fangyi.vouchers.choices import MerchantCategory
from fangyi.vouchers.models import (
    FraudFlag,
    LotteryEntry,
    Merchant,
    Program,
    Redemption,
    Settlement,
    Voucher,
)
from fangyi.vouchers.schemas import (
    VoucherCategoryFiguresOut,
    VoucherClaimIn,
    VoucherDenominationOut,
    VoucherDrawIn,
    VoucherDrawOut,
    VoucherEligibilityIn,
    VoucherEligibilityOut,
    VoucherFlagFilter,
    VoucherFlagOut,
    VoucherFlagPage,
    VoucherFlagReviewIn,
    VoucherLotteryEntryOut,
    VoucherMerchantFilter,
    VoucherMerchantIn,
    VoucherMerchantOut,
    VoucherMerchantPage,
    VoucherMerchantReviewIn,
    VoucherMineFilter,
    VoucherOut,
    VoucherPage,
    VoucherProgramFilter,
    VoucherProgramIn,
    VoucherProgramOut,
    VoucherProgramPage,
    VoucherProgramStatsFilter,
    VoucherRedeemIn,
    VoucherRedemptionFilter,
    VoucherRedemptionOut,
    VoucherRedemptionPage,
    VoucherSettlementFilter,
    VoucherSettlementOut,
    VoucherSettlementPage,
    VoucherStatsFilter,
    VoucherStatsOut,
)

router = Router(tags=["vouchers"])
RowPath = Path(..., ge=1, le=MAX_ROW_ID)


def program_out(program: Program) -> VoucherProgramOut:
    denominations = list(program.denominations.all())
    return VoucherProgramOut(
        id=program.pk,
        name=program.name,
        funder_kind=program.funder_kind,
        funder_kind_label=str(program.get_funder_kind_display()),
        funder=program.funder,
        region=program.region_id,
        region_name=program.region.name,
        regions=sorted(region.pk for region in program.regions.all()),
        budget_fen=program.budget_fen,
        categories=program.categories,
        claiming=program.claiming,
        claiming_label=str(program.get_claiming_display()),
        eligible_groups=program.eligible_groups,
        per_person_limit=program.per_person_limit,
        claim_opens=program.claim_opens,
        claim_closes=program.claim_closes,
        valid_from=program.valid_from,
        valid_until=program.valid_until,
        status=program.status,
        status_label=str(program.get_status_display()),
        drawn_at=program.drawn_at,
        denominations=[
            VoucherDenominationOut(
                id=d.pk,
                face_value_fen=d.face_value_fen,
                threshold_fen=d.threshold_fen,
                stock=d.stock,
                remaining=d.remaining,
            )
            for d in denominations
        ],
        claimed=sum(d.stock - d.remaining for d in denominations),
        remaining=sum(d.remaining for d in denominations),
    )


def voucher_out(voucher: Voucher) -> VoucherOut:
    return VoucherOut(
        id=voucher.pk,
        code=voucher.code,
        program_id=voucher.program_id,
        program=voucher.program.name,
        denomination_id=voucher.denomination_id,
        face_value_fen=voucher.denomination.face_value_fen,
        threshold_fen=voucher.denomination.threshold_fen,
        holder=mask_name(voucher.holder.name),
        status=voucher.status,
        status_label=str(voucher.get_status_display()),
        claimed_at=voucher.claimed_at,
        redeemed_at=voucher.redeemed_at,
        valid_from=voucher.program.valid_from,
        valid_until=voucher.program.valid_until,
    )


def entry_out(entry: LotteryEntry) -> VoucherLotteryEntryOut:
    return VoucherLotteryEntryOut(
        id=entry.pk, program_id=entry.program_id, entered_at=entry.entered_at, won=entry.won
    )


def merchant_out(merchant: Merchant) -> VoucherMerchantOut:
    return VoucherMerchantOut(
        id=merchant.pk,
        name=merchant.name,
        credit_code=merchant.credit_code,
        category=merchant.category,
        category_label=str(merchant.get_category_display()),
        small_micro=merchant.small_micro,
        region=merchant.region_id,
        region_name=merchant.region.name,
        address=merchant.address,
        status=merchant.status,
        status_label=str(merchant.get_status_display()),
        applied_at=merchant.applied_at,
        reviewed_at=merchant.reviewed_at,
        review_note=merchant.review_note,
    )


def redemption_out(redemption: Redemption) -> VoucherRedemptionOut:
    return VoucherRedemptionOut(
        id=redemption.pk,
        merchant_id=redemption.merchant_id,
        merchant=redemption.merchant.name,
        program_id=redemption.voucher.program_id,
        voucher_code=redemption.voucher.code,
        order_no=redemption.order_no,
        order_amount_fen=redemption.order_amount_fen,
        discount_fen=redemption.discount_fen,
        status=redemption.status,
        status_label=str(redemption.get_status_display()),
        redeemed_at=redemption.redeemed_at,
        refunded_at=redemption.refunded_at,
        settlement_id=redemption.settlement_id,
    )


def settlement_out(settlement: Settlement) -> VoucherSettlementOut:
    return VoucherSettlementOut(
        id=settlement.pk,
        program_id=settlement.program_id,
        program=settlement.program.name,
        merchant_id=settlement.merchant_id,
        merchant=settlement.merchant.name,
        business_day=settlement.business_day,
        amount_fen=settlement.amount_fen,
        redemptions=settlement.redemptions,
        settled_at=settlement.settled_at,
    )


def flag_out(flag: FraudFlag) -> VoucherFlagOut:
    return VoucherFlagOut(
        id=flag.pk,
        rule=flag.rule,
        rule_label=str(flag.get_rule_display()),
        program_id=flag.program_id,
        region=flag.region_id,
        holder=mask_name(flag.holder.name) if flag.holder is not None else None,
        merchant_id=flag.merchant_id,
        merchant=flag.merchant.name if flag.merchant is not None else None,
        voucher_id=flag.voucher_id,
        redemption_id=flag.redemption_id,
        detail=flag.detail,
        raised_at=flag.raised_at,
        status=flag.status,
        status_label=str(flag.get_status_display()),
        reviewed_at=flag.reviewed_at,
        review_note=flag.review_note,
    )


def _redemption(actor: Actor, redemption_id: int) -> VoucherRedemptionOut:
    return redemption_out(selectors.redemptions_of(actor).get(pk=redemption_id))


def stats_out(figures: dict[str, Any]) -> VoucherStatsOut:
    by_category = [
        VoucherCategoryFiguresOut(**row, category_label=str(MerchantCategory(row["category"]).label))
        for row in figures.pop("by_category")
    ]
    return VoucherStatsOut(**figures, by_category=by_category)


def _program(program_id: int, actor: Actor | None = None) -> VoucherProgramOut:
    return program_out(selectors.program_get(program_id, actor=actor))


# Programmes ---------------------------------------------------------------------------------------


@router.get("/programs", response={200: VoucherProgramPage, **ERRORS_READ}, auth=None)
def programs(request: HttpRequest, filters: Query[VoucherProgramFilter]) -> VoucherProgramPage:
    """Published and closed programmes (no sign-in), newest first, with the vouchers left."""
    found = selectors.program_list(status=[filters.status] if filters.status else None, region=filters.region)
    page = found.prefetch_related("denominations", "regions")[filters.offset : filters.offset + filters.limit]
    return VoucherProgramPage(count=found.count(), items=[program_out(p) for p in page])


@router.get("/programs/{program_id}", response={200: VoucherProgramOut, **ERRORS_READ}, auth=None)
def program_detail(request: HttpRequest, program_id: int = RowPath) -> VoucherProgramOut:
    """A published or closed programme (no sign-in); drafts are not found here."""
    return _program(program_id)


@router.post("/programs", response={201: VoucherProgramOut, **ERRORS_WRITE})
def program_create(request: HttpRequest, payload: VoucherProgramIn) -> Status[VoucherProgramOut]:
    """A draft programme of your jurisdiction; residents see it once published."""
    actor = request_actor(request)
    program = services.program_create(actor=actor, **payload.dict())
    return Status(201, _program(program.pk, actor))


@router.post("/programs/{program_id}/publish", response={200: VoucherProgramOut, **ERRORS_WRITE})
def program_publish(request: HttpRequest, program_id: int = RowPath) -> VoucherProgramOut:
    actor = request_actor(request)
    services.program_publish(actor=actor, program_id=program_id)
    return _program(program_id, actor)


@router.post("/programs/{program_id}/close", response={200: VoucherProgramOut, **ERRORS_WRITE})
def program_close(request: HttpRequest, program_id: int = RowPath) -> VoucherProgramOut:
    """Stop claiming; vouchers already held stay good until they expire."""
    actor = request_actor(request)
    services.program_close(actor=actor, program_id=program_id)
    return _program(program_id, actor)


@router.post("/programs/{program_id}/eligibility", response={200: VoucherEligibilityOut, **ERRORS_WRITE})
def eligibility_add(
    request: HttpRequest, payload: VoucherEligibilityIn, program_id: int = RowPath
) -> VoucherEligibilityOut:
    """Put residents on an eligibility-list programme by identity number, all or nothing
    (400 `eligibility.unknown_residents` names the lines of numbers of no known resident)."""
    result = services.eligibility_add(actor=request_actor(request), program_id=program_id, **payload.dict())
    return VoucherEligibilityOut(added=result.added, already=result.already)


@router.post("/programs/{program_id}/claim", response={201: VoucherOut, **ERRORS_WRITE})
def voucher_claim(
    request: HttpRequest, program_id: int = RowPath, payload: VoucherClaimIn | None = None
) -> Status[VoucherOut]:
    """Claim a voucher of a first-come or eligibility-list programme open now (the body may name
    the kind; without it, the smallest kind with stock left)."""
    voucher = services.voucher_claim(
        actor=request_actor(request),
        program_id=program_id,
        denomination_id=payload.denomination_id if payload is not None else None,
    )
    return Status(201, voucher_out(voucher))


@router.post("/programs/{program_id}/lottery/enter", response={201: VoucherLotteryEntryOut, **ERRORS_WRITE})
def lottery_enter(request: HttpRequest, program_id: int = RowPath) -> Status[VoucherLotteryEntryOut]:
    """Enter a lottery programme while its claiming window is open (once)."""
    entry = services.lottery_enter(actor=request_actor(request), program_id=program_id)
    return Status(201, entry_out(entry))


@router.post("/programs/{program_id}/lottery/draw", response={200: VoucherDrawOut, **ERRORS_WRITE})
def lottery_draw(
    request: HttpRequest, program_id: int = RowPath, payload: VoucherDrawIn | None = None
) -> VoucherDrawOut:
    """Draw the lottery once its entries have closed; the winners hold their vouchers at once."""
    result = services.lottery_draw(
        actor=request_actor(request),
        program_id=program_id,
        seed=payload.seed if payload is not None else None,
    )
    return VoucherDrawOut(entries=result.entries, winners=result.winners, issued=result.issued)


# The resident's vouchers --------------------------------------------------------------------------


@router.get("/mine", response={200: VoucherPage, **ERRORS_READ})
def mine(request: HttpRequest, filters: Query[VoucherMineFilter]) -> VoucherPage:
    """Your vouchers, newest first, with the codes to show at the till."""
    found = selectors.my_vouchers(request_actor(request)).select_related("holder")
    if filters.status:
        found = found.filter(status=filters.status)
    page = found[filters.offset : filters.offset + filters.limit]
    return VoucherPage(count=found.count(), items=[voucher_out(v) for v in page])


# Merchants ----------------------------------------------------------------------------------------


@router.get("/merchants", response={200: VoucherMerchantPage, **ERRORS_READ})
def merchants(request: HttpRequest, filters: Query[VoucherMerchantFilter]) -> VoucherMerchantPage:
    """Officials: the merchants of their jurisdiction. A merchant login: the shops it runs."""
    actor = request_actor(request)
    if actor.prefixes_for(selectors.VIEW):
        found = merchants_module.merchants_for(
            actor, status=filters.status, category=filters.category, region=filters.region
        )
    else:
        found = merchants_module.my_merchants(
            actor, status=filters.status, category=filters.category, region=filters.region
        )
    page = found[filters.offset : filters.offset + filters.limit]
    return VoucherMerchantPage(count=found.count(), items=[merchant_out(m) for m in page])


@router.post("/merchants", response={201: VoucherMerchantOut, **ERRORS_WRITE})
def merchant_register(request: HttpRequest, payload: VoucherMerchantIn) -> Status[VoucherMerchantOut]:
    """A merchant login registers its shop (awaiting review); an official registers one approved."""
    merchant = merchants_module.merchant_register(actor=request_actor(request), **payload.dict())
    return Status(201, merchant_out(merchant))


@router.get("/merchants/{merchant_id}", response={200: VoucherMerchantOut, **ERRORS_READ})
def merchant_detail(request: HttpRequest, merchant_id: int = RowPath) -> VoucherMerchantOut:
    return merchant_out(merchants_module.merchant_get(request_actor(request), merchant_id))


@router.post("/merchants/{merchant_id}/review", response={200: VoucherMerchantOut, **ERRORS_WRITE})
def merchant_review(
    request: HttpRequest, payload: VoucherMerchantReviewIn, merchant_id: int = RowPath
) -> VoucherMerchantOut:
    """Approve, reject (with a note), suspend (with a note) or reinstate a merchant."""
    actor = request_actor(request)
    merchants_module.merchant_review(actor=actor, merchant_id=merchant_id, **payload.dict())
    return merchant_out(merchants_module.merchant_get(actor, merchant_id))


# Redemptions and settlements ----------------------------------------------------------------------


@router.post("/redemptions", response={200: VoucherRedemptionOut, 201: VoucherRedemptionOut, **ERRORS_WRITE})
def redeem(request: HttpRequest, payload: VoucherRedeemIn) -> Status[VoucherRedemptionOut]:
    """Spend a voucher against one of your orders: 201 when redeemed now, 200 with the same
    redemption when the same order (code and amount) is sent again; the same order number with
    another voucher or amount is 409 `redeem.order_replayed`."""
    actor = request_actor(request)
    redemption, created = services.voucher_redeem(actor=actor, **payload.dict())
    return Status(201 if created else 200, _redemption(actor, redemption.pk))


@router.get("/redemptions", response={200: VoucherRedemptionPage, **ERRORS_READ})
def redemptions(request: HttpRequest, filters: Query[VoucherRedemptionFilter]) -> VoucherRedemptionPage:
    """Redemptions of the merchants you run or oversee, newest first."""
    found = selectors.redemptions_of(
        request_actor(request), filters.merchant, status=filters.status, day=filters.day
    )
    page = found[filters.offset : filters.offset + filters.limit]
    return VoucherRedemptionPage(count=found.count(), items=[redemption_out(r) for r in page])


@router.post("/redemptions/{redemption_id}/refund", response={200: VoucherRedemptionOut, **ERRORS_WRITE})
def redemption_refund(request: HttpRequest, redemption_id: int = RowPath) -> VoucherRedemptionOut:
    """Undo a redemption not yet settled (the order was cancelled): the voucher is held again."""
    actor = request_actor(request)
    redemption = services.redemption_refund(actor=actor, redemption_id=redemption_id)
    return _redemption(actor, redemption.pk)


@router.get("/settlements", response={200: VoucherSettlementPage, **ERRORS_READ})
def settlements(request: HttpRequest, filters: Query[VoucherSettlementFilter]) -> VoucherSettlementPage:
    """What the programmes paid the merchants you run or oversee, a row per programme and day."""
    found = selectors.settlements_of(request_actor(request), filters.merchant)
    page = found[filters.offset : filters.offset + filters.limit]
    return VoucherSettlementPage(count=found.count(), items=[settlement_out(s) for s in page])


@router.post("/settlements/run", response={200: VoucherSettlementPage, **ERRORS_WRITE})
def settlement_run(request: HttpRequest) -> VoucherSettlementPage:
    """Settle now the redemptions of your jurisdiction whose hold period has passed (the daily
    run does the same for the whole province); a second run settles nothing new."""
    made = services.settlement_run(actor=request_actor(request))
    return VoucherSettlementPage(count=len(made), items=[settlement_out(s) for s in made])


# Fraud flags --------------------------------------------------------------------------------------


@router.get("/flags", response={200: VoucherFlagPage, **ERRORS_READ})
def flags(request: HttpRequest, filters: Query[VoucherFlagFilter]) -> VoucherFlagPage:
    """Claims and redemptions the fraud rules picked out in your jurisdiction, newest first."""
    found = fraud.flags_for(request_actor(request), status=filters.status, rule=filters.rule)
    page = found[filters.offset : filters.offset + filters.limit]
    return VoucherFlagPage(count=found.count(), items=[flag_out(f) for f in page])


@router.post("/flags/{flag_id}/review", response={200: VoucherFlagOut, **ERRORS_WRITE})
def flag_review(request: HttpRequest, payload: VoucherFlagReviewIn, flag_id: int = RowPath) -> VoucherFlagOut:
    """Clear a flag, or confirm it with a note of what was found (409 `flag.reviewed` once decided)."""
    flag = fraud.flag_review(actor=request_actor(request), flag_id=flag_id, **payload.dict())
    return flag_out(flag)


# Statistics ---------------------------------------------------------------------------------------


@router.get("/stats", response={200: VoucherStatsOut, **ERRORS_READ})
def stats_region(request: HttpRequest, filters: Query[VoucherStatsFilter]) -> VoucherStatsOut:
    """Every programme's vouchers claimed (where the holders live), redeemed and refunded (where the
    merchants are), the purchases they drove and the small businesses' share, by the regions one
    level down and by merchant category."""
    path = stats.overseen_region(request_actor(request), filters.region)
    return stats_out(stats.program_stats(region=path))


@router.get("/programs/{program_id}/stats", response={200: VoucherStatsOut, **ERRORS_READ})
def program_stats(
    request: HttpRequest, filters: Query[VoucherProgramStatsFilter], program_id: int = RowPath
) -> VoucherStatsOut:
    """One programme's figures in its issuing region, or in a region you oversee."""
    actor = request_actor(request)
    require(actor, selectors.VIEW)
    program = selectors.program_get(program_id, actor=actor)
    path = stats.overseen_region(actor, filters.region or program.region_id)
    return stats_out(stats.program_stats(region=path, program_id=program.pk))
