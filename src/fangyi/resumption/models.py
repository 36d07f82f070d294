from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.people.models import Person
from fangyi.regions.models import Region
from fangyi.resumption.choices import (
    ApplicationStatus,
    Industry,
    PolicyApplicationStatus,
    PolicyKind,
    ResumptionStatus,
    SlaState,
    TicketCategory,
    TicketEventKind,
    TicketLevel,
    TicketPriority,
    TicketStatus,
)


class Park(models.Model):
    """An industrial park: its enterprises share a group of liaisons."""

    name = models.CharField(_("name"), max_length=128)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("industrial park")
        verbose_name_plural = _("industrial parks")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="park_name_once_per_region")]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """An enterprise registered by its unified social credit code (GB 32100-2015)."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=128)
    industry = models.CharField(_("industry"), max_length=16, choices=Industry.choices)
    # 规模以上: above the statistical size threshold (annual revenue of 20 million yuan for industry).
    large_scale = models.BooleanField(_("above designated size"), default=False)
    key_project = models.BooleanField(_("key project"), default=False)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    park = models.ForeignKey(
        Park,
        verbose_name=_("industrial park"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    address = models.CharField(_("address"), max_length=256, blank=True)
    workforce = models.PositiveIntegerField(_("employees"), default=0)
    # The latest reported state, kept with the day it was reported (the history is ResumptionDay).
    status = models.CharField(
        _("resumption"), max_length=16, choices=ResumptionStatus.choices, default=ResumptionStatus.NOT_RESUMED
    )
    staff_returned = models.PositiveIntegerField(_("employees back at work"), default=0)
    status_date = models.DateField(_("reported on"), null=True, blank=True)
    # The logins that act for the enterprise (its employer accounts).
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("accounts"), blank=True, related_name="enterprises"
    )
    created_at = models.DateTimeField(_("registered"), default=clock.now)

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["region_id", "name"]
        indexes = [models.Index(fields=["industry", "region"])]

    def __str__(self) -> str:
        return self.name


class LiaisonAssignment(models.Model):
    """A liaison stationed at one enterprise, or in the group of a park (serving all its enterprises)."""

    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("liaison"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="liaisons",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("industrial park"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="liaisons",
    )
    assigned_at = models.DateTimeField(_("assigned"), default=clock.now)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("liaison assignment")
        verbose_name_plural = _("liaison assignments")
        ordering = ["-assigned_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise__isnull=False, park__isnull=True)
                | Q(enterprise__isnull=True, park__isnull=False),
                name="liaison_at_enterprise_or_park",
            ),
            models.UniqueConstraint(
                fields=["liaison", "enterprise"],
                condition=Q(ended_at__isnull=True, enterprise__isnull=False),
                name="liaison_once_per_enterprise",
            ),
            models.UniqueConstraint(
                fields=["liaison", "park"],
                condition=Q(ended_at__isnull=True, park__isnull=False),
                name="liaison_once_per_park",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.liaison_id} → {self.enterprise_id or self.park_id}"


class PreventionPlan(models.Model):
    """The enterprise's prevention checklist (PlanItem values it has in place), checked by its liaison.
    A plan changed after the check must be checked again."""

    enterprise = models.OneToOneField(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="plan"
    )
    items = models.JSONField(_("measures in place"), default=list)
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("prevention plan")
        verbose_name_plural = _("prevention plans")

    def __str__(self) -> str:
        return f"{self.enterprise_id}: {len(self.items)}"


class LiaisonVisit(models.Model):
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="visits"
    )
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("liaison"), on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited"), default=clock.now)
    notes = models.TextField(_("notes"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("liaison visit")
        verbose_name_plural = _("liaison visits")
        ordering = ["-visited_at"]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.visited_at:%Y-%m-%d}"


class Employee(models.Model):
    """A resident on the enterprise's staff list (the identity lives in people)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="employees"
    )
    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(_("added"), default=clock.now)
    active = models.BooleanField(_("on the staff"), default=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["enterprise_id", "added_at"]
        constraints = [models.UniqueConstraint(fields=["enterprise", "person"], name="employee_once")]

    def __str__(self) -> str:
        return f"{self.enterprise_id}/{self.person_id}"


class HealthReport(models.Model):
    """An enterprise's daily employee health report: one line per employee, totals kept here."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="health_reports"
    )
    date = models.DateField(_("date"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_at = models.DateTimeField(_("reported"), default=clock.now)
    employees = models.PositiveIntegerField(_("employees"), default=0)
    on_site = models.PositiveIntegerField(_("at work"), default=0)
    fever = models.PositiveIntegerField(_("with fever"), default=0)
    code_green = models.PositiveIntegerField(_("green code"), default=0)
    code_yellow = models.PositiveIntegerField(_("yellow code"), default=0)
    code_red = models.PositiveIntegerField(_("red code"), default=0)
    code_none = models.PositiveIntegerField(_("no code"), default=0)

    class Meta:
        verbose_name = _("employee health report")
        verbose_name_plural = _("employee health reports")
        ordering = ["-date", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "date"], name="health_report_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.date}"


class HealthReportLine(models.Model):
    report = models.ForeignKey(
        HealthReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="lines"
    )
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="+"
    )
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    symptoms = models.BooleanField(_("symptoms"), default=False)
    on_site = models.BooleanField(_("at work"), default=False)
    # The health-code colour of the employee that day, when they hold a code ("" when not).
    code_colour = models.CharField(_("health code"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("health report line")
        verbose_name_plural = _("health report lines")
        constraints = [models.UniqueConstraint(fields=["report", "employee"], name="health_line_once")]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.employee_id}"


class ResumptionApplication(models.Model):
    """An enterprise's application to reopen, with its prevention plan as checked; the county decides."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="applications"
    )
    planned_date = models.DateField(_("planned reopening"))
    workforce_planned = models.PositiveIntegerField(_("employees returning"))
    plan_items = models.JSONField(_("measures in place"), default=list)
    submitted_at = models.DateTimeField(_("submitted"), default=clock.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_note = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("resumption application")
        verbose_name_plural = _("resumption applications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(status=ApplicationStatus.SUBMITTED),
                name="one_pending_application_per_enterprise",
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.planned_date} ({self.status})"


class ResumptionDay(models.Model):
    """The enterprise's state on one day: the daily series behind the resumption statistics."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    status = models.CharField(_("resumption"), max_length=16, choices=ResumptionStatus.choices)
    workforce = models.PositiveIntegerField(_("employees"))
    returned = models.PositiveIntegerField(_("employees back at work"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("resumption day")
        verbose_name_plural = _("resumption days")
        ordering = ["date", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "date"], name="resumption_day_once"),
            models.CheckConstraint(
                condition=Q(returned__lte=models.F("workforce")), name="returned_within_workforce"
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} {self.date} {self.status}"


class WorkCalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday, or a weekend day worked
    in its place (调休). Ticket deadlines count working days only."""

    date = models.DateField(_("date"), primary_key=True)
    working = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ProblemTicket(models.Model):
    """A problem an enterprise cannot solve alone (一企一策). Its SLA state is derived from its
    event log; `due_at` and `sla_state` keep the last evaluation for lists and the daily check."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="tickets"
    )
    category = models.CharField(_("category"), max_length=16, choices=TicketCategory.choices)
    priority = models.CharField(_("priority"), max_length=8, choices=TicketPriority.choices)
    title = models.CharField(_("title"), max_length=128)
    description = models.TextField(_("description"), max_length=4000)
    status = models.CharField(
        _("status"), max_length=8, choices=TicketStatus.choices, default=TicketStatus.OPEN
    )
    level = models.CharField(
        _("handled by"), max_length=16, choices=TicketLevel.choices, default=TicketLevel.COUNTY
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
    resolution = models.TextField(_("resolution"), max_length=4000, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    sla_state = models.CharField(_("SLA"), max_length=12, choices=SlaState.choices, default=SlaState.ON_TRACK)
    sla_checked_at = models.DateTimeField(_("SLA checked"), null=True, blank=True)

    class Meta:
        verbose_name = _("problem ticket")
        verbose_name_plural = _("problem tickets")
        ordering = ["-opened_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="ticket_satisfaction_1_to_5",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["enterprise", "status"])]

    def __str__(self) -> str:
        return self.title


class TicketEvent(models.Model):
    """One step in a ticket's life (append-only): the SLA clock is computed from these."""

    ticket = models.ForeignKey(
        ProblemTicket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("event"), max_length=12, choices=TicketEventKind.choices)
    at = models.DateTimeField(_("at"), default=clock.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The level the ticket moved to (escalations) or was at.
    level = models.CharField(_("level"), max_length=16, choices=TicketLevel.choices, blank=True)
    note = models.TextField(_("note"), max_length=4000, blank=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["ticket_id", "at", "id"]
        indexes = [models.Index(fields=["ticket", "at"])]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Policy(models.Model):
    """A support policy in the catalogue, with who is eligible (empty = no restriction)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=PolicyKind.choices)
    summary = models.TextField(_("summary"), max_length=4000)
    # Enterprises of this region (and below) may apply.
    issuer = models.ForeignKey(
        Region, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    industries = models.JSONField(_("industries"), default=list, blank=True)
    large_scale_only = models.BooleanField(_("above designated size only"), default=False)
    small_only = models.BooleanField(_("small and medium enterprises only"), default=False)
    key_project_only = models.BooleanField(_("key projects only"), default=False)
    max_workforce = models.PositiveIntegerField(_("at most this many employees"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("support policy")
        verbose_name_plural = _("support policies")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(large_scale_only=True, small_only=True), name="policy_size_rule_consistent"
            )
        ]

    def __str__(self) -> str:
        return self.title


class PolicyApplication(models.Model):
    policy = models.ForeignKey(
        Policy, verbose_name=_("policy"), on_delete=models.PROTECT, related_name="applications"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.CASCADE, related_name="policy_applications"
    )
    amount_requested = models.DecimalField(
        _("amount requested (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=clock.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=PolicyApplicationStatus.choices,
        default=PolicyApplicationStatus.SUBMITTED,
    )
    amount_granted = models.DecimalField(
        _("amount granted (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome_note = models.CharField(_("outcome"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("policy application")
        verbose_name_plural = _("policy applications")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "enterprise"],
                condition=~Q(status=PolicyApplicationStatus.WITHDRAWN),
                name="policy_application_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.policy_id}/{self.enterprise_id} ({self.status})"
