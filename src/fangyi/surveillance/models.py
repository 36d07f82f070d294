import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.people.models import Person
from fangyi.regions.models import Region
from fangyi.surveillance.choices import (
    CaseEventKind,
    Classification,
    ClusterSetting,
    ConfirmationMethod,
    Origin,
    Outcome,
    ResponseLevel,
    RiskLevel,
    Severity,
)

OPEN_EPISODE = ~Q(classification=Classification.EXCLUDED) & Q(outcome=Outcome.NONE)


class Cluster(models.Model):
    """Two or more cases within the window in one small setting (family, site, work unit...)."""

    name = models.CharField(_("name"), max_length=128)
    setting = models.CharField(_("setting"), max_length=16, choices=ClusterSetting.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """One episode of infection of one person: the single source of case status.

    The dates are the facts the daily reports are computed from; `classification` and `outcome`
    are where the case stands now, and `CaseEvent` keeps how it got there.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, db_index=True
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices, default=Origin.LOCAL)
    source_area = models.CharField(_("infected in (imported cases)"), max_length=64, blank=True)
    # Where the case is counted: the region of residence, and its county for the reports.
    residence = models.ForeignKey(
        Region, verbose_name=_("residence"), on_delete=models.PROTECT, related_name="+"
    )
    county = models.ForeignKey(
        Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+", db_index=True
    )
    current_location = models.CharField(_("current location"), max_length=128, blank=True)
    reporting_unit = models.CharField(_("reporting unit"), max_length=128)
    symptoms = models.CharField(_("symptoms"), max_length=256, blank=True)
    onset_date = models.DateField(_("onset date"), null=True, blank=True)
    report_date = models.DateField(_("report date"))
    # Set when the case was first reported as an asymptomatic infection (kept after conversion).
    asymptomatic_date = models.DateField(_("asymptomatic infection reported"), null=True, blank=True)
    confirmed_date = models.DateField(_("confirmed on"), null=True, blank=True)
    confirmation_method = models.CharField(
        _("confirmation method"), max_length=16, choices=ConfirmationMethod.choices, blank=True
    )
    excluded_date = models.DateField(_("excluded on"), null=True, blank=True)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    outcome = models.CharField(_("outcome"), max_length=8, choices=Outcome.choices, blank=True, default="")
    outcome_date = models.DateField(_("outcome date"), null=True, blank=True)
    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    # A line-list row's own key, so that re-importing the same list changes nothing.
    external_id = models.CharField(_("line-list id"), max_length=64, null=True, blank=True, unique=True)
    synthetic = models.BooleanField(_("synthetic"), default=False)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-report_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=OPEN_EPISODE, name="case_one_open_episode")
        ]
        indexes = [models.Index(fields=["county", "report_date"])]

    def __str__(self) -> str:
        return f"{self.get_classification_display()} {self.report_date}"


class SeverityChange(models.Model):
    """Clinical severity from `date` until the next change or the outcome."""

    case = models.ForeignKey(
        Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="severity_changes"
    )
    date = models.DateField(_("date"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    recorded_at = models.DateTimeField(_("recorded"), default=clock.now)

    class Meta:
        verbose_name = _("severity change")
        verbose_name_plural = _("severity changes")
        ordering = ["date", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.date} {self.severity}"


class CaseEvent(models.Model):
    """The history of a case: every transition with its date, its actor and its reason."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=CaseEventKind.choices)
    date = models.DateField(_("date"))
    detail = models.CharField(_("detail"), max_length=128, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=clock.now)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}"


class DailyReport(models.Model):
    """The epidemic figures of one region (province, prefecture or county) on one day.

    Derived from the cases and never typed in. Rows exist for the days on which something changed;
    a missing day repeats the previous day's stock figures (cumulative, in hospital, severe...)
    with zero new cases. Recomputed per county when one of its cases changes.
    """

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    new_confirmed_local = models.PositiveIntegerField(_("new confirmed (local)"), default=0)
    new_confirmed_imported = models.PositiveIntegerField(_("new confirmed (imported)"), default=0)
    confirmed_cumulative = models.PositiveIntegerField(_("confirmed, cumulative"), default=0)
    confirmed_local_cumulative = models.PositiveIntegerField(_("local confirmed, cumulative"), default=0)
    new_asymptomatic = models.PositiveIntegerField(_("new asymptomatic infections"), default=0)
    suspected_pending = models.PositiveIntegerField(_("suspected under investigation"), default=0)
    severe_now = models.PositiveIntegerField(_("severe now"), default=0)
    critical_now = models.PositiveIntegerField(_("critical now"), default=0)
    new_cured = models.PositiveIntegerField(_("newly cured"), default=0)
    cured_cumulative = models.PositiveIntegerField(_("cured, cumulative"), default=0)
    new_deaths = models.PositiveIntegerField(_("new deaths"), default=0)
    deaths_cumulative = models.PositiveIntegerField(_("deaths, cumulative"), default=0)
    in_hospital = models.PositiveIntegerField(_("confirmed in hospital"), default=0)
    last_new_confirmed = models.DateField(_("last new confirmed case"), null=True, blank=True)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["region_id", "date"]
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="daily_report_region_date")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.date}"

    @property
    def new_confirmed(self) -> int:
        return self.new_confirmed_local + self.new_confirmed_imported


class RiskRuleSet(models.Model):
    """A versioned set of thresholds for county risk levels (the 2020 national protocol by default)."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    description = models.CharField(_("description"), max_length=256, blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=14)
    cumulative_threshold = models.PositiveIntegerField(_("cumulative cases threshold"), default=50)
    cluster_min_cases = models.PositiveSmallIntegerField(_("cases that make a cluster"), default=2)
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("risk rule set")
        verbose_name_plural = _("risk rule sets")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.version


class CountyRiskLevel(models.Model):
    """A county's risk level on a day, with the rule set that gave it and the reason."""

    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    rule_set = models.ForeignKey(
        RiskRuleSet, verbose_name=_("rule set"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=256)
    computed_at = models.DateTimeField(_("computed"), default=clock.now)

    class Meta:
        verbose_name = _("county risk level")
        verbose_name_plural = _("county risk levels")
        ordering = ["county_id", "date"]
        constraints = [models.UniqueConstraint(fields=["county", "date"], name="risk_level_county_date")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.date} {self.level}"


class ResponseLevelPeriod(models.Model):
    """The province's emergency response level from a date on, as command staff declared it."""

    level = models.CharField(_("response level"), max_length=8, choices=ResponseLevel.choices)
    start_date = models.DateField(_("from"), unique=True)
    note = models.CharField(_("note"), max_length=256, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("declared by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("response level")
        verbose_name_plural = _("response levels")
        ordering = ["start_date"]

    def __str__(self) -> str:
        return f"{self.start_date} {self.level}"
