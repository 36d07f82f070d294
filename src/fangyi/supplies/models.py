import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangyi.core import clock
from fangyi.core.models import AppendOnlyModel
from fangyi.regions.models import Place, Region
from fangyi.supplies.choices import (
    DonationDirection,
    DonationKind,
    EntryKind,
    ItemCategory,
    LocationKind,
    Priority,
    RequestStatus,
    ShipmentStatus,
    WarehouseLevel,
)


class Item(models.Model):
    """A kind of supply. Quantities are counted in `unit`s; an item handed out in whole packs
    moves in multiples of `pack_size`."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=ItemCategory.choices)
    unit = models.CharField(_("unit"), max_length=8)
    pack_size = models.PositiveIntegerField(_("units per pack"), default=1)
    whole_packs = models.BooleanField(_("moves in whole packs"), default=True)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["category", "code"]
        constraints = [models.CheckConstraint(condition=Q(pack_size__gte=1), name="item_pack_size_positive")]

    def __str__(self) -> str:
        return self.name


class Producer(models.Model):
    """A factory making supplies in the province."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("producer")
        verbose_name_plural = _("producers")
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class ProductionDay(models.Model):
    """A producer's nominal daily capacity and actual output of one item on one day (two series:
    output may exceed capacity with overtime and converted lines)."""

    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.CASCADE, related_name="days"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("daily capacity"), null=True, blank=True)
    output = models.PositiveIntegerField(_("output"), null=True, blank=True)

    class Meta:
        verbose_name = _("production day")
        verbose_name_plural = _("production days")
        ordering = ["date", "producer_id", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["producer", "item", "date"], name="production_day_once")
        ]
        indexes = [models.Index(fields=["item", "date"])]

    def __str__(self) -> str:
        return f"{self.producer} {self.item} {self.date}"


class Warehouse(models.Model):
    """A reserve warehouse (a place of kind "warehouse") of the province, a prefecture or a county."""

    place = models.OneToOneField(
        Place, verbose_name=_("place"), primary_key=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("level"), max_length=16, choices=WarehouseLevel.choices)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["place__region_id", "place__name"]

    def __str__(self) -> str:
        return str(self.place)


class Location(models.Model):
    """Where stock is counted: a warehouse, or the road out of one (goods sent and not yet
    received). Only a location that allows it may go below zero."""

    kind = models.CharField(_("kind"), max_length=16, choices=LocationKind.choices)
    warehouse = models.ForeignKey(
        Warehouse, verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="locations"
    )
    # The warehouse's region, for jurisdiction.
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    allow_negative = models.BooleanField(_("may go below zero"), default=False)

    class Meta:
        verbose_name = _("stock location")
        verbose_name_plural = _("stock locations")
        ordering = ["region_id", "warehouse_id", "kind"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "kind"], name="location_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.warehouse} · {self.get_kind_display()}"


class LedgerEntry(AppendOnlyModel):
    """One posting of the append-only stock ledger: never changed, never deleted. A mistake is
    undone by a reversing entry; balances are derived from the entries."""

    id = models.BigAutoField(primary_key=True)
    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="entries"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    # Signed: in (+) or out (−) of the location, in the item's units.
    quantity = models.BigIntegerField(_("quantity"))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    shipment = models.ForeignKey(
        "Shipment",
        verbose_name=_("shipment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    # A posting made of several entries (a transfer's two legs) shares one posting id.
    posting = models.UUIDField(_("posting"), default=uuid.uuid4, db_index=True)
    note = models.CharField(_("note"), max_length=256, blank=True)
    posted_at = models.DateTimeField(_("posted"), default=clock.now)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["id"]
        indexes = [models.Index(fields=["location", "item", "id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.item}"


class Posting(models.Model):
    """The client key of a ledger posting, so that a retried request posts once: the same key
    with another payload is refused."""

    client_key = models.CharField(_("client key"), max_length=64, primary_key=True)
    posting = models.UUIDField(_("posting"), unique=True)
    payload_digest = models.CharField(_("payload digest"), max_length=64)
    posted_at = models.DateTimeField(_("posted"), default=clock.now)

    class Meta:
        verbose_name = _("posting key")
        verbose_name_plural = _("posting keys")

    def __str__(self) -> str:
        return self.client_key


class Balance(models.Model):
    """Stock of an item at a location: the sum of its ledger entries, kept in the same
    transaction as each posting and checked against the ledger by the reconciliation."""

    location = models.ForeignKey(
        Location, verbose_name=_("location"), on_delete=models.PROTECT, related_name="balances"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"), default=0)
    updated_at = models.DateTimeField(_("updated"), default=clock.now)

    class Meta:
        verbose_name = _("balance")
        verbose_name_plural = _("balances")
        ordering = ["location_id", "item_id"]
        constraints = [models.UniqueConstraint(fields=["location", "item"], name="balance_one_per_item")]

    def __str__(self) -> str:
        return f"{self.location} {self.item} {self.quantity}"


class Reconciliation(models.Model):
    """A periodic check of every balance against the sum of its ledger entries."""

    started_at = models.DateTimeField(_("started"), default=clock.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    balances_checked = models.PositiveIntegerField(_("balances checked"), default=0)
    # [{location, item, balance, ledger}] for each balance that differs from its ledger.
    mismatches = models.JSONField(_("mismatches"), default=list)

    class Meta:
        verbose_name = _("reconciliation")
        verbose_name_plural = _("reconciliations")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({len(self.mismatches)})"


class SupplyRequest(models.Model):
    """A hospital's or a region's request for an item, with its priority tier and need weight."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("requesting region"), on_delete=models.PROTECT, related_name="+"
    )
    place = models.ForeignKey(
        Place, verbose_name=_("for"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity needed"))
    allocated = models.PositiveIntegerField(_("allocated"), default=0)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    # How strongly the need weighs within its tier (patients, staff on duty…): max-min fair
    # shares are proportional to it.
    weight = models.PositiveIntegerField(_("need weight"), default=1)
    reason = models.CharField(_("reason"), max_length=256)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    created_at = models.DateTimeField(_("created"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("supply request")
        verbose_name_plural = _("supply requests")
        ordering = ["priority", "created_at", "id"]
        indexes = [models.Index(fields=["item", "status"]), models.Index(fields=["region", "status"])]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class AllocationRun(models.Model):
    """One allocation of an item's stock at a warehouse to the open requests, stored with its
    inputs and explanation so that it can be run again to the same result."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        Location, verbose_name=_("from"), on_delete=models.PROTECT, related_name="allocation_runs"
    )
    available = models.BigIntegerField(_("available"))
    reserve = models.BigIntegerField(_("kept in reserve"), default=0)
    inputs = models.JSONField(_("inputs"), default=dict)
    result = models.JSONField(_("result"), default=dict)
    explanation = models.JSONField(_("explanation"), default=list)
    created_at = models.DateTimeField(_("run"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} {self.created_at:%Y-%m-%d %H:%M}"


class Allocation(models.Model):
    """What one run gave one request."""

    run = models.ForeignKey(
        AllocationRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="allocations"
    )
    request = models.ForeignKey(
        SupplyRequest, verbose_name=_("request"), on_delete=models.PROTECT, related_name="allocations"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["run_id", "request_id"]
        constraints = [models.UniqueConstraint(fields=["run", "request"], name="allocation_once_per_run")]

    def __str__(self) -> str:
        return f"{self.request} ← {self.quantity}"


class Shipment(models.Model):
    """Goods on their way from one warehouse to another (or to a hospital's warehouse)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    origin = models.ForeignKey(Warehouse, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(
        Warehouse, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    allocation = models.ForeignKey(
        Allocation,
        verbose_name=_("allocation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shipments",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ShipmentStatus.choices, default=ShipmentStatus.PLANNED
    )
    note = models.CharField(_("note"), max_length=256, blank=True)
    created_at = models.DateTimeField(_("created"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "id"]

    def __str__(self) -> str:
        return f"{self.origin} → {self.destination}"


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines"
    )
    item = models.ForeignKey(Item, verbose_name=_("item"), on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["shipment_id", "item_id"]
        constraints = [models.UniqueConstraint(fields=["shipment", "item"], name="shipment_line_once")]

    def __str__(self) -> str:
        return f"{self.item} × {self.quantity}"


class Donation(models.Model):
    """Money or goods given to the province (by a donor, often an overseas association), or given
    by it (to overseas associations). Public ones are listed on the transparency page."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    direction = models.CharField(_("direction"), max_length=4, choices=DonationDirection.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=DonationKind.choices)
    donor = models.CharField(_("donor"), max_length=128)
    country = models.CharField(_("country"), max_length=64, blank=True)
    association = models.CharField(_("association"), max_length=128, blank=True)
    recipient = models.CharField(_("recipient"), max_length=128)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=14, decimal_places=2, null=True, blank=True)
    item = models.ForeignKey(
        Item, verbose_name=_("item"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"), null=True, blank=True)
    # Goods received go into a warehouse through the ledger (that entry's posting).
    warehouse = models.ForeignKey(
        Warehouse,
        verbose_name=_("warehouse"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    posting = models.UUIDField(_("ledger posting"), null=True, blank=True)
    date = models.DateField(_("date"))
    receipt_number = models.CharField(_("receipt number"), max_length=64, unique=True)
    use = models.CharField(_("used for"), max_length=256, blank=True)
    public = models.BooleanField(_("public"), default=True)
    created_at = models.DateTimeField(_("recorded"), default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-date", "receipt_number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=DonationKind.MONEY, amount__isnull=False, item__isnull=True)
                | Q(kind=DonationKind.GOODS, item__isnull=False, quantity__isnull=False),
                name="donation_money_or_goods",
            )
        ]

    def __str__(self) -> str:
        return f"{self.donor} {self.date}"
