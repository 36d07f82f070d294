from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PostStatus(models.TextChoices):
    # A post taking applications (招聘中), not an "open" ticket waiting to be handled.
    OPEN = "open", pgettext_lazy("job post", "Open")
    CLOSED = "closed", pgettext_lazy("job post", "Closed")


class Stage(models.TextChoices):
    """Where an application stands in the employer's hiring pipeline."""

    APPLIED = "applied", _("Applied")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    INTERVIEW = "interview", _("Interview")
    OFFERED = "offered", _("Offered")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Not taken")
    WITHDRAWN = "withdrawn", _("Withdrawn")
