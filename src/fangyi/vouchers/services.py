"""Every write of the consumption vouchers: programmes and their eligibility lists, claims and the
lottery, redemptions at merchants and their refunds, and the settlements that pay the merchants.

Stock and a voucher's state only ever change through one guarded UPDATE (`remaining > 0`,
`status = 'held'`), so concurrent claims and redemptions never oversell or spend twice; every
movement of money is a balanced ledger transaction in the same database transaction.
"""

import dataclasses
import datetime as dt
import itertools
import random
import secrets
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock, pii
from fangyi.core.access import Actor, covers, require, require_any, scope_q
from fangyi.core.errors import DomainError, NotFound, ValidationFailed
from fangyi.core.selectors import row_by_key
from fangyi.core.services import audit_record
from fangyi.core.validators import parse_id_number
from fangyi.people.models import Person
from fangyi.regions.errors import region_not_found
from fangyi.regions.models import Region
from fangyi.regions.selectors import region_path
from fangyi.vouchers import fraud, ledger
from fangyi.vouchers.choices import (
    ClaimMode,
    EligibleGroup,
    EntryKind,
    FunderKind,
    LedgerAccount,
    MerchantCategory,
    MerchantStatus,
    ProgramStatus,
    RedemptionStatus,
    VoucherStatus,
)
from fangyi.vouchers.errors import VouchersError, conflict, invalid, not_found
from fangyi.vouchers.models import (
    Denomination,
    Eligibility,
    LotteryEntry,
    Merchant,
    Program,
    Redemption,
    Settlement,
    Voucher,
)
from fangyi.vouchers.selectors import MANAGE, MERCHANT, merchant_not_found, program_not_found, resident_of

NAME_MAX = 128
LIMIT_MAX = 100
STOCK_MAX = 10_000_000
ELIGIBILITY_MAX = 50_000


@dataclasses.dataclass(frozen=True)
class EligibilityResult:
    added: int
    already: int


# Input checks -------------------------------------------------------------------------------------


def _text(value: str | None, code: str, field: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > NAME_MAX:
        raise invalid(code, _("Give a text of 1 to %(limit)s characters."), field, limit=NAME_MAX)
    return text


def _choices(values: Iterable[str] | None, choices: list[str], code: str, field: str) -> list[str]:
    """At least one of `choices`, each once, in the order given."""
    if values is None or isinstance(values, str):
        raise invalid(code, _("Give a list of choices."), field)
    chosen: list[str] = []
    for value in values:
        if value not in choices:
            raise invalid(code, _("“%(value)s” is not one of the choices."), field, value=str(value)[:32])
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise invalid(code, _("Choose at least one."), field)
    return chosen


def _count(value: Any, low: int, high: int) -> int | None:
    """`value` as an integer in [low, high], or None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def _moment(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise invalid("program.invalid_window", _("Give a date and time with its time zone."), field)
    return value


def _denominations(raw: Any) -> list[Denomination]:
    if not isinstance(raw, list | tuple) or not raw:
        raise invalid(
            "program.invalid_denomination", _("Give at least one kind of voucher."), "denominations"
        )
    kinds: list[Denomination] = []
    seen: set[tuple[int, int]] = set()
    for item in raw:
        item = item if isinstance(item, dict) else {}
        face = _count(item.get("face_value_fen"), 1, 2_000_000_000)
        threshold = _count(item.get("threshold_fen"), 1, 2_000_000_000)
        stock = _count(item.get("stock"), 1, STOCK_MAX)
        if face is None or threshold is None or stock is None or threshold < face:
            raise invalid(
                "program.invalid_denomination",
                _(
                    "Each kind of voucher needs a face value above zero, a minimum spend at least "
                    "its face value and a stock of 1 to %(limit)s."
                ),
                "denominations",
                limit=STOCK_MAX,
            )
        if (face, threshold) in seen:
            raise invalid(
                "program.invalid_denomination", _("The same kind of voucher is given twice."), "denominations"
            )
        seen.add((face, threshold))
        kinds.append(Denomination(face_value_fen=face, threshold_fen=threshold, stock=stock, remaining=stock))
    return kinds


def _issuing_region(actor: Actor, raw: str) -> Region:
    path = region_path(raw)
    region = Region.objects.filter(code=path).first()
    if region is None or not covers(actor, MANAGE, path):
        error = region_not_found()
        error.field = "region"
        raise error
    return region


def _spending_regions(issuing: Region, raw: Iterable[str] | None) -> list[str]:
    """Where the vouchers are spent: regions inside the issuing one (the issuing one when none)."""
    paths: list[str] = []
    for value in raw or ():
        try:
            path = region_path(str(value))
        except DomainError:
            path = ""
        if not path.startswith(issuing.code):
            raise invalid(
                "program.invalid_regions",
                _("“%(value)s” is not a region inside the issuing one."),
                "regions",
                value=str(value)[:16],
            )
        if path not in paths:
            paths.append(path)
    if not paths:
        return [issuing.code]
    if Region.objects.filter(code__in=paths).count() != len(paths):
        raise invalid("program.invalid_regions", _("One of the regions does not exist."), "regions")
    return paths


def _managed_program(actor: Actor, program_id: Any, *, lock: bool = False) -> Program:
    rows = Program.objects.select_for_update() if lock else Program.objects.all()
    program = row_by_key(rows, program_id)
    if program is None or not covers(actor, MANAGE, program.region_id):
        raise program_not_found()
    return program


# Programmes ---------------------------------------------------------------------------------------


def program_create(
    *,
    actor: Actor,
    name: str,
    funder_kind: str,
    funder: str,
    region: str,
    regions: list[str],
    budget_fen: int,
    categories: list[str],
    claiming: str,
    per_person_limit: int,
    claim_opens: dt.datetime,
    claim_closes: dt.datetime,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    denominations: list[dict[str, Any]],
    eligible_groups: Iterable[str] = (),
) -> Program:
    """A draft programme issued by `region` (inside the actor's jurisdiction to manage vouchers),
    spent in `regions` (each inside it; the issuing region when none are given)."""
    require(actor, MANAGE)
    issuing = _issuing_region(actor, region)
    fields: dict[str, Any] = {
        "name": _text(name, "program.invalid_name", "name"),
        "funder": _text(funder, "program.invalid_funder", "funder"),
    }
    if funder_kind not in FunderKind.values:
        raise invalid("program.invalid_funder_kind", _("Not one of the choices."), "funder_kind")
    if claiming not in ClaimMode.values:
        raise invalid("program.invalid_claiming", _("Not one of the choices."), "claiming")
    budget = _count(budget_fen, 1, 10**15)
    if budget is None:
        raise invalid("program.invalid_budget", _("Give a budget above zero."), "budget_fen")
    limit = _count(per_person_limit, 1, LIMIT_MAX)
    if limit is None:
        raise invalid(
            "program.invalid_limit",
            _("A resident may hold 1 to %(limit)s vouchers of a programme."),
            "per_person_limit",
            limit=LIMIT_MAX,
        )
    chosen = _choices(categories, MerchantCategory.values, "program.invalid_categories", "categories")
    groups: list[str] = []
    if claiming == ClaimMode.LIST:
        groups = _choices(eligible_groups, EligibleGroup.values, "program.invalid_groups", "eligible_groups")
    opens, closes = _moment(claim_opens, "claim_opens"), _moment(claim_closes, "claim_closes")
    starts, ends = _moment(valid_from, "valid_from"), _moment(valid_until, "valid_until")
    if not (opens < closes and starts < ends and closes <= ends):
        raise invalid(
            "program.invalid_window",
            _(
                "Claiming must close after it opens and by the end of validity, which must come after "
                "its start."
            ),
            "claim_closes",
        )
    kinds = _denominations(denominations)
    if sum(kind.face_value_fen * kind.stock for kind in kinds) > budget:
        raise invalid(
            "program.over_budget", _("The vouchers are worth more than the budget."), "denominations"
        )
    paths = _spending_regions(issuing, regions)
    with transaction.atomic():
        program = Program.objects.create(
            **fields,
            funder_kind=funder_kind,
            region=issuing,
            budget_fen=budget,
            categories=chosen,
            claiming=claiming,
            eligible_groups=groups,
            per_person_limit=limit,
            claim_opens=opens,
            claim_closes=closes,
            valid_from=starts,
            valid_until=ends,
            created_by_id=actor.pk,
        )
        Program.regions.through.objects.bulk_create(
            [Program.regions.through(program_id=program.pk, region_id=path) for path in paths]
        )
        for kind in kinds:
            kind.program = program
        Denomination.objects.bulk_create(kinds)
        audit_record(
            actor=actor,
            action="voucher_program.create",
            obj=program,
            region_path=issuing.code,
            data={"budget_fen": budget, "regions": paths, "claiming": claiming},
        )
    return program


def program_publish(*, actor: Actor, program_id: Any) -> Program:
    """Open a draft programme to residents (they claim within its claiming window)."""
    require(actor, MANAGE)
    with transaction.atomic():
        program = _managed_program(actor, program_id, lock=True)
        if program.status != ProgramStatus.DRAFT:
            raise conflict("program.not_draft", _("Only a draft programme can be published."))
        program.status = ProgramStatus.PUBLISHED
        program.save(update_fields=["status"])
        audit_record(
            actor=actor, action="voucher_program.publish", obj=program, region_path=program.region_id
        )
    return program


def program_close(*, actor: Actor, program_id: Any) -> Program:
    """Stop claiming (a draft is dropped this way). Vouchers already held stay good until they expire."""
    require(actor, MANAGE)
    with transaction.atomic():
        program = _managed_program(actor, program_id, lock=True)
        if program.status == ProgramStatus.CLOSED:
            raise conflict("program.closed", _("This programme is already closed."))
        program.status = ProgramStatus.CLOSED
        program.save(update_fields=["status"])
        audit_record(actor=actor, action="voucher_program.close", obj=program, region_path=program.region_id)
    return program


def eligibility_add(*, actor: Actor, program_id: Any, group: str, id_numbers: list[str]) -> EligibilityResult:
    """Put residents on an eligibility-list programme by identity number, all or nothing: a number
    that is malformed or of no known resident refuses the whole list, naming its lines (1-based)."""
    require(actor, MANAGE)
    program = _managed_program(actor, program_id)
    if program.claiming != ClaimMode.LIST:
        raise conflict("eligibility.not_list", _("This programme does not use an eligibility list."))
    if group not in program.eligible_groups:
        raise invalid("eligibility.invalid_group", _("This programme has no such group."), "group")
    if isinstance(id_numbers, str) or not id_numbers:
        raise invalid("eligibility.empty", _("Give at least one identity number."), "id_numbers")
    if len(id_numbers) > ELIGIBILITY_MAX:
        raise invalid(
            "eligibility.too_many",
            _("Give at most %(limit)s identity numbers at a time."),
            "id_numbers",
            limit=ELIGIBILITY_MAX,
        )
    hashes: list[str | None] = []
    for raw in id_numbers:
        try:
            hashes.append(pii.lookup_hash("id", parse_id_number(str(raw)).value))
        except ValidationFailed:
            hashes.append(None)
    known = dict(
        Person.objects.filter(id_number_hash__in={h for h in hashes if h}).values_list("id_number_hash", "id")
    )
    unknown = [line for line, h in enumerate(hashes, start=1) if h not in known]
    if unknown:
        shown = ", ".join(str(line) for line in unknown[:20]) + (" …" if len(unknown) > 20 else "")
        raise invalid(
            "eligibility.unknown_residents",
            _("No known resident has the identity number on line(s) %(lines)s."),
            "id_numbers",
            lines=shown,
        )
    people = {known[h] for h in hashes if h}
    with transaction.atomic():
        listed = set(
            Eligibility.objects.filter(program=program, person_id__in=people).values_list(
                "person_id", flat=True
            )
        )
        now = clock.now()
        Eligibility.objects.bulk_create(
            [Eligibility(program=program, person_id=p, group=group, added_at=now) for p in people - listed],
            batch_size=2000,
            ignore_conflicts=True,  # a list uploaded twice at once: the first one adds them
        )
        added = len(people - listed)
        audit_record(
            actor=actor,
            action="voucher_program.eligibility_add",
            obj=program,
            region_path=program.region_id,
            data={"group": group, "added": added, "already": len(listed)},
        )
    return EligibilityResult(added=added, already=len(people) - added)


# Claims and the lottery ---------------------------------------------------------------------------

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed at a till
CODE_LENGTH = 12


@dataclasses.dataclass(frozen=True)
class DrawResult:
    entries: int
    winners: int
    issued: int


def voucher_code() -> str:
    """12 random characters (60 bits): unguessable, and a collision among millions is negligible."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _claimable_program(program_id: Any) -> Program:
    """A published programme whose claiming window is open now (drafts do not exist for residents)."""
    program = row_by_key(Program.objects.all(), program_id)
    if program is None or program.status == ProgramStatus.DRAFT:
        raise program_not_found()
    now = clock.now()
    if program.status != ProgramStatus.PUBLISHED or not program.claim_opens <= now < program.claim_closes:
        raise conflict("program.not_open", _("This programme is not open for claiming now."))
    return program


def _sold_out() -> VouchersError:
    return conflict("claim.sold_out", _("All the vouchers have been claimed."))


def _limit_reached(limit: int) -> VouchersError:
    return conflict(
        "claim.limit_reached",
        _("You already hold the %(limit)s voucher(s) of this programme a resident may claim."),
        limit=limit,
    )


def _kinds_with_stock(program: Program, denomination_id: Any) -> list[int]:
    """The kinds a claim may take from, in order: the one asked for, or those with stock left."""
    kinds = Denomination.objects.filter(program=program, remaining__gt=0)
    if denomination_id is not None:
        if row_by_key(kinds, denomination_id) is None:
            if row_by_key(Denomination.objects.filter(program=program), denomination_id) is None:
                raise not_found("denomination.not_found", _("No such kind of voucher."), "denomination_id")
            raise _sold_out()
        return [int(denomination_id)]
    found = list(kinds.order_by("face_value_fen", "threshold_fen").values_list("pk", flat=True))
    if not found:
        raise _sold_out()
    return found


def voucher_claim(*, actor: Actor, program_id: Any, denomination_id: int | None = None) -> Voucher:
    """The signed-in resident claims a voucher of a first-come or eligibility-list programme (of
    kind `denomination_id`, or of the first kind with stock left).

    The stock is taken by a guarded decrement (`remaining > 0`) as the last statement before the
    commit, so the row lock every claim of the kind queues on is held for the commit only; when
    it finds no stock left the voucher inserted just before is rolled back with it."""
    person = resident_of(actor)
    program = _claimable_program(program_id)
    if program.claiming == ClaimMode.LOTTERY:
        raise conflict(
            "claim.lottery", _("Vouchers of this programme are drawn by lottery: enter it instead.")
        )
    if (
        program.claiming == ClaimMode.LIST
        and not Eligibility.objects.filter(program=program, person_id=person.pk).exists()
    ):
        raise conflict("claim.not_eligible", _("You are not on this programme's eligibility list."))
    kinds = _kinds_with_stock(program, denomination_id)
    limit = program.per_person_limit
    try:
        with transaction.atomic():
            slot = Voucher.objects.filter(program=program, holder_id=person.pk).count() + 1
            if slot > limit:
                raise _limit_reached(limit)
            voucher = Voucher(
                code=voucher_code(),
                program=program,
                denomination_id=kinds[0],
                holder_id=person.pk,
                slot=slot,
                claimed_in_id=person.home_region_id,
                claimed_at=clock.now(),
            )
            voucher.save(force_insert=True)
            fraud.screen_claim(voucher)
            for kind in kinds:
                if Denomination.objects.filter(pk=kind, remaining__gt=0).update(remaining=F("remaining") - 1):
                    break
            else:
                raise _sold_out()
            if kind != voucher.denomination_id:
                Voucher.objects.filter(pk=voucher.pk).update(denomination_id=kind)
                voucher.denomination_id = kind
    except IntegrityError:
        # The same resident's claim at the same moment took this slot.
        raise _limit_reached(limit) from None
    return voucher


def lottery_enter(*, actor: Actor, program_id: Any) -> LotteryEntry:
    """The signed-in resident enters a lottery programme while its claiming window is open."""
    person = resident_of(actor)
    program = _claimable_program(program_id)
    if program.claiming != ClaimMode.LOTTERY:
        raise conflict("lottery.not_lottery", _("This programme has no lottery."))
    try:
        with transaction.atomic():
            return LotteryEntry.objects.create(
                program=program, person_id=person.pk, region_id=person.home_region_id, entered_at=clock.now()
            )
    except IntegrityError:
        raise conflict("lottery.entered", _("You have already entered this lottery.")) from None


def lottery_draw(*, actor: Actor, program_id: Any, seed: int | None = None) -> DrawResult:
    """Draw a lottery programme once claiming has closed: the entries in a random order (from
    `seed`, recorded in the audit, so the draw can be replayed) each win one voucher in turn while
    stock lasts, then a second in the same order up to the per-person limit, and so on."""
    require(actor, MANAGE)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63):
        raise invalid("lottery.invalid_seed", _("Give a whole number from 0 as the seed."), "seed")
    with transaction.atomic():
        program = _managed_program(actor, program_id, lock=True)
        if program.claiming != ClaimMode.LOTTERY:
            raise conflict("lottery.not_lottery", _("This programme has no lottery."))
        if program.drawn_at is not None:
            raise conflict("lottery.drawn", _("This lottery has already been drawn."))
        now = clock.now()
        if program.status == ProgramStatus.DRAFT or now < program.claim_closes:
            raise conflict("lottery.not_closed", _("The lottery is drawn once its entries have closed."))
        seed = secrets.randbits(63) if seed is None else seed
        entries = list(
            LotteryEntry.objects.filter(program=program).order_by("pk").only("pk", "person_id", "region_id")
        )
        random.Random(seed).shuffle(entries)
        kinds = list(
            Denomination.objects.filter(program=program, remaining__gt=0).order_by(
                "face_value_fen", "threshold_fen"
            )
        )
        # Round by round through the shuffled entries, against the stock kind by kind.
        turns = ((slot, entry) for slot in range(1, program.per_person_limit + 1) for entry in entries)
        pool = itertools.chain.from_iterable(itertools.repeat(kind, kind.remaining) for kind in kinds)
        vouchers = [
            Voucher(
                code=voucher_code(),
                program=program,
                denomination=kind,
                holder_id=entry.person_id,
                slot=slot,
                claimed_in_id=entry.region_id,
                claimed_at=now,
            )
            for (slot, entry), kind in zip(turns, pool, strict=False)
        ]
        Voucher.objects.bulk_create(vouchers, batch_size=2000)
        for kind in kinds:
            used = sum(1 for voucher in vouchers if voucher.denomination_id == kind.pk)
            if used:
                Denomination.objects.filter(pk=kind.pk).update(remaining=F("remaining") - used)
        fraud.screen_claims(vouchers)
        winners = sorted({voucher.holder_id for voucher in vouchers}, key=str)
        LotteryEntry.objects.filter(program=program).update(won=False)
        for start in range(0, len(winners), 1000):
            LotteryEntry.objects.filter(program=program, person_id__in=winners[start : start + 1000]).update(
                won=True
            )
        program.drawn_at = now
        program.save(update_fields=["drawn_at"])
        audit_record(
            actor=actor,
            action="voucher_program.lottery_draw",
            obj=program,
            region_path=program.region_id,
            data={"seed": seed, "entries": len(entries), "winners": len(winners), "issued": len(vouchers)},
        )
    return DrawResult(entries=len(entries), winners=len(winners), issued=len(vouchers))


# Redemptions and refunds --------------------------------------------------------------------------

ORDER_NO_MAX = 64
AMOUNT_MAX = 2_147_483_647


def yuan(fen: int | None) -> str:
    """An amount in fen as yuan with two decimals and grouped thousands ("1,234.50"), "—" if unknown."""
    if fen is None:
        return "—"
    return f"{Decimal(fen) / 100:,.2f}"


def _voucher_not_found() -> NotFound:
    return not_found("voucher.not_found", _("No voucher has this code."), "code")


def _already_redeemed() -> VouchersError:
    return conflict("voucher.already_redeemed", _("This voucher has already been used."), "code")


def _order_no(raw: Any) -> str:
    text = raw.strip() if isinstance(raw, str) else ""
    if not 1 <= len(text) <= ORDER_NO_MAX or not text.isprintable():
        raise invalid(
            "redeem.invalid_order_no",
            _("Give the order number: 1 to %(limit)s printable characters."),
            "order_no",
            limit=ORDER_NO_MAX,
        )
    return text


def _code(raw: Any) -> str:
    """A voucher code as typed at a till: spaces and case do not matter."""
    return "".join(raw.split()).upper() if isinstance(raw, str) else ""


def _replay(merchant: Merchant, order_no: str, code: str, amount: int) -> Redemption | None:
    """The merchant's redemption of this order, if there is one: the same request again gets it
    back; anything else under the same order number is refused."""
    done = Redemption.objects.select_related("voucher").filter(merchant=merchant, order_no=order_no).first()
    if done is None:
        return None
    if done.voucher.code != code or done.order_amount_fen != amount:
        raise conflict(
            "redeem.order_replayed",
            _("This order number was already used with another voucher or amount."),
            "order_no",
        )
    return done


def voucher_redeem(
    *, actor: Actor, merchant_id: Any, code: str, order_no: str, order_amount_fen: int
) -> tuple[Redemption, bool]:
    """A merchant's login spends a voucher against one of its orders; the second value says whether
    this call redeemed it (False: the same order was already redeemed, nothing is written).

    The order number makes it idempotent: the same merchant, order, code and amount again return
    the first redemption, whatever the voucher has become since; the same order with anything else
    is refused. The voucher turns redeemed by one guarded UPDATE (`status = 'held'`), so of
    concurrent redemptions of one voucher exactly one passes."""
    require(actor, MERCHANT)
    merchant = row_by_key(
        Merchant.objects.filter(accounts=actor.pk).only("pk", "status", "category", "region_id"), merchant_id
    )
    if merchant is None:
        raise merchant_not_found()
    if merchant.status != MerchantStatus.APPROVED:
        raise conflict("merchant.not_approved", _("This merchant is not approved to take vouchers."))
    number = _order_no(order_no)
    amount = _count(order_amount_fen, 1, AMOUNT_MAX)
    if amount is None:
        raise invalid("redeem.invalid_amount", _("Give the order's amount, above zero."), "order_amount_fen")
    code = _code(code)
    try:
        return _redeem(actor, merchant, code, number, amount), True
    except (DomainError, IntegrityError) as refusal:
        # A refusal may be a replay (the voucher is spent, by this very order): look it up only now,
        # so that a first redemption costs no look-up.
        replayed = _replay(merchant, number, code, amount)
        if replayed is not None:
            return replayed, False
        if isinstance(refusal, IntegrityError):
            raise _already_redeemed() from None
        raise


def _redeem(actor: Actor, merchant: Merchant, code: str, order_no: str, amount: int) -> Redemption:
    voucher = None
    if len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET):
        voucher = Voucher.objects.select_related("program", "denomination").filter(code=code).first()
    if voucher is None:
        raise _voucher_not_found()
    program, kind = voucher.program, voucher.denomination
    now = clock.now()
    if now < program.valid_from:
        raise conflict("voucher.not_yet_valid", _("This voucher cannot be used yet."), "code")
    if now > program.valid_until:
        raise conflict("voucher.expired", _("This voucher has expired."), "code")
    if merchant.category not in program.categories:
        raise conflict("voucher.wrong_category", _("This voucher is not good at this kind of shop."), "code")
    regions = Program.regions.through.objects.filter(program_id=program.pk).values_list(
        "region_id", flat=True
    )
    if not any(merchant.region_id.startswith(region) for region in regions):
        raise conflict("voucher.foreign_region", _("This voucher is not good in this shop's region."), "code")
    if amount < kind.threshold_fen:
        raise conflict(
            "redeem.below_threshold",
            _("This voucher needs a spend of at least %(threshold)s yuan."),
            "order_amount_fen",
            threshold=yuan(kind.threshold_fen),
        )
    if voucher.status != VoucherStatus.HELD:
        raise _already_redeemed()
    with transaction.atomic():
        if not Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.HELD).update(
            status=VoucherStatus.REDEEMED, redeemed_at=now
        ):
            raise _already_redeemed()
        voucher.status, voucher.redeemed_at = VoucherStatus.REDEEMED, now
        redemption = Redemption(
            merchant=merchant,
            voucher=voucher,
            order_no=order_no,
            order_amount_fen=amount,
            discount_fen=kind.face_value_fen,
            redeemed_at=now,
            redeemed_by_id=actor.pk,
        )
        redemption.save(force_insert=True)
        ledger.post(
            kind=EntryKind.REDEMPTION,
            program_id=program.pk,
            legs=[
                (LedgerAccount.EXPENSE, None, kind.face_value_fen),
                (LedgerAccount.PAYABLE, merchant.pk, -kind.face_value_fen),
            ],
            redemption=redemption,
        )
        fraud.screen_redemption(redemption)
    return redemption


def _redemption_not_found() -> NotFound:
    return not_found("redemption.not_found", _("No such redemption."), "redemption_id")


def redemption_refund(*, actor: Actor, redemption_id: Any) -> Redemption:
    """Undo a redemption not yet settled (the order was cancelled): the voucher is held again and
    the ledger reversed. By an account of the merchant, or an official overseeing it."""
    require_any(actor, MERCHANT, MANAGE)
    with transaction.atomic():
        redemption = row_by_key(Redemption.objects.select_related("merchant", "voucher"), redemption_id)
        if redemption is None:
            raise _redemption_not_found()
        merchant = redemption.merchant
        if not covers(actor, MANAGE, merchant.region_id) and not (
            actor.prefixes_for(MERCHANT) and merchant.accounts.filter(pk=actor.pk).exists()
        ):
            raise _redemption_not_found()
        now = clock.now()
        # Guarded like the redemption: of a refund and a settlement (or two refunds) at the same
        # moment, one passes and the other reads what it did.
        if not Redemption.objects.filter(
            pk=redemption.pk, status=RedemptionStatus.DONE, settlement__isnull=True
        ).update(status=RedemptionStatus.REFUNDED, refunded_at=now):
            redemption.refresh_from_db(fields=["status", "settlement"])
            if redemption.status == RedemptionStatus.REFUNDED:
                raise conflict("redemption.refunded", _("This redemption has already been refunded."))
            raise conflict(
                "redemption.settled", _("This redemption has been settled: it cannot be refunded.")
            )
        redemption.status, redemption.refunded_at = RedemptionStatus.REFUNDED, now
        Voucher.objects.filter(pk=redemption.voucher_id, status=VoucherStatus.REDEEMED).update(
            status=VoucherStatus.HELD, redeemed_at=None
        )
        ledger.post(
            kind=EntryKind.REFUND,
            program_id=redemption.voucher.program_id,
            legs=[
                (LedgerAccount.EXPENSE, None, -redemption.discount_fen),
                (LedgerAccount.PAYABLE, merchant.pk, redemption.discount_fen),
            ],
            redemption=redemption,
        )
        audit_record(
            actor=actor,
            action="voucher_redemption.refund",
            obj=redemption,
            region_path=merchant.region_id,
            data={"order_no": redemption.order_no, "discount_fen": redemption.discount_fen},
        )
    return redemption


# Settlement ---------------------------------------------------------------------------------------


def settlement_run(*, actor: Actor | None, today: dt.date | None = None) -> list[Settlement]:
    """Pay merchants for the redemptions whose hold period has passed: every redemption still
    standing and unsettled whose local business day is at least FANGYI_VOUCHER_HOLD_DAYS before
    `today`, one settlement per programme, merchant and day, cleared in the ledger against the
    programme's funds. `actor` None is the daily system run; an official settles the merchants of
    their jurisdiction. Idempotent: a second run finds nothing new."""
    if actor is not None:
        require(actor, MANAGE)
    last_day = (today or clock.today()) - dt.timedelta(days=settings.FANGYI_VOUCHER_HOLD_DAYS)
    before = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=clock.SHANGHAI)
    due = Redemption.objects.filter(
        status=RedemptionStatus.DONE, settlement__isnull=True, redeemed_at__lt=before
    )
    if actor is not None:
        due = due.filter(scope_q(actor, MANAGE, "merchant__region__code"))
    settled: list[Settlement] = []
    with transaction.atomic():
        # Locked in key order (two runs at once queue rather than deadlock); a refund racing this
        # run waits, then finds the redemption settled.
        rows = list(
            due.select_for_update(of=("self",))
            .order_by("pk")
            .values_list(
                "pk",
                "voucher__program_id",
                "merchant_id",
                "merchant__region_id",
                "redeemed_at",
                "discount_fen",
            )
        )
        groups: dict[tuple[int, int, dt.date], list[tuple[int, int]]] = {}
        regions: dict[int, str] = {}
        for pk, program_id, merchant_id, region_id, redeemed_at, discount in rows:
            day = redeemed_at.astimezone(clock.SHANGHAI).date()
            groups.setdefault((program_id, merchant_id, day), []).append((pk, discount))
            regions[merchant_id] = region_id
        now = clock.now()
        for (program_id, merchant_id, day), items in sorted(groups.items()):
            amount, count = sum(discount for _pk, discount in items), len(items)
            settlement, created = Settlement.objects.get_or_create(
                program_id=program_id,
                merchant_id=merchant_id,
                business_day=day,
                defaults={"amount_fen": amount, "redemptions": count, "settled_at": now},
            )
            if not created:
                # Redemptions of a day already settled (made while the day was being settled).
                Settlement.objects.filter(pk=settlement.pk).update(
                    amount_fen=F("amount_fen") + amount, redemptions=F("redemptions") + count
                )
                settlement.refresh_from_db()
            ids = [pk for pk, _discount in items]
            for start in range(0, len(ids), 1000):
                Redemption.objects.filter(pk__in=ids[start : start + 1000]).update(settlement=settlement)
            ledger.post(
                kind=EntryKind.SETTLEMENT,
                program_id=program_id,
                legs=[(LedgerAccount.PAYABLE, merchant_id, amount), (LedgerAccount.FUNDS, None, -amount)],
                settlement=settlement,
            )
            audit_record(
                actor=actor,
                action="voucher_settlement.create",
                obj=settlement,
                region_path=regions[merchant_id],
                data={"business_day": day.isoformat(), "amount_fen": amount, "redemptions": count},
            )
            settled.append(settlement)
    return settled
