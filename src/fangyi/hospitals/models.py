import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.hospitals.choices import (
    AdmissionStatus,
    BedType,
    ConsultationStatus,
    HospitalLevel,
    InvitationStatus,
    Shift,
    Specialty,
    TreatmentKind,
)
from fangyi.people.models import Person
from fangyi.regions.models import Place, Region
from fangyi.surveillance.choices import Severity
from fangyi.surveillance.models import Case


class Hospital(models.Model):
    """A designated hospital (a place of kind "hospital") and the level it treats at."""

    place = models.OneToOneField(
        Place, verbose_name=_("place"), primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=16, choices=HospitalLevel.choices)
    # The hospital's county, for jurisdiction (the place's region may be finer).
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("designated hospital")
        verbose_name_plural = _("designated hospitals")
        ordering = ["county_id", "place_id"]

    def __str__(self) -> str:
        return str(self.place)


class Ward(models.Model):
    """The beds of one type in a hospital. Occupancy is counted from the admissions in it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("hospital"), on_delete=models.PROTECT, related_name="wards"
    )
    bed_type = models.CharField(_("bed type"), max_length=16, choices=BedType.choices)
    capacity = models.PositiveIntegerField(_("capacity (beds)"))

    class Meta:
        verbose_name = _("ward")
        verbose_name_plural = _("wards")
        ordering = ["hospital_id", "bed_type"]
        constraints = [models.UniqueConstraint(fields=["hospital", "bed_type"], name="ward_one_per_bed_type")]

    def __str__(self) -> str:
        return f"{self.hospital} {self.get_bed_type_display()}"


class Admission(models.Model):
    """A stay of a case in one ward of one hospital, from admission to discharge, death or
    transfer (a transfer ends this stay and starts one elsewhere)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Cascade: a case is deleted only when a replay of 2020 replaces its synthetic cases.
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    hospital = models.ForeignKey(
        Hospital, verbose_name=_("hospital"), on_delete=models.PROTECT, related_name="admissions"
    )
    ward = models.ForeignKey(
        Ward, verbose_name=_("ward"), on_delete=models.PROTECT, related_name="admissions"
    )
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=AdmissionStatus.choices, default=AdmissionStatus.ADMITTED
    )
    admitted_on = models.DateField(_("admitted on"))
    ended_on = models.DateField(_("left on"), null=True, blank=True)
    transferred_from = models.OneToOneField(
        "self",
        verbose_name=_("transferred from"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="transferred_to",
    )
    transfer_reason = models.CharField(_("transfer reason"), max_length=256, blank=True)
    # Severity on admission and now (the history is in surveillance's severity changes and here).
    severity_on_admission = models.CharField(
        _("severity on admission"), max_length=16, choices=Severity.choices
    )
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    tcm = models.BooleanField(_("TCM participation"), default=False)
    admitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("admitted by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    synthetic = models.BooleanField(_("synthetic"), default=False)

    class Meta:
        verbose_name = _("admission")
        verbose_name_plural = _("admissions")
        ordering = ["-admitted_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="admitted"), name="admission_one_open_per_case"
            )
        ]
        indexes = [models.Index(fields=["county", "status"]), models.Index(fields=["ward", "status"])]

    def __str__(self) -> str:
        return f"{self.hospital} {self.admitted_on}"


class SeverityUpdate(models.Model):
    """The daily round of one admitted patient: severity and vital signs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    admission = models.ForeignKey(
        Admission, verbose_name=_("admission"), on_delete=models.CASCADE, related_name="updates"
    )
    date = models.DateField(_("date"))
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    spo2 = models.PositiveSmallIntegerField(_("oxygen saturation (%)"), null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(_("respiratory rate (/min)"), null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(_("heart rate (/min)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=512, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=clock.now)

    class Meta:
        verbose_name = _("severity update")
        verbose_name_plural = _("severity updates")
        ordering = ["admission_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["admission", "date"], name="severity_update_one_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_severity_display()}"


class Treatment(models.Model):
    """One entry of a patient's treatment record (a TCM entry marks the admission as TCM)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    admission = models.ForeignKey(
        Admission, verbose_name=_("admission"), on_delete=models.CASCADE, related_name="treatments"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=TreatmentKind.choices)
    detail = models.CharField(_("detail"), max_length=512)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded"), default=clock.now)

    class Meta:
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")
        ordering = ["admission_id", "date", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Expert(models.Model):
    """A clinical expert of the province's treatment expert groups."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=64)
    title = models.CharField(_("title"), max_length=64, blank=True)
    specialty = models.CharField(_("specialty"), max_length=16, choices=Specialty.choices)
    employer = models.CharField(_("employer"), max_length=128, blank=True)
    # The expert's login, for the consultations they are invited to.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="expert",
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ExpertGroup(models.Model):
    """An expert group assigned to a prefecture (or the province's own group)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=128)
    region = models.ForeignKey(
        Region, verbose_name=_("assigned to"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        Expert, verbose_name=_("leader"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(Expert, verbose_name=_("members"), related_name="groups", blank=True)

    class Meta:
        verbose_name = _("expert group")
        verbose_name_plural = _("expert groups")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "name"], name="expert_group_unique_name")]

    def __str__(self) -> str:
        return self.name


class DutyShift(models.Model):
    """One expert on duty for their group on one shift of one day."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    group = models.ForeignKey(
        ExpertGroup, verbose_name=_("group"), on_delete=models.CASCADE, related_name="rota"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="shifts"
    )
    date = models.DateField(_("date"))
    shift = models.CharField(_("shift"), max_length=8, choices=Shift.choices)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty rota")
        ordering = ["date", "shift", "group_id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "expert", "date", "shift"], name="duty_shift_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_shift_display()} {self.expert}"


class Consultation(models.Model):
    """A remote consultation on a severe or critical patient, requested by their hospital.

    `summary` is the case summary assembled when it was requested (history, latest vitals,
    tests, imaging notes), kept as the experts saw it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    admission = models.ForeignKey(
        Admission, verbose_name=_("admission"), on_delete=models.CASCADE, related_name="consultations"
    )
    county = models.ForeignKey(Region, verbose_name=_("county"), on_delete=models.PROTECT, related_name="+")
    question = models.CharField(_("question for the experts"), max_length=1024)
    summary = models.JSONField(_("case summary"), default=dict)
    status = models.CharField(
        _("status"), max_length=16, choices=ConsultationStatus.choices, default=ConsultationStatus.REQUESTED
    )
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    video_url = models.URLField(_("video link"), max_length=512, blank=True)
    requested_at = models.DateTimeField(_("requested"), default=clock.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("remote consultation")
        verbose_name_plural = _("remote consultations")
        ordering = ["-requested_at", "id"]
        indexes = [models.Index(fields=["county", "status"])]

    def __str__(self) -> str:
        return f"{self.requested_at:%Y-%m-%d} {self.get_status_display()}"


class Invitation(models.Model):
    """An expert invited to a consultation, and their answer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="invitations"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="invitations"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.INVITED
    )
    invited_at = models.DateTimeField(_("invited"), default=clock.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["invited_at", "id"]
        constraints = [models.UniqueConstraint(fields=["consultation", "expert"], name="invitation_once")]

    def __str__(self) -> str:
        return f"{self.expert} {self.get_status_display()}"


class Opinion(models.Model):
    """An expert's opinion in a consultation; it stays with the patient's admission."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation = models.ForeignKey(
        Consultation, verbose_name=_("consultation"), on_delete=models.CASCADE, related_name="opinions"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="opinions"
    )
    text = models.TextField(_("opinion"), max_length=4000)
    recommendations = models.TextField(_("recommended treatment"), max_length=4000, blank=True)
    written_at = models.DateTimeField(_("written"), default=clock.now)

    class Meta:
        verbose_name = _("expert opinion")
        verbose_name_plural = _("expert opinions")
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"{self.expert} {self.written_at:%Y-%m-%d}"
