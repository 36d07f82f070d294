from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FunderKind(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    UNION = "union", _("Trade union")


class MerchantCategory(models.TextChoices):
    CATERING = "catering", _("Catering")
    SUPERMARKET = "supermarket", _("Supermarket")
    TOURISM = "tourism", _("Tourism")
    RETAIL = "retail", _("Retail")


class MerchantStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class ClaimMode(models.TextChoices):
    # Only the residents on the programme's eligibility list (employees, union members) may claim.
    LIST = "list", _("Eligibility list")
    FIRST_COME = "first_come", _("First come, first served")
    # Residents enter while claiming is open; the draw issues the stock to the winners.
    LOTTERY = "lottery", _("Lottery")


class EligibleGroup(models.TextChoices):
    EMPLOYEE = "employee", _("Employees")
    UNION_MEMBER = "union_member", _("Union members")


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class VoucherStatus(models.TextChoices):
    HELD = "held", _("Held")
    REDEEMED = "redeemed", _("Redeemed")


class RedemptionStatus(models.TextChoices):
    DONE = "done", _("Redeemed")
    REFUNDED = "refunded", _("Refunded")


class LedgerAccount(models.TextChoices):
    # The funder's spending on the programme: debited when a voucher is redeemed.
    EXPENSE = "expense", _("Voucher expense")
    # What the programme owes a merchant: credited at redemption, cleared by settlement.
    PAYABLE = "payable", _("Owed to merchant")
    # The programme's funds: credited when a settlement pays a merchant.
    FUNDS = "funds", _("Programme funds")


class EntryKind(models.TextChoices):
    REDEMPTION = "redemption", _("Redemption")
    REFUND = "refund", _("Refund")
    SETTLEMENT = "settlement", _("Settlement")


class FraudRule(models.TextChoices):
    VELOCITY = "velocity", _("Many redemptions by one holder in a short time")
    SPLIT_ORDER = "split_order", _("One purchase split into several orders")
    REPEATED_PAIR = "repeated_pair", _("The same holder and merchant again and again")
    OUT_OF_REGION = "out_of_region", _("Claimed from outside the programme's regions")


class FlagStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")
    # Not the "confirmed" of a case: a reviewer found the flag was fraud.
    CONFIRMED = "confirmed", pgettext_lazy("fraud flag", "Confirmed")
