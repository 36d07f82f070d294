from django.urls import path

from fangyi.healthpass import gate_views

app_name = "gate"
urlpatterns = [
    path("scan/", gate_views.scanner, name="scan"),
    path("dcc/", gate_views.dcc_check, name="dcc"),
]
