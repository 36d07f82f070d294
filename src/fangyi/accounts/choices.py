from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVINCIAL_COMMAND = "provincial_command", _("Provincial command")
    PREFECTURE_OFFICIAL = "prefecture_official", _("Prefecture official")
    COUNTY_OFFICIAL = "county_official", _("County official")
    TOWNSHIP_OFFICIAL = "township_official", _("Township official")
    GRID_WORKER = "grid_worker", _("Grid worker")
    CHECKPOINT_STAFF = "checkpoint_staff", _("Checkpoint staff")
    CLINIC_STAFF = "clinic_staff", _("Fever clinic staff")
    LAB_STAFF = "lab_staff", _("Lab staff")
    HOSPITAL_STAFF = "hospital_staff", _("Hospital staff")
    EXPERT = "expert", _("Expert")
    SUPPLY_OFFICER = "supply_officer", _("Supply officer")
    ENTERPRISE_LIAISON = "enterprise_liaison", _("Enterprise liaison")
    EMPLOYER = "employer", _("Employer")
    MERCHANT = "merchant", _("Merchant")
    VOLUNTEER_COORDINATOR = "volunteer_coordinator", _("Volunteer coordinator")
    RESIDENT = "resident", _("Resident")
