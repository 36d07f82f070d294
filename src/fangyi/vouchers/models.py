"""Consumption vouchers (湘消费). Money is kept in fen (0.01 yuan) as integers everywhere."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.models import AppendOnlyModel
from fangyi.people.models import Person
from fangyi.regions.models import Region
from fangyi.vouchers.choices import (
    ClaimMode,
    EligibleGroup,
    EntryKind,
    FlagStatus,
    FraudRule,
    FunderKind,
    LedgerAccount,
    MerchantCategory,
    MerchantStatus,
    ProgramStatus,
    RedemptionStatus,
    VoucherStatus,
)


class Merchant(models.Model):
    """A shop, restaurant or attraction that takes vouchers once the county has approved it."""

    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=MerchantCategory.choices)
    small_micro = models.BooleanField(_("small or micro business"), default=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=256, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MerchantStatus.choices, default=MerchantStatus.PENDING
    )
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("accounts"), blank=True, related_name="merchants"
    )
    applied_at = models.DateTimeField(_("applied"), default=clock.now)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.CharField(_("review note"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="merchant_credit_code_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "region"]), models.Index(fields=["category", "region"])]

    def __str__(self) -> str:
        return self.name


class Program(models.Model):
    """A voucher programme: who pays, how much, for what, where, when and for whom."""

    name = models.CharField(_("name"), max_length=128)
    funder_kind = models.CharField(_("funder"), max_length=12, choices=FunderKind.choices)
    funder = models.CharField(_("funder's name"), max_length=128)
    # The issuing jurisdiction: its officials run the programme.
    region = models.ForeignKey(
        Region, verbose_name=_("issuing region"), on_delete=models.PROTECT, related_name="+"
    )
    # Where the vouchers are spent and claimed: each a region inside the issuing one.
    regions = models.ManyToManyField(Region, verbose_name=_("regions"), related_name="+")
    budget_fen = models.BigIntegerField(_("budget (fen)"))
    # Merchant categories the vouchers are good for (MerchantCategory values).
    categories = models.JSONField(_("merchant categories"), default=list)
    claiming = models.CharField(_("claiming"), max_length=12, choices=ClaimMode.choices)
    # For the eligibility-list programmes: which lists (EligibleGroup values).
    eligible_groups = models.JSONField(_("eligible groups"), default=list, blank=True)
    per_person_limit = models.PositiveSmallIntegerField(_("vouchers per person"), default=1)
    claim_opens = models.DateTimeField(_("claiming opens"))
    claim_closes = models.DateTimeField(_("claiming closes"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    drawn_at = models.DateTimeField(_("lottery drawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("voucher programme")
        verbose_name_plural = _("voucher programmes")
        ordering = ["-claim_opens", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget_fen__gt=0), name="program_budget_positive"),
            models.CheckConstraint(condition=Q(per_person_limit__gte=1), name="program_limit_positive"),
            models.CheckConstraint(
                condition=Q(claim_closes__gt=F("claim_opens")), name="program_claim_window"
            ),
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")), name="program_valid_window"),
        ]

    def __str__(self) -> str:
        return self.name


class Denomination(models.Model):
    """One kind of voucher in a programme: "spend `threshold`, get `face_value` off", `stock` of them."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="denominations"
    )
    face_value_fen = models.PositiveIntegerField(_("face value (fen)"))
    threshold_fen = models.PositiveIntegerField(_("minimum spend (fen)"))
    stock = models.PositiveIntegerField(_("vouchers issued"))
    # Decremented by one guarded UPDATE per claim; never below zero.
    remaining = models.PositiveIntegerField(_("vouchers left"))

    class Meta:
        verbose_name = _("denomination")
        verbose_name_plural = _("denominations")
        ordering = ["program", "face_value_fen", "threshold_fen"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "face_value_fen", "threshold_fen"], name="denomination_unique"
            ),
            models.CheckConstraint(condition=Q(face_value_fen__gt=0), name="denomination_face_positive"),
            models.CheckConstraint(
                condition=Q(threshold_fen__gte=F("face_value_fen")), name="denomination_threshold_covers_face"
            ),
            models.CheckConstraint(
                condition=Q(remaining__gte=0, remaining__lte=F("stock")),
                name="denomination_remaining_in_stock",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold_fen // 100}-{self.face_value_fen // 100}"


class Eligibility(models.Model):
    """A resident on a programme's eligibility list (an employee, a union member)."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="eligible"
    )
    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+")
    group = models.CharField(_("group"), max_length=12, choices=EligibleGroup.choices)
    added_at = models.DateTimeField(_("added"), default=clock.now)

    class Meta:
        verbose_name = _("eligible resident")
        verbose_name_plural = _("eligible residents")
        constraints = [models.UniqueConstraint(fields=["program", "person"], name="eligibility_unique")]

    def __str__(self) -> str:
        return f"{self.program_id} · {self.group}"


class LotteryEntry(models.Model):
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="entries"
    )
    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+")
    # Where the resident entered from (their home region), for the out-of-region rule.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered"), default=clock.now)
    won = models.BooleanField(_("won"), null=True, blank=True)

    class Meta:
        verbose_name = _("lottery entry")
        verbose_name_plural = _("lottery entries")
        constraints = [models.UniqueConstraint(fields=["program", "person"], name="lottery_entry_unique")]

    def __str__(self) -> str:
        return f"{self.program_id} · {self.person_id}"


class Voucher(models.Model):
    """A claimed voucher. `slot` numbers a holder's vouchers in the programme from 1 to its
    per-person limit: the unique (program, holder, slot) is what enforces the limit."""

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(_("code"), max_length=16, unique=True)
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="vouchers"
    )
    denomination = models.ForeignKey(
        Denomination, verbose_name=_("denomination"), on_delete=models.PROTECT, related_name="vouchers"
    )
    holder = models.ForeignKey(Person, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="+")
    slot = models.PositiveSmallIntegerField(_("slot"))
    status = models.CharField(
        _("status"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.HELD
    )
    # The holder's home region when they claimed it, for the out-of-region rule and the statistics.
    claimed_in = models.ForeignKey(
        Region, verbose_name=_("claimed in"), on_delete=models.PROTECT, related_name="+"
    )
    claimed_at = models.DateTimeField(_("claimed"), default=clock.now)
    redeemed_at = models.DateTimeField(_("redeemed"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["program", "holder", "slot"], name="voucher_per_person_limit"),
            models.CheckConstraint(condition=Q(slot__gte=1), name="voucher_slot_positive"),
        ]
        indexes = [models.Index(fields=["holder", "status"]), models.Index(fields=["program", "status"])]

    def __str__(self) -> str:
        return self.code


class Settlement(models.Model):
    """What a programme paid a merchant for one day's redemptions once their hold period passed."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="settlements"
    )
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="settlements"
    )
    business_day = models.DateField(_("business day"))
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    redemptions = models.PositiveIntegerField(_("redemptions"))
    settled_at = models.DateTimeField(_("settled"), default=clock.now)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["-business_day", "merchant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "merchant", "business_day"], name="settlement_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} · {self.business_day} · {self.amount_fen}"


class Redemption(models.Model):
    """A voucher spent at a merchant against one of its orders. The merchant's order number makes
    the request idempotent: the same order again is the same redemption."""

    id = models.BigAutoField(primary_key=True)
    merchant = models.ForeignKey(
        Merchant, verbose_name=_("merchant"), on_delete=models.PROTECT, related_name="redemptions"
    )
    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), on_delete=models.PROTECT, related_name="redemptions"
    )
    order_no = models.CharField(_("order number"), max_length=64)
    order_amount_fen = models.PositiveIntegerField(_("order amount (fen)"))
    discount_fen = models.PositiveIntegerField(_("discount (fen)"))
    status = models.CharField(
        _("status"), max_length=10, choices=RedemptionStatus.choices, default=RedemptionStatus.DONE
    )
    redeemed_at = models.DateTimeField(_("redeemed"), default=clock.now)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("redeemed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    refunded_at = models.DateTimeField(_("refunded"), null=True, blank=True)
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-redeemed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "order_no"], name="redemption_order_once"),
            models.UniqueConstraint(
                fields=["voucher"], condition=Q(status="done"), name="redemption_one_live_per_voucher"
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "redeemed_at"]),
            models.Index(fields=["status", "redeemed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} · {self.order_no}"


class LedgerEntry(AppendOnlyModel):
    """One leg of a double-entry transaction: debits positive, credits negative. The legs of a
    transaction share `transaction` and sum to zero; entries are never changed or deleted."""

    id = models.BigAutoField(primary_key=True)
    transaction = models.UUIDField(_("transaction"), default=uuid.uuid4, db_index=True)
    account = models.CharField(_("account"), max_length=8, choices=LedgerAccount.choices)
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    kind = models.CharField(_("kind"), max_length=10, choices=EntryKind.choices)
    redemption = models.ForeignKey(
        Redemption,
        verbose_name=_("redemption"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settlement = models.ForeignKey(
        Settlement,
        verbose_name=_("settlement"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted"), default=clock.now)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["program", "account", "merchant"])]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen:+d}"


class FraudFlag(models.Model):
    """A claim or redemption a fraud rule picked out, waiting in the county's review queue."""

    rule = models.CharField(_("rule"), max_length=16, choices=FraudRule.choices)
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    # The region whose officials review it (the merchant's, or the programme's issuing region for a claim).
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        Person, verbose_name=_("holder"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merchant = models.ForeignKey(
        Merchant,
        verbose_name=_("merchant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voucher = models.ForeignKey(
        Voucher, verbose_name=_("voucher"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redemption = models.ForeignKey(
        Redemption,
        verbose_name=_("redemption"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What the rule saw: counts, the window, the orders involved.
    detail = models.JSONField(_("detail"), default=dict)
    raised_at = models.DateTimeField(_("raised"), default=clock.now)
    status = models.CharField(_("status"), max_length=10, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    review_note = models.CharField(_("review note"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("fraud flag")
        verbose_name_plural = _("fraud flags")
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["status", "region"])]
        # One open flag per rule and holder/merchant pair (per programme for the claim rule, which
        # has no merchant): a rule that keeps firing does not refill the review queue.
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "holder", "merchant"],
                condition=Q(status="open", merchant__isnull=False),
                name="fraudflag_one_open_per_pair",
            ),
            models.UniqueConstraint(
                fields=["rule", "program", "holder"],
                condition=Q(status="open", merchant__isnull=True),
                name="fraudflag_one_open_per_claimer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} · {self.status}"
