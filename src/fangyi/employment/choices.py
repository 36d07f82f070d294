from django.db import models
from django.utils.translation import gettext_lazy as _


class PostStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Stage(models.TextChoices):
    """Where an application stands in the employer's hiring pipeline."""

    APPLIED = "applied", _("Applied")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    INTERVIEW = "interview", _("Interview")
    OFFERED = "offered", _("Offered")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Not taken")
    WITHDRAWN = "withdrawn", _("Withdrawn")
