from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HospitalsConfig(AppConfig):
    name = "fangyi.hospitals"
    label = "hospitals"
    verbose_name = _("Designated hospitals and expert consultation")
