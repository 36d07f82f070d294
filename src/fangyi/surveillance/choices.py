from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    SUSPECTED = "suspected", _("Suspected")
    CONFIRMED = "confirmed", _("Confirmed")
    ASYMPTOMATIC = "asymptomatic", _("Asymptomatic infection")
    EXCLUDED = "excluded", _("Excluded")


class Origin(models.TextChoices):
    LOCAL = "local", _("Local")
    IMPORTED = "imported", _("Imported")


class Severity(models.TextChoices):
    MILD = "mild", _("Mild")
    MODERATE = "moderate", _("Moderate")
    SEVERE = "severe", _("Severe")
    CRITICAL = "critical", _("Critical")


class Outcome(models.TextChoices):
    NONE = "", _("Under treatment or observation")
    CURED = "cured", _("Cured and discharged")
    DIED = "died", _("Died")


class ConfirmationMethod(models.TextChoices):
    NUCLEIC_ACID = "nucleic_acid", _("Nucleic-acid test")
    CLINICAL = "clinical", _("Clinical diagnosis")
    SEROLOGY = "serology", _("Serology")
    SEQUENCING = "sequencing", _("Sequencing")


class ClusterSetting(models.TextChoices):
    FAMILY = "family", _("Family")
    SITE = "site", _("Site")
    WORK_UNIT = "work_unit", _("Work unit")
    SCHOOL = "school", _("School")
    HEALTHCARE = "healthcare", _("Healthcare facility")
    OTHER = "other", _("Other small setting")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


class ResponseLevel(models.TextChoices):
    LEVEL_I = "I", _("Level I")
    LEVEL_II = "II", _("Level II")
    LEVEL_III = "III", _("Level III")
    ENDED = "ended", _("Ended")


class CaseEventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    EXCLUDED = "excluded", _("Excluded")
    SEVERITY = "severity", _("Severity changed")
    CURED = "cured", _("Cured and discharged")
    DIED = "died", _("Died")
    CLUSTERED = "clustered", _("Linked to a cluster")
