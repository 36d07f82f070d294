"""Fraud rules over claims and redemptions, and the officials' review of what they pick out.

The screens run inside every claim's and every redemption's transaction, so each costs one indexed
query when nothing fires. A rule that keeps firing for the same holder and merchant adds nothing
while a flag of that rule for the pair is still open (the unique constraints on open flags settle
concurrent screens too). Thresholds come from the FANGYI_VOUCHER_* settings.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.access import Actor, covers, require, scope_q
from fangyi.core.errors import NotFound
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.vouchers.choices import FlagStatus, FraudRule, RedemptionStatus
from fangyi.vouchers.errors import conflict, invalid, not_found
from fangyi.vouchers.models import FraudFlag, Program, Redemption, Voucher

MANAGE = "vouchers.manage"
DECISIONS = {"clear": FlagStatus.CLEARED, "confirm": FlagStatus.CONFIRMED}
NOTE_MAX = 256


def _raise(flags: list[FraudFlag]) -> list[FraudFlag]:
    """Insert the flags no open flag of the same rule already covers (a concurrent screen may have
    raised one since the look-up: the savepoint lets this transaction carry on without it)."""
    raised = []
    for flag in flags:
        try:
            with transaction.atomic():
                flag.save(force_insert=True)
        except IntegrityError:
            continue
        raised.append(flag)
    return raised


def screen_claim(voucher: Voucher) -> list[FraudFlag]:
    """OUT_OF_REGION: the holder's home region lies outside every region of the programme."""
    return screen_claims([voucher])


def screen_claims(vouchers: list[Voucher]) -> list[FraudFlag]:
    """`screen_claim` for the vouchers of one programme at once (a lottery's draw), reading the
    programme's regions once."""
    if not vouchers:
        return []
    program = vouchers[0].program
    # Through the programme's link table: no join to the divisions.
    regions = list(
        Program.regions.through.objects.filter(program_id=program.pk).values_list("region_id", flat=True)
    )
    outside = [v for v in vouchers if not any(v.claimed_in_id.startswith(code) for code in regions)]
    if not outside:
        return []
    flagged = set(
        FraudFlag.objects.filter(
            rule=FraudRule.OUT_OF_REGION,
            status=FlagStatus.OPEN,
            program_id=program.pk,
            holder_id__in={v.holder_id for v in outside},
            merchant__isnull=True,
        ).values_list("holder_id", flat=True)
    )
    now = clock.now()
    flags = {}
    for voucher in outside:
        if voucher.holder_id in flagged or voucher.holder_id in flags:
            continue
        flags[voucher.holder_id] = FraudFlag(
            rule=FraudRule.OUT_OF_REGION,
            program_id=program.pk,
            # The issuing region's officials review it: the claimer's own county has no say over the
            # programme's money, and the programme's regions may be several counties, none of them
            # theirs.
            region_id=program.region_id,
            holder_id=voucher.holder_id,
            voucher=voucher,
            detail={"claimed_in": voucher.claimed_in_id, "regions": sorted(regions)},
            raised_at=now,
        )
    return _raise(list(flags.values()))


def screen_redemption(redemption: Redemption) -> list[FraudFlag]:
    """VELOCITY: the holder's redemptions in the last VELOCITY_MINUTES reach VELOCITY_COUNT.
    SPLIT_ORDER: the holder redeemed at this merchant more than once within SPLIT_MINUTES.
    REPEATED_PAIR: the holder's redemptions at this merchant in the programme reach PAIR_REPEAT.

    Only redemptions still standing count (a refunded one was undone). Windows end at this
    redemption and include their start."""
    voucher = redemption.voucher
    merchant = redemption.merchant
    at = redemption.redeemed_at
    velocity_minutes = settings.FANGYI_VOUCHER_VELOCITY_MINUTES
    split_minutes = settings.FANGYI_VOUCHER_SPLIT_MINUTES
    velocity_since = at - dt.timedelta(minutes=velocity_minutes)
    split_since = at - dt.timedelta(minutes=split_minutes)
    here = Q(merchant_id=merchant.pk)
    counts = Redemption.objects.filter(
        voucher__holder_id=voucher.holder_id, status=RedemptionStatus.DONE, redeemed_at__lte=at
    ).aggregate(
        velocity=Count("pk", filter=Q(redeemed_at__gte=velocity_since)),
        split=Count("pk", filter=here & Q(redeemed_at__gte=split_since)),
        pair=Count("pk", filter=here & Q(voucher__program_id=voucher.program_id)),
    )
    fired: dict[str, dict[str, Any]] = {}
    if counts["velocity"] >= settings.FANGYI_VOUCHER_VELOCITY_COUNT:
        fired[FraudRule.VELOCITY] = {"count": counts["velocity"], "minutes": velocity_minutes}
    if counts["split"] > 1:
        fired[FraudRule.SPLIT_ORDER] = {"count": counts["split"], "minutes": split_minutes}
    if counts["pair"] >= settings.FANGYI_VOUCHER_PAIR_REPEAT:
        fired[FraudRule.REPEATED_PAIR] = {"count": counts["pair"]}
    if not fired:
        return []
    open_rules = set(
        FraudFlag.objects.filter(
            status=FlagStatus.OPEN,
            region_id=merchant.region_id,
            holder_id=voucher.holder_id,
            merchant_id=merchant.pk,
            rule__in=list(fired),
        ).values_list("rule", flat=True)
    )
    if FraudRule.SPLIT_ORDER in fired and FraudRule.SPLIT_ORDER not in open_rules:
        # The reviewer needs the orders that look like one purchase cut into pieces.
        fired[FraudRule.SPLIT_ORDER]["orders"] = list(
            Redemption.objects.filter(
                voucher__holder_id=voucher.holder_id,
                merchant_id=merchant.pk,
                status=RedemptionStatus.DONE,
                redeemed_at__gte=split_since,
                redeemed_at__lte=at,
            )
            .order_by("redeemed_at", "pk")
            .values_list("order_no", flat=True)
        )
    now = clock.now()
    flags = [
        FraudFlag(
            rule=rule,
            program_id=voucher.program_id,
            # The merchant's county reviews it: it approved the merchant and can suspend it, and
            # the orders were taken on its ground.
            region_id=merchant.region_id,
            holder_id=voucher.holder_id,
            merchant_id=merchant.pk,
            voucher_id=voucher.pk,
            redemption=redemption,
            detail={**detail, "order_no": redemption.order_no},
            raised_at=now,
        )
        for rule, detail in fired.items()
        if rule not in open_rules
    ]
    return _raise(flags)


# Review --------------------------------------------------------------------------------------------


def flag_not_found() -> NotFound:
    return not_found("flag.not_found", _("No such fraud flag."), "flag_id")


def flags_for(actor: Actor, *, status: str | None = None, rule: str | None = None) -> QuerySet[FraudFlag]:
    """The flags raised in the actor's jurisdiction (vouchers.manage), newest first. An unknown
    status or rule is bad input (400)."""
    require(actor, MANAGE)
    flags = FraudFlag.objects.filter(scope_q(actor, MANAGE, "region__code"))
    if status:
        if status not in FlagStatus.values:
            raise invalid("flag.invalid_status", _("Choose a status of the list."), "status")
        flags = flags.filter(status=status)
    if rule:
        if rule not in FraudRule.values:
            raise invalid("flag.invalid_rule", _("Choose a rule of the list."), "rule")
        flags = flags.filter(rule=rule)
    return flags.select_related("program", "region", "holder", "merchant", "redemption").order_by(
        "-raised_at", "-id"
    )


def flag_review(*, actor: Actor, flag_id: int, decision: str, note: str = "") -> FraudFlag:
    """Clear a flag (nothing wrong) or confirm it (fraud). Confirming needs a note saying what was
    found; a flag is decided once (409 flag.reviewed)."""
    require(actor, MANAGE)
    note = note.strip()
    if decision not in DECISIONS:
        raise invalid("flag.invalid_decision", _("Clear or confirm the flag."), "decision")
    if len(note) > NOTE_MAX:
        raise invalid(
            "flag.note_too_long", _("Keep the note within %(limit)s characters."), "note", limit=NOTE_MAX
        )
    if decision == "confirm" and not note:
        raise invalid("flag.note_required", _("Say what the review found."), "note")
    with transaction.atomic():
        flag = row_by_key(FraudFlag.objects.select_for_update(), flag_id)
        if flag is None or not covers(actor, MANAGE, flag.region_id):
            raise flag_not_found()
        if flag.status != FlagStatus.OPEN:
            raise conflict(
                "flag.reviewed",
                _("This flag was already reviewed: %(state)s."),
                "flag_id",
                state=FlagStatus(flag.status).label,
            )
        flag.status = DECISIONS[decision]
        flag.reviewed_at = clock.now()
        flag.reviewed_by_id = actor.pk
        flag.review_note = note
        flag.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note"])
        audit_record(
            actor=actor,
            action=f"voucher_flag.{decision}",
            obj=flag,
            region_path=flag.region_id,
            reason=note,
            data={"rule": flag.rule},
        )
    return flag
