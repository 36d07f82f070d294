from django.db import models
from django.utils.translation import gettext_lazy as _


class HospitalLevel(models.TextChoices):
    PROVINCE = "province", _("Province-level designated hospital")
    PREFECTURE = "prefecture", _("Prefecture-level designated hospital")
    COUNTY = "county", _("County-level designated hospital")


class BedType(models.TextChoices):
    GENERAL = "general", _("General")
    ISOLATION = "isolation", _("Isolation")
    ICU = "icu", _("Intensive care")


class AdmissionStatus(models.TextChoices):
    ADMITTED = "admitted", _("In hospital")
    TRANSFERRED = "transferred", _("Transferred out")
    DISCHARGED = "discharged", _("Cured and discharged")
    DIED = "died", _("Died")


class TreatmentKind(models.TextChoices):
    ANTIVIRAL = "antiviral", _("Antiviral")
    TCM = "tcm", _("Traditional Chinese medicine")
    OXYGEN = "oxygen", _("Oxygen therapy")
    VENTILATION = "ventilation", _("Mechanical ventilation")
    ECMO = "ecmo", _("ECMO")
    IMAGING = "imaging", _("Imaging (CT, X-ray)")
    OTHER = "other", _("Other")


class Specialty(models.TextChoices):
    RESPIRATORY = "respiratory", _("Respiratory medicine")
    CRITICAL_CARE = "critical_care", _("Critical care")
    INFECTIOUS = "infectious", _("Infectious diseases")
    TCM = "tcm", _("Traditional Chinese medicine")
    CARDIOLOGY = "cardiology", _("Cardiology")
    RADIOLOGY = "radiology", _("Radiology")
    PAEDIATRICS = "paediatrics", _("Paediatrics")
    NURSING = "nursing", _("Nursing")
    PSYCHOLOGY = "psychology", _("Psychology")


class Shift(models.TextChoices):
    DAY = "day", _("Day (08:00–20:00)")
    NIGHT = "night", _("Night (20:00–08:00)")


class ConsultationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SCHEDULED = "scheduled", _("Scheduled")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class InvitationStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
