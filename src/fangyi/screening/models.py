import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.models import Job
from fangyi.people.models import Person
from fangyi.quarantine.models import ObservationPeriod
from fangyi.regions.models import Grid, Region
from fangyi.screening.choices import Outcome, RunStatus, SubjectKind, TallyLevel, TaskStatus, TravelSource


class RiskArea(models.Model):
    """An area listed as a risk area from `starts_on` until `ends_on` (exclusive; open while None),
    e.g. Wuhan and all of Hubei from 2020-01-10. Province counties also count as risk areas on the
    days surveillance rates them high-risk; those windows are derived at run time, not listed here.

    `area_code` is a region path: the GB/T 2260 code without its trailing zero groups (42, 4201,
    420106), so a record lies in the area when its own path starts with it.
    """

    area_code = models.CharField(_("area code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=64)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (exclusive)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=256, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("listed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("listed"), default=clock.now)

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["area_code", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=models.F("starts_on")),
                name="risk_area_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TravelRecord(models.Model):
    """One sighting of a person in an area at a time: a ticket, a checkpoint, a roaming handset, a
    gate scan. The subject is a keyed hash (identity number or phone); the plain value is never
    stored. A record whose subject is not (yet) a known resident keeps `person` empty and is matched
    again before every screening run, so residents registered later are found too.
    """

    id = models.BigAutoField(primary_key=True)
    subject_kind = models.CharField(_("subject"), max_length=8, choices=SubjectKind.choices)
    subject_hash = models.CharField(_("subject hash"), max_length=64)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(_("area code"), max_length=12)
    at = models.DateTimeField(_("seen at"))
    source = models.CharField(_("source"), max_length=8, choices=TravelSource.choices)
    job = models.ForeignKey(
        Job, verbose_name=_("import"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(_("imported"), default=clock.now)

    class Meta:
        verbose_name = _("travel record")
        verbose_name_plural = _("travel records")
        ordering = ["at", "id"]
        constraints = [
            # The same sighting imported twice (a re-sent file) is kept once.
            models.UniqueConstraint(
                fields=["subject_hash", "area_code", "at", "source"], name="travel_record_once"
            )
        ]
        indexes = [models.Index(fields=["at"]), models.Index(fields=["person", "at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.area_code} {self.at:%Y-%m-%d %H:%M}"


class ScreeningRun(models.Model):
    """One screening: residents of `region` seen in a risk area, inside its window, in the
    `lookback_days` up to `as_of`. Runs as a background job; stores its parameters and counts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.OneToOneField(Job, verbose_name=_("job"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        Region, verbose_name=_("residents of"), on_delete=models.PROTECT, related_name="+"
    )
    as_of = models.DateField(_("as of"))
    lookback_days = models.PositiveSmallIntegerField(_("look-back (days)"))
    backend = models.CharField(_("engine"), max_length=16)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    # The risk areas the run used, as they stood when it ran: [{area_code, name, starts_on, ends_on, source}].
    risk_areas = models.JSONField(_("risk areas used"), default=list, blank=True)
    # records_scanned, records_unmatched, persons_screened, tasks_created, tasks_existing, seconds.
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("started"), default=clock.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.region} {self.as_of}"


class ScreeningHit(models.Model):
    """A resident a run found: deduplicated over their records in risk areas."""

    run = models.ForeignKey(
        ScreeningRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="hits"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    home_region = models.ForeignKey(
        Region, verbose_name=_("home village or community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    area_code = models.CharField(_("last risk area seen in"), max_length=12)
    first_seen = models.DateTimeField(_("first seen"))
    last_seen = models.DateTimeField(_("last seen"))
    records = models.PositiveIntegerField(_("records"))

    class Meta:
        verbose_name = _("screened person")
        verbose_name_plural = _("screened persons")
        ordering = ["home_region_id", "person_id"]
        constraints = [models.UniqueConstraint(fields=["run", "person"], name="hit_once_per_run")]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.area_code}"


class ScreeningTally(models.Model):
    """Screened persons of one run counted in one prefecture, county, township, village or grid."""

    run = models.ForeignKey(
        ScreeningRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="tallies"
    )
    level = models.CharField(_("level"), max_length=16, choices=TallyLevel.choices)
    code = models.CharField(_("code"), max_length=16)
    persons = models.PositiveIntegerField(_("persons"))

    class Meta:
        verbose_name = _("screening tally")
        verbose_name_plural = _("screening tallies")
        ordering = ["level", "code"]
        constraints = [models.UniqueConstraint(fields=["run", "level", "code"], name="tally_once")]

    def __str__(self) -> str:
        return f"{self.level} {self.code}: {self.persons}"


class GridTask(models.Model):
    """A door-to-door verification of a screened resident by the grid worker of their village or
    community. Not found escalates it to the township and county, who close it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    run = models.ForeignKey(
        ScreeningRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="tasks"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(
        Region, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=256)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    note = models.CharField(_("note"), max_length=256, blank=True)
    due_at = models.DateTimeField(_("due"))
    created_at = models.DateTimeField(_("created"), default=clock.now)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    done_at = models.DateTimeField(_("verified"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    observation = models.ForeignKey(
        ObservationPeriod,
        verbose_name=_("observation opened"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("grid task")
        verbose_name_plural = _("grid tasks")
        ordering = ["due_at", "id"]
        constraints = [
            # A resident found again by a later run while a task is pending gets no second visit.
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status=TaskStatus.DONE),
                name="grid_task_one_pending_per_person",
            )
        ]
        indexes = [models.Index(fields=["region", "status"]), models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.get_status_display()}"
