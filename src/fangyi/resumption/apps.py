from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResumptionConfig(AppConfig):
    name = "fangyi.resumption"
    label = "resumption"
    verbose_name = _("Enterprise resumption")
