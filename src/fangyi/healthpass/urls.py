from django.urls import path

from fangyi.healthpass import views

app_name = "healthpass"
urlpatterns = [
    path("", views.my_code, name="my_code"),
    path("changes/", views.change_log, name="changes"),
    path("people/<uuid:person_id>/", views.person_colour, name="person"),
    path("declarations/<uuid:declaration_id>/verify/", views.declaration_verify, name="declaration_verify"),
    path("queues/", views.queues, name="queues"),
    path("appeals/<uuid:appeal_id>/decide/", views.appeal_decide, name="appeal_decide"),
    path("overrides/<uuid:override_id>/<str:decision>/", views.override_decide, name="override_decide"),
    path("stats/", views.stats, name="stats"),
]
