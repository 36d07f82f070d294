from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.employment.choices import PostStatus, Stage
from fangyi.people.models import Person
from fangyi.regions.models import Region
from fangyi.resumption.models import Enterprise


class Occupation(models.Model):
    """An occupation of the national occupational classification (职业分类大典, 2015 edition)."""

    code = models.CharField(_("code"), max_length=10, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    # The names posts use for it (普工, 护工...): a query naming one counts as an occupation match.
    keywords = models.CharField(_("keywords"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Employer(models.Model):
    """Who posts jobs: a business in a county (or below), optionally the resumption enterprise it is."""

    name = models.CharField(_("name"), max_length=128)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    enterprise = models.OneToOneField(
        Enterprise,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="employer",
    )
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    accounts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("accounts"), blank=True, related_name="employers"
    )
    registered_at = models.DateTimeField(_("registered"), default=clock.now)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["region_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"], condition=~Q(credit_code=""), name="employer_credit_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class JobPost(models.Model):
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.CharField(_("title"), max_length=64)
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name=_("place of work"), on_delete=models.PROTECT, related_name="+"
    )
    salary_min = models.PositiveIntegerField(_("monthly pay from (yuan)"))
    salary_max = models.PositiveIntegerField(_("monthly pay up to (yuan)"))
    headcount = models.PositiveIntegerField(_("people wanted"))
    requirements = models.TextField(_("requirements"), max_length=2000, blank=True)
    shifts = models.CharField(_("shifts"), max_length=128, blank=True)
    transport_offered = models.BooleanField(_("point-to-point transport"), default=False)
    closing_date = models.DateField(_("closing date"))
    posted_at = models.DateTimeField(_("posted"), default=clock.now)
    status = models.CharField(_("status"), max_length=8, choices=PostStatus.choices, default=PostStatus.OPEN)
    # The segmented title, occupation, requirements, employer and place names the search matches.
    search_text = models.TextField(_("search text"), blank=True)

    class Meta:
        verbose_name = _("job post")
        verbose_name_plural = _("job posts")
        ordering = ["-posted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(salary_max__gte=F("salary_min")), name="jobpost_salary_range"),
            models.CheckConstraint(condition=Q(headcount__gte=1), name="jobpost_wants_someone"),
        ]
        indexes = [
            models.Index(fields=["status", "region"]),
            models.Index(fields=["status", "occupation"]),
            models.Index(fields=["status", "-posted_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class Seeker(models.Model):
    """A resident looking for work. Employers see them with their health code reduced to whether
    they can travel; the name is masked until they apply."""

    person = models.OneToOneField(
        Person, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="+"
    )
    occupation = models.ForeignKey(
        Occupation,
        verbose_name=_("wanted occupation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Space-separated skills (叉车 焊工 电工证...), segmented into `search_text` for matching.
    skills = models.CharField(_("skills"), max_length=256, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("where they look for work"), on_delete=models.PROTECT, related_name="+"
    )
    expected_salary = models.PositiveIntegerField(_("expected monthly pay (yuan)"), default=0)
    available_from = models.DateField(_("available from"))
    # Whether employers may find them and recommend their posts to them.
    visible = models.BooleanField(_("visible to employers"), default=True)
    search_text = models.TextField(_("search text"), blank=True)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)

    class Meta:
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["visible", "region"]), models.Index(fields=["visible", "occupation"])]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.occupation_id or ''}"


class Application(models.Model):
    post = models.ForeignKey(
        JobPost, verbose_name=_("job post"), on_delete=models.PROTECT, related_name="applications"
    )
    seeker = models.ForeignKey(
        Seeker, verbose_name=_("job seeker"), on_delete=models.PROTECT, related_name="applications"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.APPLIED)
    note = models.CharField(_("note"), max_length=256, blank=True)
    applied_at = models.DateTimeField(_("applied"), default=clock.now)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)
    # Set when the stage becomes "hired": hires per employer per day count these.
    hired_at = models.DateTimeField(_("hired"), null=True, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-applied_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["post", "seeker"], name="application_once_per_post")]
        indexes = [models.Index(fields=["post", "stage"]), models.Index(fields=["hired_at"])]

    def __str__(self) -> str:
        return f"{self.post_id} ← {self.seeker_id} ({self.stage})"


class StageChange(models.Model):
    """The pipeline's history: each move of an application, by whom and when."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="changes"
    )
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices)
    changed_at = models.DateTimeField(_("changed"), default=clock.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=256, blank=True)

    class Meta:
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} → {self.stage}"
