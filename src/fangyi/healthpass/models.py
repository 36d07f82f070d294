import base64
import uuid

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.healthpass.choices import AppealStatus, Colour, Decision, OverrideStatus
from fangyi.people.models import Person
from fangyi.regions.models import Place, Region

USER = settings.AUTH_USER_MODEL


class ColourRuleSet(models.Model):
    """A version of the colour rules. The newest one in force on a day decides that day's colours."""

    version = models.CharField(_("version"), max_length=32, unique=True)
    description = models.CharField(_("description"), max_length=256, blank=True)
    effective_from = models.DateField(_("effective from"))
    arrival_window_days = models.PositiveSmallIntegerField(_("arrivals window (days)"), default=14)
    yellow_release_days = models.PositiveSmallIntegerField(_("yellow: check-in days to release"), default=7)
    red_release_days = models.PositiveSmallIntegerField(_("red: check-in days to release"), default=14)
    checkins_required = models.BooleanField(_("release needs daily check-ins"), default=True)
    negative_test_for_red = models.BooleanField(_("red release needs a negative test"), default=True)
    fever_threshold = models.DecimalField(
        _("fever threshold (°C)"), max_digits=3, decimal_places=1, default=37.3
    )
    # Areas outside the platform's own counties whose arrivals are held yellow until verified,
    # matched as prefixes of the declared origin ("湖北省" covers "湖北省武汉市").
    high_risk_areas = models.JSONField(_("high-risk areas"), default=list, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)

    class Meta:
        verbose_name = _("colour rule set")
        verbose_name_plural = _("colour rule sets")
        ordering = ["-effective_from", "-created_at"]

    def __str__(self) -> str:
        return self.version


class ColourState(models.Model):
    """A resident's current colour and the pseudonym their passes carry."""

    person = models.OneToOneField(
        Person, verbose_name=_("resident"), primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("pass subject"), max_length=32, unique=True)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices, db_index=True)
    reason_code = models.CharField(_("reason"), max_length=32)
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=32)
    since = models.DateTimeField(_("since"), default=clock.now)
    computed_at = models.DateTimeField(_("computed"), default=clock.now)
    pass_expires_at = models.DateTimeField(_("last pass valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("colour")
        verbose_name_plural = _("colours")

    def __str__(self) -> str:
        return f"{self.person_id}: {self.colour}"


class ColourChange(models.Model):
    """One change of one resident's colour, with the rule, the reason and the evidence. Append-only."""

    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("time"), default=clock.now, db_index=True)
    from_colour = models.CharField(_("from"), max_length=8, choices=Colour.choices, blank=True)
    to_colour = models.CharField(_("to"), max_length=8, choices=Colour.choices)
    rule_version = models.CharField(_("rule version"), max_length=32)
    reason_code = models.CharField(_("reason"), max_length=32)
    reason_params = models.JSONField(_("reason details"), default=dict, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    actor = models.ForeignKey(
        USER, verbose_name=_("by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The resident's home, copied so the log is scoped without a join.
    region = models.ForeignKey(Region, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("colour change")
        verbose_name_plural = _("colour changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.from_colour}→{self.to_colour}"


class HealthDeclaration(models.Model):
    """A resident's daily health and travel declaration: the daily check-in the release rules count."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    submitted_at = models.DateTimeField(_("submitted"), default=clock.now)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    travelled = models.BooleanField(_("arrived from elsewhere in the last 14 days"), default=False)
    origin = models.CharField(_("came from"), max_length=128, blank=True)
    origin_county = models.ForeignKey(
        Region,
        verbose_name=_("came from (county in the province)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    arrival_date = models.DateField(_("arrived on"), null=True, blank=True)
    # What made the origin high-risk when declared (an area of the rule set, or a county's risk level).
    high_risk_reason = models.CharField(_("high-risk origin"), max_length=128, blank=True)
    verified_at = models.DateTimeField(_("arrival verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        USER, verbose_name=_("verified by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("health declaration")
        verbose_name_plural = _("health declarations")
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["person", "date"], name="declaration_one_per_day")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.date}"


class ColourOverride(models.Model):
    """A colour set by officials over the rules: requested by one, in force only once another approves."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+")
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=12, choices=OverrideStatus.choices, default=OverrideStatus.REQUESTED
    )
    ends_at = models.DateTimeField(_("in force until"))
    requested_by = models.ForeignKey(
        USER, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=clock.now)
    decided_by = models.ForeignKey(
        USER, verbose_name=_("decided by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=256, blank=True)
    appeal = models.ForeignKey(
        "Appeal", verbose_name=_("appeal"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    region = models.ForeignKey(Region, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("colour override")
        verbose_name_plural = _("colour overrides")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="override_second_approver",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.colour} ({self.status})"


class Appeal(models.Model):
    """A resident's objection to their colour, worked by officials in a queue."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey(Person, verbose_name=_("resident"), on_delete=models.CASCADE, related_name="+")
    colour = models.CharField(_("colour when filed"), max_length=8, choices=Colour.choices)
    text = models.TextField(_("why the colour is wrong"))
    status = models.CharField(
        _("status"), max_length=12, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    filed_at = models.DateTimeField(_("filed"), default=clock.now, db_index=True)
    handled_by = models.ForeignKey(
        USER, verbose_name=_("handled by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    response = models.TextField(_("response"), blank=True)
    region = models.ForeignKey(Region, verbose_name=_("home"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="open"), name="appeal_one_open_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} ({self.status})"


class SigningKey(models.Model):
    """An ES256 key that signs passes. The newest unretired key signs; retired keys stay published
    until every pass they signed has expired, so gates keep verifying across a rotation."""

    kid = models.CharField(_("key id"), max_length=16, unique=True)
    public_key_pem = models.TextField(_("public key"))
    private_key_encrypted = models.TextField(_("private key (encrypted)"))
    created_at = models.DateTimeField(_("created"), default=clock.now)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.kid

    @property
    def kid_bytes(self) -> bytes:
        """The key id as passes carry it (`kid` is its unpadded base64url text)."""
        return base64.urlsafe_b64decode(self.kid + "=" * (-len(self.kid) % 4))

    def public_key(self) -> ec.EllipticCurvePublicKey:
        key = serialization.load_pem_public_key(self.public_key_pem.encode())
        assert isinstance(key, ec.EllipticCurvePublicKey)
        return key


class Revocation(models.Model):
    """Passes of `subject` issued at or before `revoked_before` are no longer valid (the colour got
    worse). The id is the revocation list's version: gates fetch the entries after the one they hold."""

    subject = models.CharField(_("pass subject"), max_length=32, db_index=True)
    revoked_before = models.DateTimeField(_("revokes passes issued up to"))
    created_at = models.DateTimeField(_("created"), default=clock.now, db_index=True)

    class Meta:
        verbose_name = _("revocation")
        verbose_name_plural = _("revocations")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.subject} ≤ {self.revoked_before:%Y-%m-%d %H:%M}"


class Scan(models.Model):
    """One code check at a gate. The id comes from the scanning device, so a scan queued offline
    and sent twice is recorded once. Purged after FANGYI_SCAN_RETENTION_DAYS (tallies remain)."""

    id = models.UUIDField(primary_key=True, editable=False)
    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(USER, verbose_name=_("staff"), on_delete=models.PROTECT, related_name="+")
    scanned_at = models.DateTimeField(_("scanned"), db_index=True)
    received_at = models.DateTimeField(_("received"), default=clock.now)
    offline = models.BooleanField(_("queued offline"), default=False)
    subject = models.CharField(_("pass subject"), max_length=32, blank=True)
    colour = models.CharField(_("colour"), max_length=8, choices=Colour.choices, blank=True)
    verify_code = models.CharField(_("verification"), max_length=24)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=4, decimal_places=1)
    fever = models.BooleanField(_("fever"), default=False)
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    reason_code = models.CharField(_("reason"), max_length=24)
    referral_id = models.UUIDField(_("fever referral"), null=True, blank=True)

    class Meta:
        verbose_name = _("scan")
        verbose_name_plural = _("scans")
        ordering = ["-scanned_at"]
        indexes = [models.Index(fields=["place", "-scanned_at"])]

    def __str__(self) -> str:
        return f"{self.scanned_at:%Y-%m-%d %H:%M} {self.decision}"


class ScanTally(models.Model):
    """Scans, stops and fevers per place and day (Asia/Shanghai): kept after the scans are purged."""

    place = models.ForeignKey(Place, verbose_name=_("place"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    scans = models.PositiveIntegerField(_("scans"), default=0)
    stops = models.PositiveIntegerField(_("stops"), default=0)
    fevers = models.PositiveIntegerField(_("fevers"), default=0)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("daily scan tally")
        verbose_name_plural = _("daily scan tallies")
        ordering = ["-date", "place_id"]
        constraints = [models.UniqueConstraint(fields=["place", "date"], name="scan_tally_place_day")]

    def __str__(self) -> str:
        return f"{self.place_id} {self.date}"
