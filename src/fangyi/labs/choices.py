from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralSource(models.TextChoices):
    GATE = "gate", _("Gate stop")
    CHECK_IN = "check_in", _("Observation check-in")
    SELF_REPORT = "self_report", _("Self-reported")
    CLINIC = "clinic", _("Walk-in at a fever clinic")


class ReferralStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared: not a case")
    CASE_REPORTED = "case_reported", _("Reported as a suspected case")


class Result(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
