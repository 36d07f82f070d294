from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactType(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    CARE = "care", _("Care giving")
    WORK = "work", _("Workplace")
    TRANSPORT = "transport", _("Shared transport")
    SHARED_MEAL = "shared_meal", _("Shared meal")
    SOCIAL = "social", _("Social gathering")
    MEDICAL = "medical", _("Medical care without protection")
    OTHER = "other", _("Other close contact")


class SiteKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    FACILITY = "facility", _("Observation facility")


class ObservationKind(models.TextChoices):
    HOME = "home", _("Home observation")
    CENTRALISED = "centralised", _("Centralised observation")
    MONITORING = "monitoring", _("Health monitoring only")


class ObservationSource(models.TextChoices):
    CONTACT = "contact", _("Close contact of a case")
    SCREENING = "screening", _("Big-data screening")
    GATE = "gate", _("Stopped at a gate")
    ARRIVAL = "arrival", _("Arrival from a risk area")
    OTHER = "other", _("Other")


class ObservationStatus(models.TextChoices):
    ACTIVE = "active", _("Under observation")
    RELEASED = "released", _("Released")
    TO_TREATMENT = "to_treatment", _("Became a case")
    CANCELLED = "cancelled", _("Cancelled (entered in error)")


class Slot(models.TextChoices):
    MORNING = "am", _("Morning")
    AFTERNOON = "pm", _("Afternoon")


class AlertKind(models.TextChoices):
    MISSED_CHECKIN = "missed_checkin", _("Missed check-in")
    FEVER = "fever", _("Fever")
