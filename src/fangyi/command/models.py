import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangyi.command.choices import DirectiveStatus, TargetStatus
from fangyi.core import clock
from fangyi.regions.models import Region


class Directive(models.Model):
    """An order of a command level (the provincial leading group or any level below) to lower
    levels, cascading down to the villages: every region it reaches acts on it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(_("title"), max_length=128)
    body = models.TextField(_("text"), max_length=8000)
    # The level that issued it (a region path): only its regions below receive it.
    issuer = models.ForeignKey(
        Region, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    # The lowest level it reaches ("village" by default: down to every village and community).
    down_to = models.CharField(_("down to"), max_length=16)
    deadline = models.DateTimeField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=DirectiveStatus.choices, default=DirectiveStatus.ACTIVE
    )
    issued_at = models.DateTimeField(_("issued"), default=clock.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("directive")
        verbose_name_plural = _("directives")
        ordering = ["-issued_at", "id"]

    def __str__(self) -> str:
        return self.title


class Attachment(models.Model):
    """A file sent with a directive, or the evidence a region reports with its progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="attachments"
    )
    target = models.ForeignKey(
        "Target",
        verbose_name=_("report of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    name = models.CharField(_("file name"), max_length=128)
    content_type = models.CharField(_("type"), max_length=64)
    data = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded"), default=clock.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class Target(models.Model):
    """A directive at one region that must act on it: acknowledged, reported on, completed; past
    its deadline it is escalated to the level above."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    directive = models.ForeignKey(
        Directive, verbose_name=_("directive"), on_delete=models.CASCADE, related_name="targets"
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=TargetStatus.choices, default=TargetStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    note = models.CharField(_("latest report"), max_length=512, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last reported by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)

    class Meta:
        verbose_name = _("directive target")
        verbose_name_plural = _("directive targets")
        ordering = ["directive_id", "region_id"]
        constraints = [models.UniqueConstraint(fields=["directive", "region"], name="target_once_per_region")]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["directive", "status"])]

    def __str__(self) -> str:
        return f"{self.directive} · {self.region_id}"


class Sitrep(models.Model):
    """The daily situation report of a region, assembled from every module and archived as it was
    on that day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    content = models.JSONField(_("content"), default=dict)
    generated_at = models.DateTimeField(_("generated"), default=clock.now)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("generated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("situation report")
        verbose_name_plural = _("situation reports")
        ordering = ["-date", "region_id"]
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="sitrep_once_a_day")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.date}"
