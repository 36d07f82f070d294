from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.people.models import Person
from fangyi.regions.models import Place, Region
from fangyi.volunteers.choices import (
    CallerGroup,
    CounsellingRisk,
    CounsellingTopic,
    HoursStatus,
    MissionKind,
    MissionStatus,
    Qualification,
    SignUpStatus,
)


class Volunteer(models.Model):
    """A registered volunteer: a resident (identity in people) serving in a region. With a
    verified qualification they are a counsellor and may take hotline shifts."""

    person = models.OneToOneField(
        Person, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="volunteer"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("serves in"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.CharField(_("organisation"), max_length=128, blank=True)
    skills = models.JSONField(_("skills"), default=list, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    availability = models.JSONField(_("availability"), default=list, blank=True)
    qualification = models.CharField(
        _("counselling qualification"), max_length=32, choices=Qualification.choices, blank=True
    )
    qualification_number = models.CharField(_("certificate number"), max_length=32, blank=True)
    qualification_verified_at = models.DateTimeField(_("qualification verified"), null=True, blank=True)
    qualification_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_at = models.DateTimeField(_("registered"), default=clock.now)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["-registered_at", "id"]
        indexes = [models.Index(fields=["region", "active"])]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.region_id}"

    @property
    def is_counsellor(self) -> bool:
        return bool(self.qualification and self.qualification_verified_at)


class Mission(models.Model):
    """Work volunteers sign up for: a checkpoint rota, community errands, deliveries, hotline cover."""

    kind = models.CharField(_("kind"), max_length=16, choices=MissionKind.choices)
    title = models.CharField(_("title"), max_length=128)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(
        Place, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    slots = models.PositiveIntegerField(_("volunteers needed"))
    skills_wanted = models.JSONField(_("skills wanted"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MissionStatus.choices, default=MissionStatus.OPEN
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("organiser"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="mission_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(slots__gte=1), name="mission_needs_someone"),
        ]
        indexes = [models.Index(fields=["region", "status", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    mission = models.ForeignKey(
        Mission, verbose_name=_("mission"), on_delete=models.CASCADE, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=SignUpStatus.choices, default=SignUpStatus.SIGNED_UP
    )
    created_at = models.DateTimeField(_("signed up"), default=clock.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["mission", "volunteer"], name="signup_once")]

    def __str__(self) -> str:
        return f"{self.mission_id}/{self.volunteer_id} ({self.status})"


class HoursRecord(models.Model):
    """Time served on an assigned mission: checked in and out by the volunteer, approved by the
    organiser. A volunteer's records never overlap."""

    signup = models.ForeignKey(
        SignUp, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="hours"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="hours"
    )
    check_in_at = models.DateTimeField(_("checked in"))
    check_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=HoursStatus.choices, default=HoursStatus.ON_DUTY
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
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("hours record")
        verbose_name_plural = _("hours records")
        ordering = ["-check_in_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer"],
                condition=Q(check_out_at__isnull=True),
                name="one_open_duty_per_volunteer",
            ),
            models.CheckConstraint(
                condition=Q(check_out_at__isnull=True) | Q(check_out_at__gt=models.F("check_in_at")),
                name="hours_check_out_after_check_in",
            ),
        ]
        indexes = [models.Index(fields=["volunteer", "check_in_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.check_in_at:%Y-%m-%d %H:%M}"


class Certificate(models.Model):
    """A service certificate for approved hours; anyone can verify it by its serial."""

    serial = models.CharField(_("serial"), max_length=24, unique=True)
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="certificates"
    )
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=1)
    missions = models.PositiveIntegerField(_("missions"))
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    issued_at = models.DateTimeField(_("issued"), default=clock.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("service certificate")
        verbose_name_plural = _("service certificates")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.serial


class HotlineShift(models.Model):
    """A counsellor's shift on the psychological assistance hotline."""

    line = models.CharField(_("hotline"), max_length=64)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    counsellor = models.ForeignKey(
        Volunteer, verbose_name=_("counsellor"), on_delete=models.PROTECT, related_name="shifts"
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("hotline shift")
        verbose_name_plural = _("hotline shifts")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            )
        ]
        indexes = [
            models.Index(fields=["counsellor", "starts_at"]),
            models.Index(fields=["region", "starts_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.line} {self.starts_at:%Y-%m-%d %H:%M}"


class CounsellingSession(models.Model):
    """An anonymous log of one hotline call: who called only as a group, never a name or number."""

    shift = models.ForeignKey(
        HotlineShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="sessions"
    )
    started_at = models.DateTimeField(_("started"))
    minutes = models.PositiveIntegerField(_("minutes"))
    caller_group = models.CharField(_("caller"), max_length=16, choices=CallerGroup.choices)
    topic = models.CharField(_("topic"), max_length=16, choices=CounsellingTopic.choices)
    risk = models.CharField(
        _("risk"), max_length=8, choices=CounsellingRisk.choices, default=CounsellingRisk.NONE
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    logged_at = models.DateTimeField(_("logged"), default=clock.now)

    class Meta:
        verbose_name = _("counselling session")
        verbose_name_plural = _("counselling sessions")
        ordering = ["-started_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gte=1), name="session_lasts")]

    def __str__(self) -> str:
        return f"{self.shift_id} {self.started_at:%Y-%m-%d %H:%M}"
