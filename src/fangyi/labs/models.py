import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.labs.choices import (
    CodeColour,
    ReferralSource,
    ReferralStatus,
    Result,
    RetestStatus,
    SampleKind,
    SampleStatus,
    TriageDecision,
)
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
    # The sample the result was read from (none for a result reported by hand, without a barcode).
    sample = models.ForeignKey(
        "Sample",
        verbose_name=_("sample"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person_results",
    )
    sampled_on = models.DateField(_("sampled on"))
    # When the sample was taken, where known (discharge criteria count hours between samples).
    sampled_at = models.DateTimeField(_("sampled at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    ct_value = models.DecimalField(_("Ct value"), max_digits=4, decimal_places=1, null=True, blank=True)
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


class Laboratory(models.Model):
    """A testing lab (a place of kind "lab") and how many samples it can test a day."""

    place = models.OneToOneField(
        Place, verbose_name=_("place"), primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    daily_capacity = models.PositiveIntegerField(_("daily capacity (samples)"))

    class Meta:
        verbose_name = _("laboratory")
        verbose_name_plural = _("laboratories")

    def __str__(self) -> str:
        return str(self.place)


class ClinicVisit(models.Model):
    """A visitor triaged at a fever clinic by the province-wide protocol (see labs.triage)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    clinic = models.ForeignKey(
        Place, verbose_name=_("fever clinic"), on_delete=models.PROTECT, related_name="+"
    )
    # The clinic's county, for jurisdiction and the reports.
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    exposures = models.JSONField(_("epidemiological history"), default=list, blank=True)
    code_colour = models.CharField(_("health-code colour"), max_length=8, choices=CodeColour.choices)
    decision = models.CharField(_("decision"), max_length=16, choices=TriageDecision.choices)
    # The protocol's reasons for the decision, as codes (shown translated).
    decision_reasons = models.JSONField(_("reasons"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=256, blank=True)
    visited_at = models.DateTimeField(_("visited"), default=clock.now)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("fever clinic visit")
        verbose_name_plural = _("fever clinic visits")
        ordering = ["-visited_at", "id"]
        indexes = [models.Index(fields=["county", "visited_at"])]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.visited_at:%Y-%m-%d}"


class Sample(models.Model):
    """A labelled tube: one resident's swab, or a pool of several residents' swabs.

    A swab that goes into a pool is `pooled` and travels inside it; the pool's result reaches its
    members (negative), or sends each member back for a re-test (positive or inconclusive).
    `turnaround_minutes` and `reported_same_day` are fixed when the result is reported, so that
    the turnaround report is one aggregate query over a million samples.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    barcode = models.CharField(_("barcode"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=SampleKind.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pool = models.ForeignKey(
        "self",
        verbose_name=_("pool"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    visit = models.ForeignKey(
        ClinicVisit,
        verbose_name=_("clinic visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
    )
    retest_of = models.ForeignKey(
        "RetestTask",
        verbose_name=_("re-test of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    collected_at = models.DateTimeField(_("collected"), default=clock.now)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("collected by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    collection_place = models.ForeignKey(
        Place, verbose_name=_("collected at"), on_delete=models.PROTECT, related_name="+"
    )
    # Where the sample was taken (the county of the collection place): jurisdiction and reports.
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=SampleStatus.choices, default=SampleStatus.COLLECTED
    )
    lab = models.ForeignKey(
        Laboratory,
        verbose_name=_("laboratory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
    )
    shipped_at = models.DateTimeField(_("shipped"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    ct_value = models.DecimalField(_("Ct value"), max_digits=4, decimal_places=1, null=True, blank=True)
    operator = models.CharField(_("operator"), max_length=64, blank=True)
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    turnaround_minutes = models.PositiveIntegerField(_("turnaround (minutes)"), null=True, blank=True)
    reported_same_day = models.BooleanField(_("reported the same day"), null=True, blank=True)

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["-collected_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=SampleKind.POOL, person__isnull=True)
                | Q(kind=SampleKind.INDIVIDUAL, person__isnull=False),
                name="sample_person_unless_pool",
            )
        ]
        indexes = [
            models.Index(fields=["county", "collected_at"]),
            models.Index(fields=["lab", "status"]),
            models.Index(fields=["county", "reported_at"]),
            # Each lab's samples received and reported today (the testing dashboard).
            models.Index(fields=["lab", "received_at"]),
            models.Index(fields=["lab", "reported_at"]),
        ]

    def __str__(self) -> str:
        return self.barcode


class RetestTask(models.Model):
    """A member of a positive (or inconclusive) pool, to be sampled again on their own."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sample = models.OneToOneField(
        Sample, verbose_name=_("pooled sample"), on_delete=models.PROTECT, related_name="retest_task"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=8, choices=RetestStatus.choices, default=RetestStatus.OPEN
    )
    created_at = models.DateTimeField(_("created"), default=clock.now)
    done_at = models.DateTimeField(_("re-sampled"), null=True, blank=True)

    class Meta:
        verbose_name = _("re-test task")
        verbose_name_plural = _("re-test tasks")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["county", "status"])]

    def __str__(self) -> str:
        return f"{self.sample} {self.get_status_display()}"
