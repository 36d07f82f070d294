from django.db import models
from django.utils.translation import gettext_lazy as _


class TravelSource(models.TextChoices):
    RAIL = "rail", _("Rail ticket")
    AIR = "air", _("Air ticket")
    ROAD = "road", _("Road checkpoint")
    TELECOM = "telecom", _("Telecom roaming")
    GATE = "gate", _("Gate scan")


class SubjectKind(models.TextChoices):
    ID_NUMBER = "id", _("Identity number")
    PHONE = "phone", _("Phone number")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


class TallyLevel(models.TextChoices):
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village or community")
    GRID = "grid", _("Grid")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To verify")
    ESCALATED = "escalated", _("Not found: escalated")
    DONE = "done", _("Verified")


class Outcome(models.TextChoices):
    HOME_OBSERVATION = "home_observation", _("Present: home observation")
    CENTRALISED_OBSERVATION = "centralised_observation", _("Present: centralised observation")
    HEALTH_MONITORING = "health_monitoring", _("Present: health monitoring only")
    NOT_FOUND = "not_found", _("Not found")
    LEFT_PROVINCE = "left_province", _("Left the province")
    FALSE_MATCH = "false_match", _("False match")
