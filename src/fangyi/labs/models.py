import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.labs.choices import ReferralSource, ReferralStatus, Result
from fangyi.people.models import Person
from fangyi.regions.models import Place, Region


class Referral(models.Model):
    """A resident sent to a fever clinic (from a gate, an observation check-in or by themselves),
    followed up by the county until it is cleared or reported as a suspected case."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    # The county that follows it up: where it was raised, else the person's home county.
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(
        Place, verbose_name=_("raised at"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=ReferralSource.choices)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    reason = models.CharField(_("reason"), max_length=256)
    status = models.CharField(
        _("status"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), default=clock.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome_note = models.CharField(_("outcome note"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status=ReferralStatus.OPEN),
                name="referral_one_open_per_person",
            )
        ]
        indexes = [models.Index(fields=["county", "status"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.opened_at:%Y-%m-%d}"


class TestResult(models.Model):
    """A laboratory result of one sample of one resident, counted in the resident's home county."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="results",
    )
    sampled_on = models.DateField(_("sampled on"))
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    lab = models.CharField(_("laboratory"), max_length=128)
    reported_at = models.DateTimeField(_("reported"), default=clock.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        ordering = ["sampled_on", "reported_at", "id"]
        indexes = [models.Index(fields=["county", "sampled_on"])]

    def __str__(self) -> str:
        return f"{self.sampled_on} {self.get_result_display()}"

    @property
    def positive(self) -> bool:
        return self.result == Result.POSITIVE
