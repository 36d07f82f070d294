from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthpassConfig(AppConfig):
    name = "fangyi.healthpass"
    label = "healthpass"
    verbose_name = _("Health code")

    def ready(self) -> None:
        from fangyi.healthpass.handlers import connect

        connect()
