import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangyi.people.choices import Sex
from fangyi.regions.models import Grid, Region


class Person(models.Model):
    """A resident. The identity number and phone are stored encrypted, with keyed hashes for
    lookup and masked copies for display; the plain values are only ever shown by an audited reveal.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=64, db_index=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    id_number_encrypted = models.TextField(_("identity number (encrypted)"))
    id_number_hash = models.CharField(_("identity number hash"), max_length=64, unique=True)
    id_number_masked = models.CharField(_("identity number"), max_length=18)
    phone_encrypted = models.TextField(_("phone (encrypted)"), blank=True)
    phone_hash = models.CharField(_("phone hash"), max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("phone"), max_length=11, blank=True)
    home_region = models.ForeignKey(
        Region,
        verbose_name=_("home village or community"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(_("address"), max_length=256, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    synthetic = models.BooleanField(_("synthetic (demo)"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["home_region_id", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"
