from django.db import models
from django.utils.translation import gettext_lazy as _


class PostStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
