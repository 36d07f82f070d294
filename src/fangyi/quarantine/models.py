import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.people.models import Person
from fangyi.quarantine.choices import (
    AlertKind,
    ContactType,
    ObservationKind,
    ObservationSource,
    ObservationStatus,
    SiteKind,
    Slot,
)
from fangyi.regions.models import Region
from fangyi.surveillance.models import Case


class Protocol(models.Model):
    """An edition of the prevention and control protocol: the numbers observation follows.

    A period keeps the edition in force when it started, so a new edition changes new periods only.
    """

    version = models.CharField(_("version"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    effective_from = models.DateField(_("effective from"))
    observation_days = models.PositiveSmallIntegerField(_("days of observation after the last exposure"))
    contact_window_days = models.PositiveSmallIntegerField(
        _("days before onset (or sampling) in which contacts count")
    )
    checkins_per_day = models.PositiveSmallIntegerField(_("temperature check-ins a day"), default=2)
    negative_test_required = models.BooleanField(_("negative test required for release"), default=True)
    fever_threshold = models.DecimalField(
        _("fever threshold (°C)"), max_digits=4, decimal_places=1, default=Decimal("37.3")
    )

    class Meta:
        verbose_name = _("protocol edition")
        verbose_name_plural = _("protocol editions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place of centralised observation: a requisitioned hotel or a purpose-run facility."""

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=16, choices=SiteKind.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    address = models.CharField(_("address"), max_length=256, blank=True)
    rooms = models.PositiveIntegerField(_("rooms"))
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("observation site")
        verbose_name_plural = _("observation sites")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="site_unique_name")]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A close contact of a case: a person exposed to the case (primary), or exposed to one of the
    case's close contacts (secondary, `via` that contact)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A contact exists only as a contact of its case: cases are never deleted by the services, but
    # a replayed (synthetic) line list is replaced as a whole, and its contacts go with it.
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="+")
    via = models.ForeignKey(
        "self",
        verbose_name=_("exposed through"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="secondary",
    )
    degree = models.PositiveSmallIntegerField(_("degree"), default=1)
    contact_type = models.CharField(_("contact type"), max_length=16, choices=ContactType.choices)
    last_contact_on = models.DateField(_("last exposure"))
    note = models.CharField(_("note"), max_length=256, blank=True)
    # The contact's home, kept for jurisdiction (the county that traces is where the contact lives).
    region = models.ForeignKey(Region, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered"), default=clock.now)

    class Meta:
        verbose_name = _("close contact")
        verbose_name_plural = _("close contacts")
        ordering = ["-registered_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "person"], name="contact_once_per_case")]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} {self.last_contact_on}"


class ObservationPeriod(models.Model):
    """A resident under medical observation, at home, at a site, or under health monitoring only,
    from `starts_on` until released on or after `due_on` (last exposure + the protocol's days)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    # The resident's home village or community, kept for jurisdiction and the grid worker's list.
    region = models.ForeignKey(Region, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=ObservationKind.choices)
    site = models.ForeignKey(
        Site, verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="periods"
    )
    room = models.CharField(_("room"), max_length=16, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=ObservationSource.choices)
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("close contact"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="periods",
    )
    protocol = models.ForeignKey(
        Protocol, verbose_name=_("protocol edition"), on_delete=models.PROTECT, related_name="+"
    )
    last_exposure_on = models.DateField(_("last exposure"))
    starts_on = models.DateField(_("starts"))
    due_on = models.DateField(_("earliest release"))
    status = models.CharField(
        _("status"), max_length=16, choices=ObservationStatus.choices, default=ObservationStatus.ACTIVE
    )
    ended_on = models.DateField(_("ended"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    end_note = models.CharField(_("note"), max_length=256, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("observation period")
        verbose_name_plural = _("observation periods")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status=ObservationStatus.ACTIVE),
                name="observation_one_active_per_person",
            ),
            models.CheckConstraint(
                condition=Q(site__isnull=True) | Q(kind=ObservationKind.CENTRALISED),
                name="observation_site_only_centralised",
            ),
        ]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on}–{self.due_on}"


class CheckIn(models.Model):
    """A temperature reading of a resident under observation: one per slot (morning, afternoon)."""

    period = models.ForeignKey(
        ObservationPeriod, verbose_name=_("observation"), on_delete=models.PROTECT, related_name="checkins"
    )
    date = models.DateField(_("date"))
    slot = models.CharField(_("slot"), max_length=2, choices=Slot.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=256, blank=True)
    fever = models.BooleanField(_("fever"), default=False)
    # Who entered it: the staff member, or nobody when the resident checked in themselves.
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by staff"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=clock.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["date", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["period", "date", "slot"], name="checkin_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_slot_display()} {self.temperature}"


class Alert(models.Model):
    """Something staff must follow up: a missed check-in, or a fever (which also opened a referral)."""

    period = models.ForeignKey(
        ObservationPeriod, verbose_name=_("observation"), on_delete=models.PROTECT, related_name="alerts"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    date = models.DateField(_("date"))
    slot = models.CharField(_("slot"), max_length=2, choices=Slot.choices)
    referral_id = models.UUIDField(_("referral"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), default=clock.now)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolution_note = models.CharField(_("note"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("observation alert")
        verbose_name_plural = _("observation alerts")
        ordering = ["-date", "slot", "id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "kind", "date", "slot"], name="alert_once_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date} {self.get_slot_display()}"
