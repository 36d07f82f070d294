from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "fangyi.quarantine"
    label = "quarantine"
    verbose_name = _("Contact tracing and medical observation")

    def ready(self) -> None:
        from fangyi.quarantine.handlers import connect
        from fangyi.quarantine.selectors import under_observation_count
        from fangyi.surveillance.supplements import supplement_register

        connect()
        supplement_register(
            key="under_observation", label=_("Under medical observation"), provide=under_observation_count
        )
