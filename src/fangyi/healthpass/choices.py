from django.db import models
from django.utils.translation import gettext_lazy as _

from fangyi.regions.choices import PlaceKind


class Colour(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


# Worse colours rank higher: a change to a higher rank revokes the passes issued before it.
COLOUR_RANK = {Colour.GREEN: 0, Colour.YELLOW: 1, Colour.RED: 2}


class OverrideStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting a second approver")
    APPROVED = "approved", _("In force")
    REJECTED = "rejected", _("Rejected")
    ENDED = "ended", _("Ended")


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: override requested")
    REJECTED = "rejected", _("Rejected")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Dry cough")
    FATIGUE = "fatigue", _("Fatigue")
    SORE_THROAT = "sore_throat", _("Sore throat")
    BREATHING = "breathing", _("Shortness of breath")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")


class Decision(models.TextChoices):
    PASS = "pass", _("Pass")
    STOP = "stop", _("Stop")


# Places where codes are checked: the graded defence lines 国门、厂门、小区门、校门 (and 家门 through
# compound gates and grid workers' home visits).
GATE_KINDS = (
    PlaceKind.BORDER_CHECKPOINT,
    PlaceKind.PORT,
    PlaceKind.FACTORY_GATE,
    PlaceKind.COMPOUND_GATE,
    PlaceKind.SCHOOL_GATE,
    PlaceKind.QUARANTINE_SITE,
)
