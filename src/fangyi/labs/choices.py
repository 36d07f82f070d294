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
    INCONCLUSIVE = "inconclusive", _("Inconclusive")


class Symptom(models.TextChoices):
    """The symptoms the province-wide triage protocol asks about."""

    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Dry cough")
    FATIGUE = "fatigue", _("Fatigue")
    SORE_THROAT = "sore_throat", _("Sore throat")
    LOSS_OF_SMELL = "loss_of_smell", _("Loss of smell or taste")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    SHORTNESS_OF_BREATH = "shortness_of_breath", _("Shortness of breath")
    CHEST_PAIN = "chest_pain", _("Chest pain or pressure")
    CONFUSION = "confusion", _("Confusion")


class Exposure(models.TextChoices):
    """Epidemiological history within 14 days before the visit."""

    TRAVEL_RISK_AREA = "travel_risk_area", _("Travelled from or lived in a risk area")
    CONTACT_CASE = "contact_case", _("Contact with a confirmed case or asymptomatic infection")
    CONTACT_FEVER = "contact_fever", _("Contact with people with fever from a risk area")
    CLUSTER = "cluster", _("Part of a cluster of fever or respiratory illness")


class CodeColour(models.TextChoices):
    """The health-code colour shown at the clinic door (read by the clinic, not derived here)."""

    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    UNKNOWN = "unknown", _("No code shown")


class TriageDecision(models.TextChoices):
    SAMPLE_ISOLATE = "sample_isolate", _("Sample and isolate")
    SAMPLE_HOME = "sample_home", _("Sample and send home under observation")
    REFER = "refer", _("Refer to a designated hospital")


class SampleKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual sample")
    POOL = "pool", _("Pooled sample")


class SampleStatus(models.TextChoices):
    COLLECTED = "collected", _("Collected")
    POOLED = "pooled", _("Pooled")
    SHIPPED = "shipped", _("In transit")
    RECEIVED = "received", _("Received by the lab")
    REPORTED = "reported", _("Reported")
    RETEST = "retest", _("To be re-tested")


class RetestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Re-sampled")
