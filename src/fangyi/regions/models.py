from django.db import models
from django.utils.translation import gettext_lazy as _

from fangyi.regions.choices import Kind, Level, PlaceKind


class Region(models.Model):
    """An administrative division, province to village/community.

    The primary key is the region path: the GB/T 2260 / statistical code without its trailing
    zero groups (43, 4301, 430102, 430102001, 430102001001), so that every descendant's key starts
    with it and jurisdiction is a prefix filter on a foreign-key column, with no join.
    """

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=64, db_index=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    population = models.PositiveBigIntegerField(_("population (2020 census)"), null=True, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def official_code(self) -> str:
        """The published code: 6 digits for province to county, 9 for townships, 12 for villages."""
        return self.code.ljust(6, "0") if len(self.code) <= 6 else self.code


class Grid(models.Model):
    """A block of households under one grid worker, inside a village or community."""

    code = models.CharField(_("code"), max_length=16, primary_key=True)
    name = models.CharField(_("name"), max_length=64)
    region = models.ForeignKey(
        Region, verbose_name=_("village or community"), on_delete=models.PROTECT, related_name="grids"
    )
    households = models.PositiveIntegerField(_("households"), default=0)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.region.name} {self.name}"


class Place(models.Model):
    """A site where the platform acts: a checkpoint, a gate, a clinic, a lab, a warehouse..."""

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=PlaceKind.choices, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="places"
    )
    address = models.CharField(_("address"), max_length=256, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["region_id", "name"]
        constraints = [models.UniqueConstraint(fields=["region", "kind", "name"], name="place_unique_name")]

    def __str__(self) -> str:
        return self.name
