from django.contrib import admin
from django.urls import include, path, register_converter

from fangyi.api import api
from fangyi.core.converters import RowIdConverter

register_converter(RowIdConverter, "rowid")

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("people/", include("fangyi.people.urls")),
    path("surveillance/", include("fangyi.surveillance.urls")),
    path("labs/", include("fangyi.labs.urls")),
    path("hospitals/", include("fangyi.hospitals.urls")),
    path("screening/", include("fangyi.screening.urls")),
    path("quarantine/", include("fangyi.quarantine.urls")),
    path("supplies/", include("fangyi.supplies.urls")),
    path("resumption/", include("fangyi.resumption.urls")),
    path("volunteers/", include("fangyi.volunteers.urls")),
    path("vouchers/", include("fangyi.vouchers.urls")),
    path("employment/", include("fangyi.employment.urls")),
    path("command/", include("fangyi.command.urls")),
    path("healthpass/gate/", include("fangyi.healthpass.gate_urls")),
    path("healthpass/", include("fangyi.healthpass.urls")),
    path("", include("fangyi.web.urls")),
]
