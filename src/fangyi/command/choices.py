from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetStatus(models.TextChoices):
    PENDING = "pending", _("Not yet acknowledged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class DirectiveStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WITHDRAWN = "withdrawn", _("Withdrawn")
