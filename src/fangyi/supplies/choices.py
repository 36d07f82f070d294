from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemCategory(models.TextChoices):
    PROTECTION = "protection", _("Personal protection")
    TESTING = "testing", _("Testing")
    EQUIPMENT = "equipment", _("Medical equipment")
    VEHICLE = "vehicle", _("Vehicles")
    DISINFECTION = "disinfection", _("Disinfection")
    NECESSITIES = "necessities", _("Daily necessities")


class WarehouseLevel(models.TextChoices):
    PROVINCE = "province", _("Province reserve")
    PREFECTURE = "prefecture", _("Prefecture reserve")
    COUNTY = "county", _("County reserve")


class LocationKind(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    IN_TRANSIT = "in_transit", _("In transit")


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    TRANSFER_OUT = "transfer_out", _("Sent (transfer)")
    TRANSFER_IN = "transfer_in", _("Received (transfer)")
    ADJUSTMENT = "adjustment", _("Adjustment")
    REVERSAL = "reversal", _("Reversal")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical: intensive care and fever clinics")
    HIGH = 2, _("High: designated hospitals and front-line staff")
    NORMAL = 3, _("Normal: quarantine sites and checkpoints")
    LOW = 4, _("Low: communities and enterprises")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTLY_ALLOCATED = "partly_allocated", _("Partly allocated")
    ALLOCATED = "allocated", _("Allocated")
    CANCELLED = "cancelled", _("Cancelled")


class ShipmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DISPATCHED = "dispatched", _("Dispatched")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class DonationDirection(models.TextChoices):
    IN = "in", _("Received")
    OUT = "out", _("Given")


class DonationKind(models.TextChoices):
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")
